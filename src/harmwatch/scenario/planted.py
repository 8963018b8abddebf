"""Planted patterns: known signals hidden in the background records.

Each function adds records to the tables under construction, marks them
``protected`` (no malformed-row fault is injected into them) and returns its
truth as a plain dict whose record references are *internal row numbers*
(keys ending in ``_rows``); :mod:`harmwatch.scenario.truth` turns those into
the files' ids. The patterns (see the package docstring for the truth schema):

1. ``death_series``: deaths sharing an MO across two care homes in a few
   months, mostly recorded as natural, all with the same agency nurse.
2. ``assault_series``: GBHs on weekend nights sharing an MO code and an
   unidentified suspect's description.
3. ``care_home_excess`` and ``practitioner_excess``: a care home of typical size
   with 3x its expected deaths in a 12-month window; a GP certifying 4x the
   deaths the death monitor expects of them (own random stream; see
   :mod:`harmwatch.scenario.planted_deaths`).
4. ``domestic_escalation``: couples whose occurrences escalate from domestic
   incidents to GBH, attempted murder or homicide.
5. ``near_repeat_cluster``: a burst of ABH/GBH within 200 m and 14 days.
6. ``hidden_venue``: licensed premises whose assaults reach the ED, not the police.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from harmwatch.contract import codes
from harmwatch.scenario._table import Array, code_index
from harmwatch.scenario.config import ScaleSpec
from harmwatch.scenario.escalation_pathways import pathway_rng, plant_pathways
from harmwatch.scenario.geography import Geography, area_of_points, sample_points
from harmwatch.scenario.institutions import Institutions
from harmwatch.scenario.occurrences import AGE_BANDS, Police, add_people, new_occurrences
from harmwatch.scenario.partners import Ed, ed_descriptions, new_ed
from harmwatch.scenario.planted_deaths import (
    DEATH_SERIES_MO,
    plant_care_home_excess,
    plant_death_series,
    plant_practitioner_excess,
)
from harmwatch.scenario.population import Persons, sample_people
from harmwatch.scenario.timeprofile import TimeFrame

__all__ = [
    "DEATH_SERIES_MO",
    "plant_assault_series",
    "plant_care_home_excess",
    "plant_death_series",
    "plant_escalation",
    "plant_hidden_venue",
    "plant_near_repeat",
    "plant_practitioner_excess",
]

Truth = dict[str, Any]
_DAY = 86_400
SERIES_MO = "glass_to_neck;approach_from_behind;weekend_night"
SERIES_DESCRIPTION = (
    "Victim struck from behind with a glass to the neck. Suspect: white male, about 30, "
    "6ft, shaved head, swallow tattoo on the neck, grey hooded top."
)


def _fresh_people(
    rng: np.random.Generator,
    persons: Persons,
    geo: Geography,
    n: int,
    sex: Array,
    ages: Array,
    day: int,
) -> Array:
    area = rng.choice(len(geo), size=n, p=geo.population / geo.population.sum())
    pid = persons.add(rng, area, sex, (day - ages * 365.25).astype(np.int64), day)
    persons["victim_w"][pid] = 0.0
    persons["offender_w"][pid] = 0.0
    return pid


def _occurrences(
    police: Police,
    offence: list[str],
    t: Array,
    x: Array,
    y: Array,
    area: Array,
    loc_type: str,
    weapon: list[str],
    domestic: bool,
) -> Array:
    n = len(offence)
    occ = new_occurrences(n)
    occ["offence"] = np.array([codes.OFFENCE_GROUP.index(g) for g in offence])
    occ["t"], occ["x"], occ["y"], occ["area"] = t, x, y, area
    occ["delay_min"][:] = 25
    occ["loc_type"][:] = code_index(codes.LOCATION_TYPE, loc_type)
    occ["weapon"] = np.array([code_index(codes.WEAPON, w) for w in weapon])
    injury = {"homicide": "fatal", "attempted_murder": "serious", "gbh": "serious", "abh": "minor"}
    occ["injury"] = np.array([code_index(codes.INJURY, injury.get(g, "none")) for g in offence])
    occ["domestic"][:] = int(domestic)
    occ["outcome"][:] = code_index(codes.OUTCOME, "under_investigation")
    occ["outcome"][np.array(offence) == "domestic_incident"] = -1
    occ["protected"][:] = True
    return np.asarray(police.occ.append(occ))


def plant_assault_series(
    rng: np.random.Generator,
    spec: ScaleSpec,
    frame: TimeFrame,
    geo: Geography,
    persons: Persons,
    police: Police,
) -> Truth:
    """GBHs on weekend nights with one MO and one suspect description."""
    k = spec.by_scale(5, 7, 8)
    start_day = frame.day0 + int(rng.integers(30, frame.n_days - 120))
    days = np.arange(start_day, start_day + 84)
    fri_sat = days[np.isin((days + 3) % 7, [4, 5])]
    chosen = np.sort(rng.choice(fri_sat, size=k, replace=False))
    t = chosen * _DAY + rng.integers(23 * 3600, 26 * 3600, k)
    areas = np.flatnonzero(geo.night_economy)[rng.integers(0, int(geo.night_economy.sum()), k)]
    x, y = sample_points(rng, geo.polygons, areas)
    rows = _occurrences(police, ["gbh"] * k, t, x, y, areas, "street", ["other"] * k, False)
    police.occ["mo"][rows] = police.mo.add(SERIES_MO)
    police.occ["desc"][rows] = police.descriptions.add(SERIES_DESCRIPTION)
    police.occ["alcohol"][rows] = 1
    police.occ["outcome"][rows] = code_index(codes.OUTCOME, "no_suspect")
    offender = _fresh_people(rng, persons, geo, 1, np.array([0]), np.array([30.0]), frame.day0)
    victims = _fresh_people(
        rng,
        persons,
        geo,
        k,
        (rng.random(k) < 0.3).astype(np.int64),
        rng.uniform(19, 35, k),
        frame.day0,
    )
    add_people(police, rows, "victim", victims)
    add_people(
        police,
        rows,
        "suspect",
        np.repeat(offender, k),
        anon=np.ones(k, dtype=bool),
        relationship=np.full(k, code_index(codes.RELATIONSHIP, "stranger")),
        age_band=np.full(k, AGE_BANDS.index("25-34")),
    )
    return {
        "occurrence_rows": rows.tolist(),
        "mo": SERIES_MO,
        "suspect_description": SERIES_DESCRIPTION,
        "offender_person": int(offender[0]),
        "offence_group": "gbh",
    }


def plant_near_repeat(
    rng: np.random.Generator,
    spec: ScaleSpec,
    frame: TimeFrame,
    geo: Geography,
    persons: Persons,
    police: Police,
) -> Truth:
    """A burst of ABH/GBH within 200 m and 14 days of each other."""
    k = spec.by_scale(6, 9, 10)
    radius, window = 200.0, 14
    deprived = np.flatnonzero(~geo.night_economy & (geo.deprivation > 0.8))
    centre_area = deprived[int(rng.integers(0, len(deprived)))]
    cx, cy = sample_points(rng, geo.polygons, np.array([centre_area]))
    xs: list[float] = []
    ys: list[float] = []
    while len(xs) < k:
        r = 0.9 * radius * np.sqrt(rng.random(4 * k))
        a = rng.uniform(0, 2 * np.pi, 4 * k)
        px, py = np.round(cx[0] + r * np.cos(a), 1), np.round(cy[0] + r * np.sin(a), 1)
        inside = area_of_points(geo.polygons, px, py) >= 0
        xs += px[inside].tolist()
        ys += py[inside].tolist()
    x, y = np.array(xs[:k]), np.array(ys[:k])
    area = area_of_points(geo.polygons, x, y)
    start = frame.day0 + int(rng.integers(30, frame.n_days - 30))
    t = np.sort(start * _DAY + rng.integers(0, (window - 1) * _DAY, k))
    t = (t // _DAY) * _DAY + rng.integers(17 * 3600, 24 * 3600, k)
    offence = ["gbh" if rng.random() < 0.4 else "abh" for _ in range(k)]
    rows = _occurrences(police, offence, t, x, y, area, "street", ["hitting_kicking"] * k, False)
    add_people(police, rows, "victim", sample_people(rng, persons["victim_w"], k))
    return {
        "occurrence_rows": rows.tolist(),
        "centre": [float(cx[0]), float(cy[0])],
        "radius_m": radius,
        "window_days": window,
        "start": int(start),
        "end": int(start + window - 1),
    }


_LADDER = [
    "domestic_incident",
    "domestic_incident",
    "common_assault",
    "common_assault",
    "abh",
    "abh",
]
_LADDER_WEAPON = {
    "domestic_incident": "none",
    "common_assault": "hitting_kicking",
    "abh": "hitting_kicking",
    "gbh": "blunt",
    "attempted_murder": "strangulation",
    "homicide": "sharp",
}


def plant_escalation(
    rng: np.random.Generator,
    spec: ScaleSpec,
    frame: TimeFrame,
    geo: Geography,
    persons: Persons,
    police: Police,
) -> Truth:
    """Couples whose domestic occurrences escalate, along several pathways; couples with
    risk markers that do not; and the background's stable (repeat, low-harm) couples.

    The ``frequency_ladder`` couples draw from ``rng`` as they always did; the other
    pathways (:mod:`harmwatch.scenario.escalation_pathways`) draw from a generator
    derived from the seed apart from ``rng``, so no other plant's draws change.
    """
    n = spec.by_scale(3, 4, 6)
    finals = ["gbh", "attempted_murder", "homicide"]
    pairs = []
    for i in range(n):
        offence = [*_LADDER, finals[i % 3]]
        gaps = (
            np.array([0, 50, 40, 30, 25, 18, 12])
            * (frame.n_days / 3650 if spec.name == "small" else 1.0)
            + 3
        )
        span = int(gaps.sum()) + 10
        start = frame.day0 + int(rng.integers(10, frame.n_days - span))
        days = start + np.cumsum(gaps).astype(np.int64)
        t = days * _DAY + rng.integers(18 * 3600, 23 * 3600, len(days))
        victim = _fresh_people(
            rng, persons, geo, 1, np.array([1]), np.array([rng.uniform(22, 45)]), frame.day0
        )
        suspect = _fresh_people(
            rng, persons, geo, 1, np.array([0]), np.array([rng.uniform(24, 50)]), frame.day0
        )
        for col in ("area", "postcode"):  # they live together
            persons[col][suspect] = persons[col][victim]
        area = np.repeat(persons["area"][victim], len(days))
        x, y = sample_points(rng, geo.polygons, area[:1])
        rows = _occurrences(
            police,
            offence,
            t,
            np.repeat(x, len(days)),
            np.repeat(y, len(days)),
            area,
            "dwelling",
            [_LADDER_WEAPON[g] for g in offence],
            True,
        )
        add_people(police, rows, "victim", np.repeat(victim, len(rows)))
        add_people(
            police,
            rows,
            "suspect",
            np.repeat(suspect, len(rows)),
            relationship=np.full(len(rows), code_index(codes.RELATIONSHIP, "partner")),
        )
        pairs.append(
            {
                "victim_person": int(victim[0]),
                "suspect_person": int(suspect[0]),
                "occurrence_rows": rows.tolist(),
                "offence_groups": offence,
            }
        )
    for pair in pairs:
        pair["pathway"] = "frequency_ladder"
        pair["markers"] = []
    more, negatives = plant_pathways(pathway_rng(rng), spec, frame, geo, persons, police)
    pairs += more
    for _, _, listed in police.stable_pairs[:50]:
        police.occ["protected"][listed] = True
    stable = [
        {
            "victim_person": v,
            "suspect_person": s,
            "occurrence_rows": sorted(r, key=lambda i: int(police.occ["t"][i])),
        }
        for v, s, r in police.stable_pairs[:50]
    ]
    return {
        "escalating": pairs,
        "non_escalating": negatives,
        "stable": stable,
        "stable_count": len(police.stable_pairs),
    }


def plant_hidden_venue(
    rng: np.random.Generator,
    spec: ScaleSpec,
    frame: TimeFrame,
    geo: Geography,
    inst: Institutions,
    persons: Persons,
    police: Police,
    ed: Ed,
    venue: int,
) -> Truth:
    """Assaults at one venue that reach the ED (many) but hardly the police (one)."""
    k = spec.by_scale(20, 45, 60)
    start = frame.day0 + int(rng.integers(0, max(1, frame.n_days - 365)))
    days = np.arange(start, min(start + 365, frame.day0 + frame.n_days))
    nights = days[np.isin((days + 3) % 7, [4, 5])]
    t = rng.choice(nights, size=k) * _DAY + rng.integers(22 * 3600, 27 * 3600, k)
    vx, vy = geo.venue_xy[venue]
    area = int(geo.venue_area[venue])
    add = new_ed(k)
    add["t_assault"] = np.sort(t)
    add["t_arrive"] = add["t_assault"] + rng.integers(20, 120, k) * 60
    add["method"] = np.array(
        [
            code_index(codes.WEAPON, m)
            for m in rng.choice(["hitting_kicking", "blunt", "sharp"], k, p=[0.6, 0.3, 0.1])
        ]
    )
    add["loc_type"][:] = code_index(codes.LOCATION_TYPE, "licensed_premises")
    add["desc"] = ed_descriptions(ed, geo, add["loc_type"], np.full(k, venue))
    add["x"][:], add["y"][:], add["area"][:] = vx, vy, area
    add["site"][:] = inst.area_hospital[area]
    add["pid"] = sample_people(rng, persons["victim_w"], k)
    add["protected"][:] = True
    ed_rows = np.asarray(ed.table.append(add))
    one = rng.choice(t, 1)
    rows = _occurrences(
        police,
        ["common_assault"],
        one,
        np.array([vx]),
        np.array([vy]),
        np.array([area]),
        "licensed_premises",
        ["hitting_kicking"],
        False,
    )
    police.occ["venue"][rows] = venue
    add_people(police, rows, "victim", sample_people(rng, persons["victim_w"], 1))
    return {
        "venue_name": geo.venue_names[venue],
        "easting": float(vx),
        "northing": float(vy),
        "area": area,
        "ed_rows": ed_rows.tolist(),
        "occurrence_rows": rows.tolist(),
        "start": int(start),
        "end": int(days[-1]),
    }
