"""Escalation pathways in the scenario's truth: several routes to serious violence, and
couples with risk markers that do not escalate (scenario/escalation_pathways.py)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import polars as pl

from harmwatch.scenario.escalation_pathways import pathway_rng

SERIOUS = {"gbh", "attempted_murder", "homicide"}
MARKERS = {"strangulation", "threats_to_kill", "weapon", "separation", "stalking"}


def _rows(small: Any, ids: list[str]) -> pl.DataFrame:
    occ = small.read("police_occurrences")
    out = occ.filter(pl.col("occurrence_id").is_in(ids)).unique("occurrence_id", keep="first")
    assert out.height == len(ids)
    return out.sort("occurred_from")


def test_pathways_and_counts(small: Any) -> None:
    truth = small.truth["patterns"]["domestic_escalation"]
    by = Counter(p["pathway"] for p in truth["escalating"])
    assert by == {"frequency_ladder": 3, "few_contacts_markers": 3, "mixed": 2}
    negatives = truth["non_escalating"]
    assert len(negatives) == 30
    # Markers are risk factors, not certainties: most marker couples do not escalate.
    marker_pos = by["few_contacts_markers"] + by["mixed"]
    assert len(negatives) >= 5 * marker_pos


def test_few_contacts_couples_carry_markers(small: Any) -> None:
    truth = small.truth["patterns"]["domestic_escalation"]
    for pair in truth["escalating"]:
        rows = _rows(small, pair["occurrence_ids"])
        groups = rows.get_column("offence_group").to_list()
        assert rows.get_column("occurrence_id").to_list() == pair["occurrence_ids"]
        assert groups[-1] in SERIOUS and not set(groups[:-1]) & SERIOUS
        assert set(rows.get_column("domestic")) == {"true"}
        if pair["pathway"] == "few_contacts_markers":
            assert 1 <= len(groups) - 1 <= 3
            assert pair["markers"] and set(pair["markers"]) <= MARKERS
        elif pair["pathway"] == "mixed":
            assert 3 <= len(groups) - 1 <= 5
            assert set(pair["markers"]) & {"strangulation", "threats_to_kill", "weapon", "stalking"}


def test_non_escalating_couples_have_no_serious_violence(small: Any) -> None:
    truth = small.truth["patterns"]["domestic_escalation"]
    people = small.read("police_people")
    for pair in truth["non_escalating"]:
        rows = _rows(small, pair["occurrence_ids"])
        assert not set(rows.get_column("offence_group")) & SERIOUS
        assert pair["markers"]
    # Nor later with each other: no serious occurrence holds both persons' involvements.
    links = pl.read_csv(small.path(small.truth["person_ids_file"]), infer_schema=False)
    person_of = dict(zip(links["record_id"], links["person_id"], strict=True))
    occ = small.read("police_occurrences").filter(pl.col("offence_group").is_in(list(SERIOUS)))
    ids = occ.get_column("occurrence_id").to_list()
    serious = people.filter(pl.col("occurrence_id").is_in(ids))
    pairs: dict[str, set[str]] = {}
    for o, i in zip(serious["occurrence_id"], serious["involvement_id"], strict=True):
        pairs.setdefault(o, set()).add(person_of.get(i, ""))
    for pair in truth["non_escalating"]:
        both = {pair["victim_person"], pair["suspect_person"]}
        assert not any(both <= held for held in pairs.values())


def test_pathway_generator_leaves_the_main_stream_alone() -> None:
    rng = np.random.default_rng(7)
    before = rng.bit_generator.state
    a = pathway_rng(rng).random(3)
    assert rng.bit_generator.state == before
    assert np.array_equal(a, pathway_rng(np.random.default_rng(7)).random(3))
    assert not np.array_equal(a, pathway_rng(np.random.default_rng(8)).random(3))
