"""Map layers over the areas: point layers and a density raster drawn as an inline PNG.

:class:`PointLayer` (e.g. ED-only venues, a near-repeat cluster) and
:class:`Raster` (a grid surface such as a kernel density estimate) are what
callers hand to :func:`harmwatch.report.maps.choropleth` (which re-exports
them). :func:`raster_image` turns a raster into an ``<image>``: bilinearly
upsampled, quantised into equal-interval bands on a light-to-dark orange ramp,
the lowest band transparent, encoded as a base64 PNG built with zlib (no
imaging library).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from harmwatch.report._png import png_data_uri
from harmwatch.report._svgkit import OKABE_ITO, c, fmt_num, oranges

__all__ = ["PointLayer", "Raster", "raster_image", "upsample"]


@dataclass(frozen=True)
class PointLayer:
    """Points drawn over a map (e.g. ED-only venues, a near-repeat cluster).

    Attributes
    ----------
    x, y : array_like
        Eastings and northings (BNG metres).
    name : str
        Legend entry.
    labels : sequence of str, optional
        A label per point (printed next to it, with a white halo).
    shape : str
        Marker: "circle", "square", "triangle", "diamond", "cross".
    colour : str
        Marker fill.
    size : float
        Marker radius in px.
    """

    x: npt.ArrayLike
    y: npt.ArrayLike
    name: str
    labels: Sequence[str] | None = None
    shape: str = "triangle"
    colour: str = OKABE_ITO[3]
    size: float = 4.5


@dataclass(frozen=True)
class Raster:
    """A grid surface (e.g. a kernel density estimate) drawn as a semi-transparent image.

    Attributes
    ----------
    values : array_like, shape (rows, cols)
        Cell values; ``values[0]`` is the southernmost row unless ``north_up``.
    x0, y0 : float
        Easting and northing of the grid's lower-left (south-west) corner.
    cell_size : float
        Cell side in metres.
    name : str
        Legend title (e.g. "Events per km², kernel density").
    levels : int
        Shading bands (equal intervals from 0 to the maximum); the lowest band
        is left transparent so the map shows through.
    north_up : bool
        True when ``values[0]`` is the northernmost row (image order).
    opacity : float
        Opacity of the shaded bands.
    smooth : int
        Bilinear upsampling factor before the bands are drawn, so band edges
        follow the surface rather than the cells (1 draws the cells as they are).
    """

    values: npt.ArrayLike
    x0: float
    y0: float
    cell_size: float
    name: str = "Density"
    levels: int = 6
    north_up: bool = False
    opacity: float = field(default=0.8)
    smooth: int = 3


def upsample(grid: npt.NDArray[np.float64], factor: int) -> npt.NDArray[np.float64]:
    """Bilinear upsampling of a grid by an integer factor (cell centres kept in place)."""
    if factor <= 1:
        return grid
    out = grid
    for axis in (0, 1):
        n = out.shape[axis]
        pos = np.clip((np.arange(n * factor) + 0.5) / factor - 0.5, 0, n - 1)
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, n - 1)
        t = pos - lo
        a, b = np.take(out, lo, axis=axis), np.take(out, hi, axis=axis)
        shape = [1, 1]
        shape[axis] = -1
        out = a + (b - a) * t.reshape(shape)
    return out


def raster_image(
    raster: Raster,
    *,
    ox: float,
    oy: float,
    xmin: float,
    ymax: float,
    scale: float,
    decimals: int | None,
) -> tuple[str, list[tuple[str, str]]]:
    """The raster as an ``<image>`` placed on the map, and its legend entries.

    Parameters
    ----------
    raster : Raster
        The surface.
    ox, oy : float
        The map's origin in px (where ``xmin``, ``ymax`` are drawn).
    xmin, ymax : float
        The map's west edge and north edge in metres.
    scale : float
        Pixels per metre.
    decimals : int, optional
        Decimals of the legend's band ranges.

    Returns
    -------
    image : str
        The ``<image>`` element.
    legend : list of (str, str)
        ``(colour, range)`` of each shaded band, lowest first.
    """
    raster_legend: list[tuple[str, str]] = []
    cells = np.array(raster.values, dtype=np.float64)
    if not raster.north_up:
        cells = cells[::-1]
    nrows, ncols = cells.shape
    grid = upsample(cells, raster.smooth if max(cells.shape) <= 400 else 1)
    gmax = float(np.nanmax(grid)) if np.isfinite(grid).any() else 0.0
    nlev = max(raster.levels, 2)
    band_cols = oranges(nlev - 1)
    rgba = np.zeros((*grid.shape, 4), dtype=np.uint8)
    if gmax > 0:
        band = np.clip(np.floor(np.nan_to_num(grid) / gmax * nlev), 0, nlev - 1).astype(int)
        for b in range(1, nlev):
            hexc = band_cols[b - 1]
            rgb = [int(hexc[i : i + 2], 16) for i in (1, 3, 5)]
            sel = band == b
            rgba[sel, :3] = rgb
            rgba[sel, 3] = round(255 * raster.opacity)
        step = gmax / nlev
        for b in range(1, nlev):
            hi_ = fmt_num(step * (b + 1), decimals)
            raster_legend.append((band_cols[b - 1], f"{fmt_num(step * b, decimals)} – {hi_}"))
    ix, iy = (
        ox + (raster.x0 - xmin) * scale,
        oy + (ymax - (raster.y0 + nrows * raster.cell_size)) * scale,
    )
    image = (
        f'<image x="{c(ix)}" y="{c(iy)}" width="{c(ncols * raster.cell_size * scale)}" '
        f'height="{c(nrows * raster.cell_size * scale)}" preserveAspectRatio="none" '
        f'href="{png_data_uri(rgba)}"/>'
    )
    return image, raster_legend
