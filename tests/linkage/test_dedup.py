"""Collapsing identical identities before scoring, on the small scenario's ground truth."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from sqlalchemy import Engine

from harmwatch.linkage.dedup import collapse_identical
from harmwatch.linkage.features import linkage_frame


def _truth(scenario_dir: Path) -> pl.DataFrame:
    truth = pl.read_csv(scenario_dir / "truth_person_ids.csv", infer_schema=False)
    return truth.rename({"person_id": "true_person"})


def test_collapsed_records_are_one_true_person(scenario_store: Engine, scenario_dir: Path) -> None:
    frame = linkage_frame(scenario_store)
    collapsed = collapse_identical(frame)
    # Repeat victims and offenders repeat their identity: a real saving.
    assert collapsed.kept < 0.85 * collapsed.records
    assert collapsed.records - collapsed.kept == len(collapsed.edges)
    assert collapsed.frame.height == collapsed.kept
    truth = dict(
        frame.select("unique_id", "kind", "record_id")
        .join(_truth(scenario_dir), on=["kind", "record_id"], how="inner")
        .select("unique_id", "true_person")
        .iter_rows()
    )
    judged = [(a, b) for a, b in collapsed.edges if a in truth and b in truth]
    assert len(judged) > 0.95 * len(collapsed.edges)
    wrong = sum(truth[a] != truth[b] for a, b in judged)
    assert wrong <= 0.001 * len(judged)
    # Representatives are kept; members are not.
    kept = set(collapsed.frame.get_column("unique_id").to_list())
    assert {a for a, _ in collapsed.edges} <= kept
    assert not {b for _, b in collapsed.edges} & kept


def test_records_without_a_full_identity_or_in_decisions_stay(scenario_store: Engine) -> None:
    frame = linkage_frame(scenario_store)
    first = collapse_identical(frame)
    members = {b for _, b in first.edges}
    partial = frame.filter(
        pl.col("forename").is_null() | pl.col("surname").is_null() | pl.col("dob").is_null()
    ).get_column("unique_id")
    assert not members & set(partial.to_list())
    apart = sorted(members)[:5]
    again = collapse_identical(frame, keep_apart=apart)
    assert set(apart) <= set(again.frame.get_column("unique_id").to_list())
    assert again.kept == first.kept + len(apart)
