"""Loading one extract into the store, part by part, inside one transaction.

The file has been read, mapped and prepared (:func:`harmwatch.ingest.validate.prepare`);
here each part of it is validated, pseudonymised if asked, hashed, placed in
its small area and written before the next part is validated, so memory is
bounded by the part, not by the file. Then bad rows are quarantined,
earlier quarantined rows this extract supplies are marked resolved, and the
provenance record gets its counts. All of it is one transaction (the
caller's): an error anywhere leaves the store as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, select

from harmwatch.contract import KindSpec
from harmwatch.ingest import load
from harmwatch.ingest.bulk import bulk_mode
from harmwatch.ingest.mapping import Mapping
from harmwatch.ingest.prefetch import prefetched
from harmwatch.ingest.quarantine_rows import hide_personal_values, quarantine_entries
from harmwatch.ingest.reader import ROW, RawTable, rows_numbered
from harmwatch.ingest.result import IngestResult, error_list
from harmwatch.ingest.staging import StagedGroup, Staging, copy_group
from harmwatch.ingest.validate import ERROR_SCHEMA, Prepared, validate_parts
from harmwatch.store.schema import kind_tables


@dataclass
class ExtractOptions:
    """How an extract is loaded.

    Attributes
    ----------
    mapping : Mapping or None
        The mapping the file was read through (provenance).
    tokens_only : bool
        Keep only person tokens (identifiers dropped before storing).
    key : bytes or None
        The partners' key, to make tokens from identifiers (never stored).
    hidden : set of str
        File columns not kept in quarantine (identifiers, under tokens-only).
    now : datetime or None
        The present, for "in the future".
    notes : list of str
        Warnings gathered before loading (mapping notes...).
    """

    mapping: Mapping | None = None
    tokens_only: bool = False
    key: bytes | None = None
    hidden: set[str] = field(default_factory=set)
    now: datetime | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class _Tally:
    loaded: int = 0
    updated: int = 0
    unchanged: int = 0
    ids: list[pl.Series] = field(default_factory=list)
    errors: list[pl.DataFrame] = field(default_factory=list)
    first: datetime | None = None
    last: datetime | None = None

    def add_dates(self, clean: pl.DataFrame, spec: KindSpec) -> None:
        if not spec.main_date or clean.height == 0:
            return
        column = pl.col(spec.main_date).cast(pl.Datetime("us"))
        lo, hi = clean.select(column.min().alias("lo"), column.max().alias("hi")).row(0)
        if lo is not None:
            self.first = lo if self.first is None else min(self.first, lo)
            self.last = hi if self.last is None else max(self.last, hi)


def load_extract(
    connection: Connection,
    spec: KindSpec,
    source: str,
    raw: RawTable,
    prepared: Prepared,
    options: ExtractOptions,
    staging: Staging | None = None,
) -> IngestResult:
    """Write a prepared file into the store (see the module docstring).

    With ``staging`` (big SQLite loads), new records go into the store
    through staged files (:mod:`harmwatch.ingest.staging`).
    """
    extract_id = load.create_extract(
        connection,
        {
            "kind": spec.name,
            "source": source,
            "file_name": raw.path.name,
            "sha256": raw.sha256,
            "mapping_name": options.mapping.name if options.mapping else None,
            "mapping_sha256": options.mapping.sha256 if options.mapping else None,
            "tokens_only": options.tokens_only,
            "loaded_at": load.now_local(),
            "rows_read": raw.rows_read,
            "rows_loaded": 0,
            "rows_updated": 0,
            "rows_unchanged": 0,
            "rows_quarantined": 0,
        },
    )
    table = kind_tables[spec.name]
    old = load.existing_hashes(connection, spec, source)
    areas = _area_index(connection) if spec.located and spec.name != "areas" else None
    tally = _Tally(errors=[prepared.duplicates])
    parts = _planned_parts(spec, prepared, options, old, areas)
    if staging is not None:  # new records staged in a thread of their own
        parts = staging.stage_parts(prefetched(parts))
    constants = {"source": source, "extract_id": extract_id}
    with bulk_mode(connection, table, rows=prepared.frame.height):
        for part in prefetched(parts):
            if part.staged is not None:
                copy_group(connection, table.name, part.staged, constants)
            loaded, updated, unchanged = load.write_records(
                connection, spec, source, extract_id, part.plan
            )
            tally.loaded += loaded + part.staged_rows
            tally.updated += updated
            tally.unchanged += unchanged
            tally.ids.append(part.ids)
            tally.errors.append(part.errors)
            tally.add_dates(part.dates, spec)
    errors = _all_errors(raw, tally.errors)
    if options.tokens_only:
        errors = hide_personal_values(errors)
    # Only quarantined rows need their text from here on: free the rest.
    bad_numbers = errors.get_column(ROW).unique()
    raw.keep_only(bad_numbers)
    frame = rows_numbered(prepared.frame, bad_numbers)
    quarantined = 0
    if errors.height:
        rows = quarantine_entries(spec, raw, frame, errors, hidden=options.hidden)
        load.write_quarantine(connection, spec, source, extract_id, rows, errors)
        quarantined = rows.height
    loaded_ids = pl.concat(tally.ids) if tally.ids else pl.Series([], dtype=pl.String)
    resolved = load.resolve_quarantine(connection, spec, source, extract_id, loaded_ids)
    reassigned: dict[str, int] = {}
    if spec.name == "areas":
        from harmwatch.geo.assign import reassign_area_codes

        reassigned = reassign_area_codes(connection)
    load.finish_extract(
        connection,
        extract_id,
        {
            "rows_loaded": tally.loaded,
            "rows_updated": tally.updated,
            "rows_unchanged": tally.unchanged,
            "rows_quarantined": quarantined,
            **({"min_date": tally.first, "max_date": tally.last} if tally.first else {}),
        },
    )
    total = tally.loaded + tally.updated + tally.unchanged + quarantined
    if total != raw.rows_read:  # pragma: no cover - a bug, never a user error
        raise AssertionError(f"rows lost: read {raw.rows_read}, accounted for {total}")
    return IngestResult(
        kind=spec.name,
        source=source,
        file_name=raw.path.name,
        sha256=raw.sha256,
        extract_id=extract_id,
        rows_read=raw.rows_read,
        rows_loaded=tally.loaded,
        rows_updated=tally.updated,
        rows_unchanged=tally.unchanged,
        rows_quarantined=quarantined,
        errors=error_list(errors),
        error_count=errors.height,
        warnings=[*raw.warnings, *_warnings(raw, prepared), *options.notes],
        areas_reassigned=reassigned,
        quarantine_resolved=resolved,
    )


@dataclass
class _Part:
    """A part of the extract, validated, hashed, placed and planned: all that
    is left is to write it."""

    plan: load.RecordPlan
    ids: pl.Series
    errors: pl.DataFrame
    dates: pl.DataFrame
    #: New records of this part written to a staged file (then not in ``plan.new``).
    staged_rows: int = 0
    #: Set on the last part of a staged file: the file, ready to copy in.
    staged: StagedGroup | None = None


def _planned_parts(
    spec: KindSpec,
    prepared: Prepared,
    options: ExtractOptions,
    old: pl.DataFrame,
    areas: Any,
) -> Iterator[_Part]:
    """Each part of the extract made ready to write, without touching the
    database (so it can run ahead in a worker thread: :mod:`.prefetch`)."""
    for clean, errors in validate_parts(prepared, spec, now=options.now):
        if options.tokens_only:
            clean = _keep_tokens_only(clean, options.key)
        clean = clean.with_columns(load.row_hashes(clean, [c for c in clean.columns if c != ROW]))
        if areas is not None:
            clean = _assign_areas(areas, clean)
        yield _Part(
            plan=load.plan_records(spec, clean, old),
            ids=clean.get_column(spec.id_column),
            errors=errors,
            dates=clean.select(spec.main_date) if spec.main_date else clean.clear(),
        )


def _all_errors(raw: RawTable, errors: list[pl.DataFrame]) -> pl.DataFrame:
    """Unreadable rows (from the reader) and every validation problem, by row."""
    reader_errors = pl.DataFrame(
        {
            ROW: [b.row for b in raw.bad_rows],
            "column": [b.column for b in raw.bad_rows],
            "value": [b.value for b in raw.bad_rows],
            "reason": [b.reason for b in raw.bad_rows],
        },
        schema=ERROR_SCHEMA,
    )
    return pl.concat([reader_errors, *errors]).sort(ROW, maintain_order=True)


def _keep_tokens_only(clean: pl.DataFrame, key: bytes | None) -> pl.DataFrame:
    """Person tokens made (when the key is given), then identifiers dropped."""
    from harmwatch.ingest.pseudonymise import PERSONAL_COLUMNS, add_person_tokens

    personal = [c for c in PERSONAL_COLUMNS if c in clean.columns]
    if not personal:
        return clean
    if key is not None:
        clean = add_person_tokens(clean, key)
    return clean.with_columns([pl.lit(None, dtype=clean.schema[c]).alias(c) for c in personal])


def _warnings(raw: RawTable, prepared: Prepared) -> list[str]:
    notes = []
    if raw.rows_read == 0:
        notes.append(f"{raw.path}: has a header but no data rows")
    if prepared.extra_columns:
        notes.append(
            "columns outside the contract kept with each record (extra): "
            + ", ".join(prepared.extra_columns)
        )
    return notes


def _area_index(connection: Connection) -> Any:
    """The loaded small areas as a point-in-polygon index, or ``None``."""
    areas = kind_tables["areas"]
    if connection.execute(select(areas.c.id).limit(1)).first() is None:
        return None
    from harmwatch.geo.assign import AreaIndex

    return AreaIndex.from_store(connection)


def _assign_areas(index: Any, clean: pl.DataFrame) -> pl.DataFrame:
    """``area_code`` from the location where a loaded area contains it."""
    codes = index.assign(
        clean.get_column("easting").to_numpy(), clean.get_column("northing").to_numpy()
    )
    derived = pl.Series("__derived_area", list(codes), dtype=pl.String)
    return (
        clean.with_columns(derived)
        .with_columns(pl.coalesce(pl.col("__derived_area"), pl.col("area_code")).alias("area_code"))
        .drop("__derived_area")
    )
