"""Map classes: the classed breaks of a choropleth, each value's class and the legend labels.

Equal-count (quantile) or equal-interval breaks, right-closed classes (the
first closed), and labels that print integer classes without overlap. Used by
:func:`harmwatch.report.maps.choropleth`, which re-exports :func:`class_breaks`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

from harmwatch.report._svgkit import as_floats, fmt_num

__all__ = ["Scheme", "class_breaks", "class_labels", "classify"]

Scheme = Literal["quantile", "equal"]


def class_breaks(
    values: npt.ArrayLike, classes: int = 5, scheme: Scheme = "quantile"
) -> list[float]:
    """Class edges (``classes + 1`` or fewer when values tie) for a choropleth.

    Parameters
    ----------
    values : array_like
        The values to classify (NaN ignored).
    classes : int
        Wanted number of classes.
    scheme : {"quantile", "equal"}
        Equal-count (quantile) breaks or equal-width intervals.

    Returns
    -------
    list of float
        Ascending, distinct edges from the minimum to the maximum; integer
        edges when every value is an integer.
    """
    v = as_floats(values)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return [0.0, 1.0]
    lo, hi = float(v.min()), float(v.max())
    if scheme == "equal":
        edges = np.linspace(lo, hi, classes + 1)
    else:
        edges = np.quantile(v, np.linspace(0, 1, classes + 1), method="linear")
    if np.all(v == np.round(v)):
        edges = np.round(edges)
    out = sorted({float(e) for e in edges} | {lo, hi})
    return out if len(out) > 1 else [lo, lo + 1]


def classify(v: float, edges: Sequence[float]) -> int:
    """Index of the right-closed class (edges[i], edges[i+1]] holding v (the first is closed)."""
    k = len(edges) - 1
    return min(max(int(np.searchsorted(np.asarray(edges), v, side="left")) - 1, 0), k - 1)


def class_labels(edges: Sequence[float], integer: bool, decimals: int | None) -> list[str]:
    out = []
    for i in range(len(edges) - 1):
        a, b = edges[i], edges[i + 1]
        if integer:
            a2 = a if i == 0 else a + 1
            out.append(fmt_num(a2, 0) if a2 >= b else f"{fmt_num(a2, 0)} – {fmt_num(b, 0)}")
        else:
            out.append(f"{fmt_num(a, decimals)} – {fmt_num(b, decimals)}")
    return out
