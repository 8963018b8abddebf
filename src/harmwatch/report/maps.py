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

The choropleth is drawn here; its pieces live in private modules: geometry in
:mod:`._map_geometry`, classes in :mod:`._map_classes`, point and raster layers
in :mod:`._map_layers` (:class:`PointLayer`, :class:`Raster`, re-exported here
with :func:`class_breaks`) and the alt text in :mod:`._map_text`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from harmwatch.report._map_classes import Scheme, class_breaks, class_labels, classify
from harmwatch.report._map_geometry import geom_path, read_areas
from harmwatch.report._map_layers import PointLayer, Raster, raster_image
from harmwatch.report._map_text import describe, wrap
from harmwatch.report._svgkit import (
    INK,
    MUTED,
    Canvas,
    as_floats,
    c,
    esc,
    fmt_num,
    marker_path,
    viridis,
)

__all__ = ["PointLayer", "Raster", "choropleth", "class_breaks"]

_NO_DATA = "no data"


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
    codes, geoms, area_names = read_areas(areas)
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
    labels = class_labels(edges, integer, decimals)
    counts = [0] * k
    nodata = cv.pattern("#ffffff", "diagonal", ink="#a6a6a6")
    missing = 0

    # raster
    raster_legend: list[tuple[str, str]] = []
    image = ""
    if raster is not None:
        image, raster_legend = raster_image(
            raster, ox=ox, oy=oy, xmin=xmin, ymax=ymax, scale=scale, decimals=decimals
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
            cls = classify(vals[code], edges)
            counts[cls] += 1
            fill, tip = palette[cls], f"{who}: {fmt_num(vals[code], decimals)}"
        else:
            missing += 1
            fill, tip = nodata, f"{who}: no data"
        cv.add(f'<path d="{geom_path(pg)}" fill="{fill}"><title>{esc(tip)}</title></path>')
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
            cv.add(f'<path d="{geom_path(pg)}" fill="none" stroke="{INK}" stroke-width="2.6"/>')
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
        for line in wrap(legend_title or "Value", 24):
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
        for j, line in enumerate(wrap(layer.name, 22)):
            cv.text(lx0 + 22, ly + 11 + 14 * j, line, size=11)
        ly += 8 + 14 * len(wrap(layer.name, 22))
    if raster is not None:
        ly += 4
        for line in wrap(raster.name, 24):
            cv.text(lx0, ly + 10, line, weight="bold", size=11)
            ly += 15
        for colour, lab in reversed(raster_legend):
            cv.rect(lx0, ly, 16, 12, colour, stroke="#7f7f7f", stroke_width=0.5)
            cv.text(lx0 + 22, ly + 10, lab, size=10.5)
            ly += 15
        if raster_legend:
            cv.text(lx0, ly + 10, "lowest band not shaded", size=10, fill=MUTED)

    cv.desc = desc or describe(
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
