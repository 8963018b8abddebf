"""Quarantined rows: list them, and export them for correction and re-loading.

The loader quarantines every row it cannot load, keeping the row exactly as
read (its original headers and cells, ``quarantined_rows.raw_row``) and every
reason (``quarantine_errors``). This module gives them back to the user:

* :func:`list_quarantined` returns them, with the file they came from and
  each problem (column, value, reason);
* :func:`export_quarantined` writes those of one kind and source as a CSV
  file with the file's *original* columns, plus three trailing columns
  (:data:`EXPORT_COLUMNS`: row number, file, reasons) to guide the
  correction. Once corrected (in Excel, say), the file is re-loaded with
  ``harmwatch ingest``; every record it supplies marks its quarantined rows
  resolved (the trailing columns are kept as extras, harmlessly).

Workflow::

    harmwatch quarantine export --kind police_occurrences --out fix.csv
    # correct fix.csv
    harmwatch ingest police_occurrences fix.csv
    harmwatch status
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Select, and_, select

from harmwatch.contract import KINDS
from harmwatch.errors import HarmWatchError
from harmwatch.store.schema import extracts, quarantine_errors, quarantined_rows

__all__ = [
    "EXPORT_COLUMNS",
    "ExportResult",
    "QuarantinedRow",
    "RowError",
    "export_quarantined",
    "list_quarantined",
    "quarantine_sources",
]

#: Trailing columns of an export: the row's number in its file, the file, the reasons.
EXPORT_COLUMNS = ("_harmwatch_row", "_harmwatch_file", "_harmwatch_reasons")


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


@dataclass(frozen=True)
class ExportResult:
    """What :func:`export_quarantined` wrote.

    Attributes
    ----------
    path : Path
        The CSV file written (``None`` when there was nothing to export).
    kind, source : str
        The kind and source exported (``source`` is ``None`` only when
        nothing was quarantined for the kind at all).
    rows : int
        Rows written.
    columns : tuple of str
        The header written: the original columns, then :data:`EXPORT_COLUMNS`.
    files : tuple of str
        The files the rows came from.
    mappings : tuple of str
        Mappings those files were loaded with: re-load the corrected file
        with the same ``--mapping``, since it keeps the file's own headers.
    superseded : int
        Unresolved rows left out because a later load quarantined the same
        record again (only the latest version of a record is exported).
    notes : tuple of str
        What the user must know before re-loading the file.
    """

    path: Path | None
    kind: str
    source: str | None
    rows: int
    columns: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    mappings: tuple[str, ...] = ()
    superseded: int = 0
    notes: tuple[str, ...] = ()


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
    query = _filtered(query, kind, None, include_resolved)
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
    _check_kind(kind)
    with engine.connect() as connection:
        if source is not None:
            _check_source(connection, kind, source)
        return _rows(connection, kind, source, include_resolved)


def export_quarantined(
    engine: Engine,
    kind: str,
    out: Path,
    *,
    source: str | None = None,
    include_resolved: bool = False,
) -> ExportResult:
    """Write the quarantined rows of one kind and source as CSV, for correction.

    The header is the union of the rows' original headers in first-seen
    order, then :data:`EXPORT_COLUMNS`. The file is UTF-8 with a byte-order
    mark, so that Excel shows accented names correctly (the loader reads it
    as it is), and readable by its owner only, as it may hold personal data.
    Unless ``include_resolved``, a record quarantined by several loads is
    exported once, as the latest load had it, so the corrected file does not
    repeat a record id.

    Parameters
    ----------
    engine : Engine
        The store.
    kind : str
        The kind to export (one kind per file: re-loading is per kind).
    out : Path
        The CSV file to write (replaced if it exists). Not written when
        there is nothing to export.
    source : str, optional
        The source to export; needed only when several sources have
        quarantined rows of ``kind``.
    include_resolved : bool
        Export resolved rows too (for review; re-loading them would replace
        the records that resolved them).

    Returns
    -------
    ExportResult

    Raises
    ------
    HarmWatchError
        When ``kind`` is not a kind, ``source`` was never loaded, several
        sources have rows and none is given, or ``out`` cannot be written.
    """
    _check_kind(kind)
    with engine.connect() as connection:
        if source is not None:
            _check_source(connection, kind, source)
        else:
            query = _filtered(
                select(quarantined_rows.c.source).distinct(), kind, None, include_resolved
            )
            sources = sorted(str(s) for s in connection.execute(query).scalars())
            if len(sources) > 1:
                raise HarmWatchError(
                    f"quarantined {kind} rows come from several sources "
                    f"({', '.join(sources)}): choose one with --source"
                )
            source = sources[0] if sources else None
        rows = _rows(connection, kind, source, include_resolved, with_errors=False)
        mappings = _mappings(connection, sorted({r.extract_id for r in rows}))
    superseded = 0
    if not include_resolved:
        rows, superseded = _latest_versions(rows)
    if not rows:
        return ExportResult(path=None, kind=kind, source=source, rows=0)
    columns = _original_columns(rows)
    header = (*columns, *EXPORT_COLUMNS)
    _write_csv(out, header, [_export_cells(r, columns) for r in rows])
    files = tuple(dict.fromkeys(r.file_name for r in rows))
    return ExportResult(
        path=out,
        kind=kind,
        source=source,
        rows=len(rows),
        columns=header,
        files=files,
        mappings=tuple(mappings),
        superseded=superseded,
        notes=tuple(_notes(kind, rows, columns)),
    )


# --- queries ---------------------------------------------------------------------------


def _check_kind(kind: str | None) -> None:
    if kind is not None and kind not in KINDS:
        raise HarmWatchError(f"unknown kind {kind!r} (kinds: {', '.join(KINDS)})")


def _check_source(connection: Connection, kind: str | None, source: str) -> None:
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


def _filtered(
    query: Select[Any], kind: str | None, source: str | None, include_resolved: bool
) -> Select[Any]:
    conditions = []
    if kind is not None:
        conditions.append(quarantined_rows.c.kind == kind)
    if source is not None:
        conditions.append(quarantined_rows.c.source == source)
    if not include_resolved:
        conditions.append(quarantined_rows.c.resolved_by_extract_id.is_(None))
    return query.where(and_(*conditions)) if conditions else query


def _rows(
    connection: Connection,
    kind: str | None,
    source: str | None,
    include_resolved: bool,
    *,
    with_errors: bool = True,
) -> list[QuarantinedRow]:
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
    query = _filtered(query, kind, source, include_resolved).order_by(
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
    query = _filtered(query, kind, source, include_resolved).order_by(e.c.error_id)
    found: dict[tuple[int, int], list[RowError]] = {}
    for row in connection.execute(query):
        found.setdefault((int(row.extract_id), int(row.row_number)), []).append(
            RowError(row.column_name, row.value, row.reason)
        )
    return found


def _mappings(connection: Connection, extract_ids: Sequence[int]) -> list[str]:
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


# --- export ----------------------------------------------------------------------------


def _latest_versions(rows: list[QuarantinedRow]) -> tuple[list[QuarantinedRow], int]:
    """Keep, per record id, only the rows of the latest load that quarantined it."""
    latest: dict[str, int] = {}
    for row in rows:
        if row.record_id is not None:
            latest[row.record_id] = max(latest.get(row.record_id, 0), row.extract_id)
    kept = [r for r in rows if r.record_id is None or r.extract_id == latest[r.record_id]]
    return kept, len(rows) - len(kept)


def _original_columns(rows: list[QuarantinedRow]) -> list[str]:
    """Union of the rows' original headers, in first-seen order (export columns dropped)."""
    seen: dict[str, None] = {}
    for row in rows:
        for key in row.raw:
            if key not in EXPORT_COLUMNS:
                seen.setdefault(key, None)
    return list(seen)


def _notes(kind: str, rows: list[QuarantinedRow], columns: list[str]) -> list[str]:
    """Warnings for the re-load: rows whose id the loader would derive from row order."""
    spec = KINDS[kind]
    if not spec.derived_id:
        return []
    id_column = next((c for c in columns if c.strip().lower() == spec.id_column), None)
    missing = sum(1 for r in rows if id_column is None or not str(r.raw.get(id_column) or ""))
    if not missing:
        return []
    return [
        f"{missing} row(s) have no {spec.id_column}: the loader derives such ids from the "
        "order of rows in the file, so these rows, loaded on their own, may get the ids of "
        f"records already loaded and replace them; fill in {spec.id_column} (as the original "
        "file numbered the rows) before loading the file"
    ]


def _export_cells(row: QuarantinedRow, columns: list[str]) -> list[str]:
    cells = [_cell(row.raw.get(c)) for c in columns]
    return [*cells, str(row.row_number), row.file_name, row.reasons]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value)


def _write_csv(out: Path, header: Sequence[str], rows: list[list[str]]) -> None:
    """Write atomically: a half-written file never replaces a good one."""
    folder = out.expanduser().resolve().parent
    if not folder.is_dir():
        raise HarmWatchError(f"{out}: folder {folder} does not exist")
    if out.is_dir():
        raise HarmWatchError(f"{out}: is a folder; give a file name for the CSV")
    temporary: str | None = None
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{out.name}.", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8-sig", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(header)
            writer.writerows(rows)
        os.replace(temporary, out)
        temporary = None
    except OSError as exc:
        raise HarmWatchError(f"{out}: cannot write: {exc.strerror or exc}") from exc
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
