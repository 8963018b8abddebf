"""Helpers shared by the geography modules: the error frame and numpy <-> polars."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from harmwatch.error_frame import ERROR_SCHEMA, empty_errors
from harmwatch.error_frame import ROW as ROW_COLUMN

__all__ = [
    "ERROR_SCHEMA",
    "ROW_COLUMN",
    "empty_errors",
    "float_column",
    "float_series",
    "row_numbers",
]

FloatArray = npt.NDArray[np.float64]
ObjectArray = npt.NDArray[np.object_]


def row_numbers(frame: pl.DataFrame) -> pl.Series:
    """The frame's ``__row`` column as Int64, or spreadsheet numbers (2, 3, ...) when absent."""
    if ROW_COLUMN in frame.columns:
        return frame.get_column(ROW_COLUMN).cast(pl.Int64)
    return pl.Series(ROW_COLUMN, np.arange(2, frame.height + 2, dtype=np.int64))


def float_series(name: str, values: FloatArray) -> pl.Series:
    """A Float64 series from a numpy array, NaN becoming null."""
    return pl.Series(name, np.asarray(values, dtype=np.float64), dtype=pl.Float64, nan_to_null=True)


def float_column(frame: pl.DataFrame, name: str) -> FloatArray:
    """Column ``name`` of ``frame`` as a float array, null (or absent) becoming NaN."""
    if name not in frame.columns:
        return np.full(frame.height, np.nan)
    series = frame.get_column(name).cast(pl.Float64)
    return np.asarray(series.to_numpy(), dtype=np.float64)
