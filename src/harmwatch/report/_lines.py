"""Line charts over time (with interval bands and markers) and small-multiple sparklines."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date

import numpy as np
import numpy.typing as npt

from harmwatch.report._svgkit import (
    GRID,
    INK,
    MARKERS,
    MUTED,
    OKABE_ITO,
    Canvas,
    as_floats,
    c,
    estimate_text_width,
    fmt_num,
    marker_path,
    nice_ticks,
    spread_labels,
    tick_decimals,
)

__all__ = ["line_chart", "sparklines"]

DASHES = ("", "7 3", "2 3", "9 3 2 3", "4 4", "1 2")
XValue = str | int | float | date


def _segments(xs: Sequence[float], ys: npt.NDArray[np.float64]) -> str:
    """Path data through finite points; a NaN breaks the line."""
    out, pen = [], False
    for x, y in zip(xs, ys, strict=True):
        if not math.isfinite(y):
            pen = False
            continue
        out.append(f"{'L' if pen else 'M'}{c(x)} {c(y)}")
        pen = True
    return "".join(out)


def line_chart(
    x: Sequence[XValue],
    series: Mapping[str, npt.ArrayLike],
    *,
    title: str,
    desc: str | None = None,
    lower: Mapping[str, npt.ArrayLike] | None = None,
    upper: Mapping[str, npt.ArrayLike] | None = None,
    band_label: str = "shaded: 95% interval",
    markers: bool = True,
    value_label: str = "",
    x_label: str = "",
    colours: Sequence[str] | None = None,
    decimals: int | None = None,
    zero_based: bool = True,
    reference: float | None = None,
    reference_label: str = "",
    width: float = 640,
    height: float = 340,
    chart_id: str | None = None,
) -> str:
    """Lines over time, with optional interval bands, point markers and direct labels.

    Points are equally spaced in the order given (years, quarters, months as
    labels). Each series has its own colour, dash pattern and marker shape and
    is named at its last point, so no colour-only legend is needed.

    Parameters
    ----------
    x : sequence of str, int, float or date
        The time points, in order.
    series : mapping of str to array_like
        Series name -> one value per time point (None or NaN leaves a gap).
    lower, upper : mapping of str to array_like, optional
        Interval ends per series, drawn as a shaded band.
    band_label : str
        Note explaining the band, printed under the chart when bands are drawn.
    markers : bool
        Draw a marker at each point.
    value_label, x_label : str
        Axis titles.
    colours : sequence of str, optional
        Series colours (default Okabe–Ito).
    decimals : int, optional
        Decimals in the description and tooltips.
    zero_based : bool
        Start the value axis at zero (default; rates and counts).
    reference : float, optional
        A horizontal reference line (e.g. the force average), labelled ``reference_label``.
    width, height : float
        Size in px.
    title, desc, chart_id
        As in :func:`harmwatch.report.svg.bar_chart`.

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    labels = [x_.isoformat() if isinstance(x_, date) else str(x_) for x_ in x]
    ser = {str(k): as_floats(v) for k, v in series.items()}
    lo = {str(k): as_floats(v) for k, v in (lower or {}).items()}
    hi = {str(k): as_floats(v) for k, v in (upper or {}).items()}
    n = len(labels)
    for name, vals in ser.items():
        if len(vals) != n:
            raise ValueError(f"series {name!r} has {len(vals)} values for {n} time points")
    allv = np.concatenate([*ser.values(), *lo.values(), *hi.values(), np.array([np.nan])])
    if reference is not None:
        allv = np.append(allv, reference)
    finite = allv[np.isfinite(allv)]
    vmin = float(finite.min()) if finite.size else 0.0
    vmax = float(finite.max()) if finite.size else 1.0
    if zero_based:
        vmin = min(vmin, 0.0)
    ticks = nice_ticks(vmin, vmax if vmax > vmin else vmin + 1)
    tdec = tick_decimals(ticks)
    name_w = max((estimate_text_width(s) for s in ser), default=0)
    left = (
        max(estimate_text_width(fmt_num(t, tdec)) for t in ticks) + 14 + (20 if value_label else 0)
    )
    right = (name_w + 16) if len(ser) > 1 or ser.keys() != {""} else 16
    has_band = bool(lo and hi)
    bottom = 28 + (18 if x_label else 0) + (16 if has_band else 0)
    top = 12
    cv = Canvas(width, height, title, "", chart_id, "line")
    x0, x1, y0, y1 = left, width - right, top, height - bottom

    def xp(i: int) -> float:
        return x0 + (i + 0.5) * (x1 - x0) / max(n, 1)

    def yp(v: float) -> float:
        return y1 - (v - ticks[0]) / (ticks[-1] - ticks[0]) * (y1 - y0)

    for t in ticks:
        cv.line(x0, yp(t), x1, yp(t), GRID)
        cv.text(x0 - 6, yp(t) + 4, fmt_num(t, tdec), anchor="end", fill=MUTED)
    cv.line(x0, y1, x1, y1, INK)
    widest = max((estimate_text_width(s) for s in labels), default=0) + 10
    step = max(1, math.ceil(n * widest / max(x1 - x0, 1)))
    for i, lab in enumerate(labels):
        if i % step == 0 or (i == n - 1 and (n - 1) % step >= step / 2):
            cv.line(xp(i), y1, xp(i), y1 + 4, INK)
            cv.text(xp(i), y1 + 17, lab, anchor="middle", fill=MUTED)
    if value_label:
        cv.text(14, (y0 + y1) / 2, value_label, anchor="middle", rotate=-90)
    if x_label:
        cv.text((x0 + x1) / 2, y1 + 36, x_label, anchor="middle")
    if reference is not None and math.isfinite(reference):
        cv.line(x0, yp(reference), x1, yp(reference), MUTED, 1.2, dash="5 4")
        if reference_label:
            cv.text(x0 + 4, yp(reference) - 5, reference_label, size=11, fill=MUTED, halo=True)

    xs = [xp(i) for i in range(n)]
    ends: list[tuple[str, float, str]] = []
    for k, (name, vals) in enumerate(ser.items()):
        colour = colours[k] if colours and k < len(colours) else OKABE_ITO[k % len(OKABE_ITO)]
        if name in lo and name in hi:
            a, b = lo[name], hi[name]
            ok = np.isfinite(a) & np.isfinite(b)
            idx = np.flatnonzero(ok)
            if idx.size:
                # one polygon per run of consecutive finite points
                runs = np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1)
                for run in runs:
                    top_ = "".join(f"L{c(xs[i])} {c(yp(b[i]))}" for i in run)
                    bot = "".join(f"L{c(xs[i])} {c(yp(a[i]))}" for i in run[::-1])
                    cv.path("M" + top_[1:] + bot + "Z", fill=colour, opacity=0.18)
        ys = np.array([yp(v) if math.isfinite(v) else math.nan for v in vals])
        cv.path(_segments(xs, ys), stroke=colour, width=2.2, dash=DASHES[k % len(DASHES)] or None)
        if markers:
            shape = MARKERS[k % len(MARKERS)]
            for i, v in enumerate(vals):
                if math.isfinite(v):
                    tip = f"{name + ', ' if name else ''}{labels[i]}: {fmt_num(v, decimals)}"
                    cv.path(
                        marker_path(shape, xs[i], ys[i], 3.4),
                        fill=colour,
                        stroke="#fff",
                        width=0.8,
                        tooltip=tip,
                    )
        last = np.flatnonzero(np.isfinite(vals))
        if name and last.size:
            ends.append((name, float(ys[last[-1]]), colour))
    placed = spread_labels([e[1] for e in ends], 14, y0 + 4, y1)
    for (name, _, colour), y in zip(ends, placed, strict=True):
        cv.text(x1 + 6, y + 4, name, fill=INK, weight="bold")
        cv.rect(x1 + 1, y - 1, 3, 3, colour)
    if has_band:
        cv.text(x0, height - 5, band_label, size=11, fill=MUTED, italic=True)
    if desc is None:
        parts = []
        for name, vals in ser.items():
            pts = [f"{labels[i]} {fmt_num(v, decimals)}" for i, v in enumerate(vals)]
            if name in lo and name in hi:
                pts = [
                    p + f" ({fmt_num(lo[name][i], decimals)} to {fmt_num(hi[name][i], decimals)})"
                    if math.isfinite(lo[name][i])
                    else p
                    for i, p in enumerate(pts)
                ]
            parts.append((f"{name}: " if name else "") + "; ".join(pts))
        desc = f"{title}. " + ". ".join(parts) + "."
    cv.desc = desc
    return cv.render()


def sparklines(
    series: Mapping[str, npt.ArrayLike],
    *,
    title: str,
    x_labels: Sequence[XValue] | None = None,
    desc: str | None = None,
    columns: int = 3,
    panel_width: float = 210,
    panel_height: float = 78,
    shared_scale: bool = False,
    colour: str = OKABE_ITO[0],
    decimals: int | None = None,
    chart_id: str | None = None,
) -> str:
    """Small multiples: one tiny line per series (e.g. per district), with first and last values.

    Parameters
    ----------
    series : mapping of str to array_like
        Panel name -> values over time.
    title : str
        Accessible name.
    x_labels : sequence, optional
        Time labels (the first and last are printed under each panel).
    desc : str, optional
        Alt text; by default each series' first, last, lowest and highest values.
    columns : int
        Panels per row.
    panel_width, panel_height : float
        Size of one panel in px.
    shared_scale : bool
        One value scale for all panels (compare levels) instead of one per panel
        (compare shapes; said in the description).
    colour : str
        Line colour.
    decimals : int, optional
        Decimals of printed values.
    chart_id : str, optional
        Id of the ``<svg>``.

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    ser = {str(k): as_floats(v) for k, v in series.items()}
    n = len(ser)
    cols = max(1, min(columns, n))
    rows = math.ceil(n / cols) if n else 1
    width, height = cols * panel_width, rows * panel_height + 16
    cv = Canvas(width, height, title, "", chart_id, "sparklines")
    finite_all = np.concatenate([v[np.isfinite(v)] for v in ser.values()] or [np.zeros(0)])
    g_lo = float(finite_all.min()) if finite_all.size else 0.0
    g_hi = float(finite_all.max()) if finite_all.size else 1.0
    xl = [x_.isoformat() if isinstance(x_, date) else str(x_) for x_ in (x_labels or [])]
    summaries = []
    for k, (name, vals) in enumerate(ser.items()):
        px, py = (k % cols) * panel_width, (k // cols) * panel_height
        ok = np.flatnonzero(np.isfinite(vals))
        cv.text(px + 6, py + 14, name, weight="bold", size=12)
        if not ok.size:
            cv.text(px + 6, py + 40, "no data", fill=MUTED, italic=True)
            summaries.append(f"{name}: no data")
            continue
        lo_, hi_ = (g_lo, g_hi) if shared_scale else (float(vals[ok].min()), float(vals[ok].max()))
        if hi_ == lo_:
            lo_, hi_ = lo_ - 1, hi_ + 1
        gx0, gx1 = px + 8, px + panel_width - 58
        gy0, gy1 = py + 22, py + panel_height - 20
        m = len(vals)

        def xx(i: int, gx0: float = gx0, gx1: float = gx1, m: int = m) -> float:
            return gx0 + i * (gx1 - gx0) / max(m - 1, 1)

        def yy(
            v: float, gy0: float = gy0, gy1: float = gy1, lo_: float = lo_, hi_: float = hi_
        ) -> float:
            return gy1 - (v - lo_) / (hi_ - lo_) * (gy1 - gy0)

        cv.line(gx0, gy1, gx1, gy1, GRID)
        ys = np.array([yy(v) if math.isfinite(v) else math.nan for v in vals])
        cv.path(_segments([xx(i) for i in range(m)], ys), stroke=colour, width=1.6)
        imax, imin, ilast = int(ok[np.argmax(vals[ok])]), int(ok[np.argmin(vals[ok])]), int(ok[-1])
        cv.path(
            marker_path("triangle", xx(imax), ys[imax] - 1, 2.6),
            fill=INK,
            tooltip=f"highest {fmt_num(vals[imax], decimals)}",
        )
        cv.path(
            marker_path("triangle-down", xx(imin), ys[imin] + 1, 2.6),
            fill=INK,
            tooltip=f"lowest {fmt_num(vals[imin], decimals)}",
        )
        cv.path(marker_path("circle", xx(ilast), ys[ilast], 2.8), fill=colour)
        cv.text(gx1 + 6, ys[ilast] + 4, fmt_num(vals[ilast], decimals), weight="bold")
        if xl:
            cv.text(gx0, gy1 + 13, xl[0], size=10, fill=MUTED)
            cv.text(gx1, gy1 + 13, xl[-1], size=10, fill=MUTED, anchor="end")
        first = f"{xl[int(ok[0])]} " if xl else ""
        lastl = f"{xl[ilast]} " if xl else ""
        summaries.append(
            f"{name}: {first}{fmt_num(vals[ok[0]], decimals)} to {lastl}"
            f"{fmt_num(vals[ilast], decimals)}, lowest {fmt_num(vals[imin], decimals)}, "
            f"highest {fmt_num(vals[imax], decimals)}"
        )
    scale_note = "one scale for all panels" if shared_scale else "each panel on its own scale"
    cv.text(4, height - 4, f"▲ highest  ▼ lowest  ● latest; {scale_note}", size=10, fill=MUTED)
    cv.desc = desc or f"{title} ({scale_note}). " + "; ".join(summaries) + "."
    return cv.render()
