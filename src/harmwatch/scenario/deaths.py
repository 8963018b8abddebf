"""Deaths reported to the police: sudden deaths, coroner referrals, homicides.

Care-home deaths follow each home's expected rate (Poisson); deaths at home
follow the population (so each GP practice's list-size-based expectation
holds); hospital, public-place, hostel, hospice and other deaths follow fixed
yearly volumes. All peak in winter. Natural deaths are of new, elderly people;
suicides and drug-related deaths mostly of people already known to the police.
Every homicide occurrence has a death with classification ``homicide``, the
same victim, date and place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from harmwatch.contract import codes
from harmwatch.scenario._table import Array, Table, Vocab, code_index, pick
from harmwatch.scenario.config import ScaleSpec
from harmwatch.scenario.geography import Geography, sample_points
from harmwatch.scenario.institutions import HOME_DEATHS_PER_RESIDENT_YEAR, Institutions
from harmwatch.scenario.occurrences import Police
from harmwatch.scenario.population import NEVER, Persons
from harmwatch.scenario.timeprofile import TimeFrame, sample_days

__all__ = ["CAUSES", "Deaths", "add_homicide_deaths", "build_deaths", "new_deaths"]

#: (cause, ICD-10) pairs by classification.
CAUSES: dict[str, list[tuple[str, str]]] = {
    "natural": [
        ("Bronchopneumonia", "J18.0"),
        ("Ischaemic heart disease", "I25.9"),
        ("Dementia", "F03"),
        ("Frailty of old age", "R54"),
        ("Chronic obstructive pulmonary disease", "J44.9"),
        ("Stroke", "I64"),
        ("Myocardial infarction", "I21.9"),
        ("Cancer of the lung", "C34.9"),
    ],
    "unexplained": [("Unascertained", "R99"), ("Awaiting post-mortem", "R99")],
    "suspicious": [("Unascertained", "R99")],
    "suicide": [("Hanging", "X70"), ("Overdose", "X64")],
    "drug_related": [("Opioid toxicity", "X42"), ("Mixed drug toxicity", "X44")],
    "accidental": [("Fall", "W19"), ("Head injury following fall", "S06.9"), ("Drowning", "W74")],
    "road_traffic": [("Multiple injuries, road traffic collision", "V89.2")],
    "homicide": [
        ("Stab wound", "X99"),
        ("Head injury, assault", "Y04"),
        ("Asphyxia, assault", "Y20"),
    ],
    "unknown": [("Not known", "R99")],
}
_UNEXPLAINED_MO = [
    "found_at_home;unwitnessed",
    "fall;head_injury",
    "found_outdoors",
    "possible_overdose",
]
_PLACES: dict[str, tuple[float, dict[str, int]]] = {  # yearly volume, classifications
    "hospital": (150, {"natural": 80, "unexplained": 8, "accidental": 7, "drug_related": 5}),
    "public_place": (
        120,
        {
            "road_traffic": 25,
            "suicide": 25,
            "drug_related": 20,
            "accidental": 20,
            "unexplained": 10,
        },
    ),
    "hostel": (30, {"drug_related": 50, "natural": 25, "unexplained": 15, "suicide": 10}),
    "hospice": (40, {"natural": 1}),
    "prison": (3, {"natural": 50, "suicide": 50}),
    "other": (50, {"natural": 40, "unexplained": 30, "accidental": 20, "unknown": 10}),
}
_HOME = {
    "natural": 71,
    "unexplained": 12,
    "suicide": 7,
    "drug_related": 6,
    "accidental": 3,
    "suspicious": 0.5,
    "unknown": 0.5,
}
_CARE_HOME = {"natural": 93, "unexplained": 4, "accidental": 3}
_YOUNG = ("suicide", "drug_related", "road_traffic")


@dataclass
class Deaths:
    """Death records under construction (see :func:`new_deaths` for the columns).

    Attributes
    ----------
    table : Table
        One row per death.
    causes, mo : Vocab
        Vocabularies of ``cause`` (paired with ``icd10``) and ``mo``.
    """

    table: Table
    causes: Vocab = field(default_factory=Vocab)
    icd10: dict[int, str] = field(default_factory=dict)
    mo: Vocab = field(default_factory=Vocab)

    def cause_code(self, cause: str, icd: str) -> int:
        """The code of a cause, remembering its ICD-10 code."""
        code = self.causes.add(cause)
        self.icd10[code] = icd
        return code


def new_deaths(n: int) -> Table:
    """A deaths table of ``n`` rows with every optional column empty."""
    m1 = np.full(n, -1, dtype=np.int64)
    return Table(
        {
            "day": np.zeros(n, dtype=np.int64),
            "t_report": np.zeros(n, dtype=np.int64),
            "place": m1.copy(),
            "inst": m1.copy(),
            "pid": m1.copy(),
            "classification": np.zeros(n, dtype=np.int64),
            "cause": m1.copy(),
            "practitioner": m1.copy(),
            "x": np.full(n, np.nan),
            "y": np.full(n, np.nan),
            "area": m1.copy(),
            "loc_mode": np.zeros(n, dtype=np.int64),
            "mo": m1.copy(),
            "protected": np.zeros(n, dtype=bool),
        }
    )


def new_decedents(
    rng: np.random.Generator, persons: Persons, area: Array, day: Array, young: Array
) -> Array:
    """New people who die on ``day``: elderly unless ``young``; returns their ids."""
    n = len(area)
    age = np.where(young, rng.uniform(18, 70, n), np.clip(rng.normal(83, 8, n), 55, 104))
    sex = (rng.random(n) < np.where(young, 0.3, 0.58)).astype(np.int64)
    pid = persons.add(rng, area, sex, (day - age * 365.25).astype(np.int64), int(day.min()))
    persons["victim_w"][pid] = 0.0
    persons["offender_w"][pid] = 0.0
    return pid


def _pick_causes(rng: np.random.Generator, deaths: Deaths, classification: Array) -> Array:
    out = np.full(len(classification), -1, dtype=np.int64)
    for c in np.unique(classification):
        m = np.flatnonzero(classification == c)
        options = np.array(
            [deaths.cause_code(*pair) for pair in CAUSES[codes.DEATH_CLASSIFICATION[c]]]
        )
        out[m] = np.where(
            rng.random(len(m)) < 0.85, options[rng.integers(0, len(options), len(m))], -1
        )
    return out


def build_deaths(
    rng: np.random.Generator,
    spec: ScaleSpec,
    frame: TimeFrame,
    geo: Geography,
    inst: Institutions,
    persons: Persons,
    police: Police,
) -> Deaths:
    """Generate the background deaths and one death per homicide occurrence."""
    years = spec.years
    parts: list[tuple[str, Array, Array, Array]] = []  # place, institution, area, classification
    homes = inst.of_type("care_home")
    n_home = rng.poisson(inst.expected[homes] * years)
    ch = np.repeat(homes, n_home)
    parts.append(
        ("care_home", ch, inst.area[ch], pick(rng, len(ch), _CARE_HOME, codes.DEATH_CLASSIFICATION))
    )
    n_own = rng.poisson(HOME_DEATHS_PER_RESIDENT_YEAR * geo.population.sum() * years)
    own_area = rng.choice(len(geo), size=n_own, p=geo.population / geo.population.sum())
    parts.append(
        (
            "own_home",
            inst.area_gp[own_area],
            own_area,
            pick(rng, n_own, _HOME, codes.DEATH_CLASSIFICATION),
        )
    )
    for place_name, (volume, mix) in _PLACES.items():
        k = rng.poisson(volume * spec.volume * years)
        w = geo.population * (0.5 + geo.deprivation) ** (3 if place_name == "hostel" else 1)
        area = rng.choice(len(geo), size=k, p=w / w.sum())
        institution = inst.area_hospital[area] if place_name == "hospital" else np.full(k, -1)
        parts.append(
            (
                place_name,
                institution,
                area,
                pick(rng, k, {c: float(v) for c, v in mix.items()}, codes.DEATH_CLASSIFICATION),
            )
        )

    place = np.concatenate([np.full(len(p[1]), code_index(codes.PLACE_TYPE, p[0])) for p in parts])
    institution = np.concatenate([p[1] for p in parts]).astype(np.int64)
    area = np.concatenate([p[2] for p in parts]).astype(np.int64)
    classification = np.concatenate([p[3] for p in parts]).astype(np.int64)
    n = len(place)
    table = new_deaths(n)
    day = sample_days(rng, frame, "deaths", n)
    table["day"], table["place"], table["inst"], table["classification"] = (
        day,
        place,
        institution,
        classification,
    )

    # Who: young classifications mostly people known to the police, others new and elderly.
    young = np.isin(classification, [code_index(codes.DEATH_CLASSIFICATION, c) for c in _YOUNG])
    known = young & (rng.random(n) < 0.6)
    pid = np.full(n, -1, dtype=np.int64)
    cand = np.flatnonzero(
        (persons["dob"] < frame.day0 - 18 * 365) & (persons["death_day"] == NEVER)
    )
    keys = rng.exponential(size=len(cand)) / (
        persons["victim_w"][cand] + persons["offender_w"][cand] + 1e-9
    )
    chosen = cand[np.argsort(keys)[: int(known.sum())]]
    pid[np.flatnonzero(known)[: len(chosen)]] = chosen
    new = pid < 0
    pid[new] = new_decedents(rng, persons, area[new], day[new], young[new])
    area[~new] = persons["area"][pid[~new]]
    ch_mask = place == code_index(codes.PLACE_TYPE, "care_home")
    persons["area"][pid[ch_mask]] = area[ch_mask]
    table["pid"], table["area"] = pid, area

    deaths = Deaths(table=table)
    _practitioners(rng, deaths, inst)
    _locate(rng, deaths, geo, inst)
    table["cause"] = _pick_causes(rng, deaths, classification)
    unexplained = classification == code_index(codes.DEATH_CLASSIFICATION, "unexplained")
    mo_codes = np.array([deaths.mo.add(m) for m in _UNEXPLAINED_MO])
    with_mo = np.flatnonzero(unexplained & (rng.random(n) < 0.3))
    table["mo"][with_mo] = mo_codes[rng.integers(0, len(mo_codes), len(with_mo))]
    table["t_report"] = (
        day * 86_400
        + rng.integers(6 * 3600, 23 * 3600, n)
        + rng.choice([0, 86_400], n, p=[0.8, 0.2])
    )
    add_homicide_deaths(rng, deaths, police, persons)
    persons["death_day"][table["pid"]] = table["day"]
    return deaths


def _practitioners(rng: np.random.Generator, deaths: Deaths, inst: Institutions) -> None:
    """Certifying practitioner: a GP of the person's practice, or a care-home nurse."""
    t = deaths.table
    gp = inst.area_gp[t["area"]]
    home_or_care = np.isin(
        t["place"], [code_index(codes.PLACE_TYPE, p) for p in ("own_home", "care_home")]
    )
    carer = (t["place"] == code_index(codes.PLACE_TYPE, "care_home")) & (rng.random(len(t)) < 0.5)
    owner = np.where(carer, t["inst"], gp)
    order = np.argsort(inst.practitioner_inst, kind="stable")
    first = np.searchsorted(inst.practitioner_inst[order], np.arange(len(inst.ids)))
    count = np.bincount(inst.practitioner_inst, minlength=len(inst.ids))
    has = home_or_care & (count[owner] > 0)
    pick_ = order[
        (first[owner] + (rng.random(len(t)) * np.maximum(count[owner], 1)).astype(np.int64)).clip(
            0, len(order) - 1
        )
    ]
    t["practitioner"] = np.where(has, pick_, -1)


def _locate(rng: np.random.Generator, deaths: Deaths, geo: Geography, inst: Institutions) -> None:
    t = deaths.table
    x, y = sample_points(rng, geo.polygons, t["area"])
    at_inst = t["inst"] >= 0
    at_inst &= ~np.isin(t["place"], [code_index(codes.PLACE_TYPE, "own_home")])
    x[at_inst], y[at_inst] = inst.xy[t["inst"][at_inst], 0], inst.xy[t["inst"][at_inst], 1]
    t["area"][at_inst] = inst.area[t["inst"][at_inst]]
    t["x"], t["y"] = x, y
    t["loc_mode"] = rng.choice(3, size=len(t), p=[0.75, 0.1, 0.15])


def add_homicide_deaths(
    rng: np.random.Generator, deaths: Deaths, police: Police, persons: Persons
) -> None:
    """One death per homicide occurrence not yet given one (victim, date, place)."""
    occ, people = police.occ, police.people
    hom = np.flatnonzero(occ["offence"] == codes.OFFENCE_GROUP.index("homicide"))
    done = set(
        deaths.table["pid"][
            deaths.table["classification"] == code_index(codes.DEATH_CLASSIFICATION, "homicide")
        ]
    )
    victim_rows = np.flatnonzero(
        np.isin(people["occ"], hom) & (people["role"] == code_index(codes.ROLE, "victim"))
    )
    victim_rows = victim_rows[~np.isin(people["pid"][victim_rows], list(done))]
    # A person dies once: re-assign repeated victims to someone else.
    seen: set[int] = set(int(p) for p in deaths.table["pid"])
    for r in victim_rows:
        while int(people["pid"][r]) in seen:
            people["pid"][r] = int(rng.integers(0, len(persons)))
        seen.add(int(people["pid"][r]))
    o = people["occ"][victim_rows]
    add = new_deaths(len(o))
    add["day"] = occ["t"][o] // 86_400
    add["t_report"] = occ["t"][o] + occ["delay_min"][o] * 60
    dwelling = occ["loc_type"][o] == code_index(codes.LOCATION_TYPE, "dwelling")
    add["place"] = np.where(
        dwelling,
        code_index(codes.PLACE_TYPE, "own_home"),
        code_index(codes.PLACE_TYPE, "public_place"),
    )
    add["pid"] = people["pid"][victim_rows]
    add["classification"][:] = code_index(codes.DEATH_CLASSIFICATION, "homicide")
    add["cause"] = _pick_causes(rng, deaths, add["classification"])
    add["x"], add["y"], add["area"], add["loc_mode"] = (
        occ["x"][o],
        occ["y"][o],
        occ["area"][o],
        occ["loc_mode"][o],
    )
    add["protected"] = occ["protected"][o]
    mo = occ["mo"][o]
    add["mo"] = np.array(
        [deaths.mo.add(police.mo.values[m]) if m >= 0 else -1 for m in mo], dtype=np.int64
    )
    deaths.table.append(add)
    persons["death_day"][add["pid"]] = add["day"]
