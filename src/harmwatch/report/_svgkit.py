"""Private drawing kit for the report's inline SVG: escaping, numbers, ticks, palettes, canvas.

Everything here is deterministic: the same calls give the same bytes. Element ids
inside a chart are prefixed with a hash of the chart's own content, so several
charts inlined in one HTML page never share an id by accident.

This module is the kit's one surface for the chart modules; the pieces live in
:mod:`._svgtext` (escaping, coordinates, numbers, ticks, label widths),
:mod:`._palettes` (ink, palettes, hatches, luminance) and :mod:`._canvas`
(:class:`Canvas`, point markers).
"""

from __future__ import annotations

from harmwatch.report._canvas import FONT_STACK, MARKERS, Canvas, marker_path
from harmwatch.report._palettes import (
    GRID,
    HATCHES,
    INK,
    MUTED,
    OKABE_ITO,
    blues,
    lerp_palette,
    luminance,
    oranges,
    viridis,
)
from harmwatch.report._svgtext import (
    as_floats,
    c,
    esc,
    estimate_text_width,
    fmt_num,
    nice_ticks,
    spread_labels,
    tick_decimals,
)

__all__ = [
    "FONT_STACK",
    "GRID",
    "HATCHES",
    "INK",
    "MARKERS",
    "MUTED",
    "OKABE_ITO",
    "Canvas",
    "as_floats",
    "blues",
    "c",
    "esc",
    "estimate_text_width",
    "fmt_num",
    "lerp_palette",
    "luminance",
    "marker_path",
    "nice_ticks",
    "oranges",
    "spread_labels",
    "tick_decimals",
    "viridis",
]
