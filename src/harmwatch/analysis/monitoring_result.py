"""Death monitoring's result objects: one chart per entity, and the whole run.

:class:`MonitoredEntity` is one institution's or practitioner's chart with its
alarms and the deaths behind them; :class:`DeathMonitoring` holds every chart,
the settings (and how the thresholds were set), and the tables: the funnel of
totals, each institution's expectation, practitioners' shares and the night
profile. Built by :mod:`harmwatch.analysis.monitoring`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import polars as pl

from harmwatch.analysis.sequential import DEFAULT_RELATIVE_RISK
from harmwatch.analysis.smallnumbers import (
    benjamini_hochberg,
    funnel_limits,
    funnel_position,
    json_records,
    poisson_tail_p,
)
from harmwatch.analysis.thresholds import (
    DEFAULT_FAMILY_ERROR,
    DEFAULT_PRACTITIONER_FALSE_ALARM,
    DEFAULT_SIMULATIONS,
    DEFAULT_TOLERATED_FALSE_ALARMS,
    FamilyFalseAlarms,
    family_false_alarms,
)

__all__ = ["DeathMonitoring", "MonitoredEntity", "PeriodKind", "funnel_table", "period_label"]

PeriodKind = Literal["month", "quarter"]
#: ``entity_kind`` of a practitioner's chart.
PRACTITIONER = "practitioner"


def period_label(column: str, period: PeriodKind) -> pl.Expr:
    """Polars expression: a date column as ``"2024-01"`` (month) or ``"2024-Q1"`` (quarter)."""
    day = pl.col(column).cast(pl.Date)
    if period == "month":
        return day.dt.strftime("%Y-%m")
    if period == "quarter":
        return pl.format("{}-Q{}", day.dt.year(), day.dt.quarter())
    raise ValueError(f"period must be 'month' or 'quarter', not {period!r}")


@dataclass
class MonitoredEntity:
    """One institution's or practitioner's chart.

    Attributes
    ----------
    entity, entity_kind : str
        ``institution_id`` and the institution's type, or ``practitioner_id``
        and ``"practitioner"``.
    observed : int
        Deaths over all periods monitored.
    expected : float
        Deaths expected over them.
    path : DataFrame
        ``period, observed, expected, statistic, signal``: the chart.
    threshold : float
        The chart's ``h``.
    false_alarm_rate : float or None
        The chance the chart signals at least once over the horizon when in
        control, that ``h`` was set for (None with Wald's threshold).
    alarms : list of dict
        One per signal: ``period`` (when the statistic reached the threshold),
        ``run_start_period`` (first period of the run that built it),
        ``observed`` and ``expected`` over the run, ``death_ids`` (the deaths
        of the run, the evidence behind the alarm).
    """

    entity: str
    entity_kind: str
    observed: int
    expected: float
    path: pl.DataFrame
    threshold: float = float("nan")
    false_alarm_rate: float | None = None
    alarms: list[dict[str, Any]] = field(default_factory=list)

    @property
    def signalled(self) -> bool:
        return bool(self.alarms)

    @property
    def first_signal_period(self) -> str | None:
        return str(self.alarms[0]["period"]) if self.alarms else None

    def to_json(self) -> dict[str, Any]:
        """``entity, entity_kind, signalled, first_signal_period, observed, expected,
        statistic`` (the path: records of ``period, observed, expected, statistic``),
        ``threshold, false_alarm_rate, alarms`` and ``death_ids`` (those behind
        every alarm)."""
        ids = sorted({i for alarm in self.alarms for i in alarm["death_ids"]})
        return {
            "entity": self.entity,
            "entity_kind": self.entity_kind,
            "signalled": self.signalled,
            "first_signal_period": self.first_signal_period,
            "observed": self.observed,
            "expected": round(self.expected, 4),
            "statistic": json_records(
                self.path.select(
                    "period", "observed", pl.col("expected").round(4), pl.col("statistic").round(4)
                )
            ),
            "threshold": round(self.threshold, 4) if np.isfinite(self.threshold) else None,
            "false_alarm_rate": self.false_alarm_rate,
            "alarms": self.alarms,
            "death_ids": ids,
        }


@dataclass
class DeathMonitoring:
    """Sequential monitoring of deaths by institution and practitioner.

    Attributes
    ----------
    available : bool
        False when there is nothing to monitor (``reason`` says why).
    reason : str
        Why not available.
    period : str
        ``"month"`` or ``"quarter"``.
    periods : list of str
        The periods charted, oldest first (the horizon).
    relative_risk : float
        The alternative ``R``.
    threshold_method : str
        ``"simulated"`` (default: each chart's ``h`` set by simulation for a
        false-alarm rate over the horizon, see
        :mod:`harmwatch.analysis.thresholds`) or ``"wald"`` (one ``h =
        ln((1 - beta) / alpha)`` for every chart).
    alpha, beta : float or None
        Wald's nominal error rates (``"wald"`` only).
    threshold : float or None
        Wald's ``h`` (``"wald"`` only; each chart's own is on the entity).
    family_error, tolerated_false_alarms : float, int
        ``"simulated"``: the chance that the institutions in control raise
        more than ``tolerated_false_alarms`` false alarms over the horizon.
    institution_false_alarm : float or None
        The resulting chance for each institution's chart.
    practitioner_false_alarm : float
        Each practitioner chart's chance of a false alarm over the horizon.
    simulations, seed : int
        Of the threshold simulation.
    entities : list of MonitoredEntity
        Every chart (institutions first, then practitioners).
    tables : dict of str to DataFrame
        ``funnel`` (entity, entity_kind, observed, expected, ratio, funnel
        limits on the count scale, position, p_value: exact ``P(X >=
        observed)``, q_value); from a store also ``institutions`` (the
        institution's expectation, its basis and the first period charted),
        ``expectation_check`` (per basis and type: institutions, observed,
        expected, Pearson dispersion and its p-value), ``practitioners``
        (practitioner_id, home_institution, colleagues, expected_per_year,
        observed, expected, ratio, p_value, q_value, position) and
        ``night_profile`` (see :func:`harmwatch.analysis.night_profile.night_profile`).
    baseline_rates : dict of str to float
        Deaths per place of capacity per year by institution type.
    seasonal : dict of int to float
        Month (1-12) -> relative death rate (1 = the year's average).
    warnings : list of str
        Plain-words cautions.
    """

    available: bool
    reason: str = ""
    period: str = "month"
    periods: list[str] = field(default_factory=list)
    relative_risk: float = DEFAULT_RELATIVE_RISK
    threshold_method: str = "simulated"
    alpha: float | None = None
    beta: float | None = None
    threshold: float | None = None
    family_error: float = DEFAULT_FAMILY_ERROR
    tolerated_false_alarms: int = DEFAULT_TOLERATED_FALSE_ALARMS
    institution_false_alarm: float | None = None
    practitioner_false_alarm: float = DEFAULT_PRACTITIONER_FALSE_ALARM
    simulations: int = DEFAULT_SIMULATIONS
    seed: int = 0
    entities: list[MonitoredEntity] = field(default_factory=list)
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    baseline_rates: dict[str, float] = field(default_factory=dict)
    seasonal: dict[int, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def alarms(self) -> list[MonitoredEntity]:
        """The entities whose chart signalled."""
        return [e for e in self.entities if e.signalled]

    def false_alarm_check(
        self, *, practitioners: bool = False, replications: int = 2_000, seed: int = 1
    ) -> FamilyFalseAlarms:
        """The false alarms these charts raise on simulated in-control data.

        Every institution's chart (or, with ``practitioners``, every
        practitioner's) is re-run ``replications`` times on Poisson counts
        drawn from its own expected counts, with its own threshold; see
        :func:`harmwatch.analysis.thresholds.family_false_alarms`.
        """
        family = [e for e in self.entities if (e.entity_kind == PRACTITIONER) == practitioners]
        col = {p: j for j, p in enumerate(self.periods)}
        expected = np.zeros((len(family), len(self.periods)))
        for i, e in enumerate(family):
            cols = [col[p] for p in e.path["period"]]
            expected[i, cols] = e.path["expected"].to_numpy()
        return family_false_alarms(
            expected,
            np.array([e.threshold for e in family]),
            relative_risk=self.relative_risk,
            replications=replications,
            seed=seed,
        )

    def settings_text(self) -> str:
        """The thresholds' settings in one sentence."""
        if self.threshold_method == "wald":
            return (
                f"threshold h = ln((1 - beta) / alpha) = {self.threshold:.2f} for every chart "
                f"(R = {self.relative_risk:g}, alpha = {self.alpha:g}, beta = {self.beta:g})"
            )
        inst = self.institution_false_alarm
        inst_text = f"{inst:.2%} each" if inst is not None else "none charted"
        return (
            f"each chart's threshold set by simulation (R = {self.relative_risk:g}, "
            f"{self.simulations:,} in-control charts per profile, seed {self.seed}) over "
            f"{len(self.periods)} periods: {_family_text(self.tolerated_false_alarms)} "
            f"among the institutions in control with probability {self.family_error:g} "
            f"({inst_text}); each practitioner's chart signals falsely with probability "
            f"{self.practitioner_false_alarm:g}{self._practitioner_chance_text()}"
        )

    def _practitioner_chance_text(self) -> str:
        """How many practitioner alarms chance alone would raise, against how many there are."""
        charts = [e for e in self.entities if e.entity_kind == PRACTITIONER]
        if not charts:
            return ""
        by_chance = len(charts) * self.practitioner_false_alarm
        signalled = sum(e.signalled for e in charts)
        return (
            f", so of {len(charts):,} practitioner charts about {by_chance:.0f} would signal "
            f"by chance alone ({signalled} did): a practitioner's alarm is a reason to look "
            "at the deaths behind it, not evidence on its own"
        )

    def entities_json(self) -> list[dict[str, Any]]:
        """The charts as a list of records (what ``harmwatch deaths monitor --json`` prints)."""
        return [e.to_json() for e in self.entities]

    def to_json(self) -> dict[str, Any]:
        """``available, reason, period, periods, relative_risk, threshold_method, alpha,
        beta, threshold, family_error, tolerated_false_alarms, institution_false_alarm,
        practitioner_false_alarm, simulations, seed, settings, entities``
        (:meth:`entities_json`), the tables as records, ``baseline_rates``,
        ``seasonal``, ``warnings``."""
        return {
            "available": self.available,
            "reason": self.reason,
            "period": self.period,
            "periods": self.periods,
            "relative_risk": self.relative_risk,
            "threshold_method": self.threshold_method,
            "alpha": self.alpha,
            "beta": self.beta,
            "threshold": self.threshold,
            "family_error": self.family_error,
            "tolerated_false_alarms": self.tolerated_false_alarms,
            "institution_false_alarm": self.institution_false_alarm,
            "practitioner_false_alarm": self.practitioner_false_alarm,
            "simulations": self.simulations,
            "seed": self.seed,
            "settings": self.settings_text() if self.available else "",
            "entities": self.entities_json(),
            **{name: json_records(table) for name, table in self.tables.items()},
            "baseline_rates": self.baseline_rates,
            "seasonal": {str(m): f for m, f in self.seasonal.items()},
            "warnings": list(self.warnings),
        }


def _family_text(tolerated: int) -> str:
    if tolerated == 0:
        return "any false alarm"
    return f"more than {tolerated} false alarm{'s' if tolerated > 1 else ''}"


def funnel_table(totals: pl.DataFrame) -> pl.DataFrame:
    """Observed against expected totals on a Poisson funnel (exact p, BH q).

    References
    ----------
    .. [1] Spiegelhalter DJ. Funnel plots for comparing institutional
       performance. Statistics in Medicine 2005; 24:1185-1202.
    """
    e = totals["expected"].to_numpy()
    usable = np.isfinite(e) & (e > 0)
    safe = np.where(usable, e, 1.0)
    o = totals["observed"].to_numpy()
    limits = funnel_limits(safe)
    columns = {}
    for level, (lower, upper) in limits.limits.items():
        tag = f"{level * 100:g}".replace(".", "_")
        columns[f"lower_{tag}"] = np.where(usable, lower, np.nan)
        columns[f"upper_{tag}"] = np.where(usable, upper, np.nan)
    p_upper = np.where(usable, poisson_tail_p(o, safe)[0], np.nan)
    positions = [p if u else None for p, u in zip(funnel_position(o, safe), usable, strict=True)]
    return totals.with_columns(
        (pl.col("observed") / pl.col("expected")).alias("ratio"),
        *(pl.Series(name, values) for name, values in columns.items()),
        pl.Series("position", positions, dtype=pl.String),
        pl.Series("p_value", p_upper),
        pl.Series("q_value", benjamini_hochberg(p_upper)),
    )
