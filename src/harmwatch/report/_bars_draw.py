"""Drawing bars: the layout, axes, bars, error bars, labels and legend of every bar chart.

:func:`draw_bars` draws simple, grouped or stacked bars, vertical or
horizontal, for :func:`harmwatch.report._bars.bar_chart` and
:func:`harmwatch.report._bars.grouped_bar_chart` (which document the options);
bars whose counts are too small to support a claim are hatched and marked with
a dagger, explained under the chart.
"""

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
    estimate_text_width,
    fmt_num,
    luminance,
    nice_ticks,
    tick_decimals,
)

__all__ = ["SMALL_MARK", "SMALL_NOTE", "draw_bars"]

SMALL_MARK = "†"
SMALL_NOTE = "† too few events to support a claim"


def _describe(
    title: str,
    categories: Sequence[str],
    series: Mapping[str, npt.NDArray[np.float64]],
    lower: Mapping[str, npt.NDArray[np.float64]] | None,
    upper: Mapping[str, npt.NDArray[np.float64]] | None,
    decimals: int | None,
    limit: int = 40,
) -> str:
    parts = []
    for name, vals in series.items():
        items = []
        for i, cat in enumerate(categories[:limit]):
            text = f"{cat} {fmt_num(vals[i], decimals)}"
            if lower is not None and upper is not None and name in lower and name in upper:
                lo, hi = lower[name][i], upper[name][i]
                if np.isfinite(lo) and np.isfinite(hi):
                    text += f" (interval {fmt_num(lo, decimals)} to {fmt_num(hi, decimals)})"
            items.append(text)
        if len(categories) > limit:
            items.append(f"and {len(categories) - limit} more")
        prefix = f"{name}: " if len(series) > 1 else ""
        parts.append(prefix + "; ".join(items))
    return f"{title}. " + ". ".join(parts) + "."


def draw_bars(
    categories: Sequence[str],
    series: Mapping[str, npt.NDArray[np.float64]],
    *,
    title: str,
    desc: str | None,
    stacked: bool,
    horizontal: bool,
    lower: Mapping[str, npt.NDArray[np.float64]] | None,
    upper: Mapping[str, npt.NDArray[np.float64]] | None,
    small: Sequence[bool] | None,
    value_label: str,
    category_label: str,
    colours: Sequence[str] | None,
    decimals: int | None,
    show_values: bool,
    width: float,
    height: float | None,
    chart_id: str | None,
    kind: str,
) -> str:
    names = list(series)
    ns, nc = len(names), len(categories)
    mat = np.vstack([series[n] for n in names]) if ns else np.zeros((0, nc))
    if mat.shape[1] != nc:
        raise ValueError("every series needs one value per category")
    finite = np.nan_to_num(mat)
    if stacked:
        tops = np.where(finite > 0, finite, 0).sum(axis=0)
        bottoms = np.where(finite < 0, finite, 0).sum(axis=0)
        vmax, vmin = float(tops.max(initial=0)), float(bottoms.min(initial=0))
    else:
        vmax, vmin = float(finite.max(initial=0)), float(finite.min(initial=0))
        for bound in (upper, lower):
            for arr in (bound or {}).values():
                if np.isfinite(arr).any():
                    vmax = max(vmax, float(np.nanmax(arr)))
                    vmin = min(vmin, float(np.nanmin(arr)))
    ticks = nice_ticks(vmin, vmax if vmax > vmin else vmin + 1, 5)
    tdec = tick_decimals(ticks)
    t0, t1 = min(ticks[0], 0.0), ticks[-1]
    small_mask = list(small) if small is not None else [False] * nc
    any_small = any(small_mask)

    legend_h = 24 if ns > 1 else 0
    note_h = 18 if any_small else 0
    longest = max((estimate_text_width(str(cat)) for cat in categories), default=0)
    tick_w = max(estimate_text_width(fmt_num(t, tdec)) for t in ticks)
    if horizontal:
        band = 30 if ns == 1 or stacked else 14 * ns + 10
        left = min(longest, width * 0.4) + 14 + (18 if category_label else 0)
        top, right = 12.0 + legend_h, 24.0 + (44 if show_values else 0)
        bottom = 34.0 + (18 if value_label else 0) + note_h
        h = height or top + bottom + band * nc
        cat_len = h - top - bottom
    else:
        h = height or 360
        left = tick_w + 14 + (20 if value_label else 0)
        top, right = 14.0 + legend_h, 16.0
        plot_w = width - left - right
        rotate = nc > 0 and longest > plot_w / max(nc, 1) - 6
        bottom = (longest * 0.62 + 22 if rotate else 26) + (18 if category_label else 0) + note_h
        cat_len = plot_w
    cv = Canvas(width, h, title, "", chart_id, kind)
    x0, x1, y0, y1 = left, width - right, top, h - bottom

    def vpos(v: float) -> float:
        frac = (v - t0) / (t1 - t0)
        return x0 + frac * (x1 - x0) if horizontal else y1 - frac * (y1 - y0)

    band_len = cat_len / max(nc, 1)

    def cpos(i: int, j: int = 0, parts: int = 1) -> tuple[float, float]:
        group = band_len * 0.72
        start = (x0 if not horizontal else y0) + i * band_len + (band_len - group) / 2
        w = group / parts
        return start + j * w, start + (j + 1) * w

    def bar(a: float, b: float, v0: float, v1: float, fill: str, tip: str) -> None:
        p0, p1 = vpos(v0), vpos(v1)
        if horizontal:
            cv.rect(p0, a, p1 - p0, b - a, fill, stroke=INK, stroke_width=0.5, tooltip=tip)
        else:
            cv.rect(a, p1, b - a, p0 - p1, fill, stroke=INK, stroke_width=0.5, tooltip=tip)

    # grid and value axis
    for t in ticks:
        p = vpos(t)
        label = fmt_num(t, tdec)
        if horizontal:
            cv.line(p, y0, p, y1, GRID)
            cv.text(p, y1 + 16, label, anchor="middle", fill=MUTED)
        else:
            cv.line(x0, p, x1, p, GRID)
            cv.text(x0 - 6, p + 4, label, anchor="end", fill=MUTED)
    zero = vpos(0.0)
    if horizontal:
        cv.line(zero, y0, zero, y1, INK)
        if value_label:
            cv.text((x0 + x1) / 2, y1 + 36, value_label, anchor="middle")
        if category_label:
            cv.text(12, (y0 + y1) / 2, category_label, anchor="middle", rotate=-90)
    else:
        cv.line(x0, zero, x1, zero, INK)
        if value_label:
            cv.text(14, (y0 + y1) / 2, value_label, anchor="middle", rotate=-90)
        if category_label:
            cv.text((x0 + x1) / 2, h - 6 - note_h, category_label, anchor="middle")

    fills = [
        cv.fill_for(k, colours[k] if colours and k < len(colours) else None) for k in range(ns)
    ]
    small_fill = [
        cv.pattern(colours[k] if colours else OKABE_ITO[k % 8], "diagonal") for k in range(ns)
    ]
    if ns == 1:
        fills = [colours[0] if colours else OKABE_ITO[0]]

    for i, cat in enumerate(categories):
        pos_base = neg_base = 0.0
        for k, name in enumerate(names):
            v = float(mat[k, i])
            if not math.isfinite(v):
                continue
            fill = small_fill[k] if small_mask[i] else fills[k]
            tip = f"{cat}" + (f", {name}" if ns > 1 else "") + f": {fmt_num(v, decimals)}"
            if stacked:
                base = pos_base if v >= 0 else neg_base
                a, b = cpos(i)
                bar(a, b, base, base + v, fill, tip)
                seg = abs(vpos(base + v) - vpos(base))
                label = fmt_num(v, decimals)
                fits = seg > (estimate_text_width(label) + 6 if horizontal else 16)
                if show_values and fits and v != 0:
                    mid_v = vpos(base + v / 2)
                    base_col = colours[k] if colours and k < len(colours) else OKABE_ITO[k % 8]
                    dark = luminance(base_col) < 0.25  # white text on dark, haloed ink on light
                    ink, halo = ("#fff", False) if dark else (INK, True)
                    tx, ty = (mid_v, (a + b) / 2 + 4) if horizontal else ((a + b) / 2, mid_v + 4)
                    cv.text(tx, ty, label, anchor="middle", size=11, halo=halo, fill=ink)
                if v >= 0:
                    pos_base += v
                else:
                    neg_base += v
                continue
            a, b = cpos(i, k, ns)
            bar(a, b, 0.0, v, fill, tip)
            end = v
            lo = lower[name][i] if lower and name in lower else math.nan
            hi = upper[name][i] if upper and name in upper else math.nan
            if math.isfinite(lo) and math.isfinite(hi):
                m, cap = (a + b) / 2, min(5.0, (b - a) / 3)
                if horizontal:
                    cv.line(vpos(lo), m, vpos(hi), m, INK, 1.3)
                    cv.line(vpos(lo), m - cap, vpos(lo), m + cap, INK, 1.3)
                    cv.line(vpos(hi), m - cap, vpos(hi), m + cap, INK, 1.3)
                else:
                    cv.line(m, vpos(lo), m, vpos(hi), INK, 1.3)
                    cv.line(m - cap, vpos(lo), m + cap, vpos(lo), INK, 1.3)
                    cv.line(m - cap, vpos(hi), m + cap, vpos(hi), INK, 1.3)
                end = max(v, hi) if v >= 0 else min(v, lo)
            if show_values:
                label = fmt_num(v, decimals) + (SMALL_MARK if small_mask[i] else "")
                size = 11 if ns > 1 else 12
                if horizontal:
                    off = 4 if v >= 0 else -4
                    cv.text(
                        vpos(end) + off,
                        (a + b) / 2 + 4,
                        label,
                        size=size,
                        anchor="start" if v >= 0 else "end",
                    )
                elif estimate_text_width(label, size) <= (b - a) + 8 or ns == 1:
                    off = -4 if v >= 0 else 13
                    cv.text((a + b) / 2, vpos(end) + off, label, size=size, anchor="middle")
        if stacked and show_values:
            a, b = cpos(i)
            total = fmt_num(pos_base + neg_base, decimals) + (SMALL_MARK if small_mask[i] else "")
            if horizontal:
                cv.text(vpos(pos_base) + 4, (a + b) / 2 + 4, total, weight="bold")
            else:
                cv.text((a + b) / 2, vpos(pos_base) - 4, total, anchor="middle", weight="bold")
        # category label
        a, b = cpos(i)
        if horizontal:
            cv.text(x0 - 6, (a + b) / 2 + 4, cat, anchor="end")
        elif rotate:
            cv.text((a + b) / 2 + 4, y1 + 12, cat, anchor="end", rotate=-38)
        else:
            cv.text((a + b) / 2, y1 + 16, cat, anchor="middle")

    if ns > 1:
        lx = x0
        for k, name in enumerate(names):
            lx += cv.legend_swatch(lx, 6, fills[k], name)
    if any_small:
        cv.text(x0, h - 5, SMALL_NOTE, size=11, fill=MUTED, italic=True)
    cv.desc = desc or _describe(title, categories, series, lower, upper, decimals)
    if any_small and not desc:
        flagged = [str(cat) for cat, s in zip(categories, small_mask, strict=True) if s]
        cv.desc += " Too few events to support a claim: " + ", ".join(flagged) + "."
    return cv.render()
