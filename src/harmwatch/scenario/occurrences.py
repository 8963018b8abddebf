"""Background police occurrences and the people in them.

Volumes follow :data:`~harmwatch.scenario.config.OFFENCES_PER_YEAR`. A share
of each violent offence group is domestic (within couples or families: the
victim's home, evening and weekend peaks); a share is night-time economy
(licensed premises and streets of town-centre areas, late Friday and Saturday);
the rest falls in areas in proportion to population and, more than linearly,
deprivation. Repeat domestic couples only ever reach low severity (incidents,
common assault, harassment, damage); more serious domestic offences are
one-off couples, so that the planted escalating couples stand out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from harmwatch.contract import codes
from harmwatch.scenario._table import Array, Table, Vocab, code_index, pick
from harmwatch.scenario.config import OFFENCES_PER_YEAR, ScaleSpec
from harmwatch.scenario.geography import Geography, sample_points
from harmwatch.scenario.population import Persons, sample_people
from harmwatch.scenario.timeprofile import Profile, TimeFrame, sample_seconds

__all__ = ["HO_CODES", "Police", "add_people", "build_police", "new_occurrences"]

OG = codes.OFFENCE_GROUP
HO_CODES = {
    "homicide": "001/01",
    "attempted_murder": "002/00",
    "threats_to_kill": "003/01",
    "gbh": "005/01",
    "abh": "008/06",
    "common_assault": "105/01",
    "stalking_harassment": "008/71",
    "robbery": "034/01",
    "sexual_offence": "019/07",
    "weapon_possession": "010/01",
    "criminal_damage": "058/01",
    "other": "099/99",
}
_DOMESTIC_SHARE = {
    "homicide": 0.3,
    "attempted_murder": 0.3,
    "threats_to_kill": 0.4,
    "gbh": 0.15,
    "abh": 0.35,
    "common_assault": 0.35,
    "stalking_harassment": 0.5,
    "sexual_offence": 0.25,
    "criminal_damage": 0.2,
    "domestic_incident": 1.0,
}
_LOW_DOMESTIC = ("domestic_incident", "common_assault", "stalking_harassment", "criminal_damage")
_NIGHT_SHARE = {
    "homicide": 0.1,
    "gbh": 0.25,
    "abh": 0.2,
    "common_assault": 0.2,
    "robbery": 0.1,
    "weapon_possession": 0.15,
    "sexual_offence": 0.1,
}
_SUSPECT = {
    "homicide": 0.95,
    "attempted_murder": 0.9,
    "threats_to_kill": 0.85,
    "gbh": 0.65,
    "abh": 0.7,
    "common_assault": 0.65,
    "stalking_harassment": 0.9,
    "robbery": 0.35,
    "sexual_offence": 0.7,
    "weapon_possession": 1.0,
    "criminal_damage": 0.4,
    "domestic_incident": 0.95,
    "other": 0.5,
}
_NO_VICTIM = ("weapon_possession", "concern_for_welfare", "missing_person")
_SUBJECT = ("concern_for_welfare", "missing_person")
_WEAPON = {
    "homicide": {
        "sharp": 40,
        "hitting_kicking": 25,
        "blunt": 14,
        "strangulation": 8,
        "firearm": 4,
        "poison_drugs": 3,
        "vehicle": 2,
        "burning": 1,
        "other": 3,
    },
    "attempted_murder": {
        "sharp": 50,
        "hitting_kicking": 15,
        "blunt": 12,
        "strangulation": 10,
        "firearm": 6,
        "vehicle": 3,
        "burning": 2,
        "other": 2,
    },
    "gbh": {
        "hitting_kicking": 42,
        "sharp": 28,
        "blunt": 15,
        "other": 10,
        "firearm": 1,
        "strangulation": 2,
        "burning": 2,
    },
    "abh": {"hitting_kicking": 72, "blunt": 9, "sharp": 5, "strangulation": 6, "other": 8},
    "common_assault": {"hitting_kicking": 80, "none": 12, "other": 5, "unknown": 3},
    "robbery": {"hitting_kicking": 40, "sharp": 25, "none": 25, "firearm": 2, "other": 8},
    "weapon_possession": {"sharp": 70, "firearm": 8, "blunt": 12, "other": 10},
    "threats_to_kill": {"none": 60, "sharp": 25, "firearm": 5, "other": 10},
}
_INJURY = {
    "homicide": {"fatal": 1},
    "attempted_murder": {"serious": 1},
    "gbh": {"serious": 1},
    "abh": {"minor": 80, "serious": 20},
    "common_assault": {"none": 45, "minor": 55},
    "robbery": {"none": 60, "minor": 35, "serious": 5},
    "sexual_offence": {"none": 70, "minor": 30},
}
_LOCATION = {
    "robbery": {"street": 65, "retail": 15, "public_transport": 8, "open_space": 7, "other": 5},
    "criminal_damage": {"dwelling": 45, "street": 25, "vehicle": 20, "retail": 5, "other": 5},
    "missing_person": {"dwelling": 70, "care_home": 10, "hospital": 5, "other": 15},
    "concern_for_welfare": {"dwelling": 70, "street": 20, "other": 10},
}
_LOCATION_DEFAULT = {
    "dwelling": 38,
    "street": 30,
    "retail": 8,
    "public_transport": 5,
    "open_space": 8,
    "school": 3,
    "licensed_premises": 3,
    "other": 4,
    "unknown": 1,
}
_MO = {
    "gbh": [
        "kicked_head;group_attack",
        "stabbed;single_wound",
        "bottle;glassing",
        "punched;fell_struck_head",
        "weapon_carried;dispute",
    ],
    "abh": ["punched;face", "headbutt", "pushed;fell", "kicked;ground", "bitten"],
    "common_assault": ["push;shove", "slap", "spat_at", "punched;no_injury"],
    "robbery": ["phone_snatch;bike", "knife_point;street", "group;youths", "cash_machine"],
    "domestic_incident": [
        "verbal_argument",
        "jealousy;phone_checking",
        "child_contact_dispute",
        "intoxicated",
    ],
    "stalking_harassment": ["repeated_calls", "social_media", "following", "unwanted_gifts"],
    "criminal_damage": ["window_smashed", "vehicle_keyed", "door_kicked"],
}
_DESCRIPTION = {
    "gbh": "Victim seriously injured in an assault; enquiries ongoing.",
    "abh": "Victim assaulted causing injury.",
    "common_assault": "Victim assaulted, no significant injury.",
    "domestic_incident": "Verbal argument between partners; no offences disclosed.",
    "robbery": "Victim robbed of personal property.",
    "missing_person": "Reported missing from home address.",
    "concern_for_welfare": "Caller concerned for the welfare of a neighbour.",
}
_RELATION_DOMESTIC = {"partner": 45, "ex_partner": 35, "other_family": 10, "parent": 5, "child": 5}
_RELATION_OTHER = {"stranger": 45, "friend_acquaintance": 35, "other": 5, "unknown": 15}
AGE_BANDS = ("0-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")


@dataclass
class Police:
    """Police records under construction.

    Attributes
    ----------
    occ : Table
        One row per occurrence (columns listed in :func:`new_occurrences`).
    people : Table
        One row per person per occurrence: ``occ`` (row of ``occ``), ``role``,
        ``pid`` (true person id), ``anon`` (identity not recorded),
        ``relationship``, ``age_band`` (-1 when none).
    mo, descriptions : Vocab
        Vocabularies of the ``mo`` and ``description`` columns.
    stable_pairs : list of (victim, suspect, occurrence rows)
        Repeat domestic couples with 3 or more low-severity occurrences.
    """

    occ: Table
    people: Table
    mo: Vocab = field(default_factory=Vocab)
    descriptions: Vocab = field(default_factory=Vocab)
    stable_pairs: list[tuple[int, int, list[int]]] = field(default_factory=list)


def new_occurrences(n: int) -> Table:
    """An occurrence table of ``n`` rows with every column at its 'none' value."""
    m1 = np.full(n, -1, dtype=np.int64)
    return Table(
        {
            "offence": np.zeros(n, dtype=np.int64),
            "t": np.zeros(n, dtype=np.int64),
            "dur_min": m1.copy(),
            "delay_min": np.zeros(n, dtype=np.int64),
            "x": np.full(n, np.nan),
            "y": np.full(n, np.nan),
            "area": m1.copy(),
            "loc_mode": np.zeros(n, dtype=np.int64),
            "loc_type": m1.copy(),
            "weapon": m1.copy(),
            "injury": m1.copy(),
            "outcome": m1.copy(),
            "domestic": np.zeros(n, dtype=np.int8),
            "alcohol": np.full(n, -1, dtype=np.int8),
            "drugs": np.full(n, -1, dtype=np.int8),
            "gang": np.full(n, -1, dtype=np.int8),
            "mo": m1.copy(),
            "desc": m1.copy(),
            "venue": m1.copy(),
            "protected": np.zeros(n, dtype=bool),
        }
    )


def add_people(
    police: Police,
    occ: Array,
    role: str,
    pid: Array,
    *,
    anon: Array | None = None,
    relationship: Array | None = None,
    age_band: Array | None = None,
) -> None:
    """Append people rows (one per element of ``occ``) to ``police.people``."""
    n = len(occ)
    rows = Table(
        {
            "occ": np.asarray(occ, dtype=np.int64),
            "role": np.full(n, code_index(codes.ROLE, role), dtype=np.int64),
            "pid": np.asarray(pid, dtype=np.int64),
            "anon": np.zeros(n, dtype=bool) if anon is None else anon,
            "relationship": np.full(n, -1, dtype=np.int64)
            if relationship is None
            else relationship,
            "age_band": np.full(n, -1, dtype=np.int64) if age_band is None else age_band,
        }
    )
    if len(police.people) == 0:
        police.people = rows
    else:
        police.people.append(rows)


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
    dom_p = np.array([_DOMESTIC_SHARE.get(g, 0.0) for g in OG])[offence]
    night_p = np.array([_NIGHT_SHARE.get(g, 0.0) for g in OG])[offence]
    u = rng.random(n)
    domestic = u < dom_p
    night = ~domestic & (u < dom_p + night_p * (1 - dom_p))
    occ["domestic"] = domestic.astype(np.int8)

    profile: list[tuple[Array, Profile]] = [
        (domestic, "domestic"),
        (night, "night_economy"),
        (~domestic & ~night & np.isin(name, _SUBJECT), "flat"),
        (~domestic & ~night & ~np.isin(name, _SUBJECT), "violence"),
    ]
    t = np.zeros(n, dtype=np.int64)
    for m, prof in profile:
        t[m] = sample_seconds(rng, frame, prof, int(m.sum()))
    occ["t"] = t

    police = Police(occ=occ, people=Table())
    victims, _suspects = _assign_people(rng, police, persons, name, domestic)

    # Where: domestic at the victim's home; night economy at venues; else by deprivation.
    area = np.empty(n, dtype=np.int64)
    area[domestic] = persons["area"][victims[domestic]]
    w = geo.population * (0.3 + 2 * geo.deprivation) ** 1.5
    other = ~domestic & ~night
    area[other] = rng.choice(len(geo), size=int(other.sum()), p=w / w.sum())
    loc_type = _categorical(rng, offence, _LOCATION, codes.LOCATION_TYPE, _LOCATION_DEFAULT)
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

    occ["weapon"] = _categorical(rng, offence, _WEAPON, codes.WEAPON, None)
    occ["weapon"][domestic & (occ["weapon"] < 0)] = code_index(codes.WEAPON, "none")
    occ["injury"] = _categorical(rng, offence, _INJURY, codes.INJURY, {"none": 1})
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
    outcome[np.isin(name, _SUBJECT) | (name == "domestic_incident")] = -1
    occ["outcome"] = outcome

    for g, combos in _MO.items():
        m = np.flatnonzero((name == g) & (rng.random(n) < 0.45))
        vocab = np.array([police.mo.add(c) for c in combos])
        occ["mo"][m] = vocab[rng.integers(0, len(vocab), len(m))]
    for g, text in _DESCRIPTION.items():
        m = (name == g) & (rng.random(n) < 0.5)
        occ["desc"][m] = police.descriptions.add(text)
    return police


def _assign_people(
    rng: np.random.Generator, police: Police, persons: Persons, name: Array, domestic: Array
) -> tuple[Array, Array]:
    """Add victims, suspects, witnesses, subjects; return each occurrence's victim and suspect."""
    n = len(name)
    adult = persons["dob"] < (police.occ["t"].min() // 86_400 - 18 * 365)
    adults = np.flatnonzero(adult)
    vw = persons["victim_w"]
    ow = persons["offender_w"]
    victim = sample_people(rng, vw, n)
    suspect = sample_people(rng, ow, n)
    relationship = pick(
        rng, n, {k: float(v) for k, v in _RELATION_OTHER.items()}, codes.RELATIONSHIP
    )

    # Domestic: repeat couples for low severity, one-off couples otherwise.
    low = domestic & np.isin(name, _LOW_DOMESTIC)
    n_couples = max(5, int(low.sum() / 2.5))
    female = np.flatnonzero(adult & (persons["sex"] == 1))
    c_victim = np.where(
        rng.random(n_couples) < 0.8,
        sample_people(rng, vw, n_couples, female),
        sample_people(rng, vw, n_couples, adults),
    )
    c_suspect = sample_people(rng, ow, n_couples, adults)
    c_rel = pick(
        rng, n_couples, {k: float(v) for k, v in _RELATION_DOMESTIC.items()}, codes.RELATIONSHIP
    )
    c_weight = rng.pareto(2.2, n_couples)
    if persons.weight_cap is not None:  # as the people's weights: no couple with hundreds
        c_weight = np.minimum(c_weight, persons.weight_cap)
    c_weight = c_weight + 0.3
    low_idx = np.flatnonzero(low)
    couple = sample_people(rng, c_weight, len(low_idx))
    victim[low_idx], suspect[low_idx], relationship[low_idx] = (
        c_victim[couple],
        c_suspect[couple],
        c_rel[couple],
    )
    high_idx = np.flatnonzero(domestic & ~low)
    victim[high_idx] = np.where(
        rng.random(len(high_idx)) < 0.8,
        sample_people(rng, vw, len(high_idx), female),
        sample_people(rng, vw, len(high_idx), adults),
    )
    suspect[high_idx] = sample_people(rng, ow, len(high_idx), adults)
    relationship[high_idx] = pick(
        rng, len(high_idx), {k: float(v) for k, v in _RELATION_DOMESTIC.items()}, codes.RELATIONSHIP
    )
    clash = victim == suspect
    suspect[clash] = (suspect[clash] + 1) % len(persons)

    order = np.argsort(couple, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(couple[order]) != 0])
    sizes = np.diff(np.r_[starts, len(order)])
    for s, k in zip(starts[sizes >= 3], sizes[sizes >= 3], strict=True):
        c = int(couple[order[s]])
        police.stable_pairs.append(
            (int(c_victim[c]), int(c_suspect[c]), [int(i) for i in low_idx[order[s : s + k]]])
        )

    has_victim = ~np.isin(name, _NO_VICTIM) & ((name != "other") | (rng.random(n) < 0.5))
    sus_p = np.array([_SUSPECT.get(g, 0.0) for g in codes.OFFENCE_GROUP])[
        [codes.OFFENCE_GROUP.index(g) for g in name]
    ]
    has_suspect = domestic | (rng.random(n) < sus_p)
    named = domestic | (
        rng.random(n) < np.where(name == "robbery", 0.3, np.where(name == "homicide", 0.9, 0.7))
    )
    occ_rows = np.arange(n)
    add_people(police, occ_rows[has_victim], "victim", victim[has_victim])
    second = has_victim & ~domestic & (rng.random(n) < 0.04)
    add_people(police, occ_rows[second], "victim", sample_people(rng, vw, int(second.sum())))
    sus_age = ((police.occ["t"] // 86_400 - persons["dob"][suspect]) / 365.25).astype(np.int64)
    band = np.searchsorted(np.array([18, 25, 35, 45, 55, 65]), sus_age, side="right")
    anon = ~named[has_suspect]
    add_people(
        police,
        occ_rows[has_suspect],
        "suspect",
        suspect[has_suspect],
        anon=anon,
        relationship=relationship[has_suspect],
        age_band=np.where(anon, band[has_suspect], -1),
    )
    subject = np.isin(name, _SUBJECT)
    add_people(police, occ_rows[subject], "other", sample_people(rng, vw, int(subject.sum())))
    n_wit = np.minimum(rng.poisson(0.25, n), 2)
    wit_occ = np.repeat(occ_rows, n_wit)
    add_people(police, wit_occ, "witness", adults[rng.integers(0, len(adults), len(wit_occ))])
    return victim, suspect
