"""Helpers for tests against PostgreSQL: a private cluster and throw-away databases.

The cluster is the one ``scripts/postgres.sh`` makes (see that script); each test
gets its own empty database in it, created and dropped here.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import uuid
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

#: Set (as .ci/run does) to test against an already running server instead.
POSTGRES_URL_ENV = "HARMWATCH_TEST_POSTGRES_URL"

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "postgres.sh"


def postgres_installed() -> bool:
    """Whether initdb and pg_ctl are on this machine (where scripts/postgres.sh looks)."""
    if shutil.which("initdb") or shutil.which("pg_ctl"):
        return True
    return any(
        os.access(os.path.join(folder, "initdb"), os.X_OK)
        for folder in glob.glob("/usr/lib/postgresql/*/bin")
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on (at the time of asking)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_cluster(folder: Path, port: int) -> str:
    """Start a private cluster in ``folder``; the SQLAlchemy URL of its test database."""
    result = subprocess.run(
        ["bash", str(SCRIPT), "start", str(folder), str(port)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"scripts/postgres.sh start failed (exit {result.returncode}):\n"
            f"{result.stdout}{result.stderr}"
        )
    return result.stdout.strip().splitlines()[-1]


def stop_cluster(folder: Path) -> None:
    subprocess.run(
        ["bash", str(SCRIPT), "stop", str(folder)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=False,
    )


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL (``postgresql+psycopg://...``) as psycopg takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def create_database(server_url: str) -> str:
    """Create a new, empty, uniquely named database; its SQLAlchemy URL.

    ``server_url`` is the URL of any database on the server (the ``harmwatch_test`` one).
    """
    name = f"hw_test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(libpq_url(server_url), autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = make_url(server_url).set(database=name)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def drop_database(server_url: str, database_url: str) -> None:
    """Drop the database at ``database_url``, ending any connection still open to it.

    ``server_url`` is the database connected to meanwhile (as for :func:`create_database`).
    """
    name = make_url(database_url).database
    assert name is not None
    with psycopg.connect(libpq_url(server_url), autocommit=True) as connection:
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
