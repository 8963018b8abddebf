"""What the store holds: records, date ranges, extracts and quarantine, per kind and source.

:func:`store_status` answers "what is loaded, how recent is it, and what is
waiting for correction?" in one object (:class:`StoreStatus`); ``harmwatch
status`` prints it as a table or as JSON.

Every figure is computed from the store with portable SQL (SQLAlchemy Core),
so the answer is the same on SQLite and PostgreSQL:

* records and the date range of the kind's main date come from the kind
  table itself (what is stored now, not what the extracts said);
* extracts, the last extract and its age come from ``extracts``;
* quarantined rows, resolved and not, from ``quarantined_rows``;
* orphan people are ``police_people`` rows whose ``occurrence_id`` has no
  ``police_occurrences`` record of the same source.

Examples
--------
>>> from harmwatch.store.database import open_store
>>> status = store_status(open_store("sqlite://"))
>>> status.empty
True
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, case, exists, func, select

from harmwatch.contract import KINDS
from harmwatch.store.database import current_revision
from harmwatch.store.schema import extracts, kind_tables, quarantined_rows

__all__ = ["KindStatus", "LastExtract", "StoreStatus", "masked_url", "store_status"]


@dataclass(frozen=True)
class LastExtract:
    """The most recent load of one kind from one source.

    Attributes
    ----------
    extract_id : int
        Its provenance record.
    file_name : str
        The file loaded (name only, as recorded).
    loaded_at : datetime
        When it was loaded (local time of the loading machine).
    age_days : int
        Whole days between ``loaded_at`` and the time of the status.
    """

    extract_id: int
    file_name: str
    loaded_at: datetime
    age_days: int

    def to_json(self) -> dict[str, Any]:
        """``{file_name, loaded_at, age_days, extract_id}``, the date as ISO text."""
        return {
            "file_name": self.file_name,
            "loaded_at": self.loaded_at.isoformat(),
            "age_days": self.age_days,
            "extract_id": self.extract_id,
        }


@dataclass(frozen=True)
class KindStatus:
    """What the store holds of one kind from one source.

    Attributes
    ----------
    kind, source : str
        The kind (see :data:`harmwatch.contract.KINDS`) and the supplying agency.
    records : int
        Records stored now.
    first_date, last_date : date or datetime or None
        Earliest and latest value of the kind's main date over the stored
        records; ``None`` for kinds without one (areas, institutions) or
        when no record is stored.
    extracts : int
        Loads of this kind from this source (every file, including those
        whose rows were all quarantined).
    last_extract : LastExtract or None
        The most recent load.
    quarantined_unresolved : int
        Quarantined rows still waiting for a corrected record.
    quarantined_resolved : int
        Quarantined rows whose record a later load supplied.
    """

    kind: str
    source: str
    records: int
    first_date: date | datetime | None
    last_date: date | datetime | None
    extracts: int
    last_extract: LastExtract | None
    quarantined_unresolved: int
    quarantined_resolved: int

    def to_json(self) -> dict[str, Any]:
        """One entry of the ``kinds`` list of ``harmwatch status --json``."""
        return {
            "kind": self.kind,
            "source": self.source,
            "records": self.records,
            "first_date": _iso(self.first_date),
            "last_date": _iso(self.last_date),
            "extracts": self.extracts,
            "last_extract": self.last_extract.to_json() if self.last_extract else None,
            "quarantined_unresolved": self.quarantined_unresolved,
            "quarantined_resolved": self.quarantined_resolved,
        }


@dataclass(frozen=True)
class StoreStatus:
    """The state of a whole store.

    Attributes
    ----------
    database : str
        The store's URL with any password masked (``***``).
    revision : str or None
        The schema migration the store is at; ``None`` when the store has
        no schema yet.
    kinds : tuple of KindStatus
        One entry per kind and source with anything stored, extracted or
        quarantined; in contract order of kinds, then by source.
    orphan_people : int
        ``police_people`` rows whose occurrence is not stored (same source).
    now : datetime
        The time the ages were computed against.
    """

    database: str
    revision: str | None
    kinds: tuple[KindStatus, ...]
    orphan_people: int
    now: datetime

    @property
    def empty(self) -> bool:
        """Whether nothing has been loaded (no extract, no record)."""
        return not self.kinds

    def to_json(self) -> dict[str, Any]:
        """The object ``harmwatch status --json`` prints."""
        return {
            "database": self.database,
            "revision": self.revision,
            "kinds": [k.to_json() for k in self.kinds],
            "orphan_people": self.orphan_people,
        }


def masked_url(engine: Engine) -> str:
    """The engine's URL as text, the password (if any) replaced by ``***``."""
    return engine.url.render_as_string(hide_password=True)


def store_status(engine: Engine, *, now: datetime | None = None) -> StoreStatus:
    """Summarise what the store behind ``engine`` holds.

    Parameters
    ----------
    engine : Engine
        The store (:func:`harmwatch.store.database.open_store`). A store
        without a schema yet is reported as empty, not created.
    now : datetime, optional
        The present for the age of the last extracts (default: the clock,
        local time, as ``extracts.loaded_at`` is recorded).

    Returns
    -------
    StoreStatus
    """
    now = now or datetime.now()
    revision = current_revision(engine)
    if revision is None:
        return StoreStatus(masked_url(engine), None, (), 0, now)
    with engine.connect() as connection:
        stored = _records(connection)
        loads = _extract_counts(connection)
        latest = _last_extracts(connection, now)
        held = _quarantine_counts(connection)
        orphans = _orphan_people(connection)
    keys = set(stored) | set(loads) | set(latest) | set(held)
    order = {name: index for index, name in enumerate(KINDS)}
    rows = []
    for kind, source in sorted(keys, key=lambda k: (order.get(k[0], len(order)), k[0], k[1])):
        records, first, last = stored.get((kind, source), (0, None, None))
        unresolved, resolved = held.get((kind, source), (0, 0))
        rows.append(
            KindStatus(
                kind=kind,
                source=source,
                records=records,
                first_date=first,
                last_date=last,
                extracts=loads.get((kind, source), 0),
                last_extract=latest.get((kind, source)),
                quarantined_unresolved=unresolved,
                quarantined_resolved=resolved,
            )
        )
    return StoreStatus(masked_url(engine), revision, tuple(rows), orphans, now)


Key = tuple[str, str]


def _records(connection: Connection) -> dict[Key, tuple[int, Any, Any]]:
    """Records and main-date range per (kind, source), from the kind tables."""
    found: dict[Key, tuple[int, Any, Any]] = {}
    for name, spec in KINDS.items():
        table = kind_tables[name]
        if spec.main_date:
            column = table.c[spec.main_date]
            columns = [func.count(), func.min(column), func.max(column)]
        else:
            columns = [func.count()]
        query = select(table.c.source, *columns).group_by(table.c.source)
        for row in connection.execute(query):
            first = row[2] if spec.main_date else None
            last = row[3] if spec.main_date else None
            found[(name, row[0])] = (int(row[1]), first, last)
    return found


def _extract_counts(connection: Connection) -> dict[Key, int]:
    query = select(extracts.c.kind, extracts.c.source, func.count()).group_by(
        extracts.c.kind, extracts.c.source
    )
    return {(kind, source): int(n) for kind, source, n in connection.execute(query)}


def _last_extracts(connection: Connection, now: datetime) -> dict[Key, LastExtract]:
    """The most recent extract per (kind, source): latest ``loaded_at``, then id."""
    rank = (
        func.row_number()
        .over(
            partition_by=(extracts.c.kind, extracts.c.source),
            order_by=(extracts.c.loaded_at.desc(), extracts.c.extract_id.desc()),
        )
        .label("rank")
    )
    ranked = select(
        extracts.c.kind,
        extracts.c.source,
        extracts.c.extract_id,
        extracts.c.file_name,
        extracts.c.loaded_at,
        rank,
    ).subquery()
    query = select(
        ranked.c.kind, ranked.c.source, ranked.c.extract_id, ranked.c.file_name, ranked.c.loaded_at
    ).where(ranked.c.rank == 1)
    latest = {}
    for kind, source, extract_id, file_name, loaded_at in connection.execute(query):
        age = max((now - loaded_at).days, 0)
        latest[(kind, source)] = LastExtract(int(extract_id), file_name, loaded_at, age)
    return latest


def _quarantine_counts(connection: Connection) -> dict[Key, tuple[int, int]]:
    """(unresolved, resolved) quarantined rows per (kind, source)."""
    resolved = quarantined_rows.c.resolved_by_extract_id.is_not(None)
    query = select(
        quarantined_rows.c.kind,
        quarantined_rows.c.source,
        func.sum(case((resolved, 0), else_=1)),
        func.sum(case((resolved, 1), else_=0)),
    ).group_by(quarantined_rows.c.kind, quarantined_rows.c.source)
    return {
        (kind, source): (int(open_ or 0), int(done or 0))
        for kind, source, open_, done in connection.execute(query)
    }


def _orphan_people(connection: Connection) -> int:
    """``police_people`` rows without a ``police_occurrences`` record of the same source."""
    people = kind_tables["police_people"]
    occurrences = kind_tables["police_occurrences"]
    known = exists().where(
        and_(
            occurrences.c.source == people.c.source,
            occurrences.c.occurrence_id == people.c.occurrence_id,
        )
    )
    count = connection.execute(select(func.count()).select_from(people).where(~known)).scalar()
    return int(count or 0)


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
