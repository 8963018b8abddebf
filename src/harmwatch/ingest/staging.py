"""Big SQLite loads: new records staged from Arrow, then copied in by SQLite.

Handing a million rows to SQLite through Python's ``sqlite3`` binds every
value of every row from a Python object, holding the interpreter lock: on two
cores that was the load's bottleneck. For a big load into SQLite, the new
records of each part are instead written from Arrow by the ADBC SQLite driver
(C, without the lock) into a staging file of their own connection, in a thread
of their own; the load's connection then attaches the file and copies the rows
with one ``INSERT ... SELECT`` inside the load's transaction. All-or-nothing is
unchanged: nothing reaches the store but through that transaction, and the
staged files are throw-away copies in a folder beside the store, deleted when
the load ends (a killed load leaves its ``.harmwatch-staging-*`` folder behind:
it can be deleted; the store does not need it).

SQLite lets a connection attach at most ten databases and an attached file
cannot be detached inside a transaction, so the parts are grouped into at
most :data:`MAX_GROUPS` staged files, each attached once, when its last part
is staged.

References
----------
Apache Arrow ADBC, SQLite driver: https://arrow.apache.org/adbc/ (bulk ingestion).
SQLite, "ATTACH DATABASE" and "Limits In SQLite" (``SQLITE_MAX_ATTACHED`` = 10).
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection

from harmwatch.ingest.bulk import STAGE_SCHEMA_PREFIX, sql_ready
from harmwatch.ingest.load import RecordPlan

__all__ = [
    "MAX_GROUPS",
    "StagedGroup",
    "StagedPart",
    "Staging",
    "copy_group",
]

#: Staged files per load, at most (SQLite attaches ten databases at most).
MAX_GROUPS = 8
_TABLE = "records"


@dataclass(frozen=True)
class StagedGroup:
    """A complete staged file, ready to copy into the store.

    Attributes
    ----------
    path : Path
        The staging file.
    number : int
        Its number in the load (0, 1, ...): it is attached as
        ``hw_stage_<number>``.
    columns : list of str
        The record columns it holds (as the store's table names them).
    rows : int
        Records in it.
    """

    path: Path
    number: int
    columns: list[str]
    rows: int


class StagedPart(Protocol):
    """A part whose new records can be staged (``harmwatch.ingest.extract``'s parts)."""

    plan: RecordPlan
    staged_rows: int
    staged: StagedGroup | None


P = TypeVar("P", bound=StagedPart)


@dataclass
class Staging:
    """Staged files of one load (a context manager: the folder goes at the end).

    Parameters
    ----------
    parts : int
        How many parts the load has (to group them into at most
        :data:`MAX_GROUPS` files).
    beside : Path, optional
        The store's file: the staging folder is made in its folder (the same
        disk, which must have room for a copy of the new records meanwhile);
        else in the system's temporary folder.
    """

    parts: int
    beside: Path | None = None
    folder: Path = field(init=False)
    per_group: int = field(init=False)

    def __post_init__(self) -> None:
        self.per_group = max(1, math.ceil(self.parts / MAX_GROUPS))
        where = self.beside.parent if self.beside is not None else None
        self.folder = Path(tempfile.mkdtemp(prefix=".harmwatch-staging-", dir=where))

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *_exc: object) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def stage_parts(self, parts: Iterator[P]) -> Iterator[P]:
        """Stage each part's new records and yield the part, its plan's ``new``
        emptied and ``staged_rows`` set; the last part of each group carries
        the completed :class:`StagedGroup` in ``staged``. Meant to run in a
        thread of its own (:mod:`.prefetch`): it never touches the store."""
        connection: Any = None
        rows = 0
        try:
            for index, part in enumerate(parts):
                group, place = divmod(index, self.per_group)
                path = self.folder / f"group-{group}.sqlite"
                if connection is None:
                    connection = _open_staging(path)
                    rows = 0
                new = part.plan.new
                if new.height:
                    with connection.cursor() as cursor:
                        cursor.adbc_ingest(_TABLE, sql_ready(new).to_arrow(), mode="create_append")
                rows += new.height
                part.staged_rows = new.height
                part.plan = replace(part.plan, new=new.clear())
                if place == self.per_group - 1 or index == self.parts - 1:
                    connection.close()
                    connection = None
                    part.staged = StagedGroup(path, group, new.columns, rows)
                yield part
            if connection is not None:  # pragma: no cover - a miscount, never a user error
                raise AssertionError(f"staging: fewer parts than the {self.parts} expected")
        finally:
            if connection is not None:
                connection.close()


def _open_staging(path: Path) -> Any:
    """A throw-away ADBC SQLite connection: no journal, no syncing (the file is
    copied from before the store's commit and deleted after it)."""
    import adbc_driver_sqlite.dbapi as adbc

    connection = adbc.connect(str(path), autocommit=True)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=OFF")
        cursor.execute("PRAGMA synchronous=OFF")
    return connection


def copy_group(
    connection: Connection, table: str, group: StagedGroup, constants: dict[str, Any]
) -> None:
    """Copy a staged file's records into ``table``, inside the load's transaction,
    with ``constants`` (column -> value, the same for every row) besides."""
    if group.rows == 0:
        return
    raw = connection.connection.driver_connection
    schema = f"{STAGE_SCHEMA_PREFIX}{group.number}"
    raw.execute(f"ATTACH DATABASE ? AS {schema}", (str(group.path),))  # type: ignore[union-attr]
    names = ", ".join(f'"{c}"' for c in group.columns)
    fixed = ", ".join(f'"{c}"' for c in constants)
    marks = ", ".join("?" for _ in constants)
    raw.execute(  # type: ignore[union-attr]
        f'INSERT INTO "{table}" ({names}{", " if fixed else ""}{fixed}) '
        f'SELECT {names}{", " if marks else ""}{marks} FROM {schema}."{_TABLE}"',
        tuple(constants.values()),
    )
