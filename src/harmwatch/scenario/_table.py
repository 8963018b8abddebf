"""Column tables of numpy arrays, and helpers that turn them into polars columns.

Bulk records are generated as numpy arrays (codes as integer indexes into a
vocabulary, times as epoch seconds), appended to by the planted patterns, and
only turned into polars columns at the end. Categorical text becomes a polars
``Enum`` gathered from its vocabulary, so millions of rows cost 4 bytes each.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

__all__ = [
    "Array",
    "Table",
    "Vocab",
    "code_index",
    "date_series",
    "datetime_series",
    "enum_series",
    "format_ids",
    "pick",
]

Array = NDArray[Any]


@dataclass
class Table:
    """Named numpy columns of equal length.

    Attributes
    ----------
    cols : dict of str to ndarray
        The columns.
    """

    cols: dict[str, Array] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(next(iter(self.cols.values()))) if self.cols else 0

    def __getitem__(self, name: str) -> Array:
        return self.cols[name]

    def __setitem__(self, name: str, values: Array) -> None:
        self.cols[name] = values

    def append(self, other: Table) -> range:
        """Append ``other``'s rows (same columns); return the new rows' indexes."""
        start = len(self)
        if set(other.cols) != set(self.cols):
            missing = set(self.cols) ^ set(other.cols)
            raise ValueError(f"columns differ: {sorted(missing)}")
        for name, values in other.cols.items():
            self.cols[name] = np.concatenate(
                [self.cols[name], values.astype(self.cols[name].dtype)]
            )
        return range(start, len(self))

    def take(self, index: Array) -> Table:
        """The rows at ``index``, as a new table."""
        return Table({k: v[index] for k, v in self.cols.items()})


class Vocab:
    """A growing list of distinct strings, each with an integer code."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self.values: list[str] = []
        self._index: dict[str, int] = {}
        for v in values:
            self.add(v)

    def add(self, value: str) -> int:
        """Return ``value``'s code, adding it when new."""
        code = self._index.get(value)
        if code is None:
            code = len(self.values)
            self.values.append(value)
            self._index[value] = code
        return code

    def code(self, value: str) -> int:
        """The code of a known value."""
        return self._index[value]

    def __len__(self) -> int:
        return len(self.values)


def code_index(codes: Sequence[str], value: str) -> int:
    """Index of ``value`` in a contract code tuple."""
    return list(codes).index(value)


def pick(
    rng: np.random.Generator, n: int, weights: Mapping[str, float], codes: Sequence[str]
) -> Array:
    """Draw ``n`` codes (as indexes into ``codes``) with the given weights."""
    idx = np.array([code_index(codes, k) for k in weights], dtype=np.int32)
    p = np.array(list(weights.values()), dtype=float)
    return idx[rng.choice(len(idx), size=n, p=p / p.sum())]


def enum_series(name: str, vocab: Sequence[str], index: Array) -> pl.Series:
    """A polars Enum column: ``vocab[index]``, null where ``index`` < 0."""
    values = list(dict.fromkeys(vocab))
    if len(values) != len(vocab):
        raise ValueError(f"{name}: vocabulary has repeated values")
    base = pl.Series(name, values, dtype=pl.String).cast(pl.Enum(values))
    idx = np.asarray(index, dtype=np.int64)
    gather = pl.Series(np.where(idx < 0, 0, idx).astype(np.uint32))
    out = base.gather(gather)
    if (idx < 0).any():
        out = out.scatter(np.flatnonzero(idx < 0), None)
    return out.alias(name)


def datetime_series(name: str, seconds: Array) -> pl.Series:
    """A polars Datetime column from epoch seconds (naive local time), null when < 0."""
    s = np.asarray(seconds, dtype=np.int64)
    out = pl.Series(name, s * 1_000_000, dtype=pl.Int64).cast(pl.Datetime("us"))
    if (s < 0).any():
        out = out.scatter(np.flatnonzero(s < 0), None)
    return out


def date_series(name: str, days: Array, missing: Array | None = None) -> pl.Series:
    """A polars Date column from epoch days; null where ``missing`` is true."""
    out = pl.Series(name, np.asarray(days, dtype=np.int32), dtype=pl.Int32).cast(pl.Date)
    if missing is not None and missing.any():
        out = out.scatter(np.flatnonzero(missing), None)
    return out


def format_ids(name: str, prefix: str, numbers: Array, width: int) -> pl.Series:
    """Identifiers ``<prefix><number zero-padded to width>``."""
    s = pl.Series(name, np.asarray(numbers, dtype=np.int64))
    return (
        pl.select((pl.lit(prefix) + s.cast(pl.String).str.zfill(width)).alias(name))
        .to_series()
        .alias(name)
    )
