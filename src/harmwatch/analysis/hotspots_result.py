"""The result of a hotspot analysis: :class:`HotspotResult` and its JSON form.

Made by :func:`harmwatch.analysis.hotspots.analyse_hotspots` (and re-exported
there); its attributes are documented below, its JSON keys in docs/figures.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from harmwatch.analysis.data import Period, period_json
from harmwatch.analysis.kde import DensitySurface
from harmwatch.analysis.smallnumbers import json_records

__all__ = ["VIOLENCE_WITH_INJURY", "HotspotResult", "significant"]

#: Default offence groups: violence with injury and worse.
VIOLENCE_WITH_INJURY = ("homicide", "attempted_murder", "gbh", "abh")


@dataclass
class HotspotResult:
    """Hotspots of the selected offences in a period.

    Attributes
    ----------
    available : bool
        False when the analysis could not be made (see ``reason``).
    reason : str or None
        Why not, in plain words.
    period, previous : Period, Period or None
        The period analysed and the one it is compared with.
    offence_groups : tuple of str
        The offence groups counted.
    n_events : int
        Events of those groups in the period.
    n_located : int
        Of which with coordinates inside the grid (used by the grid and density).
    areas : polars.DataFrame
        One row per small area: ``area_code``, ``count``,
        ``neighbourhood_count`` (the area and its neighbours), ``neighbours``
        (number of neighbours, self excluded), ``gi_z``, ``p_value``
        (two-sided pseudo p), ``p_adjusted`` (Benjamini–Hochberg),
        ``hotspot`` (``"hot"``, ``"cold"`` or null), ``occurrence_ids``.
    cells : polars.DataFrame
        The same per grid cell, with ``cell_id``, ``easting`` and
        ``northing`` (cell centre) instead of ``area_code``.
    trends : polars.DataFrame or None
        ``unit`` (``"area"``/``"cell"``), ``id``, ``trend`` (``persistent``,
        ``emerging``, ``fading``); None without a comparison period.
    density : DensitySurface or None
        The kernel density surface.
    settings : dict
        Method and parameters, as written to JSON.
    warnings : list of str
        Plain-words cautions.
    tables : dict of str to polars.DataFrame
        The tables behind the report's hotspot maps and lists.
    """

    available: bool
    reason: str | None
    period: Period
    previous: Period | None = None
    offence_groups: tuple[str, ...] = VIOLENCE_WITH_INJURY
    n_events: int = 0
    n_located: int = 0
    areas: pl.DataFrame = field(default_factory=pl.DataFrame)
    cells: pl.DataFrame = field(default_factory=pl.DataFrame)
    trends: pl.DataFrame | None = None
    density: DensitySurface | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)

    @property
    def hotspots(self) -> pl.DataFrame:
        """Significant hot and cold areas, hottest first."""
        return significant(self.areas)

    @property
    def grid_hotspots(self) -> pl.DataFrame:
        """Significant hot and cold cells, hottest first."""
        return significant(self.cells)

    def to_json(self) -> dict[str, Any]:
        """The figures, JSON-serialisable (see ``docs/figures.md``)."""
        trends: dict[str, dict[str, list[str]]] | None = None
        if self.trends is not None:
            trends = {
                unit: {
                    name: self.trends.filter(unit=unit[:-1], trend=name)["id"].to_list()
                    for name in ("persistent", "emerging", "fading")
                }
                for unit in ("areas", "cells")
            }
        return {
            "available": self.available,
            "reason": self.reason,
            "period": period_json(self.period),
            "previous_period": period_json(self.previous) if self.previous else None,
            "offence_groups": list(self.offence_groups),
            "n_events": self.n_events,
            "n_events_located": self.n_located,
            "method": self.settings,
            "hotspots": json_records(self.hotspots) if self.available else [],
            "grid_hotspots": json_records(self.grid_hotspots) if self.available else [],
            "trends": trends,
            "density": self.density.to_json() if self.density else None,
            "warnings": list(self.warnings),
        }


def significant(frame: pl.DataFrame) -> pl.DataFrame:
    """The significant hot and cold units of an ``areas`` or ``cells`` table, hottest first."""
    if "hotspot" not in frame.columns:
        return frame
    return frame.filter(pl.col("hotspot").is_not_null()).sort("gi_z", descending=True)
