"""Opening the store: URL resolution, engine creation and schema migration.

The store is any database SQLAlchemy reaches; SQLite (embedded, the default)
and PostgreSQL (psycopg 3, for multi-user use) are the two tested.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.pool import ConnectionPoolEntry

from harmwatch.errors import HarmWatchError

if TYPE_CHECKING:
    from alembic.config import Config

#: Environment variable read when no ``--db`` is given.
DATABASE_URL_ENV = "HARMWATCH_DATABASE_URL"
#: The store used when neither ``--db`` nor the environment names one.
DEFAULT_DATABASE_URL = "sqlite:///harmwatch.db"

_MIGRATIONS = Path(__file__).parent / "migrations"


def resolve_url(url: str | None = None) -> str:
    """The store URL: ``url`` if given, else ``$HARMWATCH_DATABASE_URL``, else the default.

    A PostgreSQL URL without a driver (``postgresql://...``) is given the
    psycopg 3 driver.
    """
    chosen = url or os.environ.get(DATABASE_URL_ENV) or DEFAULT_DATABASE_URL
    if chosen.startswith("postgresql://") or chosen.startswith("postgres://"):
        chosen = "postgresql+psycopg://" + chosen.split("://", 1)[1]
    return chosen


def _sqlite_pragmas(dbapi_connection: object, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    # "database is locked": a big load is running with a rollback journal (see
    # harmwatch.ingest.bulk.load_transaction). Read as it is; the load puts
    # the store back in WAL mode when it ends.
    with contextlib.suppress(sqlite3.OperationalError):
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_store_engine(url: str | None = None) -> Engine:
    """Create an engine for the store at ``url`` (see :func:`resolve_url`).

    Raises
    ------
    HarmWatchError
        When the URL is malformed or its driver is not installed.
    """
    resolved = resolve_url(url)
    try:
        parsed = make_url(resolved)
        engine = create_engine(parsed, future=True)
    except (ArgumentError, ImportError) as exc:
        raise HarmWatchError(f"cannot use database URL {resolved!r}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            folder = Path(database).expanduser().resolve().parent
            if not folder.is_dir():
                raise HarmWatchError(f"database folder {folder} does not exist")
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


#: The newest migration (a test checks it equals Alembic's head). Knowing it
#: without importing Alembic keeps every command's start-up short.
SCHEMA_REVISION = "0003"


def _alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def head_revision() -> str:
    """The newest migration this version of HarmWatch knows (from Alembic's scripts)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(_MIGRATIONS))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the store at ``engine`` is at (``None`` for an empty store)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        value = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return None if value is None else str(value)


def upgrade(engine: Engine, *, through_migrations: bool = False) -> None:
    """Bring the store's schema up to the newest migration (idempotent).

    An empty database is created from the models in one transaction and
    stamped with the newest revision, without importing Alembic (a fresh
    store in a few tenths of a second less); ``tests/store/test_database.py``
    checks that this gives the schema the migrations build. A store that
    has tables is migrated by Alembic. ``through_migrations`` forces the
    migrations even for an empty database.
    """
    try:
        revision = current_revision(engine)
        if revision == SCHEMA_REVISION:
            return
        if revision is None and not through_migrations and _create_fresh(engine):
            return
        from alembic import command

        config = _alembic_config(engine)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except OperationalError as exc:
        raise HarmWatchError(f"cannot open the store {engine.url!r}: {exc.orig}") from exc


def _create_fresh(engine: Engine) -> bool:
    """Create every table of an empty database, stamped at the newest
    revision, as Alembic's own ``alembic_version`` table records it; say
    whether the database was empty (else nothing is done)."""
    from harmwatch.store.schema import metadata

    with engine.begin() as connection:
        if inspect(connection).get_table_names():
            return False
        metadata.create_all(connection)
        connection.execute(
            text(
                "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
            )
        )
        connection.execute(
            text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": SCHEMA_REVISION}
        )
    return True


def open_store(url: str | None = None) -> Engine:
    """Open (and create or migrate when needed) the store at ``url``."""
    engine = create_store_engine(url)
    upgrade(engine)
    return engine
