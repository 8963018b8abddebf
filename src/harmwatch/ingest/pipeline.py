"""Ingest one file: read, map, validate, quarantine, pseudonymise, load.

This is the one entry point for loading data (:func:`ingest_file`); the CLI's
``harmwatch ingest`` is a thin wrapper around it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import DBAPIError

from harmwatch.contract import KINDS, KindSpec
from harmwatch.errors import HarmWatchError, InputFileError
from harmwatch.ingest import load
from harmwatch.ingest.mapping import Mapping
from harmwatch.ingest.quarantine_rows import (
    hide_personal_values,
    personal_file_columns,
    quarantine_entries,
)
from harmwatch.ingest.reader import ROW, RawTable, read_table, sha256_of
from harmwatch.ingest.validate import (
    ERROR_SCHEMA,
    Validated,
    derive_involvement_ids,
    match_columns,
    validate,
)
from harmwatch.store.schema import kind_tables

#: How many problems ``IngestResult.errors`` lists (all are quarantined).
ERRORS_SHOWN = 100

#: The longest source name the store takes (``extracts.source``).
_SOURCE_MAX = 100

#: The source a kind is loaded as when neither ``--source`` nor the mapping says.
DEFAULT_SOURCES = {
    "police_occurrences": "police",
    "police_people": "police",
    "deaths": "police",
    "ed_assaults": "ed",
    "council_referrals": "council",
    "areas": "reference",
    "institutions": "reference",
}


@dataclass
class IngestResult:
    """What one ingest did.

    Attributes
    ----------
    kind, source, file_name, sha256 : str
        What was loaded, from whom (the file's digest is its provenance).
    extract_id : int or None
        The provenance record of this load (that of the earlier load when
        the same file had been loaded already).
    rows_read : int
        Data rows in the file; always ``rows_loaded + rows_updated +
        rows_unchanged + rows_quarantined``.
    rows_loaded, rows_updated, rows_unchanged, rows_quarantined : int
        New records, changed records (old versions kept in history),
        records already in the store as they are, and rows quarantined.
    errors : list of dict
        The first :data:`ERRORS_SHOWN` problems: ``row``, ``column``,
        ``value``, ``reason``.
    error_count : int
        How many problems there were in all.
    warnings : list of str
        Not errors, but worth knowing (sheet chosen, encoding...).
    already_loaded : bool
        The same file had been loaded with the same settings: nothing changed.
    areas_reassigned : dict
        After loading areas: records per kind whose area_code changed.
    quarantine_resolved : int
        Earlier quarantined rows whose record this load supplied.
    """

    kind: str
    source: str
    file_name: str
    sha256: str
    extract_id: int | None
    rows_read: int
    rows_loaded: int
    rows_updated: int
    rows_unchanged: int
    rows_quarantined: int
    errors: list[dict[str, Any]]
    error_count: int
    warnings: list[str] = field(default_factory=list)
    already_loaded: bool = False
    areas_reassigned: dict[str, int] = field(default_factory=dict)
    quarantine_resolved: int = 0

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` object of ``harmwatch ingest``."""
        return asdict(self)


def ingest_file(
    engine: Engine,
    kind: str,
    path: Path,
    *,
    source: str | None = None,
    mapping: Mapping | None = None,
    sheet: str | None = None,
    tokens_only: bool = False,
    key: bytes | None = None,
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> IngestResult:
    """Load one file of ``kind`` into the store behind ``engine``.

    Parameters
    ----------
    engine : Engine
        An open store (:func:`harmwatch.store.database.open_store`).
    kind : str
        One of the contract's kinds.
    path : Path
        CSV, XLSX or (areas) GeoJSON.
    source : str, optional
        The supplying agency; default: the mapping's, else per kind
        (:data:`DEFAULT_SOURCES`).
    mapping : Mapping, optional
        How the file's own layout maps onto the contract.
    sheet : str, optional
        XLSX sheet (default: the mapping's, else the first).
    tokens_only : bool
        Keep only ``person_token`` of people: names, dates of birth,
        postcodes and NHS numbers are dropped before anything is stored
        (tokens are made from them first when ``key`` is given).
    key : bytes, optional
        The partners' shared tokenisation key (never stored).
    now : datetime, optional
        The present, for "date in the future" (tests).
    progress : callable, optional
        Called with a short message before each step.

    Raises
    ------
    HarmWatchError
        When the whole file cannot be loaded (unreadable, wrong kind,
        missing required columns): nothing is written.
    """
    if kind not in KINDS:
        raise HarmWatchError(f"unknown kind {kind!r} (kinds: {', '.join(KINDS)})")
    spec = KINDS[kind]
    say = progress or (lambda _message: None)
    source = source or (mapping.source if mapping else None) or DEFAULT_SOURCES[kind]
    if len(source) > _SOURCE_MAX:
        raise HarmWatchError(f"source name {source[:40]!r}...: at most {_SOURCE_MAX} characters")
    mapping_sha = mapping.sha256 if mapping else None
    digest = sha256_of(path) if path.is_file() else None
    if digest is not None:
        # The very same file loaded before with the same settings: say so
        # without reading it again.
        with engine.connect() as connection:
            earlier = load.find_identical_extract(
                connection, kind, source, digest, mapping_sha, tokens_only
            )
            if earlier is not None:
                return _already_loaded(connection, earlier, path, digest, source)
    say(f"reading {path}")
    raw = read_table(path, sheet=sheet or (mapping.sheet if mapping else None), sha256=digest)
    try:
        frame = _table_frame(raw, spec)
        notes: list[str] = []
        if mapping is not None:
            frame = mapping.apply(frame, str(path), spec)
            notes += mapping.notes(frame)
        if spec.name == "police_people":
            frame = derive_involvement_ids(match_columns(frame, spec, str(path)))
        hidden: set[str] = set()
        if tokens_only:
            hidden = personal_file_columns([c for c in raw.frame.columns if c != ROW], mapping)
            frame, dropped = _drop_identifier_extras(frame, spec)
            if dropped:
                notes.append(
                    "--tokens-only: identifier columns outside the contract not stored: "
                    + ", ".join(dropped)
                )
        if spec.name == "areas" and raw.format != "geojson":
            from harmwatch.geo.areas import areas_from_frame

            frame = areas_from_frame(frame)
        say("validating")
        checked = validate(frame, spec, file_name=str(path), now=now)
    except InputFileError as exc:
        if raw.format == "xlsx" and raw.warnings:
            # Most likely the wrong sheet: say which sheets there are.
            raise InputFileError(
                exc.path, f"{exc.message} (note: {'; '.join(raw.warnings)})", row=exc.row
            ) from exc
        raise
    if tokens_only:
        checked.clean = _keep_tokens_only(checked.clean, spec, key)
    errors = _all_errors(raw, checked)
    if tokens_only:
        errors = hide_personal_values(errors)
    # Only quarantined rows need their text from here on: free the rest.
    bad_numbers = errors.get_column(ROW).unique()
    raw.keep_only(bad_numbers)
    frame = frame.filter(pl.col(ROW).is_in(bad_numbers.implode()))
    say("loading")
    try:
        with engine.begin() as connection:
            result = _write(
                connection, spec, source, raw, frame, checked, errors, mapping, tokens_only, hidden
            )
            result.warnings += notes
            return result
    except DBAPIError as exc:
        # The database refused (locked, full, connection lost...): the
        # transaction was rolled back, so nothing of this file is stored.
        raise HarmWatchError(
            f"{path}: the store refused the load, nothing was written: {exc.orig}"
        ) from exc


def _table_frame(raw: RawTable, spec: KindSpec) -> pl.DataFrame:
    if raw.format != "geojson":
        return raw.frame
    if spec.name != "areas":
        raise HarmWatchError(f"{raw.path}: is GeoJSON; only areas are read from GeoJSON")
    from harmwatch.geo.areas import read_areas_geojson

    # Each feature is a row: the raw table is the features' properties.
    raw.frame = read_areas_geojson(raw.path)
    return raw.frame


def _all_errors(raw: RawTable, checked: Validated) -> pl.DataFrame:
    reader_errors = pl.DataFrame(
        {
            ROW: [b.row for b in raw.bad_rows],
            "column": [b.column for b in raw.bad_rows],
            "value": [b.value for b in raw.bad_rows],
            "reason": [b.reason for b in raw.bad_rows],
        },
        schema=ERROR_SCHEMA,
    )
    return pl.concat([reader_errors, checked.errors]).sort(ROW, maintain_order=True)


def _error_list(errors: pl.DataFrame) -> list[dict[str, Any]]:
    return [
        {"row": r[ROW], "column": r["column"], "value": r["value"], "reason": r["reason"]}
        for r in errors.head(ERRORS_SHOWN).iter_rows(named=True)
    ]


def _keep_tokens_only(clean: pl.DataFrame, spec: KindSpec, key: bytes | None) -> pl.DataFrame:
    from harmwatch.ingest.pseudonymise import PERSONAL_COLUMNS, add_person_tokens

    personal = [c for c in PERSONAL_COLUMNS if c in clean.columns]
    if not personal:
        return clean
    if key is not None:
        clean = add_person_tokens(clean, key)
    return clean.with_columns([pl.lit(None, dtype=clean.schema[c]).alias(c) for c in personal])


def _drop_identifier_extras(frame: pl.DataFrame, spec: KindSpec) -> tuple[pl.DataFrame, list[str]]:
    """Columns named as identifiers that the kind's contract lacks (tokens-only)."""
    from harmwatch.ingest.pseudonymise import PERSONAL_COLUMNS

    dropped = [
        c
        for c in frame.columns
        if c.strip().lower() in PERSONAL_COLUMNS and c.strip().lower() not in spec.column_names
    ]
    return frame.drop(dropped), dropped


def _already_loaded(
    connection: Connection, earlier: dict[str, Any], path: Path, digest: str, source: str
) -> IngestResult:
    """The result of re-loading a file already loaded: the earlier counts, nothing new."""
    extract_id = int(earlier["extract_id"])
    errors = load.extract_errors(connection, extract_id, limit=ERRORS_SHOWN)
    quarantined = int(earlier["rows_quarantined"])
    rows_read = int(earlier["rows_read"])
    return IngestResult(
        kind=earlier["kind"],
        source=source,
        file_name=path.name,
        sha256=digest,
        extract_id=extract_id,
        rows_read=rows_read,
        rows_loaded=0,
        rows_updated=0,
        rows_unchanged=rows_read - quarantined,
        rows_quarantined=quarantined,
        errors=errors,
        error_count=load.extract_error_count(connection, extract_id),
        warnings=[
            f"this file was already loaded as extract {extract_id} "
            f"on {earlier['loaded_at']:%Y-%m-%d %H:%M}: nothing changed",
        ],
        already_loaded=True,
    )


def _write(
    connection: Connection,
    spec: KindSpec,
    source: str,
    raw: RawTable,
    frame: pl.DataFrame,
    checked: Validated,
    errors: pl.DataFrame,
    mapping: Mapping | None,
    tokens_only: bool,
    hidden: set[str],
) -> IngestResult:
    clean = checked.clean
    hash_columns = [c for c in clean.columns if c != ROW]
    clean = clean.with_columns(load.row_hashes(clean, hash_columns))
    extract_id = load.create_extract(
        connection,
        {
            "kind": spec.name,
            "source": source,
            "file_name": raw.path.name,
            "sha256": raw.sha256,
            "mapping_name": mapping.name if mapping else None,
            "mapping_sha256": mapping.sha256 if mapping else None,
            "tokens_only": tokens_only,
            "loaded_at": load.now_local(),
            "rows_read": raw.rows_read,
            "rows_loaded": 0,
            "rows_updated": 0,
            "rows_unchanged": 0,
            "rows_quarantined": 0,
        },
    )
    if spec.located and spec.name != "areas":
        clean = _assign_areas(connection, clean)
    loaded, updated, unchanged = load.write_records(connection, spec, source, extract_id, clean)
    quarantined = _quarantine(connection, spec, source, extract_id, raw, frame, errors, hidden)
    resolved = load.resolve_quarantine(
        connection, spec, source, extract_id, clean.get_column(spec.id_column)
    )
    reassigned: dict[str, int] = {}
    if spec.name == "areas":
        from harmwatch.geo.assign import reassign_area_codes

        reassigned = reassign_area_codes(connection)
    date_range = _date_range(clean, spec)
    load.finish_extract(
        connection,
        extract_id,
        {
            "rows_loaded": loaded,
            "rows_updated": updated,
            "rows_unchanged": unchanged,
            "rows_quarantined": quarantined,
            **date_range,
        },
    )
    total = loaded + updated + unchanged + quarantined
    if total != raw.rows_read:  # pragma: no cover - a bug, never a user error
        raise AssertionError(f"rows lost: read {raw.rows_read}, accounted for {total}")
    return IngestResult(
        kind=spec.name,
        source=source,
        file_name=raw.path.name,
        sha256=raw.sha256,
        extract_id=extract_id,
        rows_read=raw.rows_read,
        rows_loaded=loaded,
        rows_updated=updated,
        rows_unchanged=unchanged,
        rows_quarantined=quarantined,
        errors=_error_list(errors),
        error_count=errors.height,
        warnings=[*raw.warnings, *_warnings(raw, checked)],
        areas_reassigned=reassigned,
        quarantine_resolved=resolved,
    )


def _warnings(raw: RawTable, checked: Validated) -> list[str]:
    notes = []
    if raw.rows_read == 0:
        notes.append(f"{raw.path}: has a header but no data rows")
    if checked.extra_columns:
        notes.append(
            "columns outside the contract kept with each record (extra): "
            + ", ".join(checked.extra_columns)
        )
    return notes


def _assign_areas(connection: Connection, clean: pl.DataFrame) -> pl.DataFrame:
    areas = kind_tables["areas"]
    if connection.execute(select(areas.c.id).limit(1)).first() is None:
        return clean
    from harmwatch.geo.assign import AreaIndex

    index = AreaIndex.from_store(connection)
    codes = index.assign(
        clean.get_column("easting").to_numpy(), clean.get_column("northing").to_numpy()
    )
    derived = pl.Series("__derived_area", list(codes), dtype=pl.String)
    return (
        clean.with_columns(derived)
        .with_columns(pl.coalesce(pl.col("__derived_area"), pl.col("area_code")).alias("area_code"))
        .drop("__derived_area")
    )


def _quarantine(
    connection: Connection,
    spec: KindSpec,
    source: str,
    extract_id: int,
    raw: RawTable,
    frame: pl.DataFrame,
    errors: pl.DataFrame,
    hidden: set[str],
) -> int:
    if errors.height == 0:
        return 0
    rows = quarantine_entries(spec, raw, frame, errors, hidden=hidden)
    load.write_quarantine(connection, spec, source, extract_id, rows, errors)
    return rows.height


def _date_range(clean: pl.DataFrame, spec: KindSpec) -> dict[str, Any]:
    if not spec.main_date or clean.height == 0:
        return {}
    column = pl.col(spec.main_date).cast(pl.Datetime("us"))
    lo, hi = clean.select(column.min().alias("lo"), column.max().alias("hi")).row(0)
    return {"min_date": lo, "max_date": hi}
