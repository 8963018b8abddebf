"""Person linkage on a tiny multi-agency store, and its building blocks."""

from __future__ import annotations

import csv
import shutil
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, func, select

from _persons_data import KEY, tiny_store, true_persons
from harmwatch.errors import HarmWatchError
from harmwatch.ingest.pipeline import ingest_file
from harmwatch.linkage.clusters import (
    assign_person_ids,
    cluster_records,
    deterministic_edges,
)
from harmwatch.linkage.features import parse_record_key, prepare_features
from harmwatch.linkage.persons import (
    LinkResult,
    export_persons,
    latest_model,
    link_persons,
    person_assignments,
)
from harmwatch.linkage.review import decide, explain_pair, review_pairs
from harmwatch.linkage.timeline import person_timeline
from harmwatch.store.database import open_store
from harmwatch.store.schema import link_decisions, linkage_runs, person_records

# --- features -------------------------------------------------------------------------------


def test_features_normalise_uk_identities() -> None:
    raw = pl.DataFrame(
        {
            "kind": ["police_people", "deaths"],
            "source": ["police", "police"],
            "record_id": ["OCC1/1", "D1"],
            "forename": ["Bill ", "Zoë"],
            "surname": ["O'Neil", "smith-jones"],
            "date_of_birth": [date(1980, 5, 12), date(1980, 5, 13)],
            "sex": ["male", "unknown"],
            "postcode": ["M1 1AE", None],
            "nhs_number": [None, "9434765919"],
            "person_token": [None, ""],
            "person_ref": ["N1", None],
            "extra": [None, '{"postcode_au": "2000", "suburb": "kingston"}'],
        }
    )
    f = prepare_features(raw).to_dicts()
    death, police = f  # sorted by unique_id
    assert police["unique_id"] == "police_people|police|OCC1/1"
    assert (police["forename"], police["forename_canon"], police["surname"]) == (
        "BILL",
        "WILLIAM",
        "ONEIL",
    )
    assert police["dob_swapped"] == "1980-12-05"
    assert (police["dob_year"], police["dob_md"]) == ("1980", "05-12")
    assert (police["postcode"], police["postcode_outward"]) == ("M1 1AE", "M1")
    assert police["person_ref"] == "police|N1"
    assert police["sex"] == "male" and death["sex"] is None
    assert death["surname"] == "SMITHJONES" and death["forename"] == "ZOE"
    assert death["dob_swapped"] is None  # day 13: no month 13
    assert (death["postcode"], death["postcode_outward"]) == ("2000", None)
    assert death["suburb"] == "KINGSTON" and death["person_token"] is None


def test_record_keys() -> None:
    assert parse_record_key("police_people|police|OC1/1") == ("police_people", "police", "OC1/1")
    assert parse_record_key("deaths:coroner:D:7") == ("deaths", "coroner", "D:7")
    with pytest.raises(HarmWatchError, match="KIND:SOURCE:RECORD_ID"):
        parse_record_key("OC1")
    with pytest.raises(HarmWatchError, match="not a person-bearing kind"):
        parse_record_key("police_occurrences:police:OC1")


# --- clusters and stable ids ---------------------------------------------------------------


def test_deterministic_edges_use_tokens_and_source_refs() -> None:
    frame = pl.DataFrame(
        {
            "unique_id": ["a", "b", "c", "d", "e"],
            "person_token": ["t1", None, "t1", None, None],
            "person_ref": ["x|1", "x|1", None, "y|1", None],
        }
    )
    assert deterministic_edges(frame) == {("a", "c"), ("a", "b")}


def test_decisions_override_and_conflicts_are_reported() -> None:
    ids = ["a", "b", "c", "d", "e"]
    model = [("a", "b"), ("b", "c"), ("a", "c"), ("d", "e")]
    plain = cluster_records(ids, model)
    assert plain.cluster["a"] == plain.cluster["c"] != plain.cluster["d"]
    decided = cluster_records(
        ids, model, decisions={("d", "e"): "different", ("c", "d"): "same", ("a", "b"): "different"}
    )
    assert decided.cut == 2 and decided.forced == 1
    assert decided.cluster["c"] == decided.cluster["d"] != decided.cluster["e"]
    # a-b cut, but a-c-b still joins them: reported
    assert decided.conflicts == [("a", "b")]


def test_person_ids_are_stable_merge_keep_oldest_and_split_keeps_majority() -> None:
    first = assign_person_ids({"a": 0, "b": 0, "c": 1}, {})
    assert first == {"a": "P000000001", "b": "P000000001", "c": "P000000002"}
    assert assign_person_ids({"a": 0, "b": 0, "c": 1}, first) == first
    # a new record joins c's person; another is new
    grown = assign_person_ids({"a": 0, "b": 0, "c": 1, "d": 1, "e": 2}, first)
    assert grown["d"] == "P000000002" and grown["e"] == "P000000003"
    # merge: the older id survives
    merged = assign_person_ids({"a": 0, "b": 0, "c": 0, "d": 0, "e": 1}, grown)
    assert set(merged.values()) == {"P000000001", "P000000003"}
    # split: the part with most records keeps the id; retired ids are not reused
    split = assign_person_ids({"a": 0, "b": 1, "c": 1, "d": 1}, merged, highest_assigned=3)
    assert split["b"] == "P000000001" and split["a"] == "P000000004"


# --- end to end on the tiny store ----------------------------------------------------------


@pytest.fixture(scope="module")
def linked_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, LinkResult]:
    """The tiny store, linked once with the key (the model trained here)."""
    folder = tmp_path_factory.mktemp("tiny")
    _url, engine = tiny_store(folder)
    try:
        result = link_persons(engine, key=KEY, max_pairs=2e4)
    finally:
        engine.dispose()
    return folder / "store.db", result


@pytest.fixture
def tiny(linked_template: tuple[Path, LinkResult], tmp_path: Path) -> Iterator[Engine]:
    """A private copy of the linked tiny store."""
    shutil.copy(linked_template[0], tmp_path / "store.db")
    engine = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    yield engine
    engine.dispose()


def _groups(engine: Engine) -> dict[str, set[str]]:
    truth = true_persons()
    groups: dict[str, set[str]] = defaultdict(set)
    for uid, pid in person_assignments(engine).select("unique_id", "person_id").iter_rows():
        groups[pid].add(truth[uid])
    return groups


def _truth_groups() -> list[set[str]]:
    by_person: dict[str, set[str]] = defaultdict(set)
    for uid, person in true_persons().items():
        by_person[person].add(uid)
    return list(by_person.values())


def test_tiny_store_links_every_person_exactly(
    tiny: Engine, linked_template: tuple[Path, LinkResult], tmp_path: Path
) -> None:
    result = linked_template[1]
    assert result.trained and result.records == 20 and result.identified == 19
    assignments = person_assignments(tiny)
    found = [
        set(g) for g in assignments.group_by("person_id").agg("unique_id").get_column("unique_id")
    ]
    assert sorted(map(sorted, found)) == sorted(map(sorted, _truth_groups()))
    # nicknames, a duplicate nominal with transposed day/month and a moved postcode,
    # NHS numbers across agencies, and the token-only ED via the key: one John
    john = {u for u, p in true_persons().items() if p == "john"}
    johns = assignments.filter(pl.col("unique_id").is_in(john)).get_column("person_id")
    assert johns.len() == 5 and johns.n_unique() == 1

    with tiny.connect() as connection:
        run = connection.execute(select(linkage_runs)).mappings().one()
        count = connection.execute(select(func.count()).select_from(person_records)).scalar()
    assert run["trained"] and run["model"] and run["persons"] == result.persons == 9
    assert count == 20

    out = tmp_path / "persons.csv"
    assert export_persons(tiny, out) == 20
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0]) == ["kind", "record_id", "person_id"]
    assert {r["kind"] for r in rows} == {
        "police_people",
        "deaths",
        "council_referrals",
        "ed_assaults",
    }


def test_without_the_key_token_only_records_stand_alone(tiny: Engine) -> None:
    assert not link_persons(tiny).trained
    ed = person_assignments(tiny).filter(pl.col("kind") == "ed_assaults")
    others = person_assignments(tiny).filter(pl.col("kind") != "ed_assaults")
    assert not set(ed.get_column("person_id")) & set(others.get_column("person_id"))


def test_rerun_keeps_ids_and_new_extract_joins_without_retraining(tmp_path: Path) -> None:
    _url, engine = tiny_store(tmp_path, kinds=("police_occurrences", "police_people", "deaths"))
    try:
        first = link_persons(engine, max_pairs=2e4)
        before = dict(person_assignments(engine).select("unique_id", "person_id").iter_rows())
        again = link_persons(engine)
        assert not again.trained and again.new_persons == 0
        assert dict(person_assignments(engine).select("unique_id", "person_id").iter_rows()) == (
            before
        )
        model_before = latest_model(engine)
        assert model_before is not None

        files = tmp_path / "data"
        ingest_file(engine, "council_referrals", files / "council.csv", source="council")
        later = link_persons(engine)
        assert not later.trained
        after = dict(person_assignments(engine).select("unique_id", "person_id").iter_rows())
        assert all(after[u] == p for u, p in before.items())
        # Liz's and Sarah's referrals join their police persons; Margaret's joins her death
        assert after["council_referrals|council|CR1"] == after["police_people|police|OCC1/2"]
        assert after["council_referrals|council|CR2"] == after["police_people|police|OCC5/1"]
        assert after["council_referrals|council|CR3"] == after["deaths|police|D2"]
        assert later.persons == first.persons
        retrained = link_persons(engine, retrain=True, max_pairs=2e4)
        assert retrained.trained
    finally:
        engine.dispose()


def test_decisions_override_the_model_on_later_runs(tiny: Engine) -> None:
    jon, john = "police_people:police:OCC2/1", "police_people:police:OCC4/1"
    other_john = "police_people:police:OCC4/2"
    decide(tiny, jon, other_john, "same", by="DC Reviewer", note="same custody photo")
    decide(tiny, jon, john, "different", by="DC Reviewer")
    result = link_persons(tiny, key=KEY)
    ids = dict(person_assignments(tiny).select("unique_id", "person_id").iter_rows())
    assert ids["police_people|police|OCC4/2"] == ids["police_people|police|OCC2/1"]
    assert result.forced_links == 1 and result.cut_links == 1
    # Jon and John are still one person through their shared nominal and the death
    assert result.conflicts == [("police_people|police|OCC2/1", "police_people|police|OCC4/1")]
    with tiny.connect() as connection:
        stored = connection.execute(select(link_decisions)).mappings().all()
    assert [(d["decision"], d["decided_by"]) for d in stored] == [
        ("same", "DC Reviewer"),
        ("different", "DC Reviewer"),
    ]
    assert stored[0]["note"] == "same custody photo" and stored[0]["decided_at"] is not None
    with pytest.raises(HarmWatchError, match="not in the store"):
        decide(tiny, jon, "deaths:police:NOPE", "same", by="x")


def test_explain_sums_the_contributions(tiny: Engine) -> None:
    x = explain_pair(tiny, "police_people:police:OCC1/1", "police_people:police:OCC4/1")
    assert {c.comparison for c in x.contributions} >= {"forename", "surname", "dob", "postcode"}
    levels = {c.comparison: c.level for c in x.contributions}
    assert levels["dob"] == "Day and month transposed"
    assert levels["postcode"].startswith("Same outward code")
    total = x.prior_weight + sum(c.match_weight for c in x.contributions)
    assert total == pytest.approx(x.match_weight, abs=1e-3)
    assert x.person_a == x.person_b
    same_ref = explain_pair(tiny, "police_people:police:OCC1/1", "police_people:police:OCC2/1")
    assert same_ref.deterministic == ["same person_ref"]


def test_review_lists_borderline_pairs_only(tiny: Engine, tmp_path: Path) -> None:
    _url, unlinked = tiny_store(tmp_path / "unlinked", kinds=("police_people",))
    with pytest.raises(HarmWatchError, match="run `harmwatch link` first"):
        review_pairs(unlinked)
    unlinked.dispose()
    everything = review_pairs(tiny, lower=0.0, upper=1.01, limit=None)
    band = review_pairs(tiny, lower=0.2, upper=0.99, limit=None)
    assert all(0.2 <= p.match_probability < 0.99 for p in band)
    assert len(band) <= len(everything)
    if everything:
        first = everything[0]
        decide(tiny, first.a, first.b, "different", by="x")
        again = review_pairs(tiny, lower=0.0, upper=1.01, limit=None)
        assert (first.a, first.b) not in {(p.a, p.b) for p in again}


def test_timeline_in_time_order_across_agencies(tiny: Engine) -> None:
    ids = dict(person_assignments(tiny).select("unique_id", "person_id").iter_rows())
    events = person_timeline(tiny, ids["deaths|police|D1"])
    assert [e.kind for e in events] == [
        "police_people",
        "ed_assaults",
        "police_people",
        "police_people",
        "deaths",
    ]
    assert [e.role for e in events] == ["victim", "ed_patient", "victim", "victim", "deceased"]
    assert events[0].what == "abh" and events[0].reference == "OCC1"
    assert events[-1].what == "homicide"
    with pytest.raises(HarmWatchError, match="no records"):
        person_timeline(tiny, "P999999999")
