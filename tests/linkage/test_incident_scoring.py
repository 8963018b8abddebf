"""Incident matching on frames: hand-made cases with known answers."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import polars as pl
import pytest

from harmwatch.linkage.incident_assignment import greedy_assignment, optimal_assignment
from harmwatch.linkage.incident_scoring import candidate_pairs, match_frames

T0 = datetime(2024, 3, 1, 23, 0)


def _ed(rows: list[tuple[str, datetime, str, str, float | None, float | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "attendance_id": pl.String,
            "assault_at": pl.Datetime("us"),
            "assault_method": pl.String,
            "assault_location_type": pl.String,
            "easting": pl.Float64,
            "northing": pl.Float64,
        },
        orient="row",
    ).with_columns(source=pl.lit("ed"), area_code=pl.lit("A"))


def _occ(
    rows: list[tuple[str, str, datetime, str, str, float | None, float | None]],
) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "occurrence_id": pl.String,
            "offence_group": pl.String,
            "occurred_from": pl.Datetime("us"),
            "weapon": pl.String,
            "location_type": pl.String,
            "easting": pl.Float64,
            "northing": pl.Float64,
        },
        orient="row",
    ).with_columns(source=pl.lit("police"), area_code=pl.lit("A"))


def test_candidate_pairs_is_a_time_window_merge() -> None:
    ed = np.array([0.0, 600.0, np.nan])
    occ = np.array([5000.0, -121.0, -120.0, 30.0, 1440.0, 1441.0])
    a, o = candidate_pairs(ed, occ, (timedelta(hours=-2), timedelta(hours=24)))
    got = sorted(zip(a.tolist(), o.tolist(), strict=True))
    # attendance 0: -120, 30, 1440 (bounds included, -121 out); attendance 1 (480 .. 2040):
    # 1440 and 1441; the unknown time matches nothing
    assert got == [(0, 2), (0, 3), (0, 4), (1, 4), (1, 5)]


def test_greedy_and_optimal_assignment_differ_where_they_should() -> None:
    # a0-o0 0.9 is best; greedy takes it and leaves a1 alone. Optimal prefers
    # a0-o1 (0.8) + a1-o0 (0.8) = 1.6 > 0.9.
    a, o = np.array([0, 0, 1]), np.array([0, 1, 0])
    score = np.array([0.9, 0.8, 0.8])
    assert greedy_assignment(a, o, score, np.zeros(3)).tolist() == [True, False, False]
    assert optimal_assignment(a, o, score).tolist() == [False, True, True]


def test_match_frames_one_to_one_by_time_place_weapon() -> None:
    ed = _ed(
        [
            ("E1", T0, "sharp", "street", 1000.0, 1000.0),  # its own occurrence O1
            ("E2", T0 + timedelta(minutes=50), "sharp", "street", 1100.0, 1000.0),  # O1 taken
            ("E3", T0, "hitting_kicking", "street", 5000.0, 5000.0),  # O3 is 600 m away
            ("E4", T0, "hitting_kicking", "dwelling", None, None),  # unlocated: O4 (dwelling)
            ("E5", T0, "blunt", "dwelling", 9000.0, 9000.0),  # only a criminal damage there
        ]
    )
    occ = _occ(
        [
            ("O1", "gbh", T0 + timedelta(minutes=10), "sharp", "street", 1020.0, 1010.0),
            ("O3", "abh", T0, "hitting_kicking", "street", 5600.0, 5000.0),
            ("O4", "abh", T0 + timedelta(minutes=20), "hitting_kicking", "dwelling", None, None),
            ("O5", "criminal_damage", T0, "blunt", "dwelling", 9000.0, 9000.0),
        ]
    )
    matches = match_frames(ed, occ)
    assert dict(zip(matches["attendance_id"], matches["occurrence_id"], strict=True)) == {
        "E1": "O1",
        "E4": "O4",
    }
    e4 = matches.filter(pl.col("attendance_id") == "E4")
    assert e4["distance_m"].is_null().all()
    assert e4["minutes_apart"].item() == pytest.approx(20.0)
    # the unlocated pair scores lower than the located one
    assert e4["score"].item() < matches.filter(pl.col("attendance_id") == "E1")["score"].item()


def test_unlocated_pairs_need_compatible_location_types() -> None:
    ed = _ed([("E1", T0, "hitting_kicking", "dwelling", None, None)])
    occ = _occ([("O1", "abh", T0, "hitting_kicking", "street", None, None)])
    assert match_frames(ed, occ).is_empty()
    assert match_frames(ed, occ.with_columns(location_type=pl.lit("unknown"))).height == 1


def test_outside_the_window_no_match() -> None:
    ed = _ed([("E1", T0, "sharp", "street", 0.0, 0.0)])
    early = _occ([("O1", "gbh", T0 - timedelta(hours=3), "sharp", "street", 0.0, 0.0)])
    assert match_frames(ed, early).is_empty()
    wide = match_frames(ed, early, window=(timedelta(hours=-4), timedelta(hours=24)))
    assert wide["occurrence_id"].to_list() == ["O1"]
