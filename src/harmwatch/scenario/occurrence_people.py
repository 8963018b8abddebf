"""The people of background police occurrences: victims, suspects, witnesses, subjects.

:func:`assign_people` draws each occurrence's victim and suspect from the
population's victimisation and offending weights (heavy-tailed, so some
people recur). Low-severity domestic occurrences go to repeat couples (a
Pareto weight per couple); more serious domestic ones to one-off couples.
Couples with three or more occurrences are kept as ``stable_pairs``.
"""

from __future__ import annotations

import numpy as np

from harmwatch.contract import codes
from harmwatch.scenario._table import Array, pick
from harmwatch.scenario.offence_mix import (
    LOW_DOMESTIC,
    NO_VICTIM,
    RELATION_DOMESTIC,
    RELATION_OTHER,
    SUBJECT_ONLY,
    SUSPECT_SHARE,
)
from harmwatch.scenario.police_records import Police, add_people
from harmwatch.scenario.population import Persons, sample_people

__all__ = ["assign_people"]


def assign_people(
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
        rng, n, {k: float(v) for k, v in RELATION_OTHER.items()}, codes.RELATIONSHIP
    )

    # Domestic: repeat couples for low severity, one-off couples otherwise.
    low = domestic & np.isin(name, LOW_DOMESTIC)
    n_couples = max(5, int(low.sum() / 2.5))
    female = np.flatnonzero(adult & (persons["sex"] == 1))
    c_victim = np.where(
        rng.random(n_couples) < 0.8,
        sample_people(rng, vw, n_couples, female),
        sample_people(rng, vw, n_couples, adults),
    )
    c_suspect = sample_people(rng, ow, n_couples, adults)
    c_rel = pick(
        rng, n_couples, {k: float(v) for k, v in RELATION_DOMESTIC.items()}, codes.RELATIONSHIP
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
        rng, len(high_idx), {k: float(v) for k, v in RELATION_DOMESTIC.items()}, codes.RELATIONSHIP
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

    has_victim = ~np.isin(name, NO_VICTIM) & ((name != "other") | (rng.random(n) < 0.5))
    sus_p = np.array([SUSPECT_SHARE.get(g, 0.0) for g in codes.OFFENCE_GROUP])[
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
    subject = np.isin(name, SUBJECT_ONLY)
    add_people(police, occ_rows[subject], "other", sample_people(rng, vw, int(subject.sum())))
    n_wit = np.minimum(rng.poisson(0.25, n), 2)
    wit_occ = np.repeat(occ_rows, n_wit)
    add_people(police, wit_occ, "witness", adults[rng.integers(0, len(adults), len(wit_occ))])
    return victim, suspect
