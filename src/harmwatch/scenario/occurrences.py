"""Background police occurrences and the people in them.

Volumes follow :data:`~harmwatch.scenario.config.OFFENCES_PER_YEAR`. A share
of each violent offence group is domestic (within couples or families: the
victim's home, evening and weekend peaks); a share is night-time economy
(licensed premises and streets of town-centre areas, late Friday and Saturday);
the rest falls in areas in proportion to population and, more than linearly,
deprivation. Repeat domestic couples only ever reach low severity (incidents,
common assault, harassment, damage); more serious domestic offences are
one-off couples, so that the planted escalating couples stand out.

The offence mix is in :mod:`harmwatch.scenario.offence_mix`, the record
tables in :mod:`harmwatch.scenario.police_records` and the choice of people
in :mod:`harmwatch.scenario.occurrence_people`; their public names are
re-exported here.
"""

from __future__ import annotations

import numpy as np

from harmwatch.contract import codes
from harmwatch.scenario._table import Array, Table, code_index, pick
from harmwatch.scenario.config import OFFENCES_PER_YEAR, ScaleSpec
from harmwatch.scenario.geography import Geography, sample_points
from harmwatch.scenario.occurrence_people import assign_people
from harmwatch.scenario.offence_mix import (
    AGE_BANDS,
    DESCRIPTIONS,
    DOMESTIC_SHARE,
    HO_CODES,
    INJURY_MIX,
    LOCATION_DEFAULT,
    LOCATION_MIX,
    MO_COMBOS,
    NIGHT_SHARE,
    SUBJECT_ONLY,
    WEAPON_MIX,
)
from harmwatch.scenario.police_records import Police, add_people, new_occurrences
from harmwatch.scenario.population import Persons
from harmwatch.scenario.timeprofile import Profile, TimeFrame, sample_seconds

__all__ = ["AGE_BANDS", "HO_CODES", "Police", "add_people", "build_police", "new_occurrences"]

OG = codes.OFFENCE_GROUP


def _categorical(
    rng: np.random.Generator,
    offence: Array,
    table: dict[str, dict[str, int]],
    values: tuple[str, ...],
    default: dict[str, int] | None,
) -> Array:
    out = np.full(len(offence), -1, dtype=np.int64)
    for g in np.unique(offence):
        weights = table.get(OG[g], default)
        if weights:
            m = offence == g
            out[m] = pick(rng, int(m.sum()), {k: float(v) for k, v in weights.items()}, values)
    return out


def build_police(
    rng: np.random.Generator,
    spec: ScaleSpec,
    frame: TimeFrame,
    geo: Geography,
    persons: Persons,
    hidden_venue: int,
) -> Police:
    """Generate the background occurrences and their people."""
    counts = {
        g: int(rng.poisson(v * spec.volume * spec.years)) for g, v in OFFENCES_PER_YEAR.items()
    }
    offence = np.repeat([OG.index(g) for g in counts], list(counts.values()))
    n = len(offence)
    occ = new_occurrences(n)
    occ["offence"] = offence
    name = np.array(OG)[offence]
    dom_p = np.array([DOMESTIC_SHARE.get(g, 0.0) for g in OG])[offence]
    night_p = np.array([NIGHT_SHARE.get(g, 0.0) for g in OG])[offence]
    u = rng.random(n)
    domestic = u < dom_p
    night = ~domestic & (u < dom_p + night_p * (1 - dom_p))
    occ["domestic"] = domestic.astype(np.int8)

    profile: list[tuple[Array, Profile]] = [
        (domestic, "domestic"),
        (night, "night_economy"),
        (~domestic & ~night & np.isin(name, SUBJECT_ONLY), "flat"),
        (~domestic & ~night & ~np.isin(name, SUBJECT_ONLY), "violence"),
    ]
    t = np.zeros(n, dtype=np.int64)
    for m, prof in profile:
        t[m] = sample_seconds(rng, frame, prof, int(m.sum()))
    occ["t"] = t

    police = Police(occ=occ, people=Table())
    victims, _suspects = assign_people(rng, police, persons, name, domestic)

    # Where: domestic at the victim's home; night economy at venues; else by deprivation.
    area = np.empty(n, dtype=np.int64)
    area[domestic] = persons["area"][victims[domestic]]
    w = geo.population * (0.3 + 2 * geo.deprivation) ** 1.5
    other = ~domestic & ~night
    area[other] = rng.choice(len(geo), size=int(other.sum()), p=w / w.sum())
    loc_type = _categorical(rng, offence, LOCATION_MIX, codes.LOCATION_TYPE, LOCATION_DEFAULT)
    loc_type[domestic] = pick(
        rng,
        int(domestic.sum()),
        {"dwelling": 88, "street": 6, "other": 4, "unknown": 2},
        codes.LOCATION_TYPE,
    )
    venues = np.flatnonzero(geo.night_economy[geo.venue_area])
    venues = venues[venues != hidden_venue]
    at_venue = night & (rng.random(n) < 0.55)
    venue = np.full(n, -1, dtype=np.int64)
    venue[at_venue] = venues[rng.integers(0, len(venues), int(at_venue.sum()))]
    night_areas = np.flatnonzero(geo.night_economy)
    street_night = night & ~at_venue
    area[street_night] = night_areas[rng.integers(0, len(night_areas), int(street_night.sum()))]
    area[at_venue] = geo.venue_area[venue[at_venue]]
    loc_type[night] = code_index(codes.LOCATION_TYPE, "street")
    loc_type[at_venue] = code_index(codes.LOCATION_TYPE, "licensed_premises")
    x, y = sample_points(rng, geo.polygons, area)
    x[at_venue], y[at_venue] = geo.venue_xy[venue[at_venue], 0], geo.venue_xy[venue[at_venue], 1]
    occ["x"], occ["y"], occ["area"], occ["venue"], occ["loc_type"] = x, y, area, venue, loc_type
    occ["loc_mode"] = rng.choice(3, size=n, p=[0.82, 0.1, 0.08])

    occ["weapon"] = _categorical(rng, offence, WEAPON_MIX, codes.WEAPON, None)
    occ["weapon"][domestic & (occ["weapon"] < 0)] = code_index(codes.WEAPON, "none")
    occ["injury"] = _categorical(rng, offence, INJURY_MIX, codes.INJURY, {"none": 1})
    occ["alcohol"] = (rng.random(n) < np.where(night, 0.7, np.where(domestic, 0.35, 0.2))).astype(
        np.int8
    )
    occ["drugs"] = (rng.random(n) < 0.08).astype(np.int8)
    gang_p = np.where(
        np.isin(occ["weapon"], [code_index(codes.WEAPON, w) for w in ("sharp", "firearm")]),
        0.15,
        0.01,
    )
    occ["gang"] = np.where(rng.random(n) < 0.7, rng.random(n) < gang_p, -1).astype(np.int8)
    occ["dur_min"] = np.where(rng.random(n) < 0.3, rng.integers(1, 180, n), -1)
    occ["delay_min"] = np.minimum(rng.lognormal(3.5, 1.6, n).astype(np.int64) + 5, 60 * 24 * 60)

    has_suspect = np.zeros(n, dtype=bool)
    has_suspect[
        police.people["occ"][police.people["role"] == code_index(codes.ROLE, "suspect")]
    ] = True
    outcome = pick(
        rng,
        n,
        {
            "charged": 22,
            "evidential_difficulties": 30,
            "victim_declined": 25,
            "other": 8,
            "under_investigation": 15,
        },
        codes.OUTCOME,
    )
    outcome[~has_suspect] = code_index(codes.OUTCOME, "no_suspect")
    outcome[t > frame.end_second - 90 * 86_400] = code_index(codes.OUTCOME, "under_investigation")
    outcome[np.isin(name, SUBJECT_ONLY) | (name == "domestic_incident")] = -1
    occ["outcome"] = outcome

    for g, combos in MO_COMBOS.items():
        m = np.flatnonzero((name == g) & (rng.random(n) < 0.45))
        vocab = np.array([police.mo.add(c) for c in combos])
        occ["mo"][m] = vocab[rng.integers(0, len(vocab), len(m))]
    for g, text in DESCRIPTIONS.items():
        m = (name == g) & (rng.random(n) < 0.5)
        occ["desc"][m] = police.descriptions.add(text)
    return police
