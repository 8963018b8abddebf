"""Near repeats in the store: the Knox test on police occurrences.

Is an event more likely than chance to follow another nearby, soon after? This
module reads the occurrences and hands them to :func:`harmwatch.analysis.knox.knox_test`
(the Monte Carlo Knox test and the Near Repeat Calculator's table of distance by
time bands; its docstring gives the method and conventions). The result is a
:class:`~harmwatch.analysis.nearrepeat_result.NearRepeatResult`; both are
re-exported here.

References
----------
.. [1] Knox EG. The detection of space-time interactions. Journal of the Royal
   Statistical Society C (Applied Statistics) 1964; 13:25-30.
.. [2] Ratcliffe JH, Rengert GF. Near-repeat patterns in Philadelphia
   shootings. Security Journal 2008; 21:58-76.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
import polars as pl
from sqlalchemy import Engine, and_
from sqlalchemy.sql import ColumnElement

from harmwatch.analysis.data import Period, in_period, read_kind
from harmwatch.analysis.knox import knox_test
from harmwatch.analysis.nearrepeat_result import (
    ALPHA,
    DEFAULT_DISTANCE_BANDS,
    DEFAULT_GROUPS,
    DEFAULT_TIME_BANDS,
    MIN_EVENTS,
    RATIO_THRESHOLD,
    NearRepeatResult,
)
from harmwatch.contract import codes
from harmwatch.errors import HarmWatchError
from harmwatch.store.schema import kind_tables

__all__ = [
    "ALPHA",
    "DEFAULT_DISTANCE_BANDS",
    "DEFAULT_GROUPS",
    "DEFAULT_TIME_BANDS",
    "MIN_EVENTS",
    "RATIO_THRESHOLD",
    "NearRepeatResult",
    "knox_test",
    "near_repeat",
]

_KIND = "police_occurrences"
_PRECISE = ("datetime", "date")
_US_PER_DAY = 86_400_000_000


def _check_groups(groups: Sequence[str]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(str(g).strip().lower() for g in groups))
    if not chosen:
        raise HarmWatchError("give at least one offence group")
    unknown = [g for g in chosen if g not in codes.OFFENCE_GROUP]
    if unknown:
        raise HarmWatchError(
            f"unknown offence group(s): {', '.join(unknown)}; "
            f"known: {', '.join(codes.OFFENCE_GROUP)}"
        )
    return chosen


def near_repeat(
    engine: Engine,
    *,
    groups: Sequence[str] = DEFAULT_GROUPS,
    period: Period | None = None,
    distance: float = 200.0,
    days: float = 14.0,
    distance_bands: Sequence[float] = DEFAULT_DISTANCE_BANDS,
    time_bands: Sequence[float] = DEFAULT_TIME_BANDS,
    permutations: int = 999,
    seed: int | None = None,
) -> NearRepeatResult:
    """The Knox near-repeat test on police occurrences in the store.

    Reads the occurrences of ``groups`` whose ``occurred_from`` falls in
    ``period``, keeps those with a location (easting and northing) and a date
    precise to at least the day (``date_precision`` ``datetime`` or ``date``;
    a date-only record sits at midnight), and runs :func:`knox_test` on them
    with times in fractional days. Events are ordered by time and id, so a
    seed gives the same result on SQLite and PostgreSQL.

    Parameters
    ----------
    engine : Engine
        The store.
    groups : sequence of str
        Offence groups (``codes.OFFENCE_GROUP``).
    period : Period, optional
        The span of ``occurred_from`` (default: all loaded).
    distance, days, distance_bands, time_bands, permutations, seed
        As :func:`knox_test`.

    Returns
    -------
    NearRepeatResult
        Event ids are ``occurrence_id`` (``source:occurrence_id`` when more
        than one source supplied the events).

    Raises
    ------
    HarmWatchError
        On an unknown offence group or bad parameters.

    References
    ----------
    .. [1] Knox EG. Applied Statistics 1964; 13:25-30.
    .. [2] Ratcliffe JH, Rengert GF. Security Journal 2008; 21:58-76.
    """
    chosen = _check_groups(groups)
    table = kind_tables[_KIND]
    where: ColumnElement[bool] = table.c.offence_group.in_(chosen)
    if period is not None:
        where = and_(where, in_period(_KIND, period))
    frame = read_kind(
        engine,
        _KIND,
        columns=[
            "occurrence_id",
            "source",
            "occurred_from",
            "easting",
            "northing",
            "date_precision",
        ],
        where=where,
    )
    located = pl.col("easting").is_not_null() & pl.col("northing").is_not_null()
    precise = pl.col("date_precision").is_in(_PRECISE).fill_null(False)
    dated = pl.col("occurred_from").is_not_null()
    excluded = {
        "unlocated": frame.filter(~located).height,
        "imprecise_date": frame.filter(located & ~(precise & dated)).height,
    }
    events = frame.filter(located & precise & dated).sort(
        "occurred_from", "occurrence_id", "source"
    )
    if events["source"].n_unique() > 1:
        ids = (events["source"] + ":" + events["occurrence_id"]).to_list()
    else:
        ids = events["occurrence_id"].to_list()
    start = events["occurred_from"].min() if events.height else None
    times = np.zeros(0)
    if isinstance(start, datetime):
        micros = (events["occurred_from"] - start).dt.total_microseconds().to_numpy()
        times = micros.astype(np.float64) / _US_PER_DAY
    result = knox_test(
        events.select("easting", "northing").to_numpy().astype(np.float64).reshape(-1, 2),
        times,
        distance=distance,
        days=days,
        distance_bands=distance_bands,
        time_bands=time_bands,
        permutations=permutations,
        seed=seed,
        ids=ids,
    )
    result.groups = chosen
    result.period = period
    result.excluded = excluded
    scope = f"{'/'.join(chosen)} occurrences"
    notes = []
    if excluded["unlocated"]:
        notes.append(f"{excluded['unlocated']} {scope} without a location left out")
    if excluded["imprecise_date"]:
        notes.append(
            f"{excluded['imprecise_date']} {scope} dated only to the month or year left out"
        )
    result.warnings[:0] = notes
    if not result.available:
        result.reason = f"{result.n_events} {scope} located and dated to the day: too few"
    return result
