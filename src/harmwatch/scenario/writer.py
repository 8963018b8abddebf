"""Write the scenario's files: CSV (in chunks, with faults), GeoJSON and JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import shapely

from harmwatch.scenario.faults import FaultPlan
from harmwatch.scenario.geography import Geography

__all__ = ["DATETIME_FORMAT", "write_areas", "write_csv", "write_json"]

DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
DATE_FORMAT = "%Y-%m-%d"
_CHUNK = 400_000


def _as_text(s: pl.Series) -> pl.Series:
    if s.dtype == pl.Datetime:
        return s.dt.to_string(DATETIME_FORMAT)
    if s.dtype == pl.Date:
        return s.dt.to_string(DATE_FORMAT)
    return s.cast(pl.String)


def write_csv(path: Path, frame: pl.DataFrame, plan: FaultPlan | None = None) -> int:
    """Write ``frame`` as UTF-8 CSV (rows in ``plan.order``, faults applied); return its rows."""
    order = plan.order if plan is not None else np.arange(frame.height)
    faults = plan.faults if plan is not None else []
    positions = np.array([f.position for f in faults], dtype=np.int64)
    with path.open("wb") as fh:
        for start in range(0, max(len(order), 1), _CHUNK):
            chunk = frame[order[start : start + _CHUNK]] if len(order) else frame.clear()
            lo, hi = np.searchsorted(positions, [start, start + _CHUNK])
            by_column: dict[str, list[tuple[int, str | None]]] = {}
            for f in faults[lo:hi]:
                if f.type != "duplicate_id":
                    by_column.setdefault(f.column, []).append((f.position - start, f.value))
            for column, edits in by_column.items():
                text = _as_text(chunk[column])
                text = text.scatter([i for i, _ in edits], [v for _, v in edits])
                chunk = chunk.with_columns(text.alias(column))
            chunk.write_csv(
                fh,
                include_header=start == 0,
                datetime_format=DATETIME_FORMAT,
                date_format=DATE_FORMAT,
            )
    return len(order)


def write_areas(path: Path, geo: Geography) -> int:
    """areas.geojson: a FeatureCollection in EPSG:27700 with the contract's properties."""
    geometries = shapely.to_geojson(geo.polygons)
    features = [
        {
            "type": "Feature",
            "properties": {
                "area_code": geo.codes[i],
                "area_name": geo.names[i],
                "population": int(geo.population[i]),
                "parent_code": geo.district_codes[int(geo.district[i])],
            },
            "geometry": json.loads(str(geometries[i])),
        }
        for i in range(len(geo))
    ]
    collection = {
        "type": "FeatureCollection",
        "name": "areas",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}},
        "features": features,
    }
    path.write_text(json.dumps(collection, separators=(",", ":")), encoding="utf-8")
    return len(features)


def write_json(path: Path, payload: Any) -> None:
    """Write ``payload`` as indented UTF-8 JSON."""
    indent = 1 if len(payload.get("faults", ())) < 20_000 else None  # big truth: compact
    path.write_text(json.dumps(payload, indent=indent, ensure_ascii=False), encoding="utf-8")
