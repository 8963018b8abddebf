"""A regular grid of square cells over the study region, for grid hotspots and density maps.

The grid is anchored at multiples of the cell size in British National Grid,
so grids built for different periods (or different analyses) over the same
areas have the same cells. Only cells that intersect a small area are kept:
the sea, and land outside the force, are not part of the study region, and
would otherwise add thousands of empty cells to the multiple-testing burden.

Neighbours are queen contiguity on the lattice (the eight surrounding cells,
fewer at the edge of the study region), the same as
``libpysal.weights.lat2W(nrows, ncols, rook=False)`` restricted to the kept
cells, built here directly as a sparse matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from scipy import sparse  # type: ignore[import-untyped,unused-ignore]

__all__ = ["Lattice", "lattice_over"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: The eight queen moves (row, column).
_QUEEN = [(dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (dr, dc) != (0, 0)]


@dataclass(frozen=True)
class Lattice:
    """Square cells over a study region.

    Attributes
    ----------
    origin_easting, origin_northing : float
        British National Grid coordinates (metres) of the lower-left corner
        of cell (row 0, column 0); rows run south to north, columns west to
        east.
    cell_size : float
        Side of a cell, metres.
    nrows, ncols : int
        The size of the rectangle of cells over the region's extent.
    cells : ndarray of int64
        Flat indices (``row * ncols + col``), ascending, of the cells kept
        (those that intersect the study region).
    """

    origin_easting: float
    origin_northing: float
    cell_size: float
    nrows: int
    ncols: int
    cells: IntArray

    def __len__(self) -> int:
        return int(self.cells.size)

    @property
    def rows(self) -> IntArray:
        """Row of each kept cell."""
        return self.cells // self.ncols

    @property
    def cols(self) -> IntArray:
        """Column of each kept cell."""
        return self.cells % self.ncols

    def centres(self) -> tuple[FloatArray, FloatArray]:
        """Easting and northing of the centre of each kept cell."""
        half = self.cell_size / 2
        easting = self.origin_easting + self.cols * self.cell_size + half
        northing = self.origin_northing + self.rows * self.cell_size + half
        return easting.astype(np.float64), northing.astype(np.float64)

    def cell_ids(self) -> list[str]:
        """A label for each kept cell from its centre, e.g. ``"E448125 N436125"``."""
        easting, northing = self.centres()
        return [f"E{e:.0f} N{n:.0f}" for e, n in zip(easting, northing, strict=True)]

    def locate(self, easting: npt.ArrayLike, northing: npt.ArrayLike) -> IntArray:
        """Position in :attr:`cells` of the cell holding each point, -1 where none.

        A point on a cell edge belongs to the cell to its north-east.
        """
        x = np.asarray(easting, dtype=np.float64)
        y = np.asarray(northing, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            col = np.floor((x - self.origin_easting) / self.cell_size)
            row = np.floor((y - self.origin_northing) / self.cell_size)
            inside = (col >= 0) & (col < self.ncols) & (row >= 0) & (row < self.nrows)
        flat = np.where(inside, row * self.ncols + col, -1).astype(np.int64)
        position = np.searchsorted(self.cells, flat)
        position = np.minimum(position, max(self.cells.size - 1, 0))
        found = inside & (self.cells.size > 0)
        found[found] = self.cells[position[found]] == flat[found]
        return np.where(found, position, -1).astype(np.int64)

    def neighbours(self) -> sparse.csr_array:
        """Binary queen contiguity between kept cells (no self-neighbours)."""
        rows, cols = self.rows, self.cols
        sources: list[IntArray] = []
        targets: list[IntArray] = []
        for dr, dc in _QUEEN:
            r, c = rows + dr, cols + dc
            valid = (r >= 0) & (r < self.nrows) & (c >= 0) & (c < self.ncols)
            flat = r[valid] * self.ncols + c[valid]
            position = np.minimum(np.searchsorted(self.cells, flat), max(len(self) - 1, 0))
            kept = self.cells[position] == flat
            sources.append(np.flatnonzero(valid)[kept])
            targets.append(position[kept])
        i = np.concatenate(sources) if sources else np.zeros(0, np.int64)
        j = np.concatenate(targets) if targets else np.zeros(0, np.int64)
        n = len(self)
        return sparse.csr_array((np.ones(i.size), (i, j)), shape=(n, n))

    def to_grid(self, values: npt.ArrayLike, fill: float = np.nan) -> FloatArray:
        """Values of the kept cells as an ``(nrows, ncols)`` array, ``fill`` elsewhere."""
        grid = np.full(self.nrows * self.ncols, fill, dtype=np.float64)
        grid[self.cells] = np.asarray(values, dtype=np.float64)
        return grid.reshape(self.nrows, self.ncols)


def lattice_over(geometries: Sequence[object], cell_size: float) -> Lattice:
    """The grid of ``cell_size`` cells that intersect any of ``geometries``.

    Parameters
    ----------
    geometries : sequence of shapely geometries
        The study region's polygons (British National Grid); None and empty
        geometries are ignored.
    cell_size : float
        Side of a cell, metres.

    Returns
    -------
    Lattice
        Anchored at multiples of ``cell_size``; empty when there is no geometry.

    Examples
    --------
    >>> lattice = lattice_over([shapely.box(0, 0, 500, 250)], 250.0)
    >>> (lattice.nrows, lattice.ncols, len(lattice))
    (1, 2, 2)
    """
    if cell_size <= 0:
        raise ValueError("cell_size must be positive")
    geoms = np.array(list(geometries), dtype=object)
    present = geoms[shapely.is_geometry(geoms)] if geoms.size else geoms
    present = present[~shapely.is_empty(present)] if present.size else present
    if present.size == 0:
        return Lattice(0.0, 0.0, cell_size, 0, 0, np.zeros(0, dtype=np.int64))
    xmin, ymin, xmax, ymax = shapely.total_bounds(present)
    x0 = np.floor(xmin / cell_size) * cell_size
    y0 = np.floor(ymin / cell_size) * cell_size
    ncols = max(int(np.ceil((xmax - x0) / cell_size)), 1)
    nrows = max(int(np.ceil((ymax - y0) / cell_size)), 1)
    flat = np.arange(nrows * ncols, dtype=np.int64)
    left = x0 + (flat % ncols) * cell_size
    bottom = y0 + (flat // ncols) * cell_size
    # Cells shrunk by a millimetre: touching the region along an edge or at a
    # corner only is not intersecting it.
    inset = 1e-3
    boxes = shapely.box(left + inset, bottom + inset, left + cell_size - inset,
                        bottom + cell_size - inset)  # fmt: skip
    hits = shapely.STRtree(present).query(boxes, predicate="intersects")
    cells = np.unique(hits[0]).astype(np.int64)
    return Lattice(float(x0), float(y0), float(cell_size), nrows, ncols, cells)
