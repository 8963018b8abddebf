"""Every row is valid except the planted malformed rows, which fail exactly as truth.json says."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pytest
import shapely
from pyproj import Transformer

DATA_KINDS = ("police_occurrences", "police_people", "deaths", "ed_assaults", "council_referrals")


@pytest.mark.parametrize("kind", DATA_KINDS)
def test_malformed_rows_are_exactly_the_listed_faults(small: Any, checks: Any, kind: str) -> None:
    listed = {
        (f["row"], f["type"], f["column"]) for f in small.truth["faults"] if f["kind"] == kind
    }
    found = checks.find_problems(kind, small.read(kind))
    assert found == listed
    rows = small.result.counts[kind]
    assert 0.004 * rows <= len(listed) <= 0.02 * rows + 6


def test_every_fault_type_is_planted(small: Any) -> None:
    types = {f["type"] for f in small.truth["faults"]}
    assert types == {
        "unknown_category",
        "impossible_date",
        "future_date",
        "missing_required",
        "bad_nhs_checksum",
        "duplicate_id",
    }
    for f in small.truth["faults"]:
        assert f["file"] == small.result.files[f["kind"]].name
        assert f["row"] >= 2


def test_fault_values_are_in_the_files(small: Any) -> None:
    for f in small.truth["faults"]:
        frame = small.read(f["kind"])
        value = frame[f["column"]][f["row"] - 2]
        assert value == f["value"]


@pytest.mark.parametrize("kind", ["police_people", "deaths", "council_referrals"])
def test_nhs_numbers_are_valid(small: Any, checks: Any, kind: str) -> None:
    bad = {f["row"] for f in small.truth["faults"] if f["kind"] == kind}
    frame = small.read(kind).with_row_index("_row", offset=2)
    values = frame.filter(pl.col("nhs_number").is_not_null() & ~pl.col("_row").is_in(list(bad)))
    assert values.height > 0
    assert all(checks.nhs_valid(v) for v in values["nhs_number"])


def _areas(small: Any) -> dict[str, Any]:
    import json

    doc = json.loads(small.result.files["areas"].read_text(encoding="utf-8"))
    return {
        f["properties"]["area_code"]: shapely.geometry.shape(f["geometry"]) for f in doc["features"]
    }


@pytest.mark.parametrize("kind", ["police_occurrences", "deaths", "ed_assaults", "institutions"])
def test_points_lie_in_their_areas(small: Any, kind: str) -> None:
    areas = _areas(small)
    frame = small.read(kind).filter(pl.col("area_code").is_not_null())
    grid = frame.filter(pl.col("easting").is_not_null())
    assert grid.height > 0
    polys = np.array([areas[c] for c in grid["area_code"]])
    x = grid["easting"].cast(pl.Float64).to_numpy()
    y = grid["northing"].cast(pl.Float64).to_numpy()
    assert shapely.contains_xy(polys, x, y).all()
    wgs = frame.filter(pl.col("lat").is_not_null())
    if kind != "institutions":
        assert (
            wgs.height > 0
            and frame.filter(pl.col("lat").is_null() & pl.col("easting").is_null()).height > 0
        )
    back = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    ex, ny = back.transform(
        wgs["lon"].cast(pl.Float64).to_numpy(), wgs["lat"].cast(pl.Float64).to_numpy()
    )
    polys = np.array([areas[c] for c in wgs["area_code"]])
    assert (shapely.distance(polys, shapely.points(ex, ny)) < 1.0).all()


def test_person_truth_covers_every_person_record(small: Any) -> None:
    links = pl.read_csv(small.path(small.truth["person_ids_file"]), infer_schema=False)
    assert links.height == small.truth["person_links"]
    for kind, id_col in [
        ("police_people", "involvement_id"),
        ("deaths", "death_id"),
        ("council_referrals", "referral_id"),
    ]:
        ids = set(small.read(kind)[id_col])
        linked = set(links.filter(pl.col("kind") == kind)["record_id"])
        assert ids == linked
    assert links["person_id"].str.contains(r"^P\d{8}$").all()
