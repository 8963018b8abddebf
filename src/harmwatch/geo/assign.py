"""Assigning located records to small areas (point in polygon).

Area assignment uses a GEOS STRtree over the area polygons, queried with all
points at once. A point on a boundary shared by two areas belongs to the one
that comes first in the index (areas loaded from the store are ordered by
``area_code``), so assignment is deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import shapely
from sqlalchemy import Connection, Table, bindparam, select

from harmwatch.contract import KINDS
from harmwatch.geo._frames import ObjectArray
from harmwatch.store.schema import kind_tables

__all__ = ["AreaIndex", "reassign_area_codes"]

#: Rows per UPDATE batch in :func:`reassign_area_codes`.
UPDATE_BATCH = 10_000


class AreaIndex:
    """A spatial index of small areas that finds the area containing each point.

    Parameters
    ----------
    area_codes : sequence of str
        The areas' codes.
    geometries : sequence of shapely geometries or None
        Their polygons in British National Grid, in the same order; None (or
        empty) geometries are left out of the index.

    Attributes
    ----------
    codes : ndarray of object
        The codes of the indexed areas, in index order.

    Examples
    --------
    >>> from shapely import box
    >>> index = AreaIndex(["A", "B"], [box(0, 0, 10, 10), box(10, 0, 20, 10)])
    >>> index.assign(np.array([5.0, 15.0, 50.0]), np.array([5.0, 5.0, 5.0])).tolist()
    ['A', 'B', None]
    """

    def __init__(
        self, area_codes: Sequence[str], geometries: Sequence[object] | ObjectArray
    ) -> None:
        codes = np.array(list(area_codes), dtype=object)
        geoms = np.array(list(geometries), dtype=object)
        if codes.shape != geoms.shape:
            raise ValueError(
                f"{codes.size} area codes but {geoms.size} geometries: give one geometry per code"
            )
        keep = shapely.is_geometry(geoms)
        keep[keep] = ~shapely.is_empty(geoms[keep])
        self.codes: ObjectArray = codes[keep]
        self._tree = shapely.STRtree(geoms[keep])

    def __len__(self) -> int:
        return int(self.codes.size)

    def assign(self, easting: npt.ArrayLike, northing: npt.ArrayLike) -> ObjectArray:
        """The code of the area containing each point.

        Parameters
        ----------
        easting, northing : array_like of float
            British National Grid coordinates, metres; NaN for unknown.

        Returns
        -------
        ndarray of object
            The area code for each point, None where the point is unknown or
            outside every area. A point on a boundary gets the first area (in
            index order) that touches it.
        """
        x = np.asarray(easting, dtype=np.float64).ravel()
        y = np.asarray(northing, dtype=np.float64).ravel()
        if x.shape != y.shape:
            raise ValueError("easting and northing must have the same length")
        result: ObjectArray = np.full(x.size, None, dtype=object)
        located = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
        if located.size == 0 or len(self) == 0:
            return result
        points = shapely.points(x[located], y[located])
        point_idx, area_idx = self._tree.query(points, predicate="intersects")
        first = np.full(located.size, len(self), dtype=np.int64)
        np.minimum.at(first, point_idx, area_idx)
        found = first < len(self)
        result[located[found]] = self.codes[first[found]]
        return result

    @classmethod
    def from_store(cls, connection: Connection) -> AreaIndex:
        """Build the index from the ``areas`` table of the store.

        Parameters
        ----------
        connection : sqlalchemy.Connection
            A connection to the store. Areas without geometry, or with
            geometry text that cannot be read, are left out.
        """
        areas = kind_tables["areas"]
        rows = connection.execute(
            select(areas.c.area_code, areas.c.geometry)
            .where(areas.c.geometry.is_not(None))
            .order_by(areas.c.area_code, areas.c.id)
        ).all()
        codes = [row.area_code for row in rows]
        texts = np.array([row.geometry for row in rows], dtype=object)
        geometries = shapely.from_geojson(texts, on_invalid="ignore") if rows else texts
        return cls(codes, geometries)


def _reassign_table(connection: Connection, table: Table, index: AreaIndex) -> int:
    rows = connection.execute(
        select(table.c.id, table.c.easting, table.c.northing, table.c.area_code).where(
            table.c.easting.is_not(None), table.c.northing.is_not(None)
        )
    ).all()
    if not rows:
        return 0
    ids = np.array([r.id for r in rows], dtype=np.int64)
    easting = np.array([r.easting for r in rows], dtype=np.float64)
    northing = np.array([r.northing for r in rows], dtype=np.float64)
    current = np.array([r.area_code for r in rows], dtype=object)
    computed = index.assign(easting, northing)
    changed = np.flatnonzero(current != computed)
    statement = (
        table.update()
        .where(table.c.id == bindparam("b_id"))
        .values(area_code=bindparam("b_area_code"))
    )
    for start in range(0, changed.size, UPDATE_BATCH):
        batch = changed[start : start + UPDATE_BATCH]
        connection.execute(
            statement,
            [{"b_id": int(ids[i]), "b_area_code": computed[i]} for i in batch.tolist()],
        )
    return int(changed.size)


def reassign_area_codes(connection: Connection) -> dict[str, int]:
    """Recompute ``area_code`` of every located record from the areas in the store.

    For each located kind (``police_occurrences``, ``deaths``,
    ``ed_assaults``, ``institutions``), every row with ``easting`` and
    ``northing`` gets the code of the stored area containing it, or null when
    it lies outside them all; rows whose code changes are updated. Rows
    without a location keep the ``area_code`` they were given. When the store
    holds no area boundaries nothing is changed.

    Parameters
    ----------
    connection : sqlalchemy.Connection
        A connection to the store. The updates run in its transaction: the
        caller commits (e.g. ``with engine.begin() as connection: ...``).

    Returns
    -------
    dict of str to int
        The number of rows whose ``area_code`` changed, by kind.
    """
    index = AreaIndex.from_store(connection)
    located = [name for name, spec in KINDS.items() if spec.located]
    if len(index) == 0:
        return dict.fromkeys(located, 0)
    return {name: _reassign_table(connection, kind_tables[name], index) for name in located}
