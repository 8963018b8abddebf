"""Tests of harmwatch.geo.coordinates.

Accuracy: PROJ here uses the Helmert transformation (no OSTN15 grid), good to
about 2 m in Great Britain, so comparisons with Ordnance Survey (OSTN) values
allow 5 m; round trips through PROJ are exact to well under 1 mm.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from harmwatch.geo.coordinates import (
    bng_to_wgs84,
    complete_locations,
    describe_transformation,
    location_errors,
    wgs84_to_bng,
)

HELMERT_TOLERANCE_M = 5.0
#: Ordnance Survey's worked example: grid reference TR 143 599 and its ETRS89
#: (= WGS84 to well under 1 m) latitude/longitude, converted with OSTN.
OS_POINT_BNG = (614_300.0, 159_900.0)
OS_POINT_WGS84 = (51.297880, 1.072628)

LOCATION = {"easting": pl.Float64, "northing": pl.Float64, "lat": pl.Float64, "lon": pl.Float64}


def _metres_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    north = (lat2 - lat1) * 111_200.0
    east = (lon2 - lon1) * 111_200.0 * math.cos(math.radians(lat1))
    return math.hypot(north, east)


def test_wgs84_to_bng_matches_ordnance_survey_within_helmert_accuracy() -> None:
    e, n = wgs84_to_bng(np.array([OS_POINT_WGS84[0]]), np.array([OS_POINT_WGS84[1]]))
    distance = math.hypot(e[0] - OS_POINT_BNG[0], n[0] - OS_POINT_BNG[1])
    assert distance < HELMERT_TOLERANCE_M


def test_bng_to_wgs84_matches_ordnance_survey_within_helmert_accuracy() -> None:
    lat, lon = bng_to_wgs84(np.array([OS_POINT_BNG[0]]), np.array([OS_POINT_BNG[1]]))
    assert _metres_between(lat[0], lon[0], *OS_POINT_WGS84) < HELMERT_TOLERANCE_M


def test_nelsons_column_lies_in_its_grid_square() -> None:
    # Nelson's Column, 51.5077 N 0.1279 W, is in the 100 m square TQ 300 804.
    e, n = wgs84_to_bng(51.5077, -0.1279)
    assert e.shape == ()  # scalars in, 0-d arrays out
    assert 530_000 <= e < 530_100
    assert 180_400 <= n < 180_500
    lat, lon = bng_to_wgs84(e, n)
    assert float(lat) == pytest.approx(51.5077, abs=1e-7)
    assert float(lon) == pytest.approx(-0.1279, abs=1e-7)


def test_round_trip_within_a_centimetre_over_the_whole_grid() -> None:
    # The whole grid, sea included: one transformation everywhere, so no jump
    # to PROJ's "ballpark" (~130 m off) outside the Helmert's area of use.
    rng = np.random.default_rng(1)
    easting = rng.uniform(0, 700_000, 2_000)
    northing = rng.uniform(0, 1_300_000, 2_000)
    lat, lon = bng_to_wgs84(easting, northing)
    e2, n2 = wgs84_to_bng(lat, lon)
    np.testing.assert_allclose(e2, easting, rtol=0, atol=0.01)
    np.testing.assert_allclose(n2, northing, rtol=0, atol=0.01)


def test_nan_in_gives_nan_out_and_leaves_other_points() -> None:
    e, n = wgs84_to_bng(np.array([51.5077, np.nan, 51.5]), np.array([-0.1279, -0.1, np.nan]))
    assert np.isfinite(e[0]) and np.isfinite(n[0])
    assert np.isnan(e[1:]).all() and np.isnan(n[1:]).all()
    lat, lon = bng_to_wgs84(np.array([np.nan, 530_000.0]), np.array([180_000.0, np.nan]))
    assert np.isnan(lat).all() and np.isnan(lon).all()


def test_empty_arrays() -> None:
    e, n = wgs84_to_bng(np.array([]), np.array([]))
    assert e.shape == (0,) and n.shape == (0,)


def test_describe_transformation_names_the_grid() -> None:
    assert "British National Grid" in describe_transformation()


def test_complete_locations_fills_the_missing_pair() -> None:
    frame = pl.DataFrame(
        {
            "id": ["bng", "wgs", "both", "none", "half"],
            "easting": [530_021.0, None, 1.0, None, 530_021.0],
            "northing": [180_413.0, None, 2.0, None, None],
            "lat": [None, 51.5077, 3.0, None, None],
            "lon": [None, -0.1279, 4.0, None, None],
        },
        schema_overrides=LOCATION,
    )
    out = complete_locations(frame)
    assert out.columns == frame.columns
    rows = {r["id"]: r for r in out.iter_rows(named=True)}
    assert rows["bng"]["lat"] == pytest.approx(51.5077, abs=1e-4)
    assert rows["bng"]["lon"] == pytest.approx(-0.1279, abs=1e-4)
    assert rows["wgs"]["easting"] == pytest.approx(530_021.0, abs=1.0)
    assert rows["wgs"]["northing"] == pytest.approx(180_413.0, abs=1.0)
    assert (rows["both"]["easting"], rows["both"]["lat"]) == (1.0, 3.0)  # both given: kept
    assert all(rows["none"][c] is None for c in LOCATION)
    assert rows["half"]["northing"] is None and rows["half"]["lat"] is None
    assert dict(out.select(list(LOCATION)).schema) == LOCATION


def test_complete_locations_adds_absent_columns_and_treats_nan_as_null() -> None:
    frame = pl.DataFrame({"lat": [51.5077, float("nan")], "lon": [-0.1279, float("nan")]})
    out = complete_locations(frame)
    assert out.get_column("easting").null_count() == 1
    assert out.get_column("lat").null_count() == 1
    assert out["easting"][0] == pytest.approx(530_021.0, abs=1.0)


def _errors(**columns: list[float | None]) -> list[tuple[int, str, str, str]]:
    height = len(next(iter(columns.values())))
    frame = pl.DataFrame(
        {"__row": list(range(2, height + 2)), **columns},
        schema_overrides={k: v for k, v in LOCATION.items() if k in columns},
    )
    result = location_errors(frame)
    assert dict(result.schema) == {
        "__row": pl.Int64,
        "column": pl.String,
        "value": pl.String,
        "reason": pl.String,
    }
    return list(result.iter_rows())


def test_location_errors_half_given_pairs() -> None:
    errors = _errors(
        easting=[530_000.0, None, None, None],
        northing=[None, 180_000.0, None, None],
        lat=[None, None, 51.5, None],
        lon=[None, None, None, -0.1],
    )
    assert errors == [
        (2, "easting", "530000", "easting given without northing"),
        (3, "northing", "180000", "northing given without easting"),
        (4, "lat", "51.5", "lat given without lon"),
        (5, "lon", "-0.1", "lon given without lat"),
    ]


def test_location_errors_out_of_range() -> None:
    errors = _errors(
        easting=[-1.0, 800_000.0, 530_000.0],
        northing=[100.0, 1_400_000.0, 180_000.0],
        lat=[None, None, 0.0],
        lon=[None, None, 10.5],
    )
    assert [(r, c, v) for r, c, v, _ in errors] == [
        (2, "easting", "-1"),
        (3, "easting", "800000"),
        (3, "northing", "1400000"),
        (4, "lat", "0"),
        (4, "lon", "10.5"),
    ]
    assert errors[0][3] == "easting outside the British National Grid (0 to 700000)"
    assert errors[3][3] == "lat outside the United Kingdom (49 to 61)"


def test_location_errors_pairs_disagreeing_by_more_than_a_kilometre() -> None:
    e, n = (float(v) for v in wgs84_to_bng(51.5077, -0.1279))
    errors = _errors(
        easting=[e, e + 900.0, e + 2_000.0],
        northing=[n] * 3,
        lat=[51.5077] * 3,
        lon=[-0.1279] * 3,
    )
    assert len(errors) == 1
    row, column, value, reason = errors[0]
    assert (row, column, value) == (4, "lat", "51.5077, -0.1279")
    assert reason.startswith("lat/lon is 2000 m from easting/northing")


def test_location_errors_none_for_good_or_missing_locations() -> None:
    assert _errors(easting=[530_000.0, None], northing=[180_000.0, None]) == []
    assert location_errors(pl.DataFrame({"__row": []}, schema={"__row": pl.Int64})).height == 0


def test_location_errors_numbers_rows_when_frame_has_no_row_column() -> None:
    frame = pl.DataFrame({"easting": [1.0, 2.0]}, schema={"easting": pl.Float64})
    assert location_errors(frame).get_column("__row").to_list() == [2, 3]
