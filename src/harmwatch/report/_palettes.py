"""Colours of the report's SVG: ink, colour-blind-safe palettes, hatches, luminance.

Part of the private drawing kit (:mod:`._svgkit` re-exports it). Qualitative
series use the Okabe–Ito palette (Okabe & Ito 2008) paired with hatch patterns;
sequential scales use viridis (van der Walt & Smith, matplotlib 2.0: monotonic
luminance, so greyscale print keeps the order) or ColorBrewer ramps (Brewer,
Harrower 2003). The sources are cited at each palette below.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "GRID",
    "HATCHES",
    "INK",
    "MUTED",
    "OKABE_ITO",
    "blues",
    "lerp_palette",
    "luminance",
    "oranges",
    "viridis",
]

INK = "#1a1a1a"
MUTED = "#595959"
GRID = "#d9d9d9"

#: Okabe & Ito (2008) colour-blind-safe qualitative palette, ordered for contrast on white
#: (yellow last: weak on white paper).
OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#56B4E9",  # sky blue
    "#CC79A7",  # reddish purple
    "#000000",  # black
    "#F0E442",  # yellow
)

#: Fill patterns paired with the qualitative colours so series stay distinct in greyscale.
HATCHES = ("solid", "diagonal", "dots", "horizontal", "cross", "backdiagonal", "vertical", "grid")

# viridis (van der Walt & Smith, matplotlib 2.0) sampled at 11 stops, dark to light.
_VIRIDIS = (
    "#440154",
    "#482475",
    "#414487",
    "#355f8d",
    "#2a788e",
    "#21918c",
    "#22a884",
    "#44bf70",
    "#7ad151",
    "#bddf26",
    "#fde725",
)
# ColorBrewer "Blues" (Brewer, Harrower 2003), 9 classes, light to dark.
_BLUES = (
    "#f7fbff",
    "#deebf7",
    "#c6dbef",
    "#9ecae1",
    "#6baed6",
    "#4292c6",
    "#2171b5",
    "#08519c",
    "#08306b",
)

# ColorBrewer "OrRd", 9 classes, light to dark (for density surfaces, distinct from viridis).
_ORRD = (
    "#fff7ec",
    "#fee8c8",
    "#fdd49e",
    "#fdbb84",
    "#fc8d59",
    "#ef6548",
    "#d7301f",
    "#b30000",
    "#7f0000",
)


def _hex_rgb(colour: str) -> tuple[int, int, int]:
    h = colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def luminance(colour: str) -> float:
    """Relative luminance (WCAG 2) of a ``#rrggbb`` colour, 0 (black) to 1 (white)."""

    def lin(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = _hex_rgb(colour)
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def lerp_palette(stops: Sequence[str], n: int) -> list[str]:
    """``n`` colours interpolated evenly (in sRGB) along ``stops``."""
    if n <= 0:
        return []
    rgb = np.array([_hex_rgb(s) for s in stops], dtype=np.float64)
    pos = np.linspace(0, len(stops) - 1, n) if n > 1 else np.array([(len(stops) - 1) / 2])
    out = []
    for p in pos:
        i = min(int(p), len(stops) - 2)
        t = p - i
        r, g, b = (rgb[i] * (1 - t) + rgb[i + 1] * t).round().astype(int)
        out.append(f"#{r:02x}{g:02x}{b:02x}")
    return out


def viridis(n: int, light_to_dark: bool = True) -> list[str]:
    """``n`` viridis-like colours; luminance is monotonic, so greyscale print keeps the order."""
    stops = _VIRIDIS[::-1] if light_to_dark else _VIRIDIS
    # skip the palest yellow end a little so the lightest class is still visible on white
    return lerp_palette(stops, n + 1)[1:] if light_to_dark else lerp_palette(stops, n)


def blues(n: int) -> list[str]:
    """``n`` ColorBrewer Blues, light to dark (the lightest skipped: invisible on white)."""
    return lerp_palette(_BLUES[1:], n)


def oranges(n: int) -> list[str]:
    """``n`` ColorBrewer OrRd colours, light to dark (the two palest skipped)."""
    return lerp_palette(_ORRD[2:], n)
