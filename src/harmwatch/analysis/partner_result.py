"""The result of the partner-data comparison: :class:`PartnerResult` and its JSON form.

Made by :func:`harmwatch.analysis.partners.partner_analysis` (and re-exported
there); its attributes are documented below, its JSON keys in docs/figures.md.

References
----------
.. [1] Clopper CJ, Pearson ES. Biometrika 1934;26:404-413 (interval of the
   matched share).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from harmwatch.analysis.data import Period, period_json

__all__ = ["PartnerResult"]

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass
class PartnerResult:
    """ED assault attendances against police-recorded violence in one period.

    Attributes
    ----------
    available : bool
        False when no ED attendance falls in the period.
    reason : str
        Why not ("" when available).
    period : Period or None
        The period analysed.
    matches_source : str
        ``"stored"`` (the matches in ``incident_matches``) or ``"computed"``
        (computed in memory for this analysis, not stored).
    match_settings : dict
        The matching settings behind the matches.
    attendances, matched : int
        ED attendances in the period, those matched to a police occurrence.
    matched_share : float or None
        ``matched / attendances``, with ``matched_share_ci`` its exact 95%
        interval (Clopper-Pearson).
    police_violence : int
        Police occurrences of violence in the period.
    unlocated : int
        ED attendances without a location (not in places).
    places : list of dict
        The places where the ED sees violence the police do not, ranked by
        count (see :func:`unmatched_places` and :meth:`to_json`).
    warnings : list of str
        Plain-words cautions.
    tables : dict of str to polars.DataFrame
        ``by_area``, ``by_location_type``, ``by_month``, ``ed_hour_weekday``,
        ``places``.
    """

    available: bool
    reason: str = ""
    period: Period | None = None
    matches_source: str = ""
    match_settings: dict[str, Any] = field(default_factory=dict)
    attendances: int = 0
    matched: int = 0
    matched_share: float | None = None
    matched_share_ci: tuple[float, float] | None = None
    police_violence: int = 0
    unlocated: int = 0
    places: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The partner-data figures.

        ``ed_unmatched_places`` is the ranked list of places: ``rank``,
        ``easting``, ``northing``, ``count`` (unmatched ED attendances),
        ``venue`` (the most common ``assault_location_description``),
        ``venue_share``, ``area_code``, ``attendances_nearby`` and
        ``matched_share`` (all located ED attendances within the radius and the
        share of them matched), ``police_occurrences_nearby``, ``first``,
        ``last`` (dates), ``attendance_ids`` and ``occurrence_ids`` (nearby
        police violence).
        """
        tables: dict[str, Any] = {
            name: self.tables[name].to_dicts()
            for name in ("by_area", "by_location_type", "by_month")
            if name in self.tables
        }
        heat = self.tables.get("ed_hour_weekday")
        return {
            "available": self.available,
            "reason": self.reason,
            "period": period_json(self.period),
            "matches_source": self.matches_source,
            "match_settings": self.match_settings,
            "ed_attendances": self.attendances,
            "ed_matched": self.matched,
            "ed_matched_share": self.matched_share,
            "ed_matched_share_ci": list(self.matched_share_ci) if self.matched_share_ci else None,
            "police_violence": self.police_violence,
            "ed_unlocated": self.unlocated,
            **tables,
            "ed_hour_weekday": {
                "weekdays": list(_WEEKDAYS),
                "counts": heat.drop("weekday").to_numpy().tolist(),
            }
            if heat is not None
            else None,
            "ed_unmatched_places": self.places,
            "warnings": list(self.warnings),
        }
