"""Series linkage: hand-made cases with known answers, and the scenario's planted series."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import numpy as np
import polars as pl
import pytest
from sqlalchemy import Engine

from harmwatch.analysis.series import (
    link_series,
    read_decisions,
    record_decision,
    series_linkage,
)
from harmwatch.analysis.series_model import (
    DEFAULT_LOG10_LR,
    linkage_quality,
    pair_auc,
    train_model,
)


def _cases(rows: list[dict[str, Any]]) -> pl.DataFrame:
    base = {
        "kind": "occurrence", "source": "police", "date": date(2024, 1, 1), "day": 0.0,
        "what": "gbh", "area_code": "A", "x": 0.0, "y": 0.0, "codes": [], "weapon": None,
        "location_type": None, "victim_sex": None, "victim_age_band": None,
        "practitioner_id": None, "suspects": [], "victims": [], "charged": False,
        "linked": False,
    }  # fmt: skip
    records = [base | r for r in rows]
    frame = pl.DataFrame(
        records,
        schema={
            "kind": pl.String, "source": pl.String, "record_id": pl.String, "date": pl.Date,
            "day": pl.Float64, "what": pl.String, "area_code": pl.String, "x": pl.Float64,
            "y": pl.Float64, "codes": pl.List(pl.String), "weapon": pl.String,
            "location_type": pl.String, "victim_sex": pl.String, "victim_age_band": pl.Int64,
            "practitioner_id": pl.String, "suspects": pl.List(pl.String),
            "victims": pl.List(pl.String), "charged": pl.Boolean, "linked": pl.Boolean,
        },
    )  # fmt: skip
    return frame.with_columns(
        pl.concat_str(["kind", "source", "record_id"], separator="|").alias("case")
    )


def _toy() -> pl.DataFrame:
    rng = np.random.default_rng(1)
    rows: list[dict[str, Any]] = []
    for n in range(80):  # background: common codes, scattered in space and time
        rows.append(
            {
                "record_id": f"B{n:02d}",
                "x": float(rng.uniform(0, 50_000)),
                "y": float(rng.uniform(0, 50_000)),
                "day": float(rng.uniform(0, 700)),
                "codes": ["punched"] if n % 2 else ["kicked"],
                "weapon": "hitting_kicking",
            }
        )
    for n in range(3):  # a series: one rare MO, close together
        rows.append({"record_id": f"S{n}", "x": 1000.0 + 100 * n, "y": 1000.0,
                     "day": 100.0 + 7 * n, "codes": ["glass_to_neck", "from_behind"],
                     "weapon": "other", "location_type": "street"})  # fmt: skip
    return _cases(rows)


def test_planted_toy_series_found_with_evidence() -> None:
    result = link_series(_toy())
    assert result.available
    assert [len(s.members) for s in result.active] == [3]
    series = result.active[0]
    assert series.series_id == "S-S0"
    assert {c["code"] for c in series.shared_codes} == {"from_behind", "glass_to_neck"}
    assert series.contributions["mo"] == DEFAULT_LOG10_LR["mo"]["rare, full"]
    assert series.pairs and all(p["score"] >= result.threshold for p in series.pairs)
    exported = result.export_frame()
    assert exported.columns == ["series_id", "kind", "record_id", "score"]
    assert exported["record_id"].to_list() == ["S0", "S1", "S2"]
    assert "hand-set" in result.model.note if result.model else False


def test_blocking_does_not_score_all_pairs() -> None:
    result = link_series(_toy(), max_km=2.0, max_days=30.0)
    n = result.cases
    assert result.pairs_scored < n * (n - 1) // 2


def test_decisions_applied() -> None:
    cases = _toy()
    rejected = pl.DataFrame(
        {
            "target": ["link", "link"], "series_id": [None, None],
            "case_a": ["occurrence|police|S0", "occurrence|police|S1"],
            "case_b": ["occurrence|police|S1", "occurrence|police|S2"],
            "members": [[], []], "decision": ["reject", "reject"], "decided_by": ["ann", "ann"],
            "decided_at": [datetime(2025, 1, 1), datetime(2025, 1, 1)], "note": [None, None],
        },
        schema_overrides={"members": pl.List(pl.String)},
    )  # fmt: skip
    result = link_series(cases, decisions=rejected)
    # S0-S2 still links: S1 hangs on... nothing; S1 is cut off from both
    assert [s.case_keys for s in result.active] == [
        ["occurrence|police|S0", "occurrence|police|S2"]
    ]
    confirm = rejected.head(1).with_columns(
        pl.lit("confirm").alias("decision"),
        pl.lit("occurrence|police|B00").alias("case_a"),
        pl.lit("occurrence|police|B01").alias("case_b"),
    )
    result = link_series(cases, decisions=confirm)
    assert ["occurrence|police|B00", "occurrence|police|B01"] in [
        s.case_keys for s in result.active
    ]


def test_deaths_at_one_institution_are_not_linked_by_their_address() -> None:
    # Two natural deaths at one care home, a fortnight apart, certified by the home's nurse:
    # an ordinary fortnight, not a series. Their shared address is no evidence (every death
    # there has it), so distance is neutral; with a rare shared MO they do link.
    home = {"kind": "death", "what": "natural", "x": 500.0, "y": 500.0,
            "location_type": "care_home", "practitioner_id": "N1", "victim_sex": "f",
            "victim_age_band": 6}  # fmt: skip
    rows = [home | {"record_id": "D1", "day": 10.0}, home | {"record_id": "D2", "day": 20.0}]
    plain = _cases(rows).with_columns(pl.lit("CH1").alias("institution_id"))
    result = link_series(plain)
    pair = result.tables["pairs"].row(0, named=True)
    assert pair["distance"] == "same institution" and pair["lr_distance"] == 0.0
    assert not result.active
    # Without the institution (e.g. two homes next door) the same pair links at 3.0.
    assert link_series(plain.drop("institution_id")).active
    marked = plain.with_columns(pl.lit(["insulin", "night"]).alias("codes"))
    background = _toy().with_columns(pl.lit(None, dtype=pl.String).alias("institution_id"))
    both = link_series(pl.concat([marked, background], how="diagonal_relaxed"))
    assert ["death|police|D1", "death|police|D2"] in [s.case_keys for s in both.active]


def test_train_model_needs_enough_pairs() -> None:
    features = pl.DataFrame({f: ["missing"] * 30 for f in DEFAULT_LOG10_LR})
    linked = np.zeros(30, dtype=bool)
    assert not train_model(features, linked, ~linked).trained
    features = features.with_columns(pl.Series("distance", ["< 0.5 km"] * 25 + [">= 15 km"] * 5))
    linked = np.arange(30) < 22
    model = train_model(
        pl.concat([features, features.with_columns(pl.lit(">= 15 km").alias("distance"))]),
        np.concatenate([linked, np.zeros(30, dtype=bool)]),
        np.concatenate([np.zeros(30, dtype=bool), np.ones(30, dtype=bool)]),
    )
    # 22 of 22 linked pairs near, 0 of 30 unlinked: shrunk towards the pooled share (10
    # pseudo-pairs), log10((22 + 10 x 22/52) / 32 / ((10 x 22/52) / 40)) = 0.889.
    assert model.trained and model.log10_lr["distance"]["< 0.5 km"] == pytest.approx(0.889)
    assert model.log10_lr["distance"]["2-5 km"] == 0.0  # seen in neither class: neutral
    assert model.log10_lr["shared_person"] == DEFAULT_LOG10_LR["shared_person"]
    # Linked and unlinked pairs alike in every feature: nothing to learn, hand-set ratios.
    rng = np.random.default_rng(0)
    alike = pl.DataFrame({f: ["missing"] * 400 for f in DEFAULT_LOG10_LR}).with_columns(
        pl.Series("distance", rng.choice(["< 0.5 km", ">= 15 km"], 400))
    )
    same = rng.random(400) < 0.2
    fallback = train_model(alike, same, ~same)
    assert not fallback.trained and "no behavioural consistency" in fallback.note


def test_pair_auc_known_answers() -> None:
    assert pair_auc([3, 2, 1, 0], [True, True, False, False]) == 1.0
    assert pair_auc([1, 1], [True, False]) == 0.5
    assert np.isnan(pair_auc([1.0], [True]))


def _planted(truth: dict[str, Any]) -> list[list[str]]:
    patterns = truth["patterns"]
    return [
        [f"death|police|{d}" for d in patterns["death_series"]["death_ids"]],
        [f"occurrence|police|{o}" for o in patterns["assault_series"]["occurrence_ids"]],
    ]


def _outside_couples(truth: dict[str, Any], active: Any) -> list[Any]:
    """Active series' case keys, less those within one planted domestic couple: crimes of
    one named suspect against one victim at their home are true links, not a false series."""
    esc = truth["patterns"]["domestic_escalation"]
    couples = [
        {f"occurrence|police|{o}" for o in c["occurrence_ids"]}
        for c in esc["escalating"] + esc.get("non_escalating", [])
    ]
    return [s.case_keys for s in active if not any(set(s.case_keys) <= c for c in couples)]


@pytest.fixture(scope="module")
def with_natural(scenario_store: Engine) -> Any:
    return series_linkage(scenario_store, include_natural=True)


def test_scenario_planted_series_recovered(
    with_natural: Any, scenario_truth: dict[str, Any]
) -> None:
    planted = _planted(scenario_truth)
    found = [set(s.case_keys) for s in with_natural.active]
    for members in planted:
        assert set(members) in found
    quality = linkage_quality(
        with_natural.tables["pairs"], _outside_couples(scenario_truth, with_natural.active),
        planted, with_natural.cases,
    )  # fmt: skip
    assert quality["pair_recall"] == 1.0
    assert quality["pair_precision"] >= 0.8
    assert quality["auc"] >= 0.95
    assert quality["false_series_per_1000_cases"] <= 10.0


def test_scenario_default_finds_both_series(
    scenario_store: Engine, scenario_truth: dict[str, Any]
) -> None:
    """By default natural deaths are compared only when they share an MO code with another
    case: the death series (three of its deaths recorded natural) is found whole, and no
    other natural death is a case."""
    result = series_linkage(scenario_store)
    planted = _planted(scenario_truth)
    assault = set(planted[1])
    found = [set(s.case_keys) for s in result.active]
    assert assault in found and set(planted[0]) in found
    cases = result.tables["cases"]
    natural = cases.filter(pl.col("what") == "natural")["case"].to_list()
    assert set(natural) <= set(planted[0]) and len(natural) == 3
    quality = linkage_quality(
        result.tables["pairs"], _outside_couples(scenario_truth, result.active), planted,
        result.cases,
    )  # fmt: skip
    assert quality["pair_recall"] == 1.0
    assert quality["pair_precision"] >= 0.9
    assert quality["auc"] >= 0.99
    assert quality["false_series_per_1000_cases"] <= 5.0
    without = series_linkage(scenario_store, natural_sharing_mo=False)
    assert without.cases == result.cases - 3
    assert any("not linked" in w for w in result.warnings)
    series = next(s for s in result.active if set(s.case_keys) == assault)
    assert "glass_to_neck" in {c["code"] for c in series.shared_codes}
    payload = result.to_json()
    assert payload["series"][0]["links"]


def test_decisions_persist(store_engine: Engine) -> None:
    result = link_series(_toy())
    series = result.active[0]
    record_decision(store_engine, decision="reject", decided_by="ann", series=series, note="n")
    record_decision(
        store_engine, decision="confirm", decided_by="bob",
        pair=("occurrence|police|B01", "occurrence|police|B00"),
    )  # fmt: skip
    decisions = read_decisions(store_engine)
    assert decisions.height == 2
    again = link_series(_toy(), decisions=decisions)
    statuses = {s.series_id: s.status for s in again.series}
    assert statuses["S-S0"] == "rejected"
    assert "S-B00" in statuses
    with pytest.raises(ValueError):
        record_decision(store_engine, decision="maybe", decided_by="x", series=series)
