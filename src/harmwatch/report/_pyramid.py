"""The near-miss pyramid: one centred bar per level, most serious on top, with ratios."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from harmwatch.report._svgkit import (
    INK,
    MUTED,
    Canvas,
    as_floats,
    blues,
    estimate_text_width,
    fmt_num,
)

__all__ = ["pyramid"]


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
