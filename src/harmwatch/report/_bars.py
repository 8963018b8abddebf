"""Bar charts (simple, grouped, stacked; vertical or horizontal) and the near-miss pyramid."""

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
    estimate_text_width,
    fmt_num,
    luminance,
    nice_ticks,
    tick_decimals,
)

__all__ = ["bar_chart", "grouped_bar_chart", "pyramid"]

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


def _bars(
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


def bar_chart(
    categories: Sequence[str],
    values: npt.ArrayLike,
    *,
    title: str,
    desc: str | None = None,
    lower: npt.ArrayLike | None = None,
    upper: npt.ArrayLike | None = None,
    horizontal: bool = False,
    small: Sequence[bool] | None = None,
    value_label: str = "",
    category_label: str = "",
    colour: str = OKABE_ITO[0],
    decimals: int | None = None,
    show_values: bool = True,
    width: float = 640,
    height: float | None = None,
    chart_id: str | None = None,
) -> str:
    """A bar chart, optionally with error bars (e.g. exact Poisson 95% intervals).

    Parameters
    ----------
    categories : sequence of str
        One label per bar, in drawing order.
    values : array_like
        Bar values; None or NaN leaves a gap.
    title : str
        Accessible name of the chart (``<title>``).
    desc : str, optional
        Alt text (``<desc>``); by default every value (and interval) is listed.
    lower, upper : array_like, optional
        Interval ends drawn as error bars.
    horizontal : bool
        Bars along x (better for long category names).
    small : sequence of bool, optional
        True where the count is too small to support a claim: the bar is hatched
        and its label marked with a dagger, explained under the chart.
    value_label, category_label : str
        Axis titles.
    colour : str
        Bar colour (default Okabe–Ito blue).
    decimals : int, optional
        Decimals of value labels.
    show_values : bool
        Print each value at its bar's end (direct labels, readable in greyscale).
    width, height : float
        Size in px; horizontal charts grow with the number of bars by default.
    chart_id : str, optional
        Id of the ``<svg>`` (default: a hash of its content).

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    lo = {"": as_floats(lower)} if lower is not None else None
    hi = {"": as_floats(upper)} if upper is not None else None
    return _bars(
        list(map(str, categories)),
        {"": as_floats(values)},
        title=title,
        desc=desc,
        stacked=False,
        horizontal=horizontal,
        lower=lo,
        upper=hi,
        small=small,
        value_label=value_label,
        category_label=category_label,
        colours=[colour],
        decimals=decimals,
        show_values=show_values,
        width=width,
        height=height,
        chart_id=chart_id,
        kind="bar",
    )


def grouped_bar_chart(
    categories: Sequence[str],
    series: Mapping[str, npt.ArrayLike],
    *,
    title: str,
    desc: str | None = None,
    stacked: bool = False,
    horizontal: bool = False,
    lower: Mapping[str, npt.ArrayLike] | None = None,
    upper: Mapping[str, npt.ArrayLike] | None = None,
    small: Sequence[bool] | None = None,
    value_label: str = "",
    category_label: str = "",
    colours: Sequence[str] | None = None,
    decimals: int | None = None,
    show_values: bool = True,
    width: float = 640,
    height: float | None = None,
    chart_id: str | None = None,
) -> str:
    """Grouped (side by side) or stacked bars for several series.

    Each series gets an Okabe–Ito colour *and* a hatch pattern, shown in the
    legend, so the chart reads in greyscale. Stacked bars print each segment's
    value where it fits and the total at the end.

    Parameters
    ----------
    categories : sequence of str
        Category labels.
    series : mapping of str to array_like
        Series name -> one value per category (legend order = mapping order).
    stacked : bool
        Stack instead of grouping (intervals are then ignored).
    lower, upper : mapping of str to array_like, optional
        Interval ends per series (grouped bars only).
    small : sequence of bool, optional
        Categories whose counts are too small to support a claim.
    title, desc, horizontal, value_label, category_label, decimals, show_values
        As in :func:`bar_chart`.
    width, height, chart_id
        As in :func:`bar_chart`.
    colours : sequence of str, optional
        Series colours (default Okabe–Ito).

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    ser = {str(k): as_floats(v) for k, v in series.items()}
    lo = {str(k): as_floats(v) for k, v in lower.items()} if lower else None
    hi = {str(k): as_floats(v) for k, v in upper.items()} if upper else None
    return _bars(
        list(map(str, categories)),
        ser,
        title=title,
        desc=desc,
        stacked=stacked,
        horizontal=horizontal,
        lower=lo,
        upper=hi,
        small=small,
        value_label=value_label,
        category_label=category_label,
        colours=colours,
        decimals=decimals,
        show_values=show_values,
        width=width,
        height=height,
        chart_id=chart_id,
        kind="stacked-bar" if stacked else "grouped-bar",
    )


def _ratio(count: float, top: float) -> str:
    if not (math.isfinite(count) and math.isfinite(top)) or top <= 0:
        return "ratio not defined"
    r = count / top
    return f"1 : {fmt_num(r, 0 if r >= 10 or float(r).is_integer() else 1)}"


def pyramid(
    levels: Sequence[str],
    counts: npt.ArrayLike,
    *,
    title: str,
    desc: str | None = None,
    previous: npt.ArrayLike | None = None,
    current_label: str = "this period",
    previous_label: str = "previous period",
    log_scale: bool = True,
    width: float = 640,
    chart_id: str | None = None,
) -> str:
    """The near-miss pyramid: one centred bar per level, most serious on top.

    Each level is labelled with its count and its ratio to the top level
    (e.g. homicide : attempted murder : GBH : ABH = 1 : 4 : 60 : 900). Counts
    span orders of magnitude, so widths are on a log10(count + 1) scale by
    default (said in the chart and its description). The previous period, if
    given, is drawn as a dashed outline over each bar.

    Parameters
    ----------
    levels : sequence of str
        Level names, most serious first.
    counts : array_like
        Count per level in the current period.
    previous : array_like, optional
        Count per level in the comparison period.
    current_label, previous_label : str
        Names of the two periods for the legend.
    log_scale : bool
        Log widths (default) or widths proportional to the counts.
    title, desc, width, chart_id
        As in :func:`bar_chart`.

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    names = list(map(str, levels))
    cur = np.nan_to_num(as_floats(counts))
    prev = np.nan_to_num(as_floats(previous)) if previous is not None else None
    n = len(names)
    row, top = 38, 30 if prev is not None else 8
    h = top + n * row + 30
    cv = Canvas(width, h, title, "", chart_id, "pyramid")
    label_w = min(max((estimate_text_width(s) for s in names), default=0) + 10, width * 0.28)
    stat_w = 190 if prev is not None else 120
    cx = label_w + (width - label_w - stat_w) / 2
    half = (width - label_w - stat_w) / 2 - 6
    allv = np.concatenate([cur, prev]) if prev is not None else cur
    vmax = float(allv.max(initial=0))

    def w(v: float) -> float:
        if vmax <= 0:
            return 0.0
        if log_scale:
            return half * math.log10(v + 1) / math.log10(vmax + 1)
        return half * v / vmax

    colours = blues(n + 2)[::-1][:n] if n else []
    for i, name in enumerate(names):
        y = top + i * row
        ww = max(w(float(cur[i])), 1.0)
        tip = f"{name}: {fmt_num(cur[i])} ({_ratio(cur[i], cur[0])})"
        cv.rect(
            cx - ww, y + 4, 2 * ww, row - 8, colours[i], stroke=INK, stroke_width=0.6, tooltip=tip
        )
        if prev is not None:
            pw = max(w(float(prev[i])), 1.0)
            cv.rect(
                cx - pw, y + 2, 2 * pw, row - 4, "none", stroke=INK, stroke_width=1.2, dash="4 3"
            )
        cv.text(label_w - 8, y + row / 2 + 4, name, anchor="end")
        sx = width - stat_w + 4
        cv.text(sx, y + row / 2 + (0 if prev is not None else 4), fmt_num(cur[i]), weight="bold")
        cv.text(sx + 56, y + row / 2 + (0 if prev is not None else 4), _ratio(cur[i], cur[0]))
        if prev is not None:
            cv.text(
                sx, y + row / 2 + 14, f"{previous_label}: {fmt_num(prev[i])}", size=11, fill=MUTED
            )
    scale = "log scale: width ∝ log10(count + 1)" if log_scale else "width ∝ count"
    cv.text(label_w, h - 8, f"Bar widths on a {scale}", size=11, fill=MUTED, italic=True)
    if prev is not None:
        cv.rect(label_w, 6, 14, 12, colours[0] if colours else INK, stroke=INK, stroke_width=0.6)
        cv.text(label_w + 19, 16, current_label)
        lx = label_w + 40 + estimate_text_width(current_label)
        cv.rect(lx, 6, 14, 12, "none", stroke=INK, stroke_width=1.2, dash="4 3")
        cv.text(lx + 19, 16, f"{previous_label} (dashed outline)")
    if desc is None:
        items = [
            f"{name} {fmt_num(cur[i])} ({_ratio(cur[i], cur[0])})" for i, name in enumerate(names)
        ]
        desc = f"{title}. {current_label}: " + "; ".join(items) + "."
        if prev is not None:
            items = [
                f"{name} {fmt_num(prev[i])} ({_ratio(prev[i], prev[0])})"
                for i, name in enumerate(names)
            ]
            desc += f" {previous_label}: " + "; ".join(items) + "."
        desc += f" Bar widths on a {scale}."
    cv.desc = desc
    return cv.render()
