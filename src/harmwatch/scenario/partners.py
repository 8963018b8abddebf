"""Partner data: emergency-department assault attendances and council referrals.

ED (ISTV minimum data set): about 60% of attendances are victims of a police
ABH, GBH or attempted murder (assault time within about 20 minutes, location
geocoded within about 60 m, the same person); the rest never reach the police,
with the same night-time and deprivation patterns. Council referrals: about a
third of police domestic occurrences lead to an adults' domestic-abuse referral
a few days later; the rest are children's and adults' referrals of all kinds,
in office hours, about children, about elderly people (before any death) and
about people already known to the police.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from harmwatch.contract import codes
from harmwatch.scenario._table import Array, Table, Vocab, code_index, pick
from harmwatch.scenario.config import ED_PER_YEAR, REFERRALS_PER_YEAR, ScaleSpec
from harmwatch.scenario.geography import Geography, area_of_points, sample_points
from harmwatch.scenario.institutions import Institutions
from harmwatch.scenario.occurrences import Police
from harmwatch.scenario.population import Persons, sample_people
from harmwatch.scenario.timeprofile import TimeFrame, sample_seconds

__all__ = ["Council", "Ed", "build_council", "build_ed", "new_ed"]

_ED_MATCHED = 0.6
_ED_WEIGHT = {"gbh": 1.0, "attempted_murder": 1.0, "abh": 0.3}
_ED_PLACE_TEXT = {
    "dwelling": "Home address",
    "street": "In the street",
    "open_space": "Park",
    "public_transport": "Bus station",
    "retail": "Shop",
    "school": "School",
}
_ED_METHOD = {
    "hitting_kicking": 58,
    "sharp": 10,
    "blunt": 10,
    "other": 8,
    "unknown": 12,
    "strangulation": 2,
}
_ED_PLACE = {
    "street": 35,
    "dwelling": 30,
    "open_space": 8,
    "public_transport": 4,
    "retail": 5,
    "other": 8,
    "unknown": 10,
}
_CHILD_CONCERNS = {
    "domestic_abuse": 35,
    "neglect": 30,
    "physical_abuse": 10,
    "sexual_abuse": 5,
    "exploitation": 8,
    "mental_health": 7,
    "other": 5,
}
_ADULT_CONCERNS = {
    "self_neglect": 20,
    "neglect": 20,
    "physical_abuse": 12,
    "domestic_abuse": 18,
    "mental_health": 12,
    "substance_misuse": 10,
    "exploitation": 4,
    "other": 4,
}
_ELDERLY_CONCERNS = ("self_neglect", "neglect")
OUTCOMES = (
    "No further action",
    "Signposted to services",
    "Section 42 enquiry",
    "Child in need assessment",
    "Strategy meeting",
    "Referred to MARAC",
    "Early help offered",
)


@dataclass
class Ed:
    """ED attendances under construction (columns in :func:`new_ed`)."""

    table: Table
    descriptions: Vocab = field(default_factory=Vocab)


@dataclass
class Council:
    """Council referrals: ``t``, ``service``, ``concern``, ``pid``, ``outcome``, ``protected``."""

    table: Table


def new_ed(n: int) -> Table:
    """An ED table of ``n`` rows with every optional column empty."""
    m1 = np.full(n, -1, dtype=np.int64)
    return Table(
        {
            "t_assault": np.zeros(n, dtype=np.int64),
            "t_arrive": np.zeros(n, dtype=np.int64),
            "site": np.zeros(n, dtype=np.int64),
            "method": np.zeros(n, dtype=np.int64),
            "loc_type": np.zeros(n, dtype=np.int64),
            "desc": m1.copy(),
            "x": np.full(n, np.nan),
            "y": np.full(n, np.nan),
            "area": m1.copy(),
            "loc_mode": np.zeros(n, dtype=np.int64),
            "pid": m1.copy(),
            "occ": m1.copy(),
            "protected": np.zeros(n, dtype=bool),
        }
    )


def ed_descriptions(ed: Ed, geo: Geography, loc_type: Array, venue: Array) -> Array:
    """Free-text location: the venue's name, else a phrase for the location type."""
    out = np.full(len(loc_type), -1, dtype=np.int64)
    for place, text in _ED_PLACE_TEXT.items():
        out[loc_type == code_index(codes.LOCATION_TYPE, place)] = ed.descriptions.add(text)
    for v in np.unique(venue[venue >= 0]):
        out[venue == v] = ed.descriptions.add(geo.venue_names[int(v)])
    return out


def build_ed(
    rng: np.random.Generator,
    spec: ScaleSpec,
    frame: TimeFrame,
    geo: Geography,
    inst: Institutions,
    persons: Persons,
    police: Police,
) -> Ed:
    """Generate the ED assault attendances (matched to police occurrences or not)."""
    occ, people = police.occ, police.people
    total = rng.poisson(ED_PER_YEAR * spec.volume * spec.years)
    weight = np.array([_ED_WEIGHT.get(g, 0.0) for g in codes.OFFENCE_GROUP])[occ["offence"]]
    weight[occ["protected"]] = 0.0
    victim_rows = np.flatnonzero(people["role"] == code_index(codes.ROLE, "victim"))
    first_victim = np.full(len(occ), -1, dtype=np.int64)
    first_victim[people["occ"][victim_rows[::-1]]] = victim_rows[::-1]
    weight[first_victim < 0] = 0.0
    cand = np.flatnonzero(weight > 0)
    keys = rng.exponential(size=len(cand)) / weight[cand]
    matched = cand[np.argsort(keys)[: min(int(total * _ED_MATCHED), len(cand))]]
    n_m, n_u = len(matched), max(0, total - len(matched))

    ed = Ed(table=new_ed(n_m + n_u))
    t = ed.table
    m = slice(0, n_m)
    t["occ"][m] = matched
    t["pid"][m] = people["pid"][first_victim[matched]]
    t["t_assault"][m] = occ["t"][matched] + rng.normal(0, 20 * 60, n_m).astype(np.int64)
    t["method"][m] = np.where(
        occ["weapon"][matched] >= 0, occ["weapon"][matched], code_index(codes.WEAPON, "unknown")
    )
    t["loc_type"][m] = np.where(
        occ["loc_type"][matched] >= 0,
        occ["loc_type"][matched],
        code_index(codes.LOCATION_TYPE, "unknown"),
    )
    venue = np.full(len(t), -1, dtype=np.int64)
    venue[m] = occ["venue"][matched]
    x = occ["x"][matched] + rng.normal(0, 60, n_m).round(1)
    y = occ["y"][matched] + rng.normal(0, 60, n_m).round(1)
    area = area_of_points(geo.polygons, x, y)
    moved = area >= 0
    t["x"][m] = np.where(moved, x, occ["x"][matched])
    t["y"][m] = np.where(moved, y, occ["y"][matched])
    t["area"][m] = np.where(moved, area, occ["area"][matched])

    u = slice(n_m, n_m + n_u)
    night = rng.random(n_u) < 0.5
    ts = np.where(
        night,
        sample_seconds(rng, frame, "night_economy", n_u),
        sample_seconds(rng, frame, "violence", n_u),
    )
    t["t_assault"][u] = ts
    t["pid"][u] = sample_people(rng, persons["victim_w"], n_u)
    t["method"][u] = pick(rng, n_u, {k: float(v) for k, v in _ED_METHOD.items()}, codes.WEAPON)
    loc = pick(rng, n_u, {k: float(v) for k, v in _ED_PLACE.items()}, codes.LOCATION_TYPE)
    at_venue = night & (rng.random(n_u) < 0.5)
    vv = np.flatnonzero(geo.night_economy[geo.venue_area])
    uv = np.full(n_u, -1, dtype=np.int64)
    uv[at_venue] = vv[rng.integers(0, len(vv), int(at_venue.sum()))]
    loc[at_venue] = code_index(codes.LOCATION_TYPE, "licensed_premises")
    w = geo.population * (0.3 + 2 * geo.deprivation) ** 1.5
    ua = rng.choice(len(geo), size=n_u, p=w / w.sum())
    ua[at_venue] = geo.venue_area[uv[at_venue]]
    ux, uy = sample_points(rng, geo.polygons, ua)
    ux[at_venue], uy[at_venue] = geo.venue_xy[uv[at_venue], 0], geo.venue_xy[uv[at_venue], 1]
    t["loc_type"][u], t["area"][u], t["x"][u], t["y"][u] = loc, ua, ux, uy
    venue[u] = uv

    t["desc"] = ed_descriptions(ed, geo, t["loc_type"], venue)
    t["t_arrive"] = t["t_assault"] + rng.integers(15, 240, len(t)) * 60
    t["site"] = inst.area_hospital[t["area"]]
    t["loc_mode"] = rng.choice(3, size=len(t), p=[0.65, 0.2, 0.15])
    return ed


def _office_hours(t: Array) -> Array:
    """Move instants to the next weekday, 09:00-17:00."""
    day = t // 86_400
    weekday = (day + 3) % 7
    day = day + np.where(weekday == 5, 2, np.where(weekday == 6, 1, 0))
    second = np.clip(t % 86_400, 9 * 3600, 17 * 3600 - 1)
    return np.asarray(day * 86_400 + second)


def build_council(
    rng: np.random.Generator, spec: ScaleSpec, frame: TimeFrame, persons: Persons, police: Police
) -> Council:
    """Generate council referrals (some following police domestic occurrences)."""
    occ, people = police.occ, police.people
    total = rng.poisson(REFERRALS_PER_YEAR * spec.volume * spec.years)
    dv_rows = np.flatnonzero(
        (occ["domestic"][people["occ"]] == 1) & (people["role"] == code_index(codes.ROLE, "victim"))
    )
    dv_rows = dv_rows[rng.random(len(dv_rows)) < 0.33][: total // 3]
    n_d = len(dv_rows)
    n_i = total - n_d
    t = np.empty(total, dtype=np.int64)
    t[:n_d] = _office_hours(occ["t"][people["occ"][dv_rows]] + rng.integers(1, 10, n_d) * 86_400)
    t[n_d:] = sample_seconds(rng, frame, "office", n_i)
    service = np.full(total, code_index(codes.SERVICE, "adults"), dtype=np.int64)
    concern = np.full(total, code_index(codes.CONCERN, "domestic_abuse"), dtype=np.int64)
    pid = np.full(total, -1, dtype=np.int64)
    pid[:n_d] = people["pid"][dv_rows]

    child = np.zeros(total, dtype=bool)
    child[n_d:] = rng.random(n_i) < 0.55
    service[child] = code_index(codes.SERVICE, "children")
    concern[child] = pick(
        rng, int(child.sum()), {k: float(v) for k, v in _CHILD_CONCERNS.items()}, codes.CONCERN
    )
    adult = np.zeros(total, dtype=bool)
    adult[n_d:] = ~child[n_d:]
    concern[adult] = pick(
        rng, int(adult.sum()), {k: float(v) for k, v in _ADULT_CONCERNS.items()}, codes.CONCERN
    )

    day = t // 86_400
    dob, death = persons["dob"], persons["death_day"]
    # Children: people aged 0-17 on the day (rejection sampling).
    kids = np.flatnonzero(dob > frame.day0 - 18 * 365)
    kw = (0.3 + persons.geo.deprivation[persons["area"][kids]]) * (1 + persons["victim_w"][kids])
    todo = np.flatnonzero(child)
    for _ in range(30):
        if not len(todo):
            break
        cand = kids[sample_people(rng, kw, len(todo))]
        age = day[todo] - dob[cand]
        ok = (age >= 0) & (age < 18 * 365) & (death[cand] > day[todo])
        pid[todo[ok]] = cand[ok]
        todo = todo[~ok]
    service[todo] = code_index(codes.SERVICE, "adults")
    adult[todo] = True
    # Adults: the elderly for neglect, otherwise people known to the police.
    elderly_c = np.isin(concern, [code_index(codes.CONCERN, c) for c in _ELDERLY_CONCERNS]) & adult
    old = np.flatnonzero(dob < frame.day0 - 70 * 365)
    todo = np.flatnonzero(elderly_c)
    pid[todo] = old[rng.integers(0, len(old), len(todo))]
    rest = np.flatnonzero(adult & ~elderly_c)
    grown = np.flatnonzero(dob < frame.day0 - 18 * 365)
    pid[rest] = sample_people(rng, persons["victim_w"] + 0.05, len(rest), grown)
    # Nobody is referred after their death.
    late = np.flatnonzero(day >= death[pid])
    t[late] = _office_hours((death[pid[late]] - rng.integers(5, 300, len(late))) * 86_400 + 36_000)
    gone = t < frame.start_second
    t[gone] = frame.start_second + 10 * 3600 + rng.integers(0, 7 * 3600, int(gone.sum()))
    bad = (t // 86_400) >= death[pid]
    pid[bad] = grown[rng.integers(0, len(grown), int(bad.sum()))]
    pid[bad] = np.where(death[pid[bad]] > t[bad] // 86_400, pid[bad], grown[0])
    outcome = rng.integers(0, len(OUTCOMES), total)
    outcome[rng.random(total) < 0.2] = -1
    # A referral following a police occurrence of the period's last days falls
    # after the period: it is not in the extract.
    keep = t < frame.end_second
    return Council(
        Table(
            {
                "t": t[keep],
                "service": service[keep],
                "concern": concern[keep],
                "pid": pid[keep],
                "outcome": outcome[keep],
                "protected": np.zeros(int(keep.sum()), dtype=bool),
            }
        )
    )
