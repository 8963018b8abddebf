"""Ingest one file: read, map, validate, quarantine, pseudonymise, load.

This is the one entry point for loading data (:func:`ingest_file`); the CLI's
``harmwatch ingest`` is a thin wrapper around it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from harmwatch.contract import KINDS, KindSpec
from harmwatch.errors import HarmWatchError, InputFileError
from harmwatch.ingest import load
from harmwatch.ingest.bulk import is_big_sqlite_load, load_transaction
from harmwatch.ingest.extract import ExtractOptions, load_extract
from harmwatch.ingest.mapping import Mapping
from harmwatch.ingest.quarantine_rows import personal_file_columns
from harmwatch.ingest.reader import ROW, RawTable, read_table, scan_file
from harmwatch.ingest.result import ERRORS_SHOWN, IngestResult
from harmwatch.ingest.staging import Staging
from harmwatch.ingest.validate import derive_involvement_ids, match_columns, part_count, prepare

__all__ = ["DEFAULT_SOURCES", "ERRORS_SHOWN", "IngestResult", "ingest_file"]

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
    # One pass over the file: its digest, and what the reader needs to parse
    # it where it lies.
    scan = scan_file(path) if path.is_file() else None
    digest = scan.sha256 if scan else None
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
    raw = read_table(path, sheet=sheet or (mapping.sheet if mapping else None), scan=scan)
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
        prepared = prepare(frame, spec, file_name=str(path))
    except InputFileError as exc:
        if raw.format == "xlsx" and raw.warnings:
            # Most likely the wrong sheet: say which sheets there are.
            raise InputFileError(
                exc.path, f"{exc.message} (note: {'; '.join(raw.warnings)})", row=exc.row
            ) from exc
        raise
    del frame
    options = ExtractOptions(
        mapping=mapping, tokens_only=tokens_only, key=key, hidden=hidden, now=now, notes=notes
    )
    say("validating and loading")
    rows = prepared.frame.height
    staging = (
        Staging(part_count(rows), beside=_sqlite_file(engine))
        if is_big_sqlite_load(engine, rows)
        else None
    )
    try:
        # The staged files (if any) outlive the transaction: they are detached
        # after its commit or rollback, then deleted.
        with staging or contextlib.nullcontext(), load_transaction(engine, rows) as connection:
            return load_extract(connection, spec, source, raw, prepared, options, staging)
    except DBAPIError as exc:
        # The database refused (locked, full, connection lost...): the
        # transaction was rolled back, so nothing of this file is stored.
        raise HarmWatchError(
            f"{path}: the store refused the load, nothing was written: {exc.orig}"
        ) from exc


def _sqlite_file(engine: Engine) -> Path | None:
    """The SQLite store's file (``None`` in memory)."""
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser().resolve()


def _table_frame(raw: RawTable, spec: KindSpec) -> pl.DataFrame:
    if raw.format != "geojson":
        return raw.frame
    if spec.name != "areas":
        raise HarmWatchError(f"{raw.path}: is GeoJSON; only areas are read from GeoJSON")
    from harmwatch.geo.areas import read_areas_geojson

    # Each feature is a row: the raw table is the features' properties.
    raw.frame = read_areas_geojson(raw.path)
    return raw.frame


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
