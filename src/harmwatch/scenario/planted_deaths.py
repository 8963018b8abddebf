"""Planted patterns of death: a death series, a care home's excess, a practitioner's excess.

As :mod:`harmwatch.scenario.planted` (which re-exports these): each function adds
records, marks them ``protected`` and returns its truth with internal row numbers.

1. ``death_series``: deaths sharing an MO across two care homes in a few
   months, mostly recorded as natural, all with the same agency nurse.
2. ``care_home_excess``: a care home of typical size with ``CARE_HOME_EXCESS_RATIO``
   times its expected deaths in a 12-month window.
3. ``practitioner_excess``: a GP certifying ``PRACTITIONER_EXCESS_RATIO`` times the
   deaths the monitor expects of them, each year of a three-year window.

The two excess plants draw from their own generator (:func:`excess_rng`), so that
their design can change without changing the main stream's draws before them. Their
ratios were chosen for a design power of about 90% or more: the chance that the death
monitor, at its defaults and force-scale thresholds, signals within 12 months of the
excess starting (docs/monitoring.md, "Power"; docs/scenario.md).
"""

from __future__ import annotations

import itertools
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
    "CARE_HOME_EXCESS_RATIO",
    "DEATH_SERIES_MO",
    "EXCESS_TAG",
    "PRACTITIONER_EXCESS_RATIO",
    "excess_rng",
    "monitored_expectation",
    "plant_care_home_excess",
    "plant_death_series",
    "plant_practitioner_excess",
    "typical_care_home",
]

Truth = dict[str, Any]
_DAY = 86_400
DEATH_SERIES_MO = "insulin;night;elderly_victim"
#: Spawn key of the excess plants' generator (:func:`excess_rng`).
EXCESS_TAG = 0xDEA
#: The planted care home's deaths in its 12 months, as a multiple of its expected deaths.
CARE_HOME_EXCESS_RATIO = 3.0
#: The planted GP's deaths in each year of the excess, as a multiple of the monitor's
#: expectation for them.
PRACTITIONER_EXCESS_RATIO = 4.0


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


def excess_rng(rng: np.random.Generator) -> np.random.Generator:
    """A generator derived from the scenario seed for the two excess plants.

    Separate from the main stream (as :func:`harmwatch.scenario.escalation_pathways.
    pathway_rng`): changing these plants does not change what the main stream draws.
    """
    seq = rng.bit_generator.seed_seq
    entropy = getattr(seq, "entropy", None)
    return np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(EXCESS_TAG,)))


def typical_care_home(inst: Institutions, exclude: Array) -> int:
    """The care home whose capacity is nearest the median of the care homes (``exclude`` left
    out; the lowest index on a tie): a home of typical size, chosen without a random draw."""
    homes = np.setdiff1d(inst.of_type("care_home"), exclude)
    capacity = inst.capacity[homes].astype(np.float64)
    return int(homes[np.argmin(np.abs(capacity - np.median(capacity)))])


def monitored_expectation(inst: Institutions, deaths: Deaths, practitioner: int) -> float:
    """The expected deaths per year the death monitor gives a practitioner.

    Mirrors :func:`harmwatch.analysis.expected_deaths.practitioner_expectations`
    on the deaths generated so far: the practitioners of one institution share
    equally the deaths they certify at each institution with expected deaths
    (care homes, GP practices), ``sum_j D_hj / (n_h D_j) * E_j``, with ``E_j``
    the institution's ``expected_deaths_per_year``.

    References
    ----------
    .. [1] Aylin P, Best N, Bottle A, Marshall C. Following Shipman: a pilot
       system for monitoring mortality rates in primary care. Lancet 2003;
       362:485-491.
    """
    t = deaths.table
    colleagues = inst.practitioners_of(int(inst.practitioner_inst[practitioner]))
    inst_idx = np.asarray(t["inst"])
    at = (inst_idx >= 0) & (inst.expected[np.maximum(inst_idx, 0)] > 0)
    group = at & np.isin(t["practitioner"], colleagues)
    n = len(inst.ids)
    total = np.bincount(inst_idx[at], minlength=n).astype(np.float64)
    theirs = np.bincount(inst_idx[group], minlength=n).astype(np.float64)
    share = np.divide(theirs, len(colleagues) * total, out=np.zeros(n), where=total > 0)
    return float((share * inst.expected).sum())


def plant_care_home_excess(
    rng: np.random.Generator,
    spec: ScaleSpec,
    frame: TimeFrame,
    inst: Institutions,
    persons: Persons,
    deaths: Deaths,
    home: int,
    ratio: float = CARE_HOME_EXCESS_RATIO,
) -> Truth:
    """Extra deaths at one care home: ``ratio`` times its expected deaths over 12 months.

    The home's deaths in the window are topped up to ``ceil(ratio * E)`` (``E``
    from its ``expected_deaths_per_year``, which the monitor uses), the extra
    deaths spread uniformly over the window.
    """
    start = frame.day0 + int(rng.integers(0, max(1, frame.n_days - 365)))
    end = min(start + 364, frame.day0 + frame.n_days - 1)
    expected = float(inst.expected[home]) * (end - start + 1) / 365.25
    t = deaths.table
    observed = int(((t["inst"] == home) & (t["day"] >= start) & (t["day"] <= end)).sum())
    extra = max(3, int(np.ceil(ratio * expected)) - observed)
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
        "capacity": int(inst.capacity[home]),
        "ratio": ratio,
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
    ratio: float = PRACTITIONER_EXCESS_RATIO,
) -> Truth:
    """A GP (the first of the biggest practice) certifying ``ratio`` times the deaths the
    monitor expects of them, in each year of a three-year window (the span if shorter).

    The expectation is :func:`monitored_expectation`; each year's deaths certified
    by the GP are topped up to ``ceil(ratio * E_year)`` with deaths at home in the
    practice's areas, spread uniformly over that year.
    """
    gps = inst.of_type("gp_practice")
    practice = int(gps[np.argmax(inst.capacity[gps])])
    gp = int(inst.practitioners_of(practice)[0])
    per_year = monitored_expectation(inst, deaths, gp)
    years = min(3.0, frame.n_days / 365.25)
    span = int(years * 365.25)
    start = frame.day0 + int(rng.integers(0, max(1, frame.n_days - span)))
    end = min(start + span - 1, frame.day0 + frame.n_days - 1)
    t = deaths.table
    mine = np.asarray(t["practitioner"]) == gp
    cuts = [start + round(k * 365.25) for k in range(int(np.ceil(years - 1e-9)))] + [end + 1]
    days: list[Array] = []
    before = 0
    for lo, hi in itertools.pairwise(cuts):
        have = int((mine & (t["day"] >= lo) & (t["day"] < hi)).sum())
        want = int(np.ceil(ratio * per_year * (hi - lo) / 365.25))
        before += have
        days.append(rng.integers(lo, hi, max(0, want - have)))
    day = np.sort(np.concatenate(days))
    extra = len(day)
    areas = np.flatnonzero(inst.area_gp == practice)
    area = areas[rng.integers(0, len(areas), extra)]
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
        "ratio": ratio,
        "expected_per_year": round(per_year, 2),
        "expected_deaths": round(per_year * (end - start + 1) / 365.25, 2),
        "observed_deaths": before + extra,
        "death_rows": rows.tolist(),
    }
