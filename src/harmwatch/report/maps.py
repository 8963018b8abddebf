"""Maps without tiles: small-area choropleths in inline SVG, with points and a density raster.

Areas are drawn from their boundaries as the store keeps them (GeoJSON geometry
text in British National Grid metres, Polygon or MultiPolygon); nothing is
fetched from a tile server. The viewBox is fitted to the areas, the y axis is
flipped (northing grows upwards), polygons are simplified to about half a pixel
(``simplify``) and written as compact relative paths, so a 300-area map stays
well under 150 kB.

Shading uses classed breaks (equal-count quantiles by default, or equal
intervals, or given breaks) on a viridis-like light-to-dark ramp whose
luminance is monotonic, so the classes keep their order printed in greyscale;
the legend prints each class's range and number of areas. Highlighted areas get
a thick outline and a label, point layers have distinct marker shapes, and a
kernel density surface can be laid over as a base64 PNG built with zlib (no
imaging library).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import shapely

from harmwatch.report._png import png_data_uri
from harmwatch.report._svgkit import (
    INK,
    MUTED,
    OKABE_ITO,
    Canvas,
    as_floats,
    c,
    esc,
    fmt_num,
    marker_path,
    oranges,
    viridis,
)

__all__ = ["PointLayer", "Raster", "choropleth", "class_breaks"]

Scheme = Literal["quantile", "equal"]
_NO_DATA = "no data"


@dataclass(frozen=True)
class PointLayer:
    """Points drawn over a map (e.g. ED-only venues, a near-repeat cluster).

    Attributes
    ----------
    x, y : array_like
        Eastings and northings (BNG metres).
    name : str
        Legend entry.
    labels : sequence of str, optional
        A label per point (printed next to it, with a white halo).
    shape : str
        Marker: "circle", "square", "triangle", "diamond", "cross".
    colour : str
        Marker fill.
    size : float
        Marker radius in px.
    """

    x: npt.ArrayLike
    y: npt.ArrayLike
    name: str
    labels: Sequence[str] | None = None
    shape: str = "triangle"
    colour: str = OKABE_ITO[3]
    size: float = 4.5


@dataclass(frozen=True)
class Raster:
    """A grid surface (e.g. a kernel density estimate) drawn as a semi-transparent image.

    Attributes
    ----------
    values : array_like, shape (rows, cols)
        Cell values; ``values[0]`` is the southernmost row unless ``north_up``.
    x0, y0 : float
        Easting and northing of the grid's lower-left (south-west) corner.
    cell_size : float
        Cell side in metres.
    name : str
        Legend title (e.g. "Events per km², kernel density").
    levels : int
        Shading bands (equal intervals from 0 to the maximum); the lowest band
        is left transparent so the map shows through.
    north_up : bool
        True when ``values[0]`` is the northernmost row (image order).
    opacity : float
        Opacity of the shaded bands.
    smooth : int
        Bilinear upsampling factor before the bands are drawn, so band edges
        follow the surface rather than the cells (1 draws the cells as they are).
    """

    values: npt.ArrayLike
    x0: float
    y0: float
    cell_size: float
    name: str = "Density"
    levels: int = 6
    north_up: bool = False
    opacity: float = field(default=0.8)
    smooth: int = 3


def _geometry(value: object) -> Any:
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


def _read_areas(areas: Any) -> tuple[list[str], list[Any], dict[str, str]]:
    """Codes, geometries and names from a mapping, a list of dicts or a DataFrame."""
    names: dict[str, str] = {}
    if hasattr(areas, "to_dicts"):
        areas = areas.to_dicts()
    if isinstance(areas, Mapping):
        codes = [str(k) for k in areas]
        geoms = [_geometry(v) for v in areas.values()]
        return codes, geoms, names
    codes, geoms = [], []
    for row in areas:
        code = str(row["area_code"])
        codes.append(code)
        geoms.append(_geometry(row.get("geometry")))
        if row.get("area_name"):
            names[code] = str(row["area_name"])
    return codes, geoms, names


def class_breaks(
    values: npt.ArrayLike, classes: int = 5, scheme: Scheme = "quantile"
) -> list[float]:
    """Class edges (``classes + 1`` or fewer when values tie) for a choropleth.

    Parameters
    ----------
    values : array_like
        The values to classify (NaN ignored).
    classes : int
        Wanted number of classes.
    scheme : {"quantile", "equal"}
        Equal-count (quantile) breaks or equal-width intervals.

    Returns
    -------
    list of float
        Ascending, distinct edges from the minimum to the maximum; integer
        edges when every value is an integer.
    """
    v = as_floats(values)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return [0.0, 1.0]
    lo, hi = float(v.min()), float(v.max())
    if scheme == "equal":
        edges = np.linspace(lo, hi, classes + 1)
    else:
        edges = np.quantile(v, np.linspace(0, 1, classes + 1), method="linear")
    if np.all(v == np.round(v)):
        edges = np.round(edges)
    out = sorted({float(e) for e in edges} | {lo, hi})
    return out if len(out) > 1 else [lo, lo + 1]


def _classify(v: float, edges: Sequence[float]) -> int:
    """Index of the right-closed class (edges[i], edges[i+1]] holding v (the first is closed)."""
    k = len(edges) - 1
    return min(max(int(np.searchsorted(np.asarray(edges), v, side="left")) - 1, 0), k - 1)


def _class_labels(edges: Sequence[float], integer: bool, decimals: int | None) -> list[str]:
    out = []
    for i in range(len(edges) - 1):
        a, b = edges[i], edges[i + 1]
        if integer:
            a2 = a if i == 0 else a + 1
            out.append(fmt_num(a2, 0) if a2 >= b else f"{fmt_num(a2, 0)} – {fmt_num(b, 0)}")
        else:
            out.append(f"{fmt_num(a, decimals)} – {fmt_num(b, decimals)}")
    return out


def _tenths(v: int) -> str:
    s = f"{v / 10:.1f}"
    return s[:-2] if s.endswith(".0") else s


def _ring_path(coords: npt.NDArray[np.float64]) -> str:
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


def _geom_path(geom: Any) -> str:
    parts: list[str] = []
    for poly in shapely.get_parts(geom):
        if shapely.get_type_id(poly) != shapely.GeometryType.POLYGON:
            continue
        holes = int(shapely.get_num_interior_rings(poly))
        rings = [shapely.get_exterior_ring(poly)] + [
            shapely.get_interior_ring(poly, i) for i in range(holes)
        ]
        parts.extend(_ring_path(shapely.get_coordinates(r)) for r in rings)
    return "".join(parts)


def _upsample(grid: npt.NDArray[np.float64], factor: int) -> npt.NDArray[np.float64]:
    """Bilinear upsampling of a grid by an integer factor (cell centres kept in place)."""
    if factor <= 1:
        return grid
    out = grid
    for axis in (0, 1):
        n = out.shape[axis]
        pos = np.clip((np.arange(n * factor) + 0.5) / factor - 0.5, 0, n - 1)
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, n - 1)
        t = pos - lo
        a, b = np.take(out, lo, axis=axis), np.take(out, hi, axis=axis)
        shape = [1, 1]
        shape[axis] = -1
        out = a + (b - a) * t.reshape(shape)
    return out


def _nice_distance(target: float) -> float:
    mag = 10 ** math.floor(math.log10(max(target, 1e-9)))
    return float(max(m * mag for m in (1, 2, 5) if m * mag <= target))


def choropleth(
    areas: Any,
    values: Mapping[str, float | None] | None = None,
    *,
    title: str,
    desc: str | None = None,
    legend_title: str = "",
    classes: int = 5,
    scheme: Scheme = "quantile",
    breaks: Sequence[float] | None = None,
    decimals: int | None = None,
    names: Mapping[str, str] | None = None,
    highlight: Mapping[str, str] | Sequence[str] | None = None,
    points: Sequence[PointLayer] = (),
    raster: Raster | None = None,
    simplify: float | None = None,
    width: float = 640,
    max_height: float = 620,
    chart_id: str | None = None,
) -> str:
    """A map of small areas, shaded by value, in inline SVG (no tiles, no network).

    Parameters
    ----------
    areas : mapping, sequence of dict, or polars.DataFrame
        Either ``{area_code: geometry}`` or rows with ``area_code``, ``geometry``
        and optionally ``area_name`` (the areas table). A geometry is GeoJSON
        text or mapping, WKT, or a shapely geometry, in BNG metres.
    values : mapping of str to float, optional
        Value per area code; areas without a value are hatched "no data". Omit
        for an outline base map (e.g. under a density raster).
    title : str
        Accessible name.
    desc : str, optional
        Alt text; by default the classes with their counts, the highest and
        lowest areas, highlights and point layers.
    legend_title : str
        What the shading means (e.g. "Rate per 100,000").
    classes : int
        Number of classes.
    scheme : {"quantile", "equal"}
        Equal-count or equal-interval breaks (ignored when ``breaks`` is given).
    breaks : sequence of float, optional
        Explicit ascending class edges.
    decimals : int, optional
        Decimals of legend and tooltip values.
    names : mapping of str to str, optional
        Area names (overrides ``area_name``).
    highlight : mapping of code to label, or sequence of codes, optional
        Areas drawn with a thick outline and a label (a sequence uses names).
    points : sequence of PointLayer
        Point overlays, in drawing order.
    raster : Raster, optional
        A surface drawn under the outlines (quantised into bands, as a PNG).
    simplify : float, optional
        Simplification tolerance in metres (Douglas–Peucker, topology
        preserved per area); default half a pixel; 0 keeps every vertex.
    width, max_height : float
        Size in px (the height follows the areas' shape).
    chart_id : str, optional
        Id of the ``<svg>``.

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    codes, geoms, area_names = _read_areas(areas)
    area_names.update(dict(names or {}))
    garr = np.array(geoms, dtype=object)
    present = np.array([g is not None and not shapely.is_empty(g) for g in geoms], dtype=bool)
    layers = [(as_floats(p.x), as_floats(p.y), p) for p in points]
    if present.any():
        xmin, ymin, xmax, ymax = (float(b) for b in shapely.total_bounds(garr[present]))
    else:
        allx = np.concatenate([lx for lx, _, _ in layers] or [np.array([0.0, 1000.0])])
        ally = np.concatenate([ly for _, ly, _ in layers] or [np.array([0.0, 1000.0])])
        xmin, xmax = float(np.nanmin(allx)), float(np.nanmax(allx))
        ymin, ymax = float(np.nanmin(ally)), float(np.nanmax(ally))
    dx, dy = max(xmax - xmin, 1.0), max(ymax - ymin, 1.0)
    legend_w, pad = 180.0, 12.0
    map_w = width - legend_w - 2 * pad
    scale = min(map_w / dx, (max_height - 2 * pad) / dy)
    height = max(dy * scale + 2 * pad, 300.0)
    ox = pad + (map_w - dx * scale) / 2
    oy = pad + (height - 2 * pad - dy * scale) / 2

    def to_px(pts: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.column_stack([ox + (pts[:, 0] - xmin) * scale, oy + (ymax - pts[:, 1]) * scale])

    cv = Canvas(width, height, title, "", chart_id, "map")
    tol_px = 0.5 if simplify is None else simplify * scale
    px_geoms = np.array([None] * len(geoms), dtype=object)
    if present.any():
        px_geoms[present] = shapely.transform(garr[present], to_px)
        if tol_px > 0:
            px_geoms[present] = shapely.simplify(px_geoms[present], tol_px, preserve_topology=True)

    vals = {str(k): (math.nan if v is None else float(v)) for k, v in (values or {}).items()}
    shaded = values is not None
    finite = np.array([v for v in vals.values() if math.isfinite(v)])
    edges = list(breaks) if breaks is not None else class_breaks(finite, classes, scheme)
    k = len(edges) - 1
    palette = viridis(k)
    integer = (
        bool(finite.size)
        and bool(np.all(finite == np.round(finite)))
        and all(float(e).is_integer() for e in edges)
    )
    labels = _class_labels(edges, integer, decimals)
    counts = [0] * k
    nodata = cv.pattern("#ffffff", "diagonal", ink="#a6a6a6")
    missing = 0

    # raster
    raster_legend: list[tuple[str, str]] = []
    image = ""
    if raster is not None:
        cells = np.array(raster.values, dtype=np.float64)
        if not raster.north_up:
            cells = cells[::-1]
        nrows, ncols = cells.shape
        grid = _upsample(cells, raster.smooth if max(cells.shape) <= 400 else 1)
        gmax = float(np.nanmax(grid)) if np.isfinite(grid).any() else 0.0
        nlev = max(raster.levels, 2)
        band_cols = oranges(nlev - 1)
        rgba = np.zeros((*grid.shape, 4), dtype=np.uint8)
        if gmax > 0:
            band = np.clip(np.floor(np.nan_to_num(grid) / gmax * nlev), 0, nlev - 1).astype(int)
            for b in range(1, nlev):
                hexc = band_cols[b - 1]
                rgb = [int(hexc[i : i + 2], 16) for i in (1, 3, 5)]
                sel = band == b
                rgba[sel, :3] = rgb
                rgba[sel, 3] = round(255 * raster.opacity)
            step = gmax / nlev
            for b in range(1, nlev):
                hi_ = fmt_num(step * (b + 1), decimals)
                raster_legend.append((band_cols[b - 1], f"{fmt_num(step * b, decimals)} – {hi_}"))
        ix, iy = (
            ox + (raster.x0 - xmin) * scale,
            oy + (ymax - (raster.y0 + nrows * raster.cell_size)) * scale,
        )
        image = (
            f'<image x="{c(ix)}" y="{c(iy)}" width="{c(ncols * raster.cell_size * scale)}" '
            f'height="{c(nrows * raster.cell_size * scale)}" preserveAspectRatio="none" '
            f'href="{png_data_uri(rgba)}"/>'
        )
        if not shaded:  # a base map: the surface under unfilled outlines
            cv.add(
                f'<rect x="{c(pad)}" y="{c(pad)}" width="{c(map_w)}" '
                f'height="{c(height - 2 * pad)}" fill="#f7f7f7"/>'
            )
            cv.add(image)

    # areas
    cv.add('<g stroke="#7f7f7f" stroke-width="0.4" stroke-linejoin="round">')
    for code, pg in zip(codes, px_geoms, strict=True):
        if pg is None:
            continue
        name = area_names.get(code)
        who = f"{name} ({code})" if name else code
        if not shaded:
            fill, tip = ("none" if raster is not None else "#f4f4f4"), who
        elif math.isfinite(vals.get(code, math.nan)):
            cls = _classify(vals[code], edges)
            counts[cls] += 1
            fill, tip = palette[cls], f"{who}: {fmt_num(vals[code], decimals)}"
        else:
            missing += 1
            fill, tip = nodata, f"{who}: no data"
        cv.add(f'<path d="{_geom_path(pg)}" fill="{fill}"><title>{esc(tip)}</title></path>')
    cv.add("</g>")
    if raster is not None and shaded:  # over the shading, semi-transparent
        cv.add(image)

    # highlights
    hl: dict[str, str] = {}
    if isinstance(highlight, Mapping):
        hl = {str(k_): str(v_) for k_, v_ in highlight.items()}
    elif highlight is not None:
        hl = {str(k_): area_names.get(str(k_), str(k_)) for k_ in highlight}
    by_code = dict(zip(codes, px_geoms, strict=True))
    for code in hl:
        pg = by_code.get(code)
        if pg is not None:
            cv.add(f'<path d="{_geom_path(pg)}" fill="none" stroke="{INK}" stroke-width="2.6"/>')
    for code, label in hl.items():
        pg = by_code.get(code)
        if pg is not None and label:
            pt = shapely.point_on_surface(pg)
            cv.text(
                float(shapely.get_x(pt)),
                float(shapely.get_y(pt)) + 4,
                label,
                anchor="middle",
                weight="bold",
                size=11,
                halo=True,
            )

    # points
    for lxs, lys, layer in layers:
        pts = to_px(np.column_stack([lxs, lys]))
        for i, (px, py) in enumerate(pts):
            if not (math.isfinite(px) and math.isfinite(py)):
                continue
            tip = layer.labels[i] if layer.labels is not None else layer.name
            cv.path(
                marker_path(layer.shape, px, py, layer.size),
                fill=layer.colour,
                stroke=INK,
                width=0.8,
                tooltip=tip,
            )
            if layer.labels is not None and layer.labels[i]:
                cv.text(px + layer.size + 3, py + 4, layer.labels[i], size=10.5, halo=True)

    # scale bar (bottom left of the map) and north arrow (top right)
    metres = _nice_distance(dx * 0.25)
    bar = metres * scale
    sx, sy = pad + 4, height - pad - 6
    cv.rect(sx, sy - 5, bar / 2, 5, INK)
    cv.rect(sx + bar / 2, sy - 5, bar / 2, 5, "#fff", stroke=INK, stroke_width=0.8)
    text = f"{fmt_num(metres / 1000)} km" if metres >= 1000 else f"{fmt_num(metres)} m"
    cv.text(sx, sy - 9, "0", size=10, halo=True)
    cv.text(sx + bar, sy - 9, text, size=10, anchor="middle", halo=True)
    nx, ny = pad + map_w - 14, pad + 8
    cv.path(f"M{c(nx)} {c(ny)}l7 20l-7-5l-7 5z", fill=INK)
    cv.text(nx, ny + 33, "N", anchor="middle", weight="bold", size=11, halo=True)

    # legend
    lx0, ly = width - legend_w + 4, pad + 4
    if shaded:
        for line in _wrap(legend_title or "Value", 24):
            cv.text(lx0, ly + 10, line, weight="bold", size=11)
            ly += 15
        ly += 2
        for i in range(k - 1, -1, -1):
            cv.rect(lx0, ly, 16, 14, palette[i], stroke="#7f7f7f", stroke_width=0.5)
            cv.text(lx0 + 22, ly + 11, f"{labels[i]}  ({counts[i]})", size=11)
            ly += 18
        if missing:
            cv.rect(lx0, ly, 16, 14, nodata, stroke="#7f7f7f", stroke_width=0.5)
            cv.text(lx0 + 22, ly + 11, f"{_NO_DATA}  ({missing})", size=11)
            ly += 18
        cv.text(lx0, ly + 10, "(number of areas)", size=10, fill=MUTED)
        ly += 20
    if hl:
        cv.rect(lx0, ly, 16, 14, "none", stroke=INK, stroke_width=2.6)
        cv.text(lx0 + 22, ly + 11, "highlighted area", size=11)
        ly += 22
    for _, _, layer in layers:
        cv.path(
            marker_path(layer.shape, lx0 + 8, ly + 7, layer.size),
            fill=layer.colour,
            stroke=INK,
            width=0.8,
        )
        for j, line in enumerate(_wrap(layer.name, 22)):
            cv.text(lx0 + 22, ly + 11 + 14 * j, line, size=11)
        ly += 8 + 14 * len(_wrap(layer.name, 22))
    if raster is not None:
        ly += 4
        for line in _wrap(raster.name, 24):
            cv.text(lx0, ly + 10, line, weight="bold", size=11)
            ly += 15
        for colour, lab in reversed(raster_legend):
            cv.rect(lx0, ly, 16, 12, colour, stroke="#7f7f7f", stroke_width=0.5)
            cv.text(lx0 + 22, ly + 10, lab, size=10.5)
            ly += 15
        if raster_legend:
            cv.text(lx0, ly + 10, "lowest band not shaded", size=10, fill=MUTED)

    cv.desc = desc or _describe(
        title,
        codes,
        vals,
        area_names,
        shaded,
        labels,
        counts,
        missing,
        hl,
        layers,
        raster,
        decimals,
        legend_title,
    )
    return cv.render()


def _wrap(text: str, width: int) -> list[str]:
    words, lines, cur = text.split(), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    return [*lines, cur] if cur else lines or [""]


def _describe(
    title: str,
    codes: Sequence[str],
    vals: Mapping[str, float],
    area_names: Mapping[str, str],
    shaded: bool,
    labels: Sequence[str],
    counts: Sequence[int],
    missing: int,
    hl: Mapping[str, str],
    layers: Sequence[tuple[Any, Any, PointLayer]],
    raster: Raster | None,
    decimals: int | None,
    legend_title: str,
) -> str:
    out = [f"{title}. Map of {len(codes)} areas"]
    if shaded:
        classes = "; ".join(f"{lab}: {n} areas" for lab, n in zip(labels, counts, strict=True))
        out[0] += f" shaded by {legend_title or 'value'} in {len(labels)} classes ({classes})"
        if missing:
            out[0] += f"; {missing} with no data"
        ranked = sorted(
            ((v, code) for code, v in vals.items() if math.isfinite(v) and code in set(codes)),
            key=lambda t: (-t[0], t[1]),
        )
        top = ", ".join(
            f"{area_names.get(code, code)} {fmt_num(v, decimals)}" for v, code in ranked[:5]
        )
        if top:
            out.append(f"Highest: {top}")
    if hl:
        out.append("Highlighted: " + ", ".join(hl.values()))
    for _, _, layer in layers:
        n = len(as_floats(layer.x))
        out.append(f"{layer.name}: {n} point{'s' if n != 1 else ''} marked")
    if raster is not None:
        out.append(f"{raster.name} drawn as a shaded surface")
    return ". ".join(out) + ". Every area's value is in the table behind this map."
