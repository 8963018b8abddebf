"""Domestic escalation pathways beyond the frequency ladder, and couples that do not escalate.

The planted ``frequency_ladder`` couples (:func:`harmwatch.scenario.planted.plant_escalation`)
climb six incidents of rising severity at shrinking gaps: escalation that a count of
police contacts sees. The domestic-homicide literature describes other routes, which
this module plants alongside:

``few_contacts_markers``
    One to three police contacts in the months before the serious violence, carrying
    the femicide risk markers: non-fatal strangulation (Glass et al. 2008: 43% of
    homicide victims and 45% of attempted-homicide victims had been strangled before,
    adjusted odds ratio about 7), threats to kill and threats or use of a weapon
    (Campbell et al. 2003: adjusted OR about 3 and 4), separation from the partner
    (Campbell et al. 2003: estrangement, OR about 3.6), and stalking and harassment
    after separation (Monckton-Smith 2020, the "escalation" stage of the eight-stage
    homicide timeline). Reviews of domestic homicides (HMICFRS 2014, *Everyone's
    business*; Bland & Ariel 2015, 36,000 callers in Suffolk) find many had few or no
    prior police contacts.
``mixed``
    Three to five low-level contacts (incidents, common assault, harassment, damage)
    over up to a year, with one marker late in the sequence, often after separation
    (Monckton-Smith 2020: a trigger such as separation followed by escalation).

And negatives, which the literature describes at least as often:

``markers_no_escalation``
    Couples drawn by the same two processes without the serious violence: markers are
    risk factors, not certainties. Most strangled or threatened victims are not killed
    or seriously injured within a year (Glass et al. 2008 is a case-control study: the
    odds ratio does not make the event likely). About six of these are planted for
    every escalating couple of those pathways, so that roughly one marker couple with
    repeat contact in seven goes on to serious violence within a year: high, as for a
    high-risk (MARAC) population, rather than the general one.

High-frequency, low-harm couples that never escalate are the background's repeat
couples (``scenario/occurrence_people.py``): at force scale, seed 0, 168 of them have 6 or
more occurrences within some 12 months, and at small scale 24.

Every draw here comes from the generator passed in, which the caller derives from the
scenario seed apart from the main stream (see :func:`pathway_rng`).

References
----------
Campbell JC et al. (2003). Risk factors for femicide in abusive relationships: results
from a multisite case control study. *Am J Public Health* 93(7):1089-1097.
Glass N et al. (2008). Non-fatal strangulation is an important risk factor for homicide
of women. *J Emerg Med* 35(3):329-335.
Monckton-Smith J (2020). Intimate partner femicide: using Foucauldian analysis to track
an eight stage progression to homicide. *Violence Against Women* 26(11):1267-1285.
Bland M, Ariel B (2015). Targeting escalation in reported domestic abuse: evidence from
36,000 callers. *Int Crim Justice Rev* 25(1):30-53.
HMIC (2014). *Everyone's business: improving the police response to domestic abuse.*
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from harmwatch.contract import codes
from harmwatch.scenario._table import code_index
from harmwatch.scenario.config import ScaleSpec
from harmwatch.scenario.geography import Geography, sample_points
from harmwatch.scenario.occurrences import Police, add_people
from harmwatch.scenario.population import Persons
from harmwatch.scenario.timeprofile import TimeFrame

__all__ = ["PATHWAY_TAG", "pathway_rng", "plant_pathways"]

#: Spawn key of the pathways' generator: the main stream's draws stay as they were.
PATHWAY_TAG = 0xE5C
_DAY = 86_400
_LOW = ("domestic_incident", "common_assault", "stalking_harassment", "criminal_damage")

# Marker-carrying contacts: (name, offence group, weapons and weights, weight). The
# weights follow the prevalence of each marker among intimate-partner homicides and
# attempts (Glass et al. 2008; Campbell et al. 2003; Monckton-Smith 2020).
_MARKER_CONTACTS: list[tuple[str, str, dict[str, float], float]] = [
    ("strangulation", "common_assault", {"strangulation": 1.0}, 0.25),
    ("strangulation", "abh", {"strangulation": 1.0}, 0.2),
    ("threats_to_kill", "threats_to_kill", {"none": 0.6, "sharp": 0.3, "other": 0.1}, 0.25),
    ("weapon", "abh", {"sharp": 0.5, "blunt": 0.5}, 0.1),
    ("weapon", "common_assault", {"sharp": 0.4, "blunt": 0.4, "other": 0.2}, 0.05),
    ("stalking", "stalking_harassment", {"none": 1.0}, 0.15),
]
_LOW_WEAPON = {
    "domestic_incident": "none",
    "common_assault": "hitting_kicking",
    "stalking_harassment": "none",
    "criminal_damage": "none",
}
_FINALS = {"gbh": 0.5, "attempted_murder": 0.3, "homicide": 0.2}
_FINAL_WEAPON = {
    "gbh": {"hitting_kicking": 0.4, "blunt": 0.3, "sharp": 0.3},
    "attempted_murder": {"strangulation": 0.5, "sharp": 0.5},
    "homicide": {"sharp": 0.5, "strangulation": 0.3, "blunt": 0.2},
}


@dataclass(frozen=True)
class _Plan:
    """One couple's occurrences before planting (days relative to the final day)."""

    offence: list[str]
    weapon: list[str]
    ex_partner: list[bool]
    day: list[int]


def pathway_rng(rng: np.random.Generator) -> np.random.Generator:
    """A generator derived from the scenario seed, separate from the main stream.

    The main generator is not advanced, so every other plant and the background draw
    exactly what they drew before these pathways existed.
    """
    seq = rng.bit_generator.seed_seq
    entropy = getattr(seq, "entropy", None)
    return np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(PATHWAY_TAG,)))


def _pick(r: np.random.Generator, weights: dict[str, float]) -> str:
    keys = list(weights)
    p = np.array([weights[k] for k in keys])
    return keys[int(r.choice(len(keys), p=p / p.sum()))]


def _marker_contact(r: np.random.Generator) -> tuple[str, str, str]:
    """(marker, offence group, weapon) of one marker-carrying contact."""
    w = np.array([c[3] for c in _MARKER_CONTACTS])
    name, offence, weapons, _ = _MARKER_CONTACTS[int(r.choice(len(w), p=w / w.sum()))]
    return name, offence, _pick(r, weapons)


def _few_contacts(r: np.random.Generator, scale: float) -> _Plan:
    """1-3 contacts, each with a marker, over the 1-9 months before the final day."""
    k = int(r.choice([1, 2, 3], p=[0.4, 0.35, 0.25]))
    last = int(r.uniform(3, 45) * scale) + 1
    first = last + int(r.uniform(30, 240) * scale)
    days = [*np.sort(r.uniform(-first, -last, k - 1)).astype(int).tolist(), -last]
    separated = bool(r.random() < 0.6)  # Campbell et al. 2003: estrangement in most cases
    plan = _Plan([], [], [], [])
    for d in sorted(days):
        _, offence, weapon = _marker_contact(r)
        plan.offence.append(offence)
        plan.weapon.append(weapon)
        plan.ex_partner.append(separated)
        plan.day.append(d)
    return plan


def _mixed(r: np.random.Generator, scale: float) -> _Plan:
    """3-5 low-level contacts over up to a year, one marker late on, often after separation."""
    k = int(r.integers(3, 6))
    last = int(r.uniform(3, 45) * scale) + 1
    first = last + int(r.uniform(90, 330) * scale)
    days = sorted([*np.sort(r.uniform(-first, -last, k - 1)).astype(int).tolist(), -last])
    marker_at = int(r.integers(k // 2, k))
    split = int(r.integers(1, k)) if r.random() < 0.5 else k  # separation from here on
    plan = _Plan([], [], [], [])
    for i, d in enumerate(days):
        if i == marker_at:
            _, offence, weapon = _marker_contact(r)
        else:
            offence = str(r.choice(_LOW, p=[0.4, 0.35, 0.15, 0.1]))
            weapon = _LOW_WEAPON[offence]
        plan.offence.append(offence)
        plan.weapon.append(weapon)
        plan.ex_partner.append(i >= split)
        plan.day.append(d)
    return plan


def _plant(
    r: np.random.Generator,
    frame: TimeFrame,
    geo: Geography,
    persons: Persons,
    police: Police,
    plan: _Plan,
    markers: list[str],
) -> dict[str, Any]:
    """Add one couple (fresh victim and suspect living together) and its occurrences."""
    from harmwatch.scenario.planted import _fresh_people, _occurrences

    span = -min(plan.day) + 10
    final_day = frame.day0 + int(r.integers(span, frame.n_days - 5))
    days = final_day + np.array(plan.day, dtype=np.int64)
    t = days * _DAY + r.integers(17 * 3600, 24 * 3600, len(days))
    victim = _fresh_people(
        r,
        persons,
        geo,
        1,
        np.array([int(r.random() < 0.85)]),
        np.array([r.uniform(20, 55)]),
        frame.day0,
    )
    suspect = _fresh_people(
        r,
        persons,
        geo,
        1,
        np.array([int(r.random() < 0.9) ^ 1]),
        np.array([r.uniform(20, 60)]),
        frame.day0,
    )
    for col in ("area", "postcode"):
        persons[col][suspect] = persons[col][victim]
    area = np.repeat(persons["area"][victim], len(days))
    x, y = sample_points(r, geo.polygons, area[:1])
    rows = _occurrences(
        police,
        plan.offence,
        t,
        np.repeat(x, len(days)),
        np.repeat(y, len(days)),
        area,
        "dwelling",
        plan.weapon,
        True,
    )
    relationship = np.where(
        np.array(plan.ex_partner),
        code_index(codes.RELATIONSHIP, "ex_partner"),
        code_index(codes.RELATIONSHIP, "partner"),
    )
    add_people(police, rows, "victim", np.repeat(victim, len(rows)))
    add_people(police, rows, "suspect", np.repeat(suspect, len(rows)), relationship=relationship)
    return {
        "victim_person": int(victim[0]),
        "suspect_person": int(suspect[0]),
        "occurrence_rows": rows.tolist(),
        "offence_groups": list(plan.offence),
        "markers": markers,
    }


def _markers(plan: _Plan) -> list[str]:
    """The risk markers in a couple's occurrences (before any serious one)."""
    found: set[str] = set()
    for offence, weapon, ex in zip(plan.offence, plan.weapon, plan.ex_partner, strict=True):
        if weapon == "strangulation":
            found.add("strangulation")
        elif weapon in ("sharp", "blunt", "other", "firearm"):
            found.add("weapon")
        if offence == "threats_to_kill":
            found.add("threats_to_kill")
        if offence == "stalking_harassment":
            found.add("stalking")
        if ex:
            found.add("separation")
    return sorted(found)


def _with_final(r: np.random.Generator, plan: _Plan) -> _Plan:
    final = _pick(r, _FINALS)
    return _Plan(
        [*plan.offence, final],
        [*plan.weapon, _pick(r, _FINAL_WEAPON[final])],
        [*plan.ex_partner, plan.ex_partner[-1]],
        [*plan.day, 0],
    )


def _counts(spec: ScaleSpec) -> tuple[int, int, int]:
    """(few-contacts couples, mixed couples, non-escalating marker couples)."""
    return spec.by_scale((3, 2, 30), (10, 6, 100), (20, 10, 200))


def plant_pathways(
    r: np.random.Generator,
    spec: ScaleSpec,
    frame: TimeFrame,
    geo: Geography,
    persons: Persons,
    police: Police,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Plant the escalating couples of the non-ladder pathways and the marker negatives.

    Returns
    -------
    escalating, non_escalating : list of dict
        Truth entries (``victim_person``, ``suspect_person``, ``occurrence_rows`` in
        time order, ``offence_groups``, ``markers``, ``pathway``). Escalating couples
        end in GBH, attempted murder or homicide; the others have no serious violence.
    """
    scale = 0.5 if spec.name == "small" else 1.0  # two years of data at small scale
    n_few, n_mixed, n_neg = _counts(spec)
    escalating = []
    for pathway, n, make in (
        ("few_contacts_markers", n_few, _few_contacts),
        ("mixed", n_mixed, _mixed),
    ):
        for _ in range(n):
            before = make(r, scale)
            entry = _plant(r, frame, geo, persons, police, _with_final(r, before), _markers(before))
            escalating.append({**entry, "pathway": pathway})
    negatives = []
    for i in range(n_neg):
        pathway, make = ("few_contacts_markers", _few_contacts) if i % 2 == 0 else ("mixed", _mixed)
        plan = make(r, scale)
        entry = _plant(r, frame, geo, persons, police, plan, _markers(plan))
        negatives.append({**entry, "pathway": f"{pathway}_no_escalation"})
    return escalating, negatives
