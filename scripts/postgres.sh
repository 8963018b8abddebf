#!/usr/bin/env bash
# A private, throw-away PostgreSQL cluster for tests and CI.
#
#   scripts/postgres.sh start DIR PORT   create (once) and start a cluster in DIR on
#                                        127.0.0.1:PORT, create the database
#                                        harmwatch_test and print its URL
#   scripts/postgres.sh stop DIR         stop the cluster in DIR (no-op when not running)
#   scripts/postgres.sh url DIR PORT     print the URL of the test database
#
# The cluster trusts every local connection, listens on 127.0.0.1 only, keeps its
# Unix socket inside DIR (DIR/run) and runs with fsync off: it is for tests, never for
# data you want to keep. DIR layout: DIR/data (PGDATA), DIR/run (socket), DIR/postgres.log.
#
# PostgreSQL is installed with apt-get only when neither initdb nor pg_ctl can be found
# (on PATH or under /usr/lib/postgresql/*/bin). As root the server runs as the user
# postgres (PostgreSQL refuses to run as root), so DIR is chowned to postgres and every
# folder above DIR must be searchable by postgres. Starting an already running cluster
# is fine. Works without a terminal (CI=true, no stdin).
set -euo pipefail

DATABASE=harmwatch_test

die() {
    echo "postgres.sh: $*" >&2
    exit 1
}

usage() {
    echo "usage: $0 start DIR PORT | stop DIR | url DIR PORT" >&2
    exit 2
}

# The folder holding initdb and pg_ctl, or nothing.
find_bindir() {
    local exe
    for exe in initdb pg_ctl; do
        if command -v "$exe" >/dev/null 2>&1; then
            local path
            path=$(readlink -f "$(command -v "$exe")")
            if [[ -x "$(dirname "$path")/initdb" && -x "$(dirname "$path")/pg_ctl" ]]; then
                dirname "$path"
                return
            fi
        fi
    done
    local dir
    # Newest version first.
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
            echo "$dir"
            return
        fi
    done
}

install_postgres() {
    echo "postgres.sh: PostgreSQL not found; installing it with apt-get" >&2
    local sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null 2>&1 || die "PostgreSQL is not installed and this is not root"
        sudo=(sudo -n)
    fi
    command -v apt-get >/dev/null 2>&1 || die "PostgreSQL is not installed and apt-get is absent"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -q </dev/null >&2
    "${sudo[@]}" apt-get install -y -q postgresql </dev/null >&2
}

BINDIR=""
ensure_bindir() {
    BINDIR=$(find_bindir)
    if [[ -z "$BINDIR" ]]; then
        install_postgres
        BINDIR=$(find_bindir)
        [[ -n "$BINDIR" ]] || die "initdb and pg_ctl still not found after installing PostgreSQL"
    fi
}

# Run a command as the cluster's owner: postgres when we are root, else ourselves.
as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

url() {
    echo "postgresql+psycopg://postgres@127.0.0.1:$1/$DATABASE"
}

check_port() {
    [[ "$1" =~ ^[0-9]+$ && "$1" -ge 1 && "$1" -le 65535 ]] || die "bad port: $1"
}

# The port the running cluster in DATA listens on (4th line of postmaster.pid).
running_port() {
    sed -n 4p "$1/postmaster.pid" 2>/dev/null || true
}

is_running() {
    as_owner "$BINDIR/pg_ctl" -D "$1" status >/dev/null 2>&1
}

start() {
    local dir=$1 port=$2
    check_port "$port"
    ensure_bindir
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    local data="$dir/data" run="$dir/run" log="$dir/postgres.log"
    mkdir -p "$run"
    if [[ $(id -u) -eq 0 ]]; then
        if ! id postgres >/dev/null 2>&1; then
            useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash \
                postgres
        fi
        chown -R postgres: "$dir"
        as_owner test -w "$dir" ||
            die "the user postgres cannot reach $dir: make every folder above it searchable"
    fi

    if [[ ! -f "$data/PG_VERSION" ]]; then
        as_owner "$BINDIR/initdb" -D "$data" -A trust -U postgres -E UTF8 --locale=C \
            --no-sync --no-instructions >"$dir/initdb.log" 2>&1 ||
            { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    fi

    if is_running "$data"; then
        if [[ "$(running_port "$data")" != "$port" ]]; then
            echo "postgres.sh: restarting the cluster in $dir on port $port" >&2
            as_owner "$BINDIR/pg_ctl" -D "$data" -m fast -w stop >/dev/null
        fi
    fi
    if ! is_running "$data"; then
        as_owner "$BINDIR/pg_ctl" -D "$data" -l "$log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $run -c fsync=off \
-c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
            start >/dev/null ||
            { tail -n 20 "$log" >&2 || true; die "the server did not start (log: $log)"; }
    fi

    local psql=("$BINDIR/psql" -X -q -h "$run" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1)
    if [[ -z "$(as_owner "${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" ]]; then
        as_owner "${psql[@]}" -c "CREATE DATABASE $DATABASE" >/dev/null
    fi
    url "$port"
}

stop() {
    local dir=$1
    local data="$dir/data"
    [[ -f "$data/PG_VERSION" ]] || return 0
    ensure_bindir
    if is_running "$data"; then
        as_owner "$BINDIR/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    fi
}

[[ $# -ge 1 ]] || usage
case "$1" in
    start)
        [[ $# -eq 3 ]] || usage
        start "$2" "$3"
        ;;
    stop)
        [[ $# -eq 2 ]] || usage
        stop "$2"
        ;;
    url)
        [[ $# -eq 3 ]] || usage
        check_port "$3"
        url "$3"
        ;;
    *)
        usage
        ;;
esac
