"""Scale presets of the synthetic scenario: how big, how long, how busy.

Yearly volumes are stated for the reference force (about 570,000 residents)
and multiplied by :attr:`ScaleSpec.volume` for other scales, so that rates per
resident stay the same at every scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal, TypeVar

__all__ = [
    "DEATHS_PER_YEAR",
    "ED_PER_YEAR",
    "OFFENCES_PER_YEAR",
    "REFERRALS_PER_YEAR",
    "SCALES",
    "Scale",
    "ScaleSpec",
    "get_scale",
]

Scale = Literal["small", "force", "national"]
_T = TypeVar("_T")

#: People per small area (an LSOA has about 1,500-3,000 residents).
PEOPLE_PER_AREA = 1_900

#: Police occurrences per year for the reference force, by offence group.
OFFENCES_PER_YEAR: dict[str, float] = {
    "homicide": 12,
    "attempted_murder": 25,
    "threats_to_kill": 300,
    "gbh": 1_000,
    "abh": 3_000,
    "common_assault": 6_000,
    "stalking_harassment": 1_500,
    "robbery": 600,
    "sexual_offence": 500,
    "weapon_possession": 400,
    "criminal_damage": 800,
    "domestic_incident": 2_500,
    "concern_for_welfare": 300,
    "missing_person": 200,
    "other": 150,
}

#: Death reports per year for the reference force (homicides come from the
#: homicide occurrences; care-home deaths from the homes' expected rates).
DEATHS_PER_YEAR = 1_500

#: ED assault attendances per year for the reference force.
ED_PER_YEAR = 3_000

#: Council safeguarding referrals per year for the reference force.
REFERRALS_PER_YEAR = 5_000


@dataclass(frozen=True)
class ScaleSpec:
    """One scale preset.

    Attributes
    ----------
    name : Scale
        ``small``, ``force`` or ``national``.
    n_areas : int
        Number of small areas (LSOA-like, about 1,900 residents each).
    n_districts : int
        Number of districts (the areas' ``parent_code``).
    start, end : date
        First and last day of the period covered (inclusive).
    extent_m : float
        Side of the square, in metres, that holds the force boundary.
    care_homes, hospitals, gp_practices : int
        Number of institutions of each type.
    venues : int
        Number of licensed premises (pubs, bars, clubs).
    weight_cap : float or None
        Truncation of the heavy-tailed (Pareto) weights that make repeat
        victims, offenders and domestic couples: bounds the records of the
        busiest person (about 250 in ten years at force and national scale).
        ``None`` at the small scale, whose outputs the tests are built on (its
        busiest person has about 160 records in two years untruncated).
    """

    name: Scale
    n_areas: int
    n_districts: int
    start: date
    end: date
    extent_m: float
    care_homes: int
    hospitals: int
    gp_practices: int
    venues: int
    weight_cap: float | None = 20.0

    def by_scale(self, small: _T, force: _T, national: _T) -> _T:
        """The value given for this preset's scale (planted-pattern sizes)."""
        return {"small": small, "force": force, "national": national}[self.name]

    @property
    def population(self) -> int:
        """Approximate resident population."""
        return self.n_areas * PEOPLE_PER_AREA

    @property
    def volume(self) -> float:
        """Multiplier of the reference force's yearly volumes."""
        return self.population / 570_000

    @property
    def n_days(self) -> int:
        """Number of days in the period."""
        return (self.end - self.start).days + 1

    @property
    def years(self) -> float:
        """Length of the period in years."""
        return self.n_days / 365.25


SCALES: dict[str, ScaleSpec] = {
    "small": ScaleSpec(
        name="small",
        n_areas=30,
        n_districts=2,
        start=date(2023, 1, 1),
        end=date(2024, 12, 31),
        extent_m=10_000.0,
        care_homes=6,
        hospitals=1,
        gp_practices=6,
        venues=12,
        weight_cap=None,
    ),
    "force": ScaleSpec(
        name="force",
        n_areas=300,
        n_districts=5,
        start=date(2015, 1, 1),
        end=date(2024, 12, 31),
        extent_m=30_000.0,
        care_homes=40,
        hospitals=3,
        gp_practices=60,
        venues=60,
    ),
    "national": ScaleSpec(
        name="national",
        n_areas=12_000,
        n_districts=200,
        start=date(2015, 1, 1),
        end=date(2024, 12, 31),
        extent_m=190_000.0,
        care_homes=1_600,
        hospitals=120,
        gp_practices=2_400,
        venues=2_400,
    ),
}


def get_scale(name: str) -> ScaleSpec:
    """Return the preset called ``name``.

    Raises
    ------
    KeyError
        When there is no such preset.
    """
    return SCALES[name]
