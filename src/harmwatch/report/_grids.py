"""Heat map (e.g. hour x weekday) and funnel plot (units against a target with control limits)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from harmwatch.report._svgkit import (
    GRID,
    INK,
    MUTED,
    OKABE_ITO,
    Canvas,
    as_floats,
    blues,
    c,
    estimate_text_width,
    fmt_num,
    luminance,
    marker_path,
    nice_ticks,
    spread_labels,
    tick_decimals,
)

__all__ = ["funnel_plot", "heatmap"]


def heatmap(
    values: npt.ArrayLike,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    *,
    title: str,
    desc: str | None = None,
    classes: int = 6,
    value_label: str = "Count",
    row_title: str = "",
    col_title: str = "",
    show_values: bool = True,
    totals: bool = True,
    decimals: int | None = None,
    width: float = 680,
    cell_height: float = 24,
    chart_id: str | None = None,
) -> str:
    """A heat map such as hour of day (columns) by day of week (rows).

    Cells are shaded in classed ColorBrewer Blues (light = low), which keeps
    its order in greyscale, and print their values, so colour is never the only cue.

    Parameters
    ----------
    values : array_like, shape (rows, cols)
        Cell values (NaN = no data, hatched).
    row_labels, col_labels : sequence of str
        Labels (e.g. ``["Mon", ..., "Sun"]`` and ``["00", ..., "23"]``).
    classes : int
        Number of equal-width shading classes from 0 to a round maximum.
    value_label : str
        Legend title.
    row_title, col_title : str
        Axis titles.
    show_values : bool
        Print each cell's value.
    totals : bool
        Row totals on the right and column totals underneath.
    decimals : int, optional
        Decimals of printed values.
    width, cell_height : float
        Chart width and row height in px.
    title, desc, chart_id
        As in :func:`harmwatch.report.svg.bar_chart`.

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    grid = np.atleast_2d(np.array(values, dtype=np.float64))
    nr, nc = grid.shape
    if len(row_labels) != nr or len(col_labels) != nc:
        raise ValueError("need one label per row and per column")
    finite = grid[np.isfinite(grid)]
    vmax = float(finite.max()) if finite.size else 1.0
    edges = nice_ticks(0.0, vmax if vmax > 0 else 1.0, classes)
    k = len(edges) - 1
    palette = blues(k)
    left = max((estimate_text_width(str(r)) for r in row_labels), default=0) + 12
    left += 18 if row_title else 0
    right = 56 if totals else 10
    top = 28 + (16 if col_title else 0)
    cw = (width - left - right) / max(nc, 1)
    body_h = nr * cell_height
    bottom = (20 if totals else 0) + 46
    height = top + body_h + bottom
    cv = Canvas(width, height, title, "", chart_id, "heatmap")
    nodata = cv.pattern("#ffffff", "diagonal", ink="#9a9a9a")
    size = min(11.0, cw * 0.42)
    for j, lab in enumerate(col_labels):
        cv.text(
            left + (j + 0.5) * cw, top - 8, lab, anchor="middle", size=min(11, cw * 0.5), fill=MUTED
        )
    if col_title:
        cv.text(left + nc * cw / 2, 14, col_title, anchor="middle")
    if row_title:
        cv.text(12, top + body_h / 2, row_title, anchor="middle", rotate=-90)
    for i, rlab in enumerate(row_labels):
        y = top + i * cell_height
        cv.text(left - 6, y + cell_height / 2 + 4, rlab, anchor="end")
        for j in range(nc):
            v = float(grid[i, j])
            x = left + j * cw
            tip = f"{rlab}, {col_labels[j]}: {fmt_num(v, decimals)}"
            if not math.isfinite(v):
                cv.rect(x, y, cw, cell_height, nodata, stroke="#fff", stroke_width=1, tooltip=tip)
                continue
            cls = min(int(np.searchsorted(edges, v, side="right")) - 1, k - 1)
            fill = palette[max(cls, 0)]
            cv.rect(x, y, cw, cell_height, fill, stroke="#fff", stroke_width=1, tooltip=tip)
            if show_values:
                ink = "#fff" if luminance(fill) < 0.3 else INK
                cv.text(
                    x + cw / 2,
                    y + cell_height / 2 + size * 0.36,
                    fmt_num(v, decimals),
                    anchor="middle",
                    size=size,
                    fill=ink,
                )
        if totals:
            cv.text(
                width - right + 6,
                y + cell_height / 2 + 4,
                fmt_num(float(np.nansum(grid[i])), decimals),
                weight="bold",
                size=11,
            )
    if totals:
        cv.text(width - right + 6, top - 8, "Total", size=11, weight="bold")
        yt = top + body_h + 14
        for j in range(nc):
            cv.text(
                left + (j + 0.5) * cw,
                yt,
                fmt_num(float(np.nansum(grid[:, j])), decimals),
                anchor="middle",
                size=size,
                weight="bold",
            )
        cv.text(left - 6, yt, "Total", anchor="end", size=11, weight="bold")
    # stepped legend
    ly = height - 30
    cv.text(left, ly - 4, value_label, size=11)
    dec = tick_decimals(edges)
    lx = left + estimate_text_width(value_label, 11) + 12
    for idx in range(k):
        cv.rect(lx + idx * 44, ly - 14, 44, 12, palette[idx], stroke=INK, stroke_width=0.4)
        cv.text(
            lx + idx * 44, ly + 10, fmt_num(edges[idx], dec), size=10, anchor="middle", fill=MUTED
        )
    cv.text(lx + k * 44, ly + 10, fmt_num(edges[-1], dec), size=10, anchor="middle", fill=MUTED)
    if not finite.size or np.isnan(grid).any():
        cv.rect(lx + k * 44 + 30, ly - 14, 14, 12, nodata, stroke=INK, stroke_width=0.4)
        cv.text(lx + k * 44 + 48, ly - 4, "no data", size=10, fill=MUTED)
    if desc is None:
        if finite.size:
            flat = int(np.nanargmax(np.where(np.isfinite(grid), grid, -np.inf)))
            i, j = flat // nc, flat % nc
            rows = "; ".join(
                f"{rl}: total {fmt_num(float(np.nansum(grid[r])), decimals)}"
                for r, rl in enumerate(row_labels)
            )
            desc = (
                f"{title}. Highest cell {row_labels[i]} {col_labels[j]} with "
                f"{fmt_num(float(grid[i, j]), decimals)}. {rows}. Every cell is listed "
                "in the table behind this chart."
            )
        else:
            desc = f"{title}. No data."
    cv.desc = desc
    return cv.render()


def _interp(
    xq: npt.NDArray[np.float64], xs: npt.ArrayLike, ys: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    xa, ya = as_floats(xs), as_floats(ys)
    order = np.argsort(xa, kind="stable")
    return np.interp(xq, xa[order], ya[order], left=np.nan, right=np.nan)


def funnel_plot(
    labels: Sequence[str],
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    *,
    target: float,
    limits: Mapping[str, tuple[npt.ArrayLike, npt.ArrayLike, npt.ArrayLike]],
    title: str,
    desc: str | None = None,
    x_label: str = "Expected count",
    y_label: str = "Ratio of observed to expected",
    target_label: str = "target",
    label_points: Sequence[bool] | None = None,
    log_x: bool = False,
    decimals: int | None = None,
    width: float = 640,
    height: float = 420,
    chart_id: str | None = None,
) -> str:
    """A funnel plot (Spiegelhalter 2005): units' rates or ratios against their precision.

    The control limits are computed by the caller (e.g. exact Poisson limits
    for 95% and 99.8%) and passed as curves. Points beyond a limit change shape
    as well as colour; points beyond the widest limit are labelled by name.

    Parameters
    ----------
    labels : sequence of str
        Unit names (areas, institutions).
    x : array_like
        Precision axis: expected count or population.
    y : array_like
        The units' rate or ratio.
    target : float
        The force rate or ratio (1 for observed/expected), drawn as a line.
    limits : mapping of str to (x, lower, upper)
        Limit name (e.g. ``"95%"``, ``"99.8%"``) -> curve points, narrowest first.
    x_label, y_label, target_label : str
        Axis titles and the target line's name.
    label_points : sequence of bool, optional
        Which points to name; default those outside the widest limit.
    log_x : bool
        Logarithmic precision axis.
    decimals : int, optional
        Decimals of values in the description.
    width, height : float
        Size in px.
    title, desc, chart_id
        As in :func:`harmwatch.report.svg.bar_chart`.

    Spiegelhalter DJ (2005). Funnel plots for comparing institutional
    performance. Statistics in Medicine 24(8):1185-1202.

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    names = list(map(str, labels))
    xv, yv = as_floats(x), as_floats(y)
    ok = np.isfinite(xv) & np.isfinite(yv) & (xv > 0 if log_x else np.isfinite(xv))
    limit_names = list(limits)
    status = np.zeros(len(names), dtype=int)  # 0 within, +k / -k beyond the k-th limit
    for k, lname in enumerate(limit_names, start=1):
        lx, llo, lhi = limits[lname]
        lo_at, hi_at = _interp(xv, lx, llo), _interp(xv, lx, lhi)
        status = np.where(yv > hi_at, k, np.where(yv < lo_at, -k, status))
    widest = len(limit_names)
    to_label = (
        np.asarray(label_points, dtype=bool)
        if label_points is not None
        else (np.abs(status) == widest) & (widest > 0)
    )
    xr = xv[ok]
    if xr.size == 0:
        xr = np.array([1.0, 10.0])
    xmin, xmax = float(xr.min()), float(xr.max())
    if log_x:
        lx0, lx1 = math.floor(math.log10(xmin)), math.ceil(math.log10(xmax))
        lx1 = lx1 if lx1 > lx0 else lx0 + 1
        xt = [10.0**e * m for e in range(lx0, lx1 + 1) for m in (1, 2, 5)]
        xt = [t for t in xt if 10.0**lx0 <= t <= 10.0**lx1]
        xa, xb = 10.0**lx0, 10.0**lx1
    else:
        xt = nice_ticks(0.0, xmax)
        xa, xb = xt[0], xt[-1]
    yr = np.concatenate([yv[ok], [target]])
    ymin, ymax = float(yr.min()), float(yr.max())
    span = max(ymax - ymin, abs(target) * 0.2, 1e-9)
    ylow = min(ymin, target) - 0.15 * span
    yt = nice_ticks(max(ylow, 0.0) if ymin >= 0 else ylow, ymax + 0.15 * span)
    ydec = tick_decimals(yt)
    left = max(estimate_text_width(fmt_num(t, ydec)) for t in yt) + 34
    top, right, bottom = 30, 60, 52
    cv = Canvas(width, height, title, "", chart_id, "funnel")
    x0, x1, y0, y1 = left, width - right, top, height - bottom

    def xp(v: float) -> float:
        if log_x:
            return x0 + (math.log10(v) - math.log10(xa)) / (math.log10(xb) - math.log10(xa)) * (
                x1 - x0
            )
        return x0 + (v - xa) / (xb - xa) * (x1 - x0)

    def yp(v: float) -> float:
        return y1 - (v - yt[0]) / (yt[-1] - yt[0]) * (y1 - y0)

    for t in yt:
        cv.line(x0, yp(t), x1, yp(t), GRID)
        cv.text(x0 - 6, yp(t) + 4, fmt_num(t, ydec), anchor="end", fill=MUTED)
    xdec = tick_decimals(xt)
    for t in xt:
        cv.line(xp(t), y1, xp(t), y1 + 4, INK)
        cv.text(xp(t), y1 + 17, fmt_num(t, xdec), anchor="middle", fill=MUTED)
    cv.line(x0, y1, x1, y1, INK)
    cv.line(x0, y0, x0, y1, INK)
    cv.text((x0 + x1) / 2, height - 14, x_label, anchor="middle")
    cv.text(14, (y0 + y1) / 2, y_label, anchor="middle", rotate=-90)
    clip = cv.ref("clip")
    cv.defs["clip"] = (
        f'<clipPath id="{clip}"><rect x="{c(x0)}" y="{c(y0)}" width="{c(x1 - x0)}" '
        f'height="{c(y1 - y0)}"/></clipPath>'
    )
    cv.add(f'<g clip-path="url(#{clip})">')
    dashes = ("6 4", "", "2 3")
    ends: list[tuple[str, float]] = []
    for k, lname in enumerate(limit_names):
        lx_, llo, lhi = (as_floats(a) for a in limits[lname])
        order = np.argsort(lx_, kind="stable")
        keep = order[(lx_[order] >= xa) & (lx_[order] <= xb) & (lx_[order] > 0 if log_x else True)]
        for curve in (llo, lhi):
            d = ""
            for i in keep:
                if math.isfinite(curve[i]):
                    yv_ = float(np.clip(curve[i], yt[0] - span * 10, yt[-1] + span * 10))
                    d += f"{'L' if d else 'M'}{c(xp(lx_[i]))} {c(yp(yv_))}"
            if d:
                cv.path(d, stroke=INK if k else MUTED, width=1.3, dash=dashes[k % 3] or None)
        if keep.size:
            last = keep[-1]
            ends += [(f"{lname}", yp(float(lhi[last]))), (f"{lname}", yp(float(llo[last])))]
    cv.line(x0, yp(target), x1, yp(target), OKABE_ITO[2], 1.6)
    cv.add("</g>")
    placed = spread_labels([e[1] for e in ends], 12, y0, y1)
    for (lname, _), yy in zip(ends, placed, strict=True):
        if y0 <= yy <= y1:
            cv.text(x1 + 4, yy + 4, lname, size=11, fill=MUTED)
    cv.text(x1 + 4, yp(target) + 4, target_label, size=11, fill=OKABE_ITO[2], weight="bold")
    style = {
        0: ("circle", "#8c8c8c"),
        1: ("diamond", OKABE_ITO[1]),
        -1: ("diamond", OKABE_ITO[4]),
        2: ("triangle", OKABE_ITO[3]),
        -2: ("triangle-down", OKABE_ITO[0]),
    }
    for i in np.flatnonzero(ok):
        s = int(np.sign(status[i]) * min(abs(status[i]), 2))
        if widest == 1 and s:
            s *= 2
        shape, fill = style[s]
        tip = f"{names[i]}: {fmt_num(yv[i], decimals)} at {fmt_num(xv[i], decimals)}"
        cv.path(
            marker_path(shape, xp(xv[i]), yp(yv[i]), 4.2),
            fill=fill,
            stroke=INK,
            width=0.6,
            tooltip=tip,
        )
    for i in np.flatnonzero(ok & to_label):
        cv.text(xp(xv[i]) + 7, yp(yv[i]) - 5, names[i], size=11, halo=True, weight="bold")
    # legend
    lxp = x0
    for shape, fill, text in (
        ("circle", "#8c8c8c", "within limits"),
        ("triangle", OKABE_ITO[3], f"above {limit_names[-1]}" if limit_names else "above"),
        ("triangle-down", OKABE_ITO[0], f"below {limit_names[-1]}" if limit_names else "below"),
    ):
        cv.path(marker_path(shape, lxp + 5, 14, 4.2), fill=fill, stroke=INK, width=0.6)
        cv.text(lxp + 13, 18, text, size=11)
        lxp += 24 + estimate_text_width(text, 11)
    if len(limit_names) > 1:
        cv.path(marker_path("diamond", lxp + 5, 14, 4.2), fill=OKABE_ITO[1], stroke=INK, width=0.6)
        cv.text(lxp + 13, 18, f"outside {limit_names[0]} only", size=11)
    if desc is None:
        above = [names[i] for i in np.flatnonzero(ok & (status == widest))] if widest else []
        below = [names[i] for i in np.flatnonzero(ok & (status == -widest))] if widest else []
        lw = limit_names[-1] if limit_names else "the limits"
        desc = (
            f"{title}. {int(ok.sum())} units plotted against {x_label.lower()}; "
            f"{target_label} {fmt_num(target, decimals)}. "
            f"Above the {lw} limit: {', '.join(above) or 'none'}. "
            f"Below the {lw} limit: {', '.join(below) or 'none'}."
        )
    cv.desc = desc
    return cv.render()
