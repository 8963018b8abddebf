"""Opening the store: URL resolution, creation, migration, and errors."""

from __future__ import annotations

import pprint
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from _postgres import create_database, drop_database
from harmwatch.errors import HarmWatchError
from harmwatch.store.database import (
    DATABASE_URL_ENV,
    DEFAULT_DATABASE_URL,
    create_store_engine,
    current_revision,
    head_revision,
    open_store,
    resolve_url,
    upgrade,
)
from harmwatch.store.schema import metadata

# --- resolve_url ------------------------------------------------------------------------


def test_resolve_url_argument_wins_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, "sqlite:///from-env.db")
    assert resolve_url("sqlite:///from-arg.db") == "sqlite:///from-arg.db"


def test_resolve_url_environment_wins_over_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, "sqlite:///from-env.db")
    assert resolve_url() == "sqlite:///from-env.db"
    assert resolve_url(None) == "sqlite:///from-env.db"


def test_resolve_url_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    assert resolve_url() == DEFAULT_DATABASE_URL == "sqlite:///harmwatch.db"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:p@db.example:5432/hw", "postgresql+psycopg://u:p@db.example:5432/hw"),
        ("postgres://u@db.example/hw", "postgresql+psycopg://u@db.example/hw"),
        ("postgresql+psycopg://u@db.example/hw", "postgresql+psycopg://u@db.example/hw"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_resolve_url_gives_postgresql_the_psycopg_driver(
    given: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    assert resolve_url(given) == expected


def test_resolve_url_environment_postgresql_gets_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, "postgresql://u@db.example/hw")
    assert resolve_url() == "postgresql+psycopg://u@db.example/hw"


# --- open_store on each backend ---------------------------------------------------------


def test_open_store_creates_every_table(store_engine: Engine) -> None:
    tables = set(inspect(store_engine).get_table_names())
    missing = set(metadata.tables) - tables
    assert not missing, f"open_store did not create: {sorted(missing)}"
    assert "alembic_version" in tables
    assert current_revision(store_engine) == head_revision()


def test_open_store_twice_is_idempotent(store_url: str) -> None:
    first = open_store(store_url)
    try:
        tables = set(inspect(first).get_table_names())
        revision = current_revision(first)
    finally:
        first.dispose()
    second = open_store(store_url)
    try:
        assert set(inspect(second).get_table_names()) == tables
        assert current_revision(second) == revision == head_revision()
    finally:
        second.dispose()


def test_migrations_match_the_models(store_url: str) -> None:
    engine = create_store_engine(store_url)
    try:
        upgrade(engine, through_migrations=True)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert not differences, (
        f"The schema the migrations build on {store_url.split(':')[0]} differs from "
        "harmwatch/store/schema.py. When you change schema.py, add a migration under "
        "src/harmwatch/store/migrations/versions/ (e.g. with alembic's autogenerate against "
        "a store at the previous head, then review it). Differences:\n"
        + pprint.pformat(differences)
    )


def _schema(engine: Engine) -> dict[str, object]:
    """Every table's columns (type, nullability), keys and indexes, as the database reports them."""
    inspector = inspect(engine)
    schema: dict[str, object] = {}
    for table in sorted(inspector.get_table_names()):
        schema[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)
            ],
            "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
            "foreign_keys": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
                for f in inspector.get_foreign_keys(table)
            ),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(table)
            ),
            "unique": sorted(
                tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)
            ),
        }
    return schema


def test_fresh_store_has_the_schema_the_migrations_build(
    store_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """An empty database is created from the models without Alembic: it must be
    the very schema the migrations build, stamped at the head revision."""
    server_url: str | None = None
    if store_url.startswith("sqlite"):
        migrated_url = f"sqlite:///{tmp_path / 'migrated.db'}"
    else:
        server_url = request.getfixturevalue("postgres_server_url")
        migrated_url = create_database(server_url)
    fresh = open_store(store_url)
    migrated = create_store_engine(migrated_url)
    try:
        upgrade(migrated, through_migrations=True)
        assert _schema(fresh) == _schema(migrated)
        assert current_revision(fresh) == current_revision(migrated) == head_revision()
        upgrade(fresh, through_migrations=True)  # Alembic sees it at head: nothing to do
        assert current_revision(fresh) == head_revision()
    finally:
        fresh.dispose()
        migrated.dispose()
        if server_url is not None:
            drop_database(server_url, migrated_url)


# --- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["not a url", "nosuchdriver://somewhere/db", "sqlite+nope:///x"])
def test_malformed_url_raises_harmwatch_error(url: str) -> None:
    with pytest.raises(HarmWatchError, match="cannot use database URL"):
        open_store(url)


def test_missing_sqlite_folder_raises_harmwatch_error(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "folder"
    with pytest.raises(HarmWatchError, match="does not exist") as raised:
        open_store(f"sqlite:///{missing / 'harmwatch.db'}")
    assert str(missing) in str(raised.value)
    assert not missing.exists()


def test_unreachable_postgresql_raises_harmwatch_error() -> None:
    url = "postgresql://postgres:secret@127.0.0.1:1/harmwatch"
    with pytest.raises(HarmWatchError) as raised:
        open_store(url)
    message = str(raised.value)
    assert "cannot open the store" in message
    assert "127.0.0.1" in message
    assert "secret" not in message, "the password must not appear in the message"


def test_schema_revision_constant_is_alembics_head() -> None:
    from harmwatch.store.database import SCHEMA_REVISION, head_revision

    assert head_revision() == SCHEMA_REVISION, (
        "a migration was added: set SCHEMA_REVISION in store/database.py to its revision"
    )
