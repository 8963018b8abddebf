"""What every section of the analytical report shares: the period, the area, the results.

:class:`Context` is built once by :func:`harmwatch.report.analytical.build_report`;
each section module reads the analyses' results from it, adds its content to the
:class:`~harmwatch.report.document.ReportDocument`, records the figures it
states in ``figures`` and, when a part cannot be produced from the data loaded,
says so in the document and in ``unavailable``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Engine

from harmwatch.analysis.data import Period
from harmwatch.analysis.smallnumbers import SMALL_COUNT, json_records
from harmwatch.report.document import ReportDocument

__all__ = [
    "Context",
    "ci_text",
    "group_label",
    "jsonable",
    "label",
    "nonzero",
    "period_json",
]

#: How offence groups and other codes are written in the report.
_LABELS = {
    "homicide": "homicide",
    "attempted_murder": "attempted murder",
    "gbh": "GBH",
    "abh": "ABH",
    "threats_to_kill": "threats to kill",
    "weapon_possession": "weapon possession",
    "common_assault": "common assault",
    "homicide_and_near_miss": "homicide and near misses",
    "domestic_incident": "domestic incident",
    "sexual_offence": "sexual offence",
}


def label(code: object) -> str:
    """A code as words: ``"attempted_murder"`` -> ``"attempted murder"``, ``"gbh"`` -> ``"GBH"``."""
    text = str(code)
    return _LABELS.get(text, text.replace("_", " "))


def group_label(code: object) -> str:
    """A label with a capital first letter (for chart categories)."""
    text = label(code)
    return text[:1].upper() + text[1:]


def ci_text(lower: float | None, upper: float | None, decimals: int = 1) -> str:
    """``"95% CI 6.2 to 21.0"`` (or ``""`` without limits)."""
    if lower is None or upper is None or not (math.isfinite(lower) and math.isfinite(upper)):
        return ""
    return f"95% CI {lower:.{decimals}f} to {upper:.{decimals}f}"


def nonzero(values: Any) -> bool:
    """Whether a chart of ``values`` would show anything (a finite value other than 0)."""
    array = np.asarray(values, dtype=np.float64)
    return bool(array.size) and bool((np.isfinite(array) & (array != 0)).any())


def period_json(period: Period | None) -> dict[str, str] | None:
    """``{"start", "end" (first day out), "last_day", "label"}``."""
    if period is None:
        return None
    return {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "last_day": (period.end - timedelta(days=1)).isoformat(),
        "label": period.label,
    }


def jsonable(value: Any) -> Any:
    """``value`` made JSON-ready: NaN and infinities as null, NumPy scalars as numbers,
    dates as ISO text, frames as records, periods as :func:`period_json`."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if isinstance(value, pl.DataFrame):
        return jsonable(json_records(value))
    if isinstance(value, Period):
        return period_json(value)
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        return jsonable(value.item())
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@dataclass
class Context:
    """The report being built.

    Attributes
    ----------
    engine : Engine
        The store (read only).
    period, previous : Period
        The period reported and the one it is compared with.
    area : str or None
        The small area or district the report is restricted to, if any.
    area_codes : set of str or None
        The small areas in ``area`` (None for the whole force).
    seed : int
        Seed of every random permutation.
    areas : polars.DataFrame
        The areas loaded: ``area_code, area_name, population, parent_code, geometry``.
    results : dict
        The analyses' result objects, by name.
    figures : dict
        Every figure the report states (what ``--json`` writes).
    unavailable : list of dict
        ``{"section", "reason"}`` for each part that could not be produced.
    warnings : list of str
        Cautions gathered from the analyses.
    progress : callable
        Called with a short message as each step starts.
    """

    engine: Engine
    period: Period
    previous: Period
    area: str | None
    area_codes: set[str] | None
    seed: int
    areas: pl.DataFrame
    results: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    unavailable: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    progress: Callable[[str], None] = field(default=lambda _message: None)

    @property
    def scope(self) -> str:
        """``"the force"`` or ``"area E01..."``."""
        return f"area {self.area}" if self.area else "the force area"

    def cannot(
        self,
        doc: ReportDocument,
        section: str,
        reason: str,
        *,
        text: str | None = None,
        reasons: list[str] | None = None,
    ) -> None:
        """Say in the document that ``section`` cannot be produced, and why; record it."""
        reason = reason.rstrip(".")
        doc.warning(
            text or f"This part of the report cannot be produced from the data loaded: {reason}.",
            title=f"{section}: cannot be produced",
            reasons=reasons or [],
        )
        self.unavailable.append({"section": section, "reason": reason})

    def caution(self, doc: ReportDocument, messages: list[str], title: str) -> None:
        """A caution box listing ``messages`` (nothing when there are none)."""
        unique = list(dict.fromkeys(m for m in messages if m))
        if not unique:
            return
        doc.warning(
            "Read the figures of this section with these cautions.",
            title=title,
            reasons=[m[:1].upper() + m[1:] for m in unique],
        )
        self.warnings.extend(unique)

    def in_scope(self, codes: pl.Series) -> pl.Series:
        """Which of ``codes`` (area codes) are in the report's area."""
        if self.area_codes is None:
            return pl.Series([True] * codes.len())
        return codes.is_in(sorted(self.area_codes)).fill_null(False)

    def map_areas(self) -> pl.DataFrame:
        """The areas to draw (the report's area, or all with a boundary)."""
        areas = self.areas.filter(pl.col("geometry").is_not_null())
        if self.area_codes is not None:
            areas = areas.filter(pl.col("area_code").is_in(sorted(self.area_codes)))
        return areas.select("area_code", "area_name", "geometry")


def small(count: int) -> bool:
    """Whether ``count`` is under the small-count threshold."""
    return count < SMALL_COUNT
