"""When harm happens: hour x weekday heat maps and seasonality by month.

:func:`hour_weekday` counts records by weekday and hour of day, using only
records whose ``date_precision`` is ``datetime`` (a date-only record at midnight
would pile up at 00:00) and saying how many were left out and why.
:func:`seasonality` counts records by calendar month and tests whether they are
spread evenly, allowing for the days each calendar month contributes to the
span of the data (Pearson's chi-square goodness of fit). :func:`temporal_patterns`
runs both for a set of offence groups and for deaths.

This module reads the store; the counts and tests on frames are in
:mod:`.heatmap` (:class:`HeatMap`) and :mod:`.seasonal` (:class:`Seasonality`),
re-exported here.

References
----------
.. [1] Pearson K. On the criterion that a given system of deviations from the
   probable ... Philosophical Magazine 1900; 50:157-175 (chi-square test).
.. [2] Edwards JH. The recognition and estimation of cyclic trends. Annals of
   Human Genetics 1961; 25:83-87 (seasonality of counts by month; the
   unequal-length months handled here by days at risk).
.. [3] Ratcliffe JH. Aoristic signatures and the spatio-temporal analysis of
   high volume crime patterns. Journal of Quantitative Criminology 2002;
   18:23-43 (why imprecise times must not be read as exact).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import Engine

from harmwatch.analysis.counts import default_period
from harmwatch.analysis.data import Period, in_period, read_kind
from harmwatch.analysis.heatmap import WEEKDAYS, HeatMap, heat_map_from_frame
from harmwatch.analysis.seasonal import MONTHS, Seasonality, seasonality_from_frame
from harmwatch.contract import KINDS

__all__ = [
    "MONTHS",
    "VIOLENCE_GROUPS",
    "WEEKDAYS",
    "HeatMap",
    "Seasonality",
    "TemporalPatterns",
    "heat_map_from_frame",
    "hour_weekday",
    "seasonality",
    "seasonality_from_frame",
    "temporal_patterns",
]

#: Offence groups of violence against the person, the default selection.
VIOLENCE_GROUPS = (
    "homicide",
    "attempted_murder",
    "gbh",
    "abh",
    "common_assault",
    "threats_to_kill",
)
#: Column that ``groups`` selects on, per kind.
_GROUP_COLUMN = {"police_occurrences": "offence_group", "deaths": "classification"}


def _read(
    engine: Engine, kind: str, groups: tuple[str, ...] | None, period: Period | None
) -> tuple[pl.DataFrame, str]:
    main = KINDS[kind].main_date
    assert main is not None
    group_column = _GROUP_COLUMN.get(kind)
    columns = [main, "date_precision"] + ([group_column] if group_column else [])
    frame = read_kind(
        engine, kind, columns=columns, where=in_period(kind, period) if period else None
    )
    if groups is not None and group_column:
        frame = frame.filter(pl.col(group_column).is_in(groups))
    return frame, main


def _what(kind: str, groups: tuple[str, ...] | None) -> str:
    noun = "deaths" if kind == "deaths" else "occurrences"
    return f"{', '.join(groups)} {noun}" if groups else noun


def hour_weekday(
    engine: Engine,
    kind: str = "police_occurrences",
    groups: tuple[str, ...] | None = VIOLENCE_GROUPS,
    period: Period | None = None,
) -> HeatMap:
    """Weekday x hour heat map of ``kind`` (offence groups or death classifications).

    References
    ----------
    .. [1] Ratcliffe JH. Journal of Quantitative Criminology 2002; 18:23-43.
    """
    frame, main = _read(engine, kind, groups, period)
    return heat_map_from_frame(frame, main, what=_what(kind, groups), period=period)


def seasonality(
    engine: Engine,
    kind: str = "police_occurrences",
    groups: tuple[str, ...] | None = VIOLENCE_GROUPS,
    period: Period | None = None,
) -> Seasonality:
    """Seasonality by calendar month of ``kind`` (default: all data loaded).

    References
    ----------
    .. [1] Pearson K. Philosophical Magazine 1900; 50:157-175.
    """
    frame, main = _read(engine, kind, groups, period)
    return seasonality_from_frame(frame, main, what=_what(kind, groups))


@dataclass
class TemporalPatterns:
    """Heat maps and seasonality of violence and of deaths.

    Attributes
    ----------
    offences_heat_map : HeatMap
        Selected offence groups, current period.
    offences_seasonality : Seasonality
        Selected offence groups, all data loaded.
    deaths_heat_map : HeatMap
        All deaths, current period (deaths are dated to the day: weekday only).
    deaths_seasonality : Seasonality
        All deaths, all data loaded.
    """

    offences_heat_map: HeatMap
    offences_seasonality: Seasonality
    deaths_heat_map: HeatMap
    deaths_seasonality: Seasonality

    @property
    def warnings(self) -> list[str]:
        """Every part's warnings."""
        return [
            *self.offences_heat_map.warnings,
            *self.offences_seasonality.warnings,
            *self.deaths_heat_map.warnings,
            *self.deaths_seasonality.warnings,
        ]

    def to_json(self) -> dict[str, Any]:
        """``offences_heat_map, offences_seasonality, deaths_heat_map,
        deaths_seasonality`` (each its own ``to_json``) and ``warnings``."""
        return {
            "offences_heat_map": self.offences_heat_map.to_json(),
            "offences_seasonality": self.offences_seasonality.to_json(),
            "deaths_heat_map": self.deaths_heat_map.to_json(),
            "deaths_seasonality": self.deaths_seasonality.to_json(),
            "warnings": self.warnings,
        }


def temporal_patterns(
    engine: Engine,
    period: Period | None = None,
    groups: tuple[str, ...] = VIOLENCE_GROUPS,
) -> TemporalPatterns:
    """Heat maps (current period) and seasonality (all data) for ``groups`` and deaths.

    References
    ----------
    .. [1] Pearson K. Philosophical Magazine 1900; 50:157-175.
    """
    offences_period = period or default_period(engine, "police_occurrences")
    deaths_period = period or default_period(engine, "deaths")
    return TemporalPatterns(
        offences_heat_map=hour_weekday(engine, "police_occurrences", groups, offences_period),
        offences_seasonality=seasonality(engine, "police_occurrences", groups),
        deaths_heat_map=hour_weekday(engine, "deaths", None, deaths_period),
        deaths_seasonality=seasonality(engine, "deaths", None),
    )
