"""Tests of harmwatch.geo.areas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import shapely

from harmwatch.errors import InputFileError
from harmwatch.geo.areas import area_geometry_errors, areas_from_frame, read_areas_geojson
from harmwatch.geo.coordinates import bng_to_wgs84, wgs84_to_bng

EXPECTED_SCHEMA = {
    "__row": pl.Int64,
    "area_code": pl.String,
    "area_name": pl.String,
    "population": pl.String,
    "parent_code": pl.String,
    "geometry": pl.String,
    "centroid_easting": pl.Float64,
    "centroid_northing": pl.Float64,
    "area_km2": pl.Float64,
}


def square(x: float, y: float, size: float) -> dict[str, Any]:
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(properties: dict[str, Any] | None, geometry: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def collection(*features: dict[str, Any], **members: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", **members, "features": list(features)}


def test_reads_bng_feature_collection(tmp_path: Path) -> None:
    path = write(
        tmp_path / "areas.geojson",
        collection(
            feature(
                {"AREA_CODE": "E01", "Area_Name": "One", "population": 1500, "ward": "W1"},
                square(530_000, 180_000, 1_000),
            ),
            feature(
                {"area_code": "E02", "population": "2000", "parent_code": "LA1"},
                {
                    "type": "MultiPolygon",
                    "coordinates": [
                        square(531_000, 180_000, 1_000)["coordinates"],
                        square(533_000, 180_000, 1_000)["coordinates"],
                    ],
                },
            ),
        ),
    )
    frame = read_areas_geojson(path)
    assert {k: frame.schema[k] for k in EXPECTED_SCHEMA} == EXPECTED_SCHEMA
    assert frame.get_column("__row").to_list() == [2, 3]
    assert frame.get_column("area_code").to_list() == ["E01", "E02"]
    assert frame.get_column("area_name").to_list() == ["One", None]
    assert frame.get_column("population").to_list() == ["1500", "2000"]
    assert frame.get_column("parent_code").to_list() == [None, "LA1"]
    assert frame.get_column("ward").to_list() == ["W1", None]  # extra property kept
    first, second = frame.iter_rows(named=True)
    assert (first["centroid_easting"], first["centroid_northing"]) == (530_500.0, 180_500.0)
    assert first["area_km2"] == pytest.approx(1.0)
    assert second["area_km2"] == pytest.approx(2.0)
    assert second["centroid_easting"] == pytest.approx(532_500.0)
    geometry = shapely.from_geojson(first["geometry"])
    assert shapely.equals(geometry, shapely.box(530_000, 180_000, 531_000, 181_000))
    assert area_geometry_errors(frame).height == 0


def _wgs84_square() -> tuple[dict[str, Any], shapely.Geometry]:
    """A 1 km square in BNG, given in WGS84 (its corners converted)."""
    xs = [530_000.0, 531_000.0, 531_000.0, 530_000.0, 530_000.0]
    ys = [180_000.0, 180_000.0, 181_000.0, 181_000.0, 180_000.0]
    lat, lon = bng_to_wgs84(xs, ys)
    ring = [[float(a), float(b)] for a, b in zip(lon, lat, strict=True)]
    bng = shapely.Polygon(list(zip(xs, ys, strict=True)))
    return {"type": "Polygon", "coordinates": [ring]}, bng


@pytest.mark.parametrize(
    "members",
    [{}, {"crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}}],
    ids=["detected-from-ranges", "crs-member"],
)
def test_reads_wgs84_feature_collection_into_bng(tmp_path: Path, members: dict[str, Any]) -> None:
    geometry, expected = _wgs84_square()
    path = write(
        tmp_path / "areas.geojson",
        collection(feature({"area_code": "E01"}, geometry), **members),
    )
    frame = read_areas_geojson(path)
    row = frame.row(0, named=True)
    stored = shapely.from_geojson(row["geometry"])
    assert shapely.hausdorff_distance(stored, expected) < 0.01
    assert row["centroid_easting"] == pytest.approx(530_500.0, abs=0.01)
    assert row["centroid_northing"] == pytest.approx(180_500.0, abs=0.01)
    assert row["area_km2"] == pytest.approx(1.0, rel=1e-6)


def test_crs_member_naming_bng(tmp_path: Path) -> None:
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}}
    path = write(
        tmp_path / "a.geojson",
        collection(feature({"area_code": "A"}, square(100, 100, 10)), crs=crs),
    )
    # Tiny coordinates would look like degrees, but the crs member says BNG.
    assert read_areas_geojson(path)["area_km2"][0] == pytest.approx(1e-4)


def test_unsupported_crs_raises(tmp_path: Path) -> None:
    crs = {"type": "name", "properties": {"name": "EPSG:3857"}}
    path = write(tmp_path / "a.geojson", collection(crs=crs))
    with pytest.raises(InputFileError, match="3857"):
        read_areas_geojson(path)


def test_invalid_geometries_are_reported_not_raised(tmp_path: Path) -> None:
    bow_tie = {
        "type": "Polygon",
        "coordinates": [[[0, 0], [1000, 1000], [1000, 0], [0, 1000], [0, 0]]],
    }
    path = write(
        tmp_path / "areas.geojson",
        collection(
            feature({"area_code": "OK"}, square(530_000, 180_000, 1_000)),
            feature({"area_code": "POINT"}, {"type": "Point", "coordinates": [530_000, 180_000]}),
            feature({"area_code": "EMPTY"}, {"type": "Polygon", "coordinates": []}),
            feature({"area_code": "BAD"}, {"type": "Polygon", "coordinates": "nonsense"}),
            feature({"area_code": "NOTOBJ"}, "POLYGON ((0 0, 1 0, 1 1, 0 0))"),
            feature({"area_code": "NONE"}, None),
            feature({"area_code": "BOWTIE"}, bow_tie),
        ),
    )
    frame = read_areas_geojson(path)
    assert frame.height == 7
    geometry = dict(zip(frame["area_code"], frame["geometry"], strict=True))
    assert geometry["OK"] is not None
    assert geometry["BOWTIE"] is not None  # self-intersection repaired
    assert all(geometry[c] is None for c in ("POINT", "EMPTY", "BAD", "NOTOBJ", "NONE"))
    assert frame.filter(pl.col("area_code") == "BOWTIE")["area_km2"][0] == pytest.approx(0.5)

    errors = area_geometry_errors(frame)
    assert errors.schema == pl.Schema(
        {"__row": pl.Int64, "column": pl.String, "value": pl.String, "reason": pl.String}
    )
    assert errors.get_column("__row").to_list() == [3, 4, 5, 6]
    assert set(errors.get_column("column")) == {"geometry"}
    reasons = errors.get_column("reason").to_list()
    assert reasons[0] == "geometry is a Point, not a Polygon or MultiPolygon"
    assert reasons[1] == "geometry is empty"
    assert reasons[2].startswith("geometry cannot be read")
    assert reasons[3].startswith("geometry cannot be read")
    assert '"Point"' in errors.get_column("value")[0]


def test_geometry_outside_the_grid_is_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path / "a.geojson",
        collection(feature({"area_code": "FAR"}, square(-50_000, 2_000_000, 1_000))),
    )
    frame = read_areas_geojson(path)
    assert frame["geometry"][0] is None
    assert area_geometry_errors(frame)["reason"].to_list() == [
        "geometry lies outside the British National Grid"
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("area_code,name\nE01,One\n", "not a GeoJSON file"),
        ("[1, 2, 3]", "not a GeoJSON file"),
        (json.dumps(feature({"area_code": "A"}, square(0, 0, 1))), "not a FeatureCollection"),
        (json.dumps({"type": "FeatureCollection"}), "no 'features' list"),
        (json.dumps(collection({"type": "Point", "coordinates": [0, 0]})), "row 2"),
    ],
    ids=["csv", "json-array", "feature", "no-features", "not-a-feature"],
)
def test_not_a_feature_collection_raises_naming_the_file(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "areas.geojson"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputFileError, match=message) as raised:
        read_areas_geojson(path)
    assert raised.value.path == str(path)
    assert str(path) in str(raised.value)


def test_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="file not found"):
        read_areas_geojson(tmp_path / "nowhere.geojson")


def test_empty_feature_collection(tmp_path: Path) -> None:
    frame = read_areas_geojson(write(tmp_path / "a.geojson", collection()))
    assert frame.height == 0
    assert {k: frame.schema[k] for k in EXPECTED_SCHEMA} == EXPECTED_SCHEMA


def test_feature_id_stands_in_for_area_code(tmp_path: Path) -> None:
    data = collection({"type": "Feature", "id": "E09", "properties": None, "geometry": None})
    frame = read_areas_geojson(write(tmp_path / "a.geojson", data))
    assert frame["area_code"].to_list() == ["E09"]
    assert area_geometry_errors(frame).height == 0  # no geometry is not an error


def test_areas_from_frame_with_wkt() -> None:
    lat, lon = bng_to_wgs84([530_000.0, 531_000.0], [180_000.0, 181_000.0])
    wgs_box = shapely.box(float(lon[0]), float(lat[0]), float(lon[1]), float(lat[1]))
    frame = pl.DataFrame(
        {
            "__row": [2, 3, 4, 5],
            "Area_Code": ["A", "B", "C", "D"],
            "population": ["10", "20", "30", "40"],
            "WKT": [
                "POLYGON ((530000 180000, 531000 180000, 531000 181000, 530000 181000, "
                "530000 180000))",
                "not wkt",
                "",
                None,
            ],
        }
    )
    out = areas_from_frame(frame)
    assert {k: out.schema[k] for k in EXPECTED_SCHEMA} == EXPECTED_SCHEMA
    assert "WKT" not in out.columns and "wkt" not in out.columns
    assert out["area_code"].to_list() == ["A", "B", "C", "D"]
    assert out["area_km2"][0] == pytest.approx(1.0)
    assert out["centroid_easting"][0] == pytest.approx(530_500.0)
    assert out["geometry"].to_list()[1:] == [None, None, None]
    errors = area_geometry_errors(out)
    reason = "geometry cannot be read as WKT or GeoJSON"
    assert errors.rows() == [(3, "geometry", "not wkt", reason)]

    wgs = areas_from_frame(pl.DataFrame({"area_code": ["W"], "geometry": [wgs_box.wkt]}))
    e, n = wgs84_to_bng(wgs_box.centroid.y, wgs_box.centroid.x)
    assert wgs["centroid_easting"][0] == pytest.approx(float(e), abs=5.0)
    assert wgs["centroid_northing"][0] == pytest.approx(float(n), abs=5.0)


def test_areas_from_frame_without_geometry() -> None:
    out = areas_from_frame(pl.DataFrame({"area_code": ["A", "B"], "area_name": ["x", "y"]}))
    assert out["__row"].to_list() == [2, 3]
    assert out["geometry"].null_count() == 2
    assert out["area_km2"].null_count() == 2
    assert out["population"].null_count() == 2
    assert area_geometry_errors(out).height == 0
