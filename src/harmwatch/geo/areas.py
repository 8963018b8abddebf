"""Reading small areas (reference data ``areas``) from GeoJSON or from a table with WKT.

Both readers return the same frame: string columns ``area_code``,
``area_name``, ``population``, ``parent_code`` and ``geometry`` (GeoJSON
geometry text in British National Grid, as the store keeps it), ``__row``
(Int64, the spreadsheet-style row number: the first feature or data row is
row 2), Float64 ``centroid_easting``, ``centroid_northing`` and ``area_km2``,
any extra properties as strings, and two bookkeeping columns,
:data:`GEOMETRY_VALUE_COLUMN` and :data:`GEOMETRY_ERROR_COLUMN`, from which
:func:`area_geometry_errors` reports geometries that could not be used.

A geometry that cannot be used (unreadable, empty, not a polygon, outside
Great Britain) does not stop the read: its row keeps ``geometry`` null and
the problem is reported, so the loader can quarantine just that row.
Self-intersecting polygons, common in generalised boundary files, are
repaired with GEOS ``MakeValid`` rather than refused.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl
import shapely

from harmwatch.errors import InputFileError
from harmwatch.geo._frames import (
    ERROR_SCHEMA,
    ROW_COLUMN,
    ObjectArray,
    empty_errors,
    float_series,
    row_numbers,
)
from harmwatch.geo.coordinates import (
    BNG_EASTING_RANGE,
    BNG_NORTHING_RANGE,
    wgs84_to_bng,
)

__all__ = [
    "AREA_COLUMNS",
    "GEOMETRY_ERROR_COLUMN",
    "GEOMETRY_VALUE_COLUMN",
    "area_geometry_errors",
    "areas_from_frame",
    "geometries_to_bng",
    "read_areas_geojson",
]

#: The contract's area columns, all strings in the frames of this module.
AREA_COLUMNS = ("area_code", "area_name", "population", "parent_code")
#: Why a row's geometry could not be used (null when it could).
GEOMETRY_ERROR_COLUMN = "__geometry_error"
#: The unusable geometry as given, shortened, for the error report.
GEOMETRY_VALUE_COLUMN = "__geometry_value"
#: Columns computed here; properties or columns of these names are replaced.
_COMPUTED = ("geometry", "centroid_easting", "centroid_northing", "area_km2")
_WKT_COLUMNS = ("wkt", "geometry")
_MAX_VALUE_CHARS = 200
_POLYGONAL = [int(shapely.GeometryType.POLYGON), int(shapely.GeometryType.MULTIPOLYGON)]

Crs = Literal["bng", "wgs84"]


def _shorten(text: str) -> str:
    return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 3] + "..."


def _text(value: object) -> str | None:
    """A property value as the string a CSV cell would hold."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _crs_of(collection: Mapping[str, Any], path: Path) -> Crs | None:
    """The CRS named by a (pre-RFC 7946) ``crs`` member, or None when there is none."""
    crs = collection.get("crs")
    if crs is None:
        return None
    name = ""
    if isinstance(crs, Mapping) and isinstance(crs.get("properties"), Mapping):
        name = str(crs["properties"].get("name", ""))
    elif isinstance(crs, str):
        name = crs
    if "27700" in name:
        return "bng"
    if "4326" in name or "CRS84" in name.upper() or "4258" in name:
        return "wgs84"
    raise InputFileError(
        str(path),
        f"coordinate reference system {name or crs!r} is not supported: give British "
        "National Grid (EPSG:27700) or WGS84 (EPSG:4326) coordinates",
    )


def _detect_crs(geometries: ObjectArray) -> Crs:
    """WGS84 when every coordinate looks like degrees, else British National Grid."""
    present = geometries[shapely.is_geometry(geometries)]
    if present.size == 0:
        return "bng"
    xmin, ymin, xmax, ymax = shapely.total_bounds(present)
    if np.isfinite(xmin) and xmin >= -180 and xmax <= 180 and ymin >= -90 and ymax <= 90:
        return "wgs84"
    return "bng"


def _polygonal_part(geometry: shapely.Geometry) -> shapely.Geometry | None:
    """The polygons of a repaired geometry (MakeValid may return a collection)."""
    parts = shapely.get_parts(geometry)
    polygons = [p for p in parts if shapely.get_type_id(p) == shapely.GeometryType.POLYGON]
    multi = [p for p in parts if shapely.get_type_id(p) == shapely.GeometryType.MULTIPOLYGON]
    for m in multi:
        polygons.extend(shapely.get_parts(m))
    if not polygons:
        return None
    return polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)


def geometries_to_bng(
    geometries: Sequence[object] | ObjectArray,
    errors: Sequence[str | None] | None = None,
    crs: Crs | None = None,
) -> tuple[ObjectArray, list[str | None]]:
    """Check area geometries and bring them to British National Grid.

    Parameters
    ----------
    geometries : sequence of shapely geometries or None
        None where the geometry is missing or could not be read.
    errors : sequence of str or None, optional
        A reason already known for some rows (e.g. unreadable text).
    crs : {"bng", "wgs84"}, optional
        The coordinates' system; detected from their ranges when omitted.

    Returns
    -------
    geometries : ndarray of object
        Polygon or MultiPolygon in BNG, None where unusable.
    errors : list of str or None
        Why each unusable geometry was refused (None for usable or absent ones).
    """
    geoms = np.array(list(geometries), dtype=object)
    reasons: list[str | None] = list(errors) if errors is not None else [None] * len(geoms)
    is_geom = shapely.is_geometry(geoms)
    empty = is_geom & shapely.is_empty(geoms)
    not_polygon = is_geom & ~empty & ~np.isin(shapely.get_type_id(geoms), _POLYGONAL)
    for i in np.flatnonzero(empty):
        reasons[i] = "geometry is empty"
    for i in np.flatnonzero(not_polygon):
        reasons[i] = f"geometry is a {geoms[i].geom_type}, not a Polygon or MultiPolygon"
    usable = is_geom & ~empty & ~not_polygon & np.array([r is None for r in reasons], dtype=bool)
    geoms[~usable] = None

    if (crs or _detect_crs(geoms)) == "wgs84":
        geoms = shapely.transform(
            geoms, lambda xy: np.column_stack(wgs84_to_bng(xy[:, 1], xy[:, 0]))
        )
        geoms = shapely.transform(geoms, lambda xy: np.round(xy, 3))

    invalid = np.flatnonzero(usable & ~shapely.is_valid(geoms))
    for i in invalid:
        repaired = _polygonal_part(shapely.make_valid(geoms[i]))
        if repaired is None or shapely.is_empty(repaired):
            reasons[i] = "geometry is not a valid polygon and cannot be repaired"
        geoms[i] = repaired if reasons[i] is None else None

    centroids = shapely.centroid(geoms)
    x, y = shapely.get_x(centroids), shapely.get_y(centroids)
    with np.errstate(invalid="ignore"):
        outside = ~(
            (x >= BNG_EASTING_RANGE[0])
            & (x <= BNG_EASTING_RANGE[1])
            & (y >= BNG_NORTHING_RANGE[0])
            & (y <= BNG_NORTHING_RANGE[1])
        )
    for i in np.flatnonzero(outside & shapely.is_geometry(geoms)):
        reasons[i] = "geometry lies outside the British National Grid"
        geoms[i] = None
    return geoms, reasons


def _frame(
    attributes: pl.DataFrame,
    geometries: ObjectArray,
    reasons: Sequence[str | None],
    given: Sequence[str | None],
) -> pl.DataFrame:
    """Assemble the areas frame from attribute columns and checked BNG geometries."""
    centroids = shapely.centroid(geometries)
    shown = [
        _shorten(g) if r is not None and g is not None else None
        for g, r in zip(given, reasons, strict=True)
    ]
    computed = pl.DataFrame(
        [
            pl.Series("geometry", shapely.to_geojson(geometries).tolist(), dtype=pl.String),
            float_series("centroid_easting", shapely.get_x(centroids)),
            float_series("centroid_northing", shapely.get_y(centroids)),
            float_series("area_km2", shapely.area(geometries) / 1e6),
            pl.Series(GEOMETRY_VALUE_COLUMN, shown, dtype=pl.String),
            pl.Series(GEOMETRY_ERROR_COLUMN, list(reasons), dtype=pl.String),
        ]
    )
    rows = row_numbers(attributes)
    base = attributes.drop([c for c in (ROW_COLUMN, *_COMPUTED) if c in attributes.columns])
    for name in AREA_COLUMNS:
        if name not in base.columns:
            base = base.with_columns(pl.lit(None, dtype=pl.String).alias(name))
    extras = [c for c in base.columns if c not in AREA_COLUMNS]
    head = pl.DataFrame([rows]).hstack(base.select(AREA_COLUMNS))
    return (
        head.hstack(computed)
        .hstack(base.select(extras))
        .select(
            ROW_COLUMN,
            *AREA_COLUMNS,
            *_COMPUTED,
            *extras,
            GEOMETRY_VALUE_COLUMN,
            GEOMETRY_ERROR_COLUMN,
        )
    )


def _load_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise InputFileError(str(path), "file not found") from exc
    except UnicodeDecodeError as exc:
        raise InputFileError(str(path), "not a GeoJSON file: not UTF-8 text") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputFileError(
            str(path), f"not a GeoJSON file: invalid JSON at line {exc.lineno}: {exc.msg}"
        ) from exc


def _properties(features: Iterable[Any], path: Path) -> pl.DataFrame:
    """Feature properties as string columns, contract names matched case-insensitively."""
    records: list[dict[str, str | None]] = []
    names: dict[str, None] = dict.fromkeys(AREA_COLUMNS)
    for row, feature in enumerate(features, start=2):
        if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
            raise InputFileError(str(path), "not a GeoJSON Feature", row=row)
        properties = feature.get("properties") or {}
        if not isinstance(properties, Mapping):
            raise InputFileError(str(path), "feature properties are not an object", row=row)
        record: dict[str, str | None] = {}
        for key, raw in properties.items():
            name = str(key).strip()
            if name.lower() in AREA_COLUMNS or name.lower() in _COMPUTED:
                name = name.lower()
            if name in record:
                raise InputFileError(
                    str(path), f"two properties give {name!r}", row=row, column=str(key)
                )
            record[name] = _text(raw)
            names.setdefault(name)
        if record.get("area_code") is None and feature.get("id") is not None:
            record["area_code"] = _text(feature["id"])
        records.append(record)
    schema = dict.fromkeys(names, pl.String())
    return pl.DataFrame(records, schema=schema)


def _shape(geometry: object) -> tuple[shapely.Geometry | None, str | None]:
    if geometry is None:
        return None, None
    if not isinstance(geometry, Mapping) or not isinstance(geometry.get("type"), str):
        return None, "geometry cannot be read: not a GeoJSON geometry object"
    try:
        return shapely.from_geojson(json.dumps(geometry)), None
    except (shapely.errors.GEOSException, ValueError, TypeError):
        return None, "geometry cannot be read as a GeoJSON geometry"


def read_areas_geojson(path: Path) -> pl.DataFrame:
    """Read small areas from a GeoJSON FeatureCollection.

    Parameters
    ----------
    path : pathlib.Path
        A FeatureCollection whose features carry ``area_code``, ``area_name``,
        ``population`` and optionally ``parent_code`` properties (names matched
        case-insensitively; the feature's ``id`` stands in for a missing
        ``area_code``; other properties are kept as extra string columns) and
        Polygon or MultiPolygon geometries, in British National Grid or WGS84:
        as named by a ``crs`` member if there is one, else detected from the
        coordinate ranges (all within +/-180, +/-90 means degrees).

    Returns
    -------
    polars.DataFrame
        One row per feature, in file order, as described in the module
        docstring. Unusable geometries are null and listed by
        :func:`area_geometry_errors`.

    Raises
    ------
    harmwatch.errors.InputFileError
        When the file is missing, not JSON, not a FeatureCollection, names an
        unsupported CRS, or holds something other than Features.
    """
    data = _load_json(path)
    if not isinstance(data, Mapping) or not isinstance(data.get("type"), str):
        raise InputFileError(str(path), "not a GeoJSON file: no GeoJSON 'type' member")
    if data["type"] != "FeatureCollection":
        raise InputFileError(
            str(path), f"a GeoJSON {data['type']}, not a FeatureCollection of areas"
        )
    features = data.get("features")
    if not isinstance(features, list):
        raise InputFileError(str(path), "the FeatureCollection has no 'features' list")
    attributes = _properties(features, path)
    shapes = [_shape(f.get("geometry")) for f in features]
    given = [None if f.get("geometry") is None else json.dumps(f.get("geometry")) for f in features]
    geometries, reasons = geometries_to_bng(
        [s for s, _ in shapes], [r for _, r in shapes], _crs_of(data, path)
    )
    return _frame(attributes, geometries, reasons, given)


def areas_from_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Add geometry, centroid and area to areas read from a table (CSV or XLSX).

    Parameters
    ----------
    frame : polars.DataFrame
        String columns ``area_code``, ``area_name``, ``population``,
        ``parent_code`` (names matched case-insensitively; missing ones are
        added as nulls), optionally ``__row``, and optionally a ``wkt`` or
        ``geometry`` column of WKT (or GeoJSON geometry text) in British
        National Grid or WGS84 (detected from the coordinate ranges). Without
        such a column, geometry, centroid and area are null.

    Returns
    -------
    polars.DataFrame
        The frame of the module docstring; the WKT column is replaced by
        ``geometry`` (GeoJSON text in BNG).
    """
    renames = {
        c: c.strip().lower()
        for c in frame.columns
        if c.strip().lower() in (*AREA_COLUMNS, *_COMPUTED, *_WKT_COLUMNS)
    }
    attributes = frame.rename(renames).with_columns(
        pl.col(c).cast(pl.String) for c in AREA_COLUMNS if c in renames.values()
    )
    source = next((c for c in _WKT_COLUMNS if c in attributes.columns), None)
    if source is None:
        given: list[str | None] = [None] * frame.height
        return _frame(attributes, np.full(frame.height, None, dtype=object), given, given)
    texts = attributes.get_column(source).cast(pl.String)
    blank = texts.str.strip_chars().fill_null("") == ""
    given = texts.to_list()
    is_json = texts.str.strip_chars().str.starts_with("{").fill_null(False).to_numpy()
    values = np.array(texts.to_list(), dtype=object)
    values[blank.to_numpy()] = None
    parsed = np.full(frame.height, None, dtype=object)
    parsed[is_json] = shapely.from_geojson(values[is_json], on_invalid="ignore")
    parsed[~is_json] = shapely.from_wkt(values[~is_json], on_invalid="ignore")
    unreadable = ~shapely.is_geometry(parsed) & ~blank.to_numpy()
    errors: list[str | None] = [
        "geometry cannot be read as WKT or GeoJSON" if bad else None for bad in unreadable
    ]
    geometries, reasons = geometries_to_bng(parsed, errors)
    return _frame(attributes.drop(source), geometries, reasons, given)


def area_geometry_errors(frame: pl.DataFrame) -> pl.DataFrame:
    """The rows of an areas frame whose geometry could not be used.

    Parameters
    ----------
    frame : polars.DataFrame
        As returned by :func:`read_areas_geojson` or :func:`areas_from_frame`.

    Returns
    -------
    polars.DataFrame
        Columns ``__row`` (Int64), ``column`` (``"geometry"``), ``value`` (the
        geometry as given, shortened) and ``reason``, as
        :func:`harmwatch.geo.coordinates.location_errors`.
    """
    if GEOMETRY_ERROR_COLUMN not in frame.columns:
        return empty_errors()
    return (
        frame.filter(pl.col(GEOMETRY_ERROR_COLUMN).is_not_null())
        .select(
            pl.col(ROW_COLUMN).cast(pl.Int64),
            pl.lit("geometry").alias("column"),
            pl.col(GEOMETRY_VALUE_COLUMN).alias("value"),
            pl.col(GEOMETRY_ERROR_COLUMN).alias("reason"),
        )
        .cast(ERROR_SCHEMA)  # type: ignore[arg-type]
    )
