"""The error frame: one row per problem found in an input file.

Ingest's validation (:mod:`harmwatch.ingest.validate`) and the geography
checks (:mod:`harmwatch.geo`) both report problems in this shape, and their
frames are joined, so the shape is defined once, here, in a module that
imports nothing heavy (ingest must not load shapely or pyproj to start).
"""

from __future__ import annotations

import polars as pl

__all__ = ["ERROR_SCHEMA", "ROW", "empty_errors"]

#: The column of input frames holding each row's spreadsheet-style number
#: (the header is row 1, the first record row 2).
ROW = "__row"

#: The columns of an error frame: the row, the column, the value as written
#: and the reason it was refused.
ERROR_SCHEMA: dict[str, pl.DataType] = {
    ROW: pl.Int64(),
    "column": pl.String(),
    "value": pl.String(),
    "reason": pl.String(),
}


def empty_errors() -> pl.DataFrame:
    """An error frame with no rows."""
    return pl.DataFrame(schema=ERROR_SCHEMA)
