"""British National Grid <-> WGS84 conversion and checks of record locations.

Records give their location as ``easting``/``northing`` (British National
Grid, EPSG:27700) or ``lat``/``lon`` (WGS84, EPSG:4326); the store keeps both.

Accuracy
--------
The conversion is done by PROJ (through pyproj) with the most accurate
transformation PROJ can run on the machine, applied to every point alike.
Without the Ordnance Survey's OSTN15 grid (``uk_os_OSTN15_NTv2_OSGBtoETRS.tif``)
in PROJ's data directory, as on a default install, that is the
seven-parameter Helmert transformation "OSGB36 to WGS 84 (6)" (EPSG:1314),
accurate to about 2 m across Great Britain (up to about 5 m in places): fine
for crime mapping and small-area assignment, not for surveying. A round trip
BNG -> WGS84 -> BNG returns within about 1 mm. When the grid is installed PROJ
uses it (about 0.1 m) with no change here; :func:`describe_transformation`
says which transformation is in use.

References
----------
Ordnance Survey (2020). *A guide to coordinate systems in Great Britain*,
sections 6 and 7 (Helmert transformation; OSTN15).
"""

from __future__ import annotations

import threading
import warnings

import numpy as np
import numpy.typing as npt
import polars as pl
from pyproj import Transformer
from pyproj.transformer import TransformerGroup

from harmwatch.geo._frames import (
    ERROR_SCHEMA,
    ROW_COLUMN,
    FloatArray,
    float_column,
    float_series,
    row_numbers,
)

__all__ = [
    "BNG",
    "BNG_EASTING_RANGE",
    "BNG_NORTHING_RANGE",
    "MAX_PAIR_DISTANCE_M",
    "UK_LAT_RANGE",
    "UK_LON_RANGE",
    "WGS84",
    "bng_to_wgs84",
    "complete_locations",
    "describe_transformation",
    "location_errors",
    "wgs84_to_bng",
]

#: British National Grid (OSGB36 / Transverse Mercator).
BNG = "EPSG:27700"
#: WGS84 latitude/longitude.
WGS84 = "EPSG:4326"

#: The extent of the British National Grid, metres.
BNG_EASTING_RANGE = (0.0, 700_000.0)
BNG_NORTHING_RANGE = (0.0, 1_300_000.0)
#: A box around the United Kingdom, degrees.
UK_LAT_RANGE = (49.0, 61.0)
UK_LON_RANGE = (-9.0, 3.0)
#: When a record gives both pairs, the furthest they may be apart, metres.
MAX_PAIR_DISTANCE_M = 1_000.0

_LOCATION_COLUMNS = ("easting", "northing", "lat", "lon")

# pyproj Transformers are not safe to share between threads: one per thread.
_local = threading.local()


def _best_available(source: str, target: str) -> Transformer:
    """The most accurate transformation PROJ can run here, applied everywhere.

    ``Transformer.from_crs`` would choose an operation per point by area of
    use, falling back to a "ballpark" conversion (no datum shift, ~130 m off)
    for points just outside the Helmert's area (e.g. the North Sea east of
    1.92 E). One operation for all points keeps results continuous.
    """
    with warnings.catch_warnings():
        # "Best transformation is not available due to missing grid": expected
        # without OSTN15, documented above.
        warnings.simplefilter("ignore", UserWarning)
        group = TransformerGroup(source, target, always_xy=True)
    if group.transformers:
        return group.transformers[0]
    return Transformer.from_crs(source, target, always_xy=True)  # pragma: no cover


def _transformer(source: str, target: str) -> Transformer:
    cache: dict[tuple[str, str], Transformer] | None = getattr(_local, "transformers", None)
    if cache is None:
        cache = {}
        _local.transformers = cache
    key = (source, target)
    if key not in cache:
        cache[key] = _best_available(source, target)
    return cache[key]


def _finite(values: npt.NDArray[np.float64]) -> FloatArray:
    # PROJ returns inf for NaN input and for points it cannot convert.
    out = np.asarray(values, dtype=np.float64)
    return np.where(np.isfinite(out), out, np.nan)


def wgs84_to_bng(lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert WGS84 latitude/longitude to British National Grid.

    Parameters
    ----------
    lat, lon : array_like of float
        Degrees; broadcast against each other. NaN marks an unknown location.

    Returns
    -------
    easting, northing : ndarray of float64
        Metres, NaN where the input was NaN or could not be converted.

    Examples
    --------
    >>> e, n = wgs84_to_bng([51.5077], [-0.1279])  # Nelson's Column
    >>> round(float(e[0]), -1), round(float(n[0]), -1)
    (530020.0, 180410.0)
    """
    lat_a, lon_a = np.broadcast_arrays(
        np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)
    )
    x, y = _transformer(WGS84, BNG).transform(lon_a, lat_a)
    return _finite(x), _finite(y)


def bng_to_wgs84(easting: npt.ArrayLike, northing: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert British National Grid easting/northing to WGS84 latitude/longitude.

    Parameters
    ----------
    easting, northing : array_like of float
        Metres; broadcast against each other. NaN marks an unknown location.

    Returns
    -------
    lat, lon : ndarray of float64
        Degrees, NaN where the input was NaN or could not be converted.
    """
    e_a, n_a = np.broadcast_arrays(
        np.asarray(easting, dtype=np.float64), np.asarray(northing, dtype=np.float64)
    )
    x, y = _transformer(BNG, WGS84).transform(e_a, n_a)
    return _finite(y), _finite(x)


def describe_transformation() -> str:
    """The PROJ transformation used from WGS84 to BNG, in PROJ's words.

    For a status page or a report's notes on method: "... Inverse of OSGB36 to
    WGS 84 (6) + British National Grid, accuracy 2 m" is the Helmert
    transformation.
    """
    transformer = _transformer(WGS84, BNG)
    accuracy = f", accuracy {transformer.accuracy:g} m" if transformer.accuracy > 0 else ""
    return f"{transformer.description}{accuracy}"


def complete_locations(frame: pl.DataFrame) -> pl.DataFrame:
    """Fill the missing coordinate pair of each row from the other pair.

    Parameters
    ----------
    frame : polars.DataFrame
        Records with Float64 columns ``easting``, ``northing``, ``lat`` and
        ``lon`` (absent columns are added as nulls; NaN counts as null).

    Returns
    -------
    polars.DataFrame
        The same frame, the four columns Float64: where a row has a complete
        pair and lacks the other pair entirely, the other is computed. A pair
        given by halves is left as it is (:func:`location_errors` reports it);
        rows with neither pair stay null.
    """
    e, n = float_column(frame, "easting"), float_column(frame, "northing")
    lat, lon = float_column(frame, "lat"), float_column(frame, "lon")
    has_bng = ~np.isnan(e) & ~np.isnan(n)
    has_wgs = ~np.isnan(lat) & ~np.isnan(lon)
    no_bng = np.isnan(e) & np.isnan(n)
    no_wgs = np.isnan(lat) & np.isnan(lon)

    to_wgs = np.flatnonzero(has_bng & no_wgs)
    if to_wgs.size:
        lat[to_wgs], lon[to_wgs] = bng_to_wgs84(e[to_wgs], n[to_wgs])
    to_bng = np.flatnonzero(has_wgs & no_bng)
    if to_bng.size:
        e[to_bng], n[to_bng] = wgs84_to_bng(lat[to_bng], lon[to_bng])

    columns = {"easting": e, "northing": n, "lat": lat, "lon": lon}
    return frame.with_columns(float_series(name, values) for name, values in columns.items())


def _given(name: str) -> pl.Expr:
    return pl.col(name).is_not_null()


def _outside(name: str, bounds: tuple[float, float]) -> pl.Expr:
    low, high = bounds
    return _given(name) & ((pl.col(name) < low) | (pl.col(name) > high))


def _fmt(value: float) -> str:
    return f"{value:g}"


def _value(name: str) -> pl.Expr:
    """Column ``name`` as text: whole numbers without a trailing ``.0``."""
    column = pl.col(name)
    whole = (column == column.round(0)) & (column.abs() < 1e15)
    return (
        pl.when(whole)
        .then(column.cast(pl.Int64, strict=False).cast(pl.String))
        .otherwise(column.cast(pl.String))
    )


def location_errors(frame: pl.DataFrame) -> pl.DataFrame:
    """The rows whose coordinates cannot be right, one row per problem.

    Checks, all vectorised:

    * a pair given by halves (``easting`` without ``northing``, ``lat``
      without ``lon``, and the reverse);
    * ``easting``/``northing`` outside the British National Grid
      (:data:`BNG_EASTING_RANGE`, :data:`BNG_NORTHING_RANGE`);
    * ``lat``/``lon`` outside the United Kingdom (:data:`UK_LAT_RANGE`,
      :data:`UK_LON_RANGE`);
    * both pairs given, each in range, but more than
      :data:`MAX_PAIR_DISTANCE_M` apart (reported against ``lat``).

    Parameters
    ----------
    frame : polars.DataFrame
        Records with ``__row`` (the row number, header = row 1; numbered 2, 3,
        ... when absent) and any of ``easting``, ``northing``, ``lat``, ``lon``.

    Returns
    -------
    polars.DataFrame
        Columns ``__row`` (Int64), ``column``, ``value`` and ``reason``
        (strings), ordered by row.
    """
    data = pl.DataFrame(
        [row_numbers(frame)] + [float_series(c, float_column(frame, c)) for c in _LOCATION_COLUMNS]
    )
    e, n = float_column(data, "easting"), float_column(data, "northing")
    lat, lon = float_column(data, "lat"), float_column(data, "lon")
    pair_e, pair_n = wgs84_to_bng(lat, lon)
    with np.errstate(invalid="ignore"):
        distance = np.hypot(pair_e - e, pair_n - n)
    data = data.with_columns(float_series("__distance", distance))

    checks: list[tuple[pl.Expr, str, pl.Expr, pl.Expr]] = []
    for first, second in (("easting", "northing"), ("lat", "lon")):
        for a, b in ((first, second), (second, first)):
            checks.append((_given(a) & ~_given(b), a, _value(a), pl.lit(f"{a} given without {b}")))
    in_range = pl.lit(True)
    for name, bounds, where in (
        ("easting", BNG_EASTING_RANGE, "the British National Grid"),
        ("northing", BNG_NORTHING_RANGE, "the British National Grid"),
        ("lat", UK_LAT_RANGE, "the United Kingdom"),
        ("lon", UK_LON_RANGE, "the United Kingdom"),
    ):
        low, high = bounds
        reason = f"{name} outside {where} ({_fmt(low)} to {_fmt(high)})"
        checks.append((_outside(name, bounds), name, _value(name), pl.lit(reason)))
        in_range = in_range & ~_outside(name, bounds)
    too_far = (
        in_range
        & pl.all_horizontal(_given(c) for c in _LOCATION_COLUMNS)
        & (pl.col("__distance") > MAX_PAIR_DISTANCE_M)
    )
    checks.append(
        (
            too_far,
            "lat",
            pl.format("{}, {}", _value("lat"), _value("lon")),
            pl.format(
                "lat/lon is {} m from easting/northing {}, {} (more than {} m apart)",
                pl.col("__distance").round(0).cast(pl.Int64),
                _value("easting"),
                _value("northing"),
                pl.lit(int(MAX_PAIR_DISTANCE_M)),
            ),
        )
    )

    parts = [
        data.filter(condition).select(
            pl.col(ROW_COLUMN),
            pl.lit(column).alias("column"),
            shown.alias("value"),
            reason.alias("reason"),
        )
        for condition, column, shown, reason in checks
    ]
    errors = pl.concat([p.cast(ERROR_SCHEMA) for p in parts], how="vertical")  # type: ignore[arg-type]
    return errors.sort(ROW_COLUMN, maintain_order=True)
