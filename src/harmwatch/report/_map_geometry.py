"""Map geometry: areas read from GeoJSON, WKT or shapely, written as compact SVG paths.

Areas come as the store keeps them (GeoJSON geometry text in British National
Grid metres, Polygon or MultiPolygon), or as WKT or shapely geometries;
:func:`read_areas` reads them, :func:`geom_path` writes a (projected, simplified)
geometry as relative path data at 0.1 px precision, so a 300-area map stays
small. Used by :func:`harmwatch.report.maps.choropleth`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

__all__ = ["as_geometry", "geom_path", "read_areas", "ring_path"]


def as_geometry(value: object) -> Any:
    """A shapely geometry from GeoJSON text or mapping, WKT, or a geometry."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        return shapely.from_geojson(text) if text.startswith("{") else shapely.from_wkt(text)
    if isinstance(value, Mapping):
        return shapely.from_geojson(json.dumps(value))
    if isinstance(value, shapely.Geometry):
        return value
    raise TypeError(f"cannot read a geometry from {type(value).__name__}")


def read_areas(areas: Any) -> tuple[list[str], list[Any], dict[str, str]]:
    """Codes, geometries and names from a mapping, a list of dicts or a DataFrame."""
    names: dict[str, str] = {}
    if hasattr(areas, "to_dicts"):
        areas = areas.to_dicts()
    if isinstance(areas, Mapping):
        codes = [str(k) for k in areas]
        geoms = [as_geometry(v) for v in areas.values()]
        return codes, geoms, names
    codes, geoms = [], []
    for row in areas:
        code = str(row["area_code"])
        codes.append(code)
        geoms.append(as_geometry(row.get("geometry")))
        if row.get("area_name"):
            names[code] = str(row["area_name"])
    return codes, geoms, names


def _tenths(v: int) -> str:
    s = f"{v / 10:.1f}"
    return s[:-2] if s.endswith(".0") else s


def ring_path(coords: npt.NDArray[np.float64]) -> str:
    """Compact relative path data (0.1 px precision) for one closed ring in px."""
    q = np.round(coords * 10).astype(np.int64)
    if len(q) > 1 and (q[0] == q[-1]).all():
        q = q[:-1]
    d = np.diff(q, axis=0)
    d = d[(d != 0).any(axis=1)]
    if len(d) < 2:
        return ""
    tokens = [_tenths(int(t)) for t in d.ravel()]
    body = tokens[0]
    for t in tokens[1:]:
        body += t if t.startswith("-") else " " + t
    return f"M{_tenths(int(q[0, 0]))} {_tenths(int(q[0, 1]))}l{body}z"


def geom_path(geom: Any) -> str:
    """Path data for every ring (exterior and holes) of a (Multi)Polygon in px."""
    parts: list[str] = []
    for poly in shapely.get_parts(geom):
        if shapely.get_type_id(poly) != shapely.GeometryType.POLYGON:
            continue
        holes = int(shapely.get_num_interior_rings(poly))
        rings = [shapely.get_exterior_ring(poly)] + [
            shapely.get_interior_ring(poly, i) for i in range(holes)
        ]
        parts.extend(ring_path(shapely.get_coordinates(r)) for r in rings)
    return "".join(parts)
