"""Map text: legend lines wrapped to a width, and the map's description (its alt text).

:func:`describe` says in words what a choropleth shows: the classes with their
numbers of areas, the highest areas, the highlights, the point layers and the
surface, so a screen reader (or a printed page's reader) gets the map's content.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from harmwatch.report._map_layers import PointLayer, Raster
from harmwatch.report._svgkit import as_floats, fmt_num

__all__ = ["describe", "wrap"]


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` characters (a longer word on its own)."""
    words, lines, cur = text.split(), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    return [*lines, cur] if cur else lines or [""]


def describe(
    title: str,
    codes: Sequence[str],
    vals: Mapping[str, float],
    area_names: Mapping[str, str],
    shaded: bool,
    labels: Sequence[str],
    counts: Sequence[int],
    missing: int,
    hl: Mapping[str, str],
    layers: Sequence[tuple[Any, Any, PointLayer]],
    raster: Raster | None,
    decimals: int | None,
    legend_title: str,
) -> str:
    """The alt text of a choropleth (see the module)."""
    out = [f"{title}. Map of {len(codes)} areas"]
    if shaded:
        classes = "; ".join(f"{lab}: {n} areas" for lab, n in zip(labels, counts, strict=True))
        out[0] += f" shaded by {legend_title or 'value'} in {len(labels)} classes ({classes})"
        if missing:
            out[0] += f"; {missing} with no data"
        ranked = sorted(
            ((v, code) for code, v in vals.items() if math.isfinite(v) and code in set(codes)),
            key=lambda t: (-t[0], t[1]),
        )
        top = ", ".join(
            f"{area_names.get(code, code)} {fmt_num(v, decimals)}" for v, code in ranked[:5]
        )
        if top:
            out.append(f"Highest: {top}")
    if hl:
        out.append("Highlighted: " + ", ".join(hl.values()))
    for _, _, layer in layers:
        n = len(as_floats(layer.x))
        out.append(f"{layer.name}: {n} point{'s' if n != 1 else ''} marked")
    if raster is not None:
        out.append(f"{raster.name} drawn as a shaded surface")
    return ". ".join(out) + ". Every area's value is in the table behind this map."
