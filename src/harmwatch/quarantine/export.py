"""Export of quarantined rows for correction: a CSV file with the file's own columns.

:func:`export_quarantined` writes the quarantined rows of one kind and source
with the file's *original* columns, plus three trailing columns
(:data:`EXPORT_COLUMNS`: row number, file, reasons) to guide the correction,
and says what it wrote (:class:`ExportResult`). The corrected file is re-loaded
with ``harmwatch ingest``.
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

from sqlalchemy import Engine, select

from harmwatch.contract import KINDS
from harmwatch.errors import HarmWatchError
from harmwatch.quarantine.rows import (
    QuarantinedRow,
    check_kind,
    check_source,
    extract_mappings,
    filtered,
    read_rows,
)
from harmwatch.store.schema import quarantined_rows

__all__ = ["EXPORT_COLUMNS", "ExportResult", "export_quarantined"]

#: Trailing columns of an export: the row's number in its file, the file, the reasons.
EXPORT_COLUMNS = ("_harmwatch_row", "_harmwatch_file", "_harmwatch_reasons")


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
    check_kind(kind)
    with engine.connect() as connection:
        if source is not None:
            check_source(connection, kind, source)
        else:
            query = filtered(
                select(quarantined_rows.c.source).distinct(), kind, None, include_resolved
            )
            sources = sorted(str(s) for s in connection.execute(query).scalars())
            if len(sources) > 1:
                raise HarmWatchError(
                    f"quarantined {kind} rows come from several sources "
                    f"({', '.join(sources)}): choose one with --source"
                )
            source = sources[0] if sources else None
        rows = read_rows(connection, kind, source, include_resolved, with_errors=False)
        mappings = extract_mappings(connection, sorted({r.extract_id for r in rows}))
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
