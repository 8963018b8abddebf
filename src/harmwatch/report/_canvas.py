"""The SVG canvas of the report's charts: elements, shared patterns, point markers, ids.

Part of the private drawing kit (:mod:`._svgkit` re-exports it). A
:class:`Canvas` collects a chart's elements and hatch patterns and renders one
accessible ``<svg>`` (``role="img"``, ``<title>``, ``<desc>``). Element ids
inside a chart are prefixed with a hash of the chart's own content, so several
charts inlined in one HTML page never share an id by accident; the same calls
give the same bytes.
"""

from __future__ import annotations

import hashlib

from harmwatch.report._palettes import HATCHES, INK, OKABE_ITO
from harmwatch.report._svgtext import c, esc, estimate_text_width

__all__ = ["FONT_STACK", "MARKERS", "Canvas", "marker_path"]

#: System fonts only: nothing is fetched from a network.
FONT_STACK = (
    "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', 'Liberation Sans', "
    "'DejaVu Sans', Arial, sans-serif"
)

_ID_TOKEN = "<hwid>"  # never survives esc(), so user text cannot collide with it


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
