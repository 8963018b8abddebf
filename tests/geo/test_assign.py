"""Tests of harmwatch.geo.assign."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest
import shapely
from sqlalchemy import Connection, Engine, insert, select

from harmwatch.geo.assign import AreaIndex, reassign_area_codes
from harmwatch.store.schema import extracts, kind_tables

#: Two 1 km squares side by side and a third one apart.
SQUARES = {
    "A": shapely.box(530_000, 180_000, 531_000, 181_000),
    "B": shapely.box(531_000, 180_000, 532_000, 181_000),
    "C": shapely.box(540_000, 180_000, 541_000, 181_000),
}


@pytest.fixture
def index() -> AreaIndex:
    return AreaIndex(list(SQUARES), list(SQUARES.values()))


def test_assigns_points_inside_squares(index: AreaIndex) -> None:
    codes = index.assign(
        np.array([530_500.0, 531_500.0, 540_001.0, 535_000.0, 0.0]),
        np.array([180_500.0, 180_999.0, 180_001.0, 180_500.0, 0.0]),
    )
    assert codes.dtype == object
    assert codes.tolist() == ["A", "B", "C", None, None]


def test_nan_points_get_none(index: AreaIndex) -> None:
    codes = index.assign(np.array([np.nan, 530_500.0, 530_500.0]), [180_500.0, np.nan, 180_500.0])
    assert codes.tolist() == [None, None, "A"]


def test_boundary_point_goes_to_first_area(index: AreaIndex) -> None:
    shared = index.assign([531_000.0, 531_000.0], [180_500.0, 181_000.0])
    assert shared.tolist() == ["A", "A"]
    reversed_index = AreaIndex(["B", "A"], [SQUARES["B"], SQUARES["A"]])
    assert reversed_index.assign([531_000.0], [180_500.0]).tolist() == ["B"]


def test_missing_geometries_are_left_out_and_empty_index_assigns_nothing() -> None:
    index = AreaIndex(["A", "X", "Y"], [SQUARES["A"], None, shapely.Polygon()])
    assert len(index) == 1
    assert index.codes.tolist() == ["A"]
    empty = AreaIndex([], [])
    assert empty.assign([530_500.0], [180_500.0]).tolist() == [None]
    assert index.assign(np.array([]), np.array([])).tolist() == []


def test_mismatched_inputs_raise() -> None:
    with pytest.raises(ValueError, match="one geometry per code"):
        AreaIndex(["A", "B"], [SQUARES["A"]])
    with pytest.raises(ValueError, match="same length"):
        AreaIndex(["A"], [SQUARES["A"]]).assign([1.0, 2.0], [1.0])


# -- against a store ---------------------------------------------------------


def add_extract(connection: Connection, kind: str) -> int:
    """Insert an ``extracts`` row (every kind row needs one) and return its id."""
    result = connection.execute(
        insert(extracts).values(
            kind=kind,
            source="test",
            file_name=f"{kind}.csv",
            sha256="0" * 64,
            loaded_at=datetime(2024, 1, 1),
            rows_read=0,
            rows_loaded=0,
            rows_updated=0,
            rows_unchanged=0,
            rows_quarantined=0,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _add_areas(connection: Connection, extract_id: int) -> None:
    areas = kind_tables["areas"]
    connection.execute(
        insert(areas),
        [
            {
                "source": "ons",
                "area_code": code,
                "area_name": f"Area {code}",
                "population": 1000,
                "geometry": shapely.to_geojson(geometry),
                "centroid_easting": geometry.centroid.x,
                "centroid_northing": geometry.centroid.y,
                "area_km2": geometry.area / 1e6,
                "extract_id": extract_id,
                "row_hash": "0" * 32,
            }
            for code, geometry in SQUARES.items()
        ],
    )
    connection.execute(
        insert(areas).values(
            source="ons", area_code="NOGEOM", extract_id=extract_id, row_hash="0" * 32
        )
    )


#: occurrence_id -> (easting, northing, area_code as loaded, area_code expected after)
OCCURRENCES: dict[str, tuple[float | None, float | None, str | None, str | None]] = {
    "in-a-no-code": (530_500.0, 180_500.0, None, "A"),
    "in-b-wrong-code": (531_500.0, 180_500.0, "A", "B"),
    "in-c-right-code": (540_500.0, 180_500.0, "C", "C"),
    "outside-all": (600_000.0, 300_000.0, "A", None),
    "no-location": (None, None, "Z99", "Z99"),
}


def _add_occurrences(connection: Connection, extract_id: int) -> None:
    rows = [
        {
            "source": "police",
            "occurrence_id": occurrence_id,
            "kind": "crime",
            "offence_group": "gbh",
            "occurred_from": datetime(2024, 3, 1, 22, 15),
            "easting": easting,
            "northing": northing,
            "area_code": given,
            "extract_id": extract_id,
            "row_hash": "0" * 32,
        }
        for occurrence_id, (easting, northing, given, _) in OCCURRENCES.items()
    ]
    connection.execute(insert(kind_tables["police_occurrences"]), rows)


def _codes(connection: Connection) -> dict[str, str | None]:
    table = kind_tables["police_occurrences"]
    rows = connection.execute(select(table.c.occurrence_id, table.c.area_code)).all()
    return {r.occurrence_id: r.area_code for r in rows}


def test_area_index_from_store(store_engine: Engine) -> None:
    with store_engine.begin() as connection:
        _add_areas(connection, add_extract(connection, "areas"))
    with store_engine.connect() as connection:
        index = AreaIndex.from_store(connection)
    assert index.codes.tolist() == ["A", "B", "C"]
    assert index.assign([531_500.0], [180_500.0]).tolist() == ["B"]


def test_reassign_area_codes(store_engine: Engine) -> None:
    with store_engine.begin() as connection:
        _add_areas(connection, add_extract(connection, "areas"))
        _add_occurrences(connection, add_extract(connection, "police_occurrences"))

    with store_engine.begin() as connection:
        changed = reassign_area_codes(connection)
    assert changed == {
        "police_occurrences": 3,
        "deaths": 0,
        "ed_assaults": 0,
        "institutions": 0,
    }
    with store_engine.connect() as connection:
        assert _codes(connection) == {k: v[3] for k, v in OCCURRENCES.items()}

    with store_engine.begin() as connection:  # idempotent: nothing left to change
        assert reassign_area_codes(connection)["police_occurrences"] == 0


def test_reassign_without_areas_changes_nothing(store_engine: Engine) -> None:
    with store_engine.begin() as connection:
        _add_occurrences(connection, add_extract(connection, "police_occurrences"))
    with store_engine.begin() as connection:
        assert set(reassign_area_codes(connection).values()) == {0}
    with store_engine.connect() as connection:
        assert _codes(connection) == {k: v[2] for k, v in OCCURRENCES.items()}
