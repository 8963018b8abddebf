"""Private drawing kit for the report's inline SVG: escaping, numbers, ticks, palettes, canvas.

Everything here is deterministic: the same calls give the same bytes. Element ids
inside a chart are prefixed with a hash of the chart's own content, so several
charts inlined in one HTML page never share an id by accident.
"""

from __future__ import annotations

import hashlib
import html
import math
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

__all__ = [
    "FONT_STACK",
    "GRID",
    "HATCHES",
    "INK",
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

#: System fonts only: nothing is fetched from a network.
FONT_STACK = (
    "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', 'Liberation Sans', "
    "'DejaVu Sans', Arial, sans-serif"
)
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

_ID_TOKEN = "<hwid>"  # never survives esc(), so user text cannot collide with it


def esc(text: object) -> str:
    """HTML/XML-escape any value's text (quotes too, so it is safe in attributes)."""
    return html.escape(str(text), quote=True)


def c(value: float) -> str:
    """A coordinate with at most one decimal, no trailing zeros ("12", "3.5")."""
    s = f"{value:.1f}"
    if s.endswith(".0"):
        s = s[:-2]
    return "0" if s == "-0" else s


def as_floats(values: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """A float array with None turned into NaN."""
    if isinstance(values, np.ndarray):
        return values.astype(np.float64)
    seq = list(values) if isinstance(values, Iterable) else [values]
    return np.array([np.nan if v is None else v for v in seq], dtype=np.float64)


def fmt_num(value: float | int | None, decimals: int | None = None) -> str:
    """A number for display: thousands separators, a true minus sign, "–" for missing.

    Parameters
    ----------
    value : float or int or None
        The number; None or NaN gives an en dash.
    decimals : int, optional
        Fixed decimals; by default integers get none and other values two
        significant-ish decimals (1 decimal from 10, none from 100).
    """
    if value is None:
        return "–"
    v = float(value)
    if math.isnan(v):
        return "–"
    if decimals is None:
        if v.is_integer() or abs(v) >= 100:
            decimals = 0
        elif abs(v) >= 10:
            decimals = 1
        else:
            decimals = 2
    s = f"{abs(v):,.{decimals}f}"
    if v < 0 and s.strip("0.,") != "":
        return "−" + s
    return s


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] (1, 2, 2.5 or 5 times a power of ten)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0, 1.0]
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        hi = lo + (abs(lo) if lo else 1.0)
    raw = (hi - lo) / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw - 1e-12)
    start = math.floor(lo / step + 1e-9) * step
    stop = math.ceil(hi / step - 1e-9) * step
    count = round((stop - start) / step)
    return [round(start + i * step, 10) for i in range(count + 1)]


def tick_decimals(ticks: Sequence[float]) -> int:
    """Decimals needed to show every tick distinctly."""
    for d in range(0, 6):
        if all(abs(round(t, d) - t) < 1e-9 for t in ticks):
            return d
    return 6


def estimate_text_width(text: str, size: float = 12.0) -> float:
    """A rough text width in px (no font metrics are available offline)."""
    return 0.58 * size * len(text)


def spread_labels(ys: Sequence[float], gap: float, lo: float, hi: float) -> list[float]:
    """Move label positions apart by at least ``gap`` px, keeping their order, within [lo, hi]."""
    order = sorted(range(len(ys)), key=lambda i: (ys[i], i))
    placed = [float(ys[i]) for i in order]
    for k in range(1, len(placed)):
        placed[k] = max(placed[k], placed[k - 1] + gap)
    overflow = placed[-1] - hi if placed else 0.0
    if overflow > 0:
        placed = [p - overflow for p in placed]
        for k in range(len(placed) - 2, -1, -1):
            placed[k] = min(placed[k], placed[k + 1] - gap)
    placed = [max(lo, p) for p in placed]
    out = [0.0] * len(ys)
    for k, i in enumerate(order):
        out[i] = placed[k]
    return out


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


def marker_path(kind: str, x: float, y: float, r: float) -> str:
    """SVG path data for a point marker centred at (x, y)."""
    if kind == "square":
        return f"M{c(x - r)} {c(y - r)}h{c(2 * r)}v{c(2 * r)}h{c(-2 * r)}Z"
    if kind in ("triangle", "triangle-down"):
        s = 1 if kind == "triangle" else -1
        tip, base = y - s * 1.2 * r, y + s * 0.8 * r
        return f"M{c(x)} {c(tip)}L{c(x + 1.1 * r)} {c(base)}L{c(x - 1.1 * r)} {c(base)}Z"
    if kind == "diamond":
        a = 1.3 * r
        return f"M{c(x)} {c(y - a)}L{c(x + a)} {c(y)}L{c(x)} {c(y + a)}L{c(x - a)} {c(y)}Z"
    if kind == "cross":
        w = r * 0.45
        return (
            f"M{c(x - w)} {c(y - r)}h{c(2 * w)}v{c(r - w)}h{c(r - w)}v{c(2 * w)}h{c(w - r)}"
            f"v{c(r - w)}h{c(-2 * w)}v{c(w - r)}h{c(w - r)}v{c(-2 * w)}h{c(r - w)}Z"
        )
    # circle as a path (two arcs)
    return f"M{c(x - r)} {c(y)}a{c(r)} {c(r)} 0 1 0 {c(2 * r)} 0a{c(r)} {c(r)} 0 1 0 {c(-2 * r)} 0Z"


MARKERS = ("circle", "square", "triangle", "diamond", "cross", "triangle-down")


class Canvas:
    """An SVG being built: elements appended in order, defs (patterns) shared.

    Parameters
    ----------
    width, height : float
        Size in CSS px (also the viewBox).
    title : str
        Short accessible name (``<title>``).
    desc : str
        The alt text (``<desc>``): what the chart shows, in words and numbers.
    chart_id : str, optional
        Id of the ``<svg>``; by default ``hw`` + a hash of the chart's content.
    """

    def __init__(
        self,
        width: float,
        height: float,
        title: str,
        desc: str,
        chart_id: str | None = None,
        kind: str = "chart",
    ) -> None:
        self.width = width
        self.height = height
        self.title = title
        self.desc = desc
        self.chart_id = chart_id
        self.kind = kind
        self.parts: list[str] = []
        self.defs: dict[str, str] = {}

    def ref(self, key: str) -> str:
        """A document-unique id for an element of this chart."""
        return f"{_ID_TOKEN}-{key}"

    def add(self, fragment: str) -> None:
        """Append raw SVG (already escaped)."""
        self.parts.append(fragment)

    def text(
        self,
        x: float,
        y: float,
        text: object,
        *,
        size: float = 12,
        anchor: str = "start",
        weight: str | None = None,
        fill: str = INK,
        rotate: float | None = None,
        halo: bool = False,
        italic: bool = False,
    ) -> None:
        """A text label; ``halo`` draws a white outline underneath for legibility on fills."""
        attrs = f'x="{c(x)}" y="{c(y)}" font-size="{c(size)}"'
        if anchor != "start":
            attrs += f' text-anchor="{anchor}"'
        if weight:
            attrs += f' font-weight="{weight}"'
        if italic:
            attrs += ' font-style="italic"'
        if rotate is not None:
            attrs += f' transform="rotate({c(rotate)} {c(x)} {c(y)})"'
        body = esc(text)
        if halo:
            self.parts.append(
                f'<text {attrs} fill="#fff" stroke="#fff" stroke-width="3" '
                f'stroke-linejoin="round" aria-hidden="true">{body}</text>'
            )
        self.parts.append(f'<text {attrs} fill="{fill}">{body}</text>')

    def line(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        stroke: str = INK,
        width: float = 1,
        dash: str | None = None,
    ) -> None:
        """A straight line."""
        d = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(
            f'<line x1="{c(x1)}" y1="{c(y1)}" x2="{c(x2)}" y2="{c(y2)}" '
            f'stroke="{stroke}" stroke-width="{c(width)}"{d}/>'
        )

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        fill: str,
        stroke: str | None = None,
        stroke_width: float = 1,
        tooltip: str | None = None,
        opacity: float | None = None,
        dash: str | None = None,
    ) -> None:
        """A rectangle; negative sizes are normalised. ``tooltip`` adds a ``<title>``."""
        if w < 0:
            x, w = x + w, -w
        if h < 0:
            y, h = y + h, -h
        s = f' stroke="{stroke}" stroke-width="{c(stroke_width)}"' if stroke else ""
        o = f' fill-opacity="{opacity:.2f}"' if opacity is not None else ""
        if dash:
            o += f' stroke-dasharray="{dash}"'
        attrs = f'x="{c(x)}" y="{c(y)}" width="{c(w)}" height="{c(h)}" fill="{fill}"{s}{o}'
        if tooltip:
            self.parts.append(f"<rect {attrs}><title>{esc(tooltip)}</title></rect>")
        else:
            self.parts.append(f"<rect {attrs}/>")

    def path(
        self,
        d: str,
        fill: str = "none",
        stroke: str | None = None,
        width: float = 1,
        dash: str | None = None,
        opacity: float | None = None,
        tooltip: str | None = None,
    ) -> None:
        """A path with the given data."""
        attrs = f'd="{d}" fill="{fill}"'
        if stroke:
            attrs += f' stroke="{stroke}" stroke-width="{c(width)}" stroke-linejoin="round"'
        if dash:
            attrs += f' stroke-dasharray="{dash}"'
        if opacity is not None:
            attrs += f' fill-opacity="{opacity:.2f}"'
        if tooltip:
            self.parts.append(f"<path {attrs}><title>{esc(tooltip)}</title></path>")
        else:
            self.parts.append(f"<path {attrs}/>")

    def fill_for(self, index: int, colour: str | None = None, hatch: str | None = None) -> str:
        """The fill (colour plus hatch pattern) of qualitative series ``index``."""
        colour = colour or OKABE_ITO[index % len(OKABE_ITO)]
        hatch = hatch or HATCHES[index % len(HATCHES)]
        if hatch == "solid":
            return colour
        return self.pattern(colour, hatch)

    def pattern(self, colour: str, hatch: str, ink: str = "#ffffff") -> str:
        """``url(#...)`` of a 6 px tile: ``colour`` background, ``ink`` hatch lines."""
        key = f"p{hatch}{colour.lstrip('#')}{ink.lstrip('#')}"
        if key not in self.defs:
            lines = {
                "diagonal": ("M-1 1l2-2M0 6l6-6M5 7l2-2", 1.4),
                "backdiagonal": ("M-1 5l2 2M0 0l6 6M5-1l2 2", 1.4),
                "horizontal": ("M0 3h6", 1.4),
                "vertical": ("M3 0v6", 1.4),
                "cross": ("M-1 1l2-2M0 6l6-6M5 7l2-2M-1 5l2 2M0 0l6 6M5-1l2 2", 1.0),
                "grid": ("M0 3h6M3 0v6", 1.0),
            }
            if hatch == "dots":
                marks = f'<circle cx="3" cy="3" r="1.3" fill="{ink}"/>'
            elif hatch in lines:
                d, w = lines[hatch]
                marks = f'<path d="{d}" stroke="{ink}" stroke-width="{w}"/>'
            else:
                marks = ""
            self.defs[key] = (
                f'<pattern id="{self.ref(key)}" patternUnits="userSpaceOnUse" width="6" height="6">'
                f'<rect width="6" height="6" fill="{colour}"/>{marks}</pattern>'
            )
        return f"url(#{self.ref(key)})"

    def legend_swatch(self, x: float, y: float, fill: str, label: str, size: float = 12) -> float:
        """A legend entry at (x, y) (top-left); returns its width."""
        self.rect(x, y, size, size, fill, stroke=INK, stroke_width=0.6)
        self.text(x + size + 5, y + size - 2, label, size=12)
        return size + 5 + estimate_text_width(label) + 16

    def render(self) -> str:
        """The SVG element as text, ids made unique by hashing its content."""
        defs = "".join(self.defs[k] for k in sorted(self.defs))
        body = (
            f'<title id="{_ID_TOKEN}-title">{esc(self.title)}</title>'
            f'<desc id="{_ID_TOKEN}-desc">{esc(self.desc)}</desc>'
            + (f"<defs>{defs}</defs>" if defs else "")
            + "".join(self.parts)
        )
        ident = self.chart_id or (
            "hw" + hashlib.sha1(body.encode("utf-8"), usedforsecurity=False).hexdigest()[:10]
        )
        body = body.replace(_ID_TOKEN, esc(ident))
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" id="{esc(ident)}" class="hw-{self.kind}" '
            f'role="img" aria-labelledby="{esc(ident)}-title {esc(ident)}-desc" '
            f'width="{c(self.width)}" height="{c(self.height)}" '
            f'viewBox="0 0 {c(self.width)} {c(self.height)}" '
            f'font-family="{FONT_STACK}" font-size="12" fill="{INK}">' + body + "</svg>"
        )
