"""Building the quarantine entries of a load: the raw row, its id, its reasons.

A quarantined row keeps the row as the file had it (original headers), so it
can be exported, corrected and re-loaded. Under ``--tokens-only`` the
columns that identify a person are left out of the kept row and of the
reported values: a pseudonymised source stores no identifiers, even in
quarantine.
"""

from __future__ import annotations

import json

import polars as pl

from harmwatch.contract import KindSpec
from harmwatch.ingest.mapping import Mapping
from harmwatch.ingest.pseudonymise import PERSONAL_COLUMNS
from harmwatch.ingest.reader import ROW, RawTable


def personal_file_columns(columns: list[str], mapping: Mapping | None) -> set[str]:
    """The file's columns that carry a person's identifiers.

    Those named as a contract identifier (``forename``, ``surname``,
    ``date_of_birth``, ``postcode``, ``nhs_number``, any case), and those a
    mapping reads into one.
    """
    personal = {c for c in columns if c.strip().lower() in PERSONAL_COLUMNS}
    if mapping is not None:
        lowered = {c.lower(): c for c in columns}
        for target, rule in mapping.rules.items():
            if target in PERSONAL_COLUMNS:
                personal |= {
                    lowered[s.lower()] for s in rule.source_columns() if s.lower() in lowered
                }
    return personal


def hide_personal_values(errors: pl.DataFrame) -> pl.DataFrame:
    """Blank the reported value of problems in identifier columns."""
    return errors.with_columns(
        pl.when(pl.col("column").is_in(list(PERSONAL_COLUMNS)))
        .then(None)
        .otherwise(pl.col("value"))
        .alias("value")
    )


def quarantine_entries(
    spec: KindSpec,
    raw: RawTable,
    frame: pl.DataFrame,
    errors: pl.DataFrame,
    *,
    hidden: set[str] = frozenset(),  # type: ignore[assignment]
) -> pl.DataFrame:
    """One row per quarantined file row: ``__row``, ``raw_row`` (JSON),
    ``reasons`` and ``record_id``.

    Parameters
    ----------
    spec : KindSpec
        The kind loaded.
    raw : RawTable
        The file as read (original headers; unreadable rows).
    frame : polars.DataFrame
        The rows after mapping (contract names; derived involvement ids).
    errors : polars.DataFrame
        Every problem: ``__row``, ``column``, ``value``, ``reason``.
    hidden : set of str
        File columns not to keep (identifiers of a tokens-only source).
    """
    bad_numbers = errors.get_column(ROW).unique()
    reasons = errors.group_by(ROW, maintain_order=True).agg(
        pl.format("{}: {}", pl.col("column").fill_null("row"), pl.col("reason"))
        .str.join("; ")
        .alias("reasons")
    )
    table = raw.frame if raw.format != "geojson" else frame
    kept = [c for c in table.columns if c != ROW and c not in hidden]
    readable = table.filter(pl.col(ROW).is_in(bad_numbers.implode()))
    id_column = _column_named(frame, spec.id_column)
    if id_column is not None and _column_named(table, spec.id_column) is None:
        # A derived id (police_people without involvement_id): keep it with the
        # row, so a corrected re-load updates this very record.
        readable = readable.join(
            frame.select(ROW, pl.col(id_column).alias(spec.id_column)), on=ROW, how="left"
        )
        kept.append(spec.id_column)
    readable = readable.select(pl.col(ROW), pl.struct(kept).struct.json_encode().alias("raw_row"))
    unreadable = pl.DataFrame(
        {
            ROW: [b.row for b in raw.bad_rows],
            "raw_row": [
                json.dumps({k: v for k, v in b.raw.items() if k not in hidden}, ensure_ascii=False)
                for b in raw.bad_rows
            ],
            "__unreadable_id": [_raw_id(b.raw, spec.id_column) for b in raw.bad_rows],
        },
        schema={ROW: pl.Int64, "raw_row": pl.String, "__unreadable_id": pl.String},
    )
    ids = (
        frame.select(ROW, pl.col(id_column).alias("record_id"))
        if id_column is not None
        else frame.select(ROW, pl.lit(None, dtype=pl.String).alias("record_id"))
    )
    return (
        pl.concat([readable, unreadable], how="diagonal")
        .join(reasons, on=ROW, how="left")
        .join(ids, on=ROW, how="left")
        .with_columns(
            pl.coalesce(pl.col("record_id"), pl.col("__unreadable_id"))
            .str.strip_chars()
            .replace("", None)
            .alias("record_id")
        )
        .drop("__unreadable_id")
        .sort(ROW)
    )


def _raw_id(raw: dict[str, str], id_column: str) -> str | None:
    for key, value in raw.items():
        if key.strip().lower() == id_column:
            return value
    return None


def _column_named(frame: pl.DataFrame, name: str) -> str | None:
    for column in frame.columns:
        if column.strip().lower() == name:
            return column
    return None
