"""Quarantined rows in the store: what a row and its problems are, and how to list them.

:func:`list_quarantined` returns the rows the loader quarantined
(:class:`QuarantinedRow`, each with its problems as :class:`RowError`), with
the file they came from; :func:`quarantine_sources` names the sources that
have some. The queries here are shared with :mod:`.export`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Select, and_, select

from harmwatch.contract import KINDS
from harmwatch.errors import HarmWatchError
from harmwatch.store.schema import extracts, quarantine_errors, quarantined_rows

__all__ = [
    "QuarantinedRow",
    "RowError",
    "check_kind",
    "check_source",
    "extract_mappings",
    "filtered",
    "list_quarantined",
    "quarantine_sources",
    "read_rows",
]


@dataclass(frozen=True)
class RowError:
    """One problem of a quarantined row.

    Attributes
    ----------
    column : str or None
        The column at fault (``None`` for a problem of the whole row).
    value : str or None
        The offending value as read (cut to 1,000 characters).
    reason : str
        What is wrong, in plain words.
    """

    column: str | None
    value: str | None
    reason: str


@dataclass(frozen=True)
class QuarantinedRow:
    """A row the loader could not load.

    Attributes
    ----------
    quarantine_id : int
        Its key in ``quarantined_rows``.
    extract_id : int
        The load that quarantined it.
    file_name : str
        That load's file.
    kind, source : str
        What it was loaded as, from whom.
    row_number : int
        Its row in the file (header = row 1, as a spreadsheet counts).
    record_id : str or None
        The record's id when the row had one.
    reasons : str
        Every reason, ``"; "``-joined (``column: reason``).
    raw : dict
        The row as read: original header -> cell.
    resolved_by_extract_id : int or None
        The later load that supplied the record, if any.
    errors : tuple of RowError
        Each problem, from ``quarantine_errors``.
    """

    quarantine_id: int
    extract_id: int
    file_name: str
    kind: str
    source: str
    row_number: int
    record_id: str | None
    reasons: str
    raw: dict[str, Any]
    resolved_by_extract_id: int | None = None
    errors: tuple[RowError, ...] = ()

    @property
    def resolved(self) -> bool:
        """Whether a later load supplied the record."""
        return self.resolved_by_extract_id is not None

    def to_json(self) -> dict[str, Any]:
        """The row as one JSON object (``harmwatch quarantine list --json``)."""
        return {
            "quarantine_id": self.quarantine_id,
            "extract_id": self.extract_id,
            "file_name": self.file_name,
            "kind": self.kind,
            "source": self.source,
            "row_number": self.row_number,
            "record_id": self.record_id,
            "reasons": self.reasons,
            "resolved_by_extract_id": self.resolved_by_extract_id,
            "errors": [
                {"column": e.column, "value": e.value, "reason": e.reason} for e in self.errors
            ],
            "raw_row": self.raw,
        }


def quarantine_sources(
    engine: Engine, kind: str | None = None, *, include_resolved: bool = False
) -> list[str]:
    """The sources with quarantined rows (of ``kind`` when given), sorted.

    Parameters
    ----------
    engine : Engine
        The store.
    kind : str, optional
        Only rows of this kind.
    include_resolved : bool
        Count resolved rows too (default: unresolved only).
    """
    query = select(quarantined_rows.c.source).distinct()
    query = filtered(query, kind, None, include_resolved)
    with engine.connect() as connection:
        return sorted(str(s) for s in connection.execute(query).scalars())


def list_quarantined(
    engine: Engine,
    *,
    kind: str | None = None,
    source: str | None = None,
    include_resolved: bool = False,
) -> list[QuarantinedRow]:
    """The quarantined rows, by load then row number.

    Parameters
    ----------
    engine : Engine
        The store.
    kind : str, optional
        Only rows of this kind.
    source : str, optional
        Only rows from this source.
    include_resolved : bool
        Include rows a later load resolved (default: unresolved only).

    Returns
    -------
    list of QuarantinedRow

    Raises
    ------
    HarmWatchError
        When ``kind`` is not a kind, or nothing (of ``kind``) was ever
        loaded from ``source`` (the message lists the sources loaded).
    """
    check_kind(kind)
    with engine.connect() as connection:
        if source is not None:
            check_source(connection, kind, source)
        return read_rows(connection, kind, source, include_resolved)


# --- queries ---------------------------------------------------------------------------


def check_kind(kind: str | None) -> None:
    """Refuse a ``kind`` that is not a kind of the contract (None passes)."""
    if kind is not None and kind not in KINDS:
        raise HarmWatchError(f"unknown kind {kind!r} (kinds: {', '.join(KINDS)})")


def check_source(connection: Connection, kind: str | None, source: str) -> None:
    """Refuse a source nothing (of ``kind``) was loaded from, listing those that were."""
    query = select(extracts.c.source).distinct()
    if kind is not None:
        query = query.where(extracts.c.kind == kind)
    known = sorted(str(s) for s in connection.execute(query).scalars())
    if source in known:
        return
    what = f"{kind} " if kind else ""
    loaded = ", ".join(known) if known else "none"
    raise HarmWatchError(
        f"nothing {what}was loaded from source {source!r} (sources loaded: {loaded})"
    )


def filtered(
    query: Select[Any], kind: str | None, source: str | None, include_resolved: bool
) -> Select[Any]:
    """``query`` restricted to the quarantined rows of ``kind`` and ``source`` (when given),
    unresolved only unless ``include_resolved``."""
    conditions = []
    if kind is not None:
        conditions.append(quarantined_rows.c.kind == kind)
    if source is not None:
        conditions.append(quarantined_rows.c.source == source)
    if not include_resolved:
        conditions.append(quarantined_rows.c.resolved_by_extract_id.is_(None))
    return query.where(and_(*conditions)) if conditions else query


def read_rows(
    connection: Connection,
    kind: str | None,
    source: str | None,
    include_resolved: bool,
    *,
    with_errors: bool = True,
) -> list[QuarantinedRow]:
    """The selected rows, by load then row number, with their problems unless
    ``with_errors`` is False."""
    q = quarantined_rows
    query = select(
        q.c.quarantine_id,
        q.c.extract_id,
        extracts.c.file_name,
        q.c.kind,
        q.c.source,
        q.c.row_number,
        q.c.record_id,
        q.c.reasons,
        q.c.raw_row,
        q.c.resolved_by_extract_id,
    ).join(extracts, extracts.c.extract_id == q.c.extract_id)
    query = filtered(query, kind, source, include_resolved).order_by(
        q.c.extract_id, q.c.row_number, q.c.quarantine_id
    )
    found = connection.execute(query).all()
    problems = _errors(connection, kind, source, include_resolved) if with_errors else {}
    return [
        QuarantinedRow(
            quarantine_id=int(r.quarantine_id),
            extract_id=int(r.extract_id),
            file_name=r.file_name,
            kind=r.kind,
            source=r.source,
            row_number=int(r.row_number),
            record_id=r.record_id,
            reasons=r.reasons,
            raw=_raw(r.raw_row),
            resolved_by_extract_id=(
                int(r.resolved_by_extract_id) if r.resolved_by_extract_id is not None else None
            ),
            errors=tuple(problems.get((int(r.extract_id), int(r.row_number)), ())),
        )
        for r in found
    ]


def _errors(
    connection: Connection, kind: str | None, source: str | None, include_resolved: bool
) -> dict[tuple[int, int], list[RowError]]:
    """Each problem of the selected rows, by (extract id, row number)."""
    e = quarantine_errors
    q = quarantined_rows
    query = select(e.c.extract_id, e.c.row_number, e.c.column_name, e.c.value, e.c.reason).join(
        q, and_(q.c.extract_id == e.c.extract_id, q.c.row_number == e.c.row_number)
    )
    query = filtered(query, kind, source, include_resolved).order_by(e.c.error_id)
    found: dict[tuple[int, int], list[RowError]] = {}
    for row in connection.execute(query):
        found.setdefault((int(row.extract_id), int(row.row_number)), []).append(
            RowError(row.column_name, row.value, row.reason)
        )
    return found


def extract_mappings(connection: Connection, extract_ids: Sequence[int]) -> list[str]:
    """The mappings the given loads used, sorted."""
    if not extract_ids:
        return []
    query = (
        select(extracts.c.mapping_name)
        .distinct()
        .where(extracts.c.extract_id.in_(extract_ids), extracts.c.mapping_name.is_not(None))
    )
    return sorted(str(m) for m in connection.execute(query).scalars())


def _raw(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:  # pragma: no cover - the loader always writes JSON
        return {"raw_row": text}
    return value if isinstance(value, dict) else {"raw_row": value}
