"""The result of a near-repeat test, and its table of distance by time bands.

The figures are computed in :mod:`harmwatch.analysis.knox`; the conventions
(inclusive upper bounds, Monte Carlo p-values, the Near Repeat Calculator's
flagging rule) are described there.

References
----------
.. [1] Ratcliffe JH. Near Repeat Calculator (version 1.3). Temple University,
   Philadelphia, and the National Institute of Justice, 2009.
.. [2] Benjamini Y, Hochberg Y. Controlling the false discovery rate. Journal of
   the Royal Statistical Society B 1995; 57:289-300.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import ArrayLike, NDArray

from harmwatch.analysis.data import Period
from harmwatch.analysis.smallnumbers import SMALL_COUNT, benjamini_hochberg, json_records
from harmwatch.errors import HarmWatchError

__all__ = [
    "ALPHA",
    "DEFAULT_DISTANCE_BANDS",
    "DEFAULT_GROUPS",
    "DEFAULT_TIME_BANDS",
    "MIN_EVENTS",
    "RATIO_THRESHOLD",
    "NearRepeatResult",
]

#: Offence groups read by default: the most serious violence against the person.
DEFAULT_GROUPS = ("homicide", "attempted_murder", "gbh", "abh")
#: Upper edges (metres) of the distance bands; a "more than" band follows.
DEFAULT_DISTANCE_BANDS = (100.0, 200.0, 300.0, 400.0, 500.0)
#: Upper edges (days) of the time bands; a "more than" band follows.
DEFAULT_TIME_BANDS = (7.0, 14.0, 21.0, 28.0)
#: A cell is flagged when its Knox ratio exceeds this and ``p < ALPHA``, as the
#: Near Repeat Calculator shades cells at least 20% above expectation.
RATIO_THRESHOLD = 1.2
ALPHA = 0.05
#: Fewer events than this carry a warning.
MIN_EVENTS = 30


IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


@dataclass
class NearRepeatResult:
    """The Knox test of near repeats, and its table of distance by time bands.

    Attributes
    ----------
    available : bool
        False when the test could not be run (fewer than two events); then
        ``reason`` says why and the figures are empty.
    reason : str or None
        Why the test is not available.
    n_events : int
        Events tested (located, dated at least to the day).
    distance, days : float
        The thresholds of a close pair: distance <= ``distance`` metres and
        time apart <= ``days`` days.
    pairs : int
        Observed close pairs (the Knox statistic).
    expected : float or None
        Mean number of close pairs over the permutations.
    ratio : float or None
        Knox ratio ``pairs / expected``.
    p_value : float or None
        One-sided Monte Carlo p-value, ``(1 + #{permuted >= observed}) /
        (permutations + 1)``.
    permutations : int
        Permutations of the times among the locations.
    seed : int or None
        Seed of the ``numpy.random.Generator`` that drew them.
    distance_bands, time_bands : tuple of float
        Upper edges (inclusive) of the table's bands, before "more than".
    table : polars.DataFrame
        One row per cell, distance band major: ``distance_band``,
        ``time_band`` (labels), ``distance_from``, ``distance_to``,
        ``days_from``, ``days_to`` (bounds; ``from`` exclusive except 0, ``to``
        inclusive, null when open), ``observed``, ``expected``, ``ratio``,
        ``p_value``, ``p_adjusted`` (Benjamini-Hochberg over the cells) and
        ``significant`` (ratio > ``RATIO_THRESHOLD`` and p < ``ALPHA``,
        unadjusted, as in the Near Repeat Calculator).
    close_pairs : polars.DataFrame
        The observed close pairs, for traceability: ``event_a``, ``event_b``
        (ids, the earlier first), ``distance_m``, ``days_apart``.
    warnings : list of str
        Plain-words cautions.
    groups : tuple of str
        Offence groups read (empty when the events were given directly).
    period : Period or None
        The period read (None: all loaded); in JSON ``{"from", "to"}``, both
        days included.
    excluded : dict of str to int
        Records left out and why (``unlocated``, ``imprecise_date``).
    simulated : numpy.ndarray
        The close-pair count under each permutation.
    """

    available: bool
    reason: str | None
    n_events: int
    distance: float
    days: float
    pairs: int
    expected: float | None
    ratio: float | None
    p_value: float | None
    permutations: int
    seed: int | None
    distance_bands: tuple[float, ...]
    time_bands: tuple[float, ...]
    table: pl.DataFrame
    close_pairs: pl.DataFrame
    warnings: list[str] = field(default_factory=list)
    groups: tuple[str, ...] = ()
    period: Period | None = None
    excluded: dict[str, int] = field(default_factory=dict)
    simulated: IntArray = field(default_factory=lambda: np.zeros(0, np.int64), repr=False)

    @property
    def tables(self) -> dict[str, pl.DataFrame]:
        """The tables behind the figures (for the report's appendix)."""
        return {"near_repeat": self.table, "near_repeat_pairs": self.close_pairs}

    def to_json(self) -> dict[str, Any]:
        """JSON-ready figures: the headline test, the table, the close pairs."""
        return {
            "available": self.available,
            "reason": self.reason,
            "n_events": self.n_events,
            "groups": list(self.groups),
            "period": None
            if self.period is None
            else {
                "from": self.period.start.isoformat(),
                "to": (self.period.end - timedelta(days=1)).isoformat(),
            },
            "distance": self.distance,
            "days": self.days,
            "pairs": self.pairs,
            "expected": self.expected,
            "ratio": self.ratio,
            "p_value": self.p_value,
            "permutations": self.permutations,
            "seed": self.seed,
            "distance_bands": list(self.distance_bands),
            "time_bands": list(self.time_bands),
            "table": json_records(self.table),
            "close_pairs": json_records(self.close_pairs),
            "excluded": dict(self.excluded),
            "warnings": list(self.warnings),
        }


# --------------------------------------------------------------------------
# Parameters and labels (used by the test in ``knox``)


def band_edges(values: Sequence[float], what: str) -> tuple[float, ...]:
    edges = tuple(float(v) for v in values)
    if not edges:
        raise HarmWatchError(f"{what}: give at least one band edge")
    if any(not math.isfinite(v) or v < 0 for v in edges):
        raise HarmWatchError(f"{what}: band edges must be finite and not negative, not {edges}")
    if any(b <= a for a, b in itertools.pairwise(edges)):
        raise HarmWatchError(f"{what}: band edges must increase, not {edges}")
    return edges


def threshold_value(value: float, what: str) -> float:
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise HarmWatchError(f"{what} must be a number not below 0, not {value}")
    return value


def format_number(value: float) -> str:
    return f"{value:g}"


def band_labels(edges: tuple[float, ...], unit: str, zero: str) -> list[str]:
    labels = []
    for k, upper in enumerate(edges):
        if k == 0:
            labels.append(zero if upper == 0 else f"0-{format_number(upper)} {unit}")
        else:
            labels.append(f">{format_number(edges[k - 1])}-{format_number(upper)} {unit}")
    labels.append(f"more than {format_number(edges[-1])} {unit}")
    return labels


# --------------------------------------------------------------------------
# The table and the cautions


def empty_table(d_edges: tuple[float, ...], t_edges: tuple[float, ...]) -> pl.DataFrame:
    d_labels = band_labels(d_edges, "m", "same location")
    t_labels = band_labels(t_edges, "days", "same time")
    d_from = [0.0, *d_edges]
    d_to: list[float | None] = [*d_edges, None]
    t_from = [0.0, *t_edges]
    t_to: list[float | None] = [*t_edges, None]
    rows = [
        (d_labels[a], t_labels[b], d_from[a], d_to[a], t_from[b], t_to[b])
        for a in range(len(d_labels))
        for b in range(len(t_labels))
    ]
    return pl.DataFrame(
        rows,
        schema={
            "distance_band": pl.String,
            "time_band": pl.String,
            "distance_from": pl.Float64,
            "distance_to": pl.Float64,
            "days_from": pl.Float64,
            "days_to": pl.Float64,
        },
        orient="row",
    ).with_columns(
        observed=pl.lit(0, pl.Int64),
        expected=pl.lit(None, pl.Float64),
        ratio=pl.lit(None, pl.Float64),
        p_value=pl.lit(None, pl.Float64),
        p_adjusted=pl.lit(None, pl.Float64),
        significant=pl.lit(False),
    )


def filled_table(
    table: pl.DataFrame, cells: IntArray, sim_cells: IntArray, permutations: int
) -> pl.DataFrame:
    expected = sim_cells.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(expected > 0, cells / expected, np.nan)
    p = (1 + (sim_cells >= cells).sum(axis=0)) / (permutations + 1)
    significant = (ratio > RATIO_THRESHOLD) & (p < ALPHA)
    return table.with_columns(
        observed=pl.Series(cells, dtype=pl.Int64),
        expected=pl.Series(expected, dtype=pl.Float64),
        ratio=pl.Series(ratio, dtype=pl.Float64, nan_to_null=True),
        p_value=pl.Series(p, dtype=pl.Float64),
        p_adjusted=pl.Series(benjamini_hochberg(p), dtype=pl.Float64),
        significant=pl.Series(significant, dtype=pl.Boolean),
    )


def close_pairs_frame(a: list[str], b: list[str], d: ArrayLike, dt: ArrayLike) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "event_a": pl.Series(a, dtype=pl.String),
            "event_b": pl.Series(b, dtype=pl.String),
            "distance_m": pl.Series(np.asarray(d, dtype=np.float64), dtype=pl.Float64),
            "days_apart": pl.Series(np.asarray(dt, dtype=np.float64), dtype=pl.Float64),
        }
    )


def result_warnings(result: NearRepeatResult) -> list[str]:
    out = []
    if result.n_events < MIN_EVENTS:
        out.append(
            f"only {result.n_events} events: fewer than {MIN_EVENTS}, too few for the Knox "
            "test to tell near repeats from chance"
        )
    if result.pairs < SMALL_COUNT:
        out.append(
            f"only {result.pairs} pairs within {format_number(result.distance)} m and "
            f"{format_number(result.days)} days: fewer than {SMALL_COUNT}, too few to support "
            "a claim about near repeats"
        )
    if result.permutations < 99:
        out.append(
            f"only {result.permutations} permutations: the smallest possible p-value is "
            f"{1 / (result.permutations + 1):.3g}; use 999 or more for the report"
        )
    flagged = result.table.filter(pl.col("significant"))
    if flagged.height and (flagged["p_adjusted"] >= ALPHA).any():
        out.append(
            "cells are flagged on unadjusted p-values, as in the Near Repeat Calculator; "
            f"with {result.table.height} cells some may be flagged by chance: see p_adjusted"
        )
    thin = result.table.filter(pl.col("significant") & (pl.col("observed") < SMALL_COUNT))
    if thin.height:
        out.append(
            f"{thin.height} flagged cell(s) rest on fewer than {SMALL_COUNT} observed pairs: "
            "their ratios are unstable"
        )
    return out
