"""Text and numbers in the report's SVG: escaping, coordinates, number display, ticks, labels.

Part of the private drawing kit (:mod:`._svgkit` re-exports it). Everything here
is deterministic: the same calls give the same text.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

__all__ = [
    "as_floats",
    "c",
    "esc",
    "estimate_text_width",
    "fmt_num",
    "nice_ticks",
    "spread_labels",
    "tick_decimals",
]


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
