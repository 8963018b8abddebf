"""Determinism, file layout and columns of generated scenarios."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harmwatch.contract import KINDS
from harmwatch.errors import HarmWatchError
from harmwatch.scenario import FILE_NAMES, generate_scenario

DATA_KINDS = ("police_occurrences", "police_people", "deaths", "ed_assaults", "council_referrals")
#: Columns written that the contract does not list (documented in institutions.py).
EXTRAS = {"institutions": {"site_code"}}


def _digests(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_seed_gives_identical_files(small: Any, tmp_path: Path) -> None:
    again = generate_scenario(tmp_path, seed=7, scale="small")
    assert _digests(again.out_dir) == _digests(small.result.out_dir)


def test_different_seeds_differ(small: Any, tmp_path: Path) -> None:
    other = generate_scenario(tmp_path, seed=8, scale="small")
    for kind in DATA_KINDS:
        assert other.files[kind].read_bytes() != small.result.files[kind].read_bytes()


def test_result_lists_every_file(small: Any) -> None:
    r = small.result
    assert r.scale == "small" and r.seed == 7
    assert set(r.files) == set(FILE_NAMES)
    for kind, path in r.files.items():
        assert path.name == FILE_NAMES[kind] and path.exists()
        assert r.counts[kind] > 0
    assert r.truth_path.name == "truth.json"
    assert small.truth["counts"] == r.counts


def test_unknown_scale_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(HarmWatchError, match="unknown scale"):
        generate_scenario(tmp_path, scale="galactic")  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", [*DATA_KINDS, "institutions"])
def test_columns_follow_the_contract(small: Any, kind: str) -> None:
    header = small.read(kind).columns
    spec = KINDS[kind]
    assert set(spec.required_columns) <= set(header)
    assert set(header) - set(spec.column_names) == EXTRAS.get(kind, set())
    # Contract order, for the contract's own columns.
    own = [c for c in header if c in spec.column_names]
    assert own == [c for c in spec.column_names if c in own]


def test_row_counts_match_files(small: Any) -> None:
    for kind in [*DATA_KINDS, "institutions"]:
        assert small.read(kind).height == small.result.counts[kind]


def test_areas_geojson(small: Any) -> None:
    import shapely

    doc = json.loads(small.result.files["areas"].read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection"
    assert "27700" in doc["crs"]["properties"]["name"]
    features = doc["features"]
    assert len(features) == 30
    props = [f["properties"] for f in features]
    assert {"area_code", "area_name", "population", "parent_code"} <= set(props[0])
    assert len({p["area_code"] for p in props}) == len(props)
    assert 40_000 < sum(p["population"] for p in props) < 80_000
    assert all(f["geometry"]["type"] == "Polygon" for f in features)
    polys = [shapely.geometry.shape(f["geometry"]) for f in features]
    assert all(p.is_valid for p in polys)
    minx, miny, maxx, maxy = shapely.total_bounds(polys)
    assert 130_000 < minx < maxx < 660_000 and 10_000 < miny < maxy < 660_000
    # A tessellation: no overlaps.
    union = shapely.union_all(polys)
    assert union.area == pytest.approx(sum(p.area for p in polys), rel=1e-6)
