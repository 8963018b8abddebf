"""Rules over whole records rather than single cells: ids shared by several
rows of a file, and dates that contradict each other.
"""

from __future__ import annotations

import polars as pl

from harmwatch.contract import KindSpec
from harmwatch.ingest.reader import ROW
from harmwatch.ingest.validate_columns import PARSED, Check, errors_where

__all__ = ["duplicate_ids", "record_checks"]


def duplicate_ids(work: pl.DataFrame, key: str, columns: list[str]) -> pl.DataFrame:
    """Rows sharing an id. Exact copies of a row (every cell the same, ignoring
    surrounding spaces) are quarantined as copies and the first is loaded;
    rows that share an id but differ are all quarantined, since which one is
    right cannot be known."""
    parsed_key = pl.col(PARSED + key)
    shared = work.filter(parsed_key.is_not_null() & parsed_key.is_duplicated()).with_columns(
        parsed_key.alias("__key")
    )
    content = pl.concat_str(
        [pl.col(c).cast(pl.String).str.strip_chars().fill_null("\x00") for c in columns],
        separator="\x1f",
    )
    counted = shared.with_columns(
        pl.len().over("__key").alias("__n"),
        pl.col(ROW).cast(pl.String).str.join(", ").over("__key").alias("__rows"),
        (content.n_unique().over("__key") == 1).alias("__copies"),
        pl.col(ROW).min().over("__key").alias("__first"),
    )
    return pl.concat(
        [
            errors_where(
                counted,
                pl.col("__copies") & (pl.col(ROW) != pl.col("__first")),
                key,
                pl.col(key),
                pl.format("an exact copy of row {} (loaded from there)", pl.col("__first")),
            ),
            errors_where(
                counted,
                ~pl.col("__copies"),
                key,
                pl.col(key),
                pl.format(
                    "the id is used by {} different rows of this file (rows {})",
                    pl.col("__n"),
                    pl.col("__rows"),
                ),
            ),
        ]
    )


def record_checks(work: pl.DataFrame, kind: KindSpec) -> list[Check]:
    """Rules across columns: a date of birth after the record's own date."""
    main = kind.main_date
    if (
        "date_of_birth" in kind.column_names
        and "date_of_birth" in work.columns
        and main is not None
        and main in work.columns
    ):
        birth = pl.col(PARSED + "date_of_birth")
        return [
            Check(
                birth > pl.col(PARSED + main).cast(pl.Date),
                "date_of_birth",
                f"date of birth is after {main}",
            )
        ]
    return []
