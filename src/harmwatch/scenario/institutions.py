"""Care homes, hospitals (each with an ED site code), GP practices and practitioners.

Expected deaths per year are the baseline rates the generator itself uses for
police-reported deaths, so that an institution's observed count matches its
``expected_deaths_per_year`` except where a pattern was planted: a care home's
is ``capacity * CARE_HOME_DEATH_RATE``; a GP practice's is its list size times
the force's rate of reported deaths at home per resident.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harmwatch.scenario._table import Array
from harmwatch.scenario.config import ScaleSpec
from harmwatch.scenario.geography import Geography, sample_points

__all__ = [
    "CARE_HOME_DEATH_RATE",
    "HOME_DEATHS_PER_RESIDENT_YEAR",
    "Institutions",
    "build_institutions",
]

#: Reported deaths per bed per year in a care home.
CARE_HOME_DEATH_RATE = 0.3
#: Reported deaths at home per resident per year (about 560 a year in the reference force).
HOME_DEATHS_PER_RESIDENT_YEAR = 560 / 570_000

_HOME_WORDS = [
    "Ashgrove",
    "Beechwood",
    "Cedar",
    "Elmfield",
    "Fernlea",
    "Glenholme",
    "Hawthorn",
    "Larchwood",
    "Maple",
    "Oakdene",
    "Rosewood",
    "Willowbank",
    "Meadowview",
    "Hillcrest",
    "Brookside",
    "Orchard",
    "Parkside",
    "Riverside",
    "Springfield",
    "Woodlands",
    "Highfield",
    "Lakeside",
    "Greenacres",
    "Heatherbank",
]
_HOME_KINDS = (
    "House Care Home",
    "Lodge Nursing Home",
    "Court Residential Home",
    "Manor Care Centre",
)
_STREETS = [
    "Church Lane",
    "Station Road",
    "Park Road",
    "Victoria Street",
    "Mill Lane",
    "Market Street",
    "Queens Road",
    "Kings Road",
    "High Street",
    "Chapel Street",
    "North Road",
    "Bridge Street",
]
_TYPES = ("care_home", "hospital", "gp_practice")


@dataclass
class Institutions:
    """All institutions (arrays indexed by institution).

    Attributes
    ----------
    ids, names : list of str
        ``institution_id`` and ``name``.
    type : ndarray of int
        0 care home, 1 hospital, 2 GP practice (see ``TYPES``).
    capacity : ndarray of int
        Beds, or the GP practice's list size.
    xy, area : ndarray
        Location (BNG) and area index.
    expected : ndarray of float
        Expected reported deaths per year.
    site_code : list of str
        The ED site code of a hospital ("" otherwise).
    area_gp, area_hospital : ndarray of int
        Per area: the institution index of its GP practice and nearest hospital.
    practitioner_ids : list of str
        Practitioners (GPs and care-home nurses); ``practitioner_inst`` gives
        each one's institution index.
    """

    TYPES = _TYPES
    ids: list[str]
    names: list[str]
    type: Array
    capacity: Array
    xy: Array
    area: Array
    expected: Array
    site_code: list[str]
    area_gp: Array
    area_hospital: Array
    practitioner_ids: list[str]
    practitioner_inst: Array

    def of_type(self, kind: str) -> Array:
        """Indexes of the institutions of one type."""
        return np.flatnonzero(self.type == _TYPES.index(kind))

    def practitioners_of(self, inst: int) -> Array:
        """Indexes of the practitioners attached to institution ``inst``."""
        return np.flatnonzero(self.practitioner_inst == inst)


def _nearest(points: Array, targets: Array) -> Array:
    out = np.empty(len(points), dtype=np.int64)
    for s in range(0, len(points), 2000):
        d = ((points[s : s + 2000, None, :] - targets[None, :, :]) ** 2).sum(axis=2)
        out[s : s + 2000] = d.argmin(axis=1)
    return out


def build_institutions(rng: np.random.Generator, spec: ScaleSpec, geo: Geography) -> Institutions:
    """Place the institutions of a scenario and derive their expected deaths."""
    n_areas = len(geo)
    pop_p = geo.population / geo.population.sum()
    # Care homes: suburban rather than town-centre areas.
    w = pop_p * np.where(geo.night_economy, 0.2, 1.0)
    ch_area = rng.choice(n_areas, size=spec.care_homes, p=w / w.sum())
    # Hospitals: in each district's most central area, then anywhere populous.
    hosp_area = []
    for k in range(spec.hospitals):
        members = np.flatnonzero(geo.district == k % len(geo.district_codes))
        centre = geo.centroid[members].mean(axis=0)
        hosp_area.append(int(members[((geo.centroid[members] - centre) ** 2).sum(axis=1).argmin()]))
    gp_area = rng.choice(n_areas, size=spec.gp_practices, replace=False, p=pop_p)
    area = np.concatenate([ch_area, np.array(hosp_area, dtype=np.int64), gp_area])
    kind = np.repeat([0, 1, 2], [spec.care_homes, spec.hospitals, spec.gp_practices])
    x, y = sample_points(rng, geo.polygons, area)
    xy = np.c_[x, y]

    gp_idx = np.flatnonzero(kind == 2)
    hosp_idx = np.flatnonzero(kind == 1)
    area_gp = gp_idx[_nearest(geo.centroid, xy[gp_idx])]
    area_hospital = hosp_idx[_nearest(geo.centroid, xy[hosp_idx])]

    capacity = np.zeros(len(area), dtype=np.int64)
    capacity[kind == 0] = rng.integers(20, 90, spec.care_homes)
    capacity[kind == 1] = rng.integers(400, 1200, spec.hospitals)
    capacity[gp_idx] = np.bincount(area_gp, weights=geo.population, minlength=len(area))[
        gp_idx
    ].astype(np.int64)
    expected = np.zeros(len(area))
    expected[kind == 0] = capacity[kind == 0] * CARE_HOME_DEATH_RATE
    expected[gp_idx] = capacity[gp_idx] * HOME_DEATHS_PER_RESIDENT_YEAR

    ids, names, site_codes = [], [], []
    for i, (k, a) in enumerate(zip(kind, area, strict=True)):
        town = geo.district_names[int(geo.district[a])]
        if k == 0:
            ids.append(f"CH{i + 1:05d}")
            names.append(
                f"{_HOME_WORDS[i % len(_HOME_WORDS)]} "
                f"{_HOME_KINDS[i // len(_HOME_WORDS) % 4]}, {town}"
            )
            site_codes.append("")
        elif k == 1:
            j = i - spec.care_homes
            ids.append(f"HS{j + 1:05d}")
            names.append(f"{town} {'General Hospital' if j % 2 == 0 else 'Royal Infirmary'}")
            site_codes.append(f"R{chr(65 + j // 26 % 26)}{chr(65 + j % 26)}{j // 676 + 1:02d}")
        else:
            j = i - spec.care_homes - spec.hospitals
            ids.append(f"GP{j + 1:05d}")
            street = _STREETS[j % len(_STREETS)].split()[0]
            names.append(f"{street} {'Surgery' if j % 3 else 'Medical Centre'}, {town}")
            site_codes.append("")

    # Practitioners: 3-8 GPs per practice, 2-4 nurses per care home.
    n_prac = np.where(
        kind == 2,
        rng.integers(3, 9, len(kind)),
        np.where(kind == 0, rng.integers(2, 5, len(kind)), 0),
    )
    practitioner_inst = np.repeat(np.arange(len(kind)), n_prac)
    numbers = rng.permutation(9_000_000)[: len(practitioner_inst)] + 1_000_000
    practitioner_ids = [
        f"{'G' if kind[inst] == 2 else 'N'}{num:07d}"
        for inst, num in zip(practitioner_inst, numbers, strict=True)
    ]
    return Institutions(
        ids=ids,
        names=names,
        type=kind,
        capacity=capacity,
        xy=xy,
        area=area,
        expected=expected,
        site_code=site_codes,
        area_gp=area_gp,
        area_hospital=area_hospital,
        practitioner_ids=practitioner_ids,
        practitioner_inst=practitioner_inst,
    )
