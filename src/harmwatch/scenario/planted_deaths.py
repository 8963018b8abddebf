"""Planted patterns of death: a death series, a care home's excess, a practitioner's excess.

As :mod:`harmwatch.scenario.planted` (which re-exports these): each function adds
records, marks them ``protected`` and returns its truth with internal row numbers.

1. ``death_series``: deaths sharing an MO across two care homes in a few
   months, mostly recorded as natural, all with the same agency nurse.
2. ``care_home_excess``: a care home with about 2.5x its expected deaths in a
   12-month window.
3. ``practitioner_excess``: a GP certifying about 3x as many deaths as the
   colleagues at the same practice.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from harmwatch.contract import codes
from harmwatch.scenario._table import Array, code_index
from harmwatch.scenario.config import ScaleSpec
from harmwatch.scenario.deaths import Deaths, new_deaths, new_decedents
from harmwatch.scenario.geography import Geography, sample_points
from harmwatch.scenario.institutions import Institutions
from harmwatch.scenario.population import Persons
from harmwatch.scenario.timeprofile import TimeFrame

__all__ = [
    "DEATH_SERIES_MO",
    "plant_care_home_excess",
    "plant_death_series",
    "plant_practitioner_excess",
]

Truth = dict[str, Any]
_DAY = 86_400
DEATH_SERIES_MO = "insulin;night;elderly_victim"


def _add_deaths(
    rng: np.random.Generator,
    deaths: Deaths,
    persons: Persons,
    day: Array,
    place: str,
    inst_idx: Array,
    area: Array,
    classification: list[str],
    practitioner: Array,
) -> Array:
    n = len(day)
    add = new_deaths(n)
    add["day"] = day
    add["place"][:] = code_index(codes.PLACE_TYPE, place)
    add["inst"], add["area"], add["practitioner"] = inst_idx, area, practitioner
    add["classification"] = np.array(
        [code_index(codes.DEATH_CLASSIFICATION, c) for c in classification]
    )
    add["pid"] = new_decedents(rng, persons, area, day, np.zeros(n, dtype=bool))
    persons["death_day"][add["pid"]] = day
    add["protected"][:] = True
    add["t_report"] = day * _DAY + rng.integers(7 * 3600, 20 * 3600, n)
    nat = deaths.cause_code("Ischaemic heart disease", "I25.9")
    add["cause"] = np.where(
        add["classification"] == 0, nat, deaths.cause_code("Unascertained", "R99")
    )
    return np.asarray(deaths.table.append(add))


def plant_death_series(
    rng: np.random.Generator,
    spec: ScaleSpec,
    frame: TimeFrame,
    geo: Geography,
    inst: Institutions,
    persons: Persons,
    deaths: Deaths,
    homes: Array,
) -> Truth:
    """Deaths with one MO and one agency nurse across two care homes, mostly recorded natural."""
    k = spec.by_scale(5, 6, 7)
    nurse = len(inst.practitioner_ids)
    inst.practitioner_ids.append(f"N{int(rng.integers(1_000_000, 9_999_999)):07d}")
    inst.practitioner_inst = np.append(inst.practitioner_inst, homes[0])
    start = frame.day0 + int(rng.integers(30, frame.n_days - 150))
    day = np.sort(start + rng.choice(120, size=k, replace=False))
    where = homes[np.arange(k) % 2]
    classification = ["natural"] * (k - 2) + ["unexplained", "suspicious"]
    rows = _add_deaths(
        rng,
        deaths,
        persons,
        day,
        "care_home",
        where,
        inst.area[where],
        classification,
        np.full(k, nurse),
    )
    t = deaths.table
    t["x"][rows], t["y"][rows] = inst.xy[where, 0], inst.xy[where, 1]
    t["mo"][rows] = deaths.mo.add(DEATH_SERIES_MO)
    t["t_report"][rows] = (day + 1) * _DAY + rng.integers(1 * 3600, 5 * 3600, k)
    return {
        "death_rows": rows.tolist(),
        "mo": DEATH_SERIES_MO,
        "practitioner_id": inst.practitioner_ids[nurse],
        "institution_ids": [inst.ids[int(h)] for h in homes],
        "start": int(day.min()),
        "end": int(day.max()),
        "recorded_natural": k - 2,
    }


def plant_care_home_excess(
    rng: np.random.Generator,
    spec: ScaleSpec,
    frame: TimeFrame,
    inst: Institutions,
    persons: Persons,
    deaths: Deaths,
    home: int,
) -> Truth:
    """Extra deaths at one care home: about 2.5x its expected rate over 12 months."""
    start = frame.day0 + int(rng.integers(0, max(1, frame.n_days - 365)))
    end = min(start + 364, frame.day0 + frame.n_days - 1)
    expected = float(inst.expected[home]) * (end - start + 1) / 365.25
    t = deaths.table
    observed = int(((t["inst"] == home) & (t["day"] >= start) & (t["day"] <= end)).sum())
    extra = max(3, int(np.ceil(2.6 * expected)) - observed)
    day = np.sort(rng.integers(start, end + 1, extra))
    staff = inst.practitioners_of(home)
    classification = ["natural" if rng.random() < 0.85 else "unexplained" for _ in range(extra)]
    rows = _add_deaths(
        rng,
        deaths,
        persons,
        day,
        "care_home",
        np.full(extra, home),
        np.full(extra, inst.area[home]),
        classification,
        staff[rng.integers(0, len(staff), extra)],
    )
    t["x"][rows], t["y"][rows] = inst.xy[home]
    return {
        "institution_id": inst.ids[home],
        "start": start,
        "end": end,
        "expected_deaths": round(expected, 2),
        "observed_deaths": observed + extra,
        "death_rows": rows.tolist(),
    }


def plant_practitioner_excess(
    rng: np.random.Generator,
    spec: ScaleSpec,
    frame: TimeFrame,
    geo: Geography,
    inst: Institutions,
    persons: Persons,
    deaths: Deaths,
) -> Truth:
    """A GP who certifies about three times as many home deaths as the practice's other GPs."""
    gps = inst.of_type("gp_practice")
    practice = int(gps[np.argmax(inst.capacity[gps])])
    staff = inst.practitioners_of(practice)
    gp = int(staff[0])
    years = min(3.0, frame.n_days / 365.25)
    start = frame.day0 + int(rng.integers(0, max(1, frame.n_days - int(years * 365.25))))
    end = min(start + int(years * 365.25) - 1, frame.day0 + frame.n_days - 1)
    t = deaths.table
    in_window = (t["day"] >= start) & (t["day"] <= end)
    counts = np.array([int((in_window & (t["practitioner"] == s)).sum()) for s in staff])
    expected = float(counts[1:].mean()) if len(staff) > 1 else float(counts[0])
    extra = max(4, int(np.ceil(3 * max(expected, 2.0))) - int(counts[0]))
    areas = np.flatnonzero(inst.area_gp == practice)
    area = areas[rng.integers(0, len(areas), extra)]
    day = np.sort(rng.integers(start, end + 1, extra))
    rows = _add_deaths(
        rng,
        deaths,
        persons,
        day,
        "own_home",
        np.full(extra, practice),
        area,
        ["natural"] * extra,
        np.full(extra, gp),
    )
    x, y = sample_points(rng, geo.polygons, area)
    t["x"][rows], t["y"][rows] = x, y
    return {
        "practitioner_id": inst.practitioner_ids[gp],
        "institution_id": inst.ids[practice],
        "start": start,
        "end": end,
        "expected_deaths": round(expected, 2),
        "observed_deaths": int(counts[0]) + extra,
        "death_rows": rows.tolist(),
    }
