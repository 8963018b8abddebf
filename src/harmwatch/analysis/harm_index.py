"""Offence harm weights: how much harm each offence group stands for, in days of prison.

The weights follow the Cambridge Crime Harm Index (CCHI): the harm of an
offence is the starting point, in days of imprisonment, of the Sentencing
Council's guideline for a first offender [1]_. HarmWatch records offence
*groups*, not Home Office codes, so each group takes the value of the offence
that dominates it in police recording (for ``gbh`` a blend of wounding with
and without intent). The published CCHI table (700+ offences, updated May 2023)
could not be checked offline when this table was written: the values are
**approximations** of the CCHI, labelled so in :data:`HARM_SOURCE` and
``docs/risk.md``. Replace them with the force's own CCHI extract when it is
available; nothing else changes.

Non-crime incidents (domestic incidents, concern for welfare, missing persons)
carry no sentence and weigh 0: they still count towards frequency.

References
----------
.. [1] Sherman L, Neyroud PW, Neyroud E. The Cambridge Crime Harm Index:
   measuring total harm from crime based on sentencing guidelines. Policing
   2016; 10(3):171-183.
.. [2] Office for National Statistics. Research outputs: developing a Crime
   Severity Score for England and Wales using data on crimes recorded by the
   police. ONS, 2016 (a sentencing-based alternative weighting).
"""

from __future__ import annotations

import polars as pl

__all__ = ["HARM_SOURCE", "HARM_WEIGHTS", "harm_expr", "harm_table", "harm_weight"]

#: Days of imprisonment (approximate CCHI starting points) by offence group.
HARM_WEIGHTS: dict[str, float] = {
    "homicide": 5475.0,  # murder: 15-year minimum term starting point
    "attempted_murder": 3650.0,  # approximate mid-range starting point
    "gbh": 1095.0,  # blend of s.18 (5 years) and s.20 (1.5 years)
    "sexual_offence": 730.0,  # very varied; mid-range
    "robbery": 365.0,  # street robbery, lower category
    "threats_to_kill": 365.0,
    "abh": 182.0,  # s.47: 26 weeks
    "weapon_possession": 182.0,
    "stalking_harassment": 28.0,
    "common_assault": 10.0,  # community order converted to days
    "criminal_damage": 5.0,
    "other": 1.0,
    "domestic_incident": 0.0,  # non-crime
    "concern_for_welfare": 0.0,
    "missing_person": 0.0,
}

#: Where the weights come from, as shown in outputs and docs.
HARM_SOURCE = (
    "Cambridge Crime Harm Index (Sherman, Neyroud & Neyroud 2016), days of imprisonment; "
    "approximate values by offence group, not checked against the published table"
)


def harm_weight(offence_group: str | None) -> float:
    """The harm weight of one offence group (0 for unknown groups)."""
    return HARM_WEIGHTS.get(offence_group or "", 0.0)


def harm_expr(column: str = "offence_group") -> pl.Expr:
    """Polars expression: the harm weight of ``column`` (0 when unknown)."""
    return (
        pl.col(column)
        .replace_strict(HARM_WEIGHTS, default=0.0, return_dtype=pl.Float64)
        .fill_null(0.0)
    )


def harm_table() -> pl.DataFrame:
    """The weights as a table: ``offence_group``, ``harm_days``, highest first."""
    return pl.DataFrame(
        {"offence_group": list(HARM_WEIGHTS), "harm_days": list(HARM_WEIGHTS.values())}
    ).sort("harm_days", descending=True)
