"""Series linkage's results: one candidate series with its evidence, and the whole run.

:class:`Series` holds a series' members, its links (each feature's bin and log10
likelihood ratio), what each feature contributed and how unusual the shared MO
codes are; :class:`SeriesResult` every series of a run; :func:`build_series`
assembles a series from its members and links.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from harmwatch.analysis.series_model import FEATURES, PairModel
from harmwatch.analysis.smallnumbers import json_records

__all__ = ["DEFAULT_THRESHOLD", "Series", "SeriesResult", "build_series"]

#: Pairs scoring at least this log10 likelihood ratio (1000 to 1 for a link)
#: are joined into series.
DEFAULT_THRESHOLD = 3.0


@dataclass
class Series:
    """One candidate series.

    Attributes
    ----------
    series_id : str
        ``S-`` and the smallest member's record id: stable across runs while
        that case stays in the series.
    status : str
        ``candidate``, ``confirmed`` or ``rejected`` (an analyst's decision).
    members : list of dict
        ``case``, ``kind`` (occurrence or death), ``source``, ``record_id``,
        ``date``, ``what`` (offence or classification), ``area_code``,
        ``score`` (its strongest link in the series, log10 LR).
    pairs : list of dict
        The links: ``case_a``, ``case_b``, ``score``, ``decision`` and each
        feature's bin and log10 LR.
    contributions : dict of str to float
        Mean log10 LR each feature adds over the series' links.
    shared_codes : list of dict
        MO codes on two or more members: ``code``, ``members``, ``cases`` (in all
        cases analysed), ``share`` (of the cases with an MO).
    known_suspect : bool
        Every link rests on a suspect already named in both cases.
    note : str
        Decisions that touch the series, in plain words.
    """

    series_id: str
    status: str
    members: list[dict[str, Any]]
    pairs: list[dict[str, Any]]
    contributions: dict[str, float]
    shared_codes: list[dict[str, Any]]
    known_suspect: bool
    note: str = ""

    @property
    def case_keys(self) -> list[str]:
        return [str(m["case"]) for m in self.members]

    def to_json(self) -> dict[str, Any]:
        return {
            "series_id": self.series_id,
            "status": self.status,
            "cases": len(self.members),
            "members": self.members,
            "links": self.pairs,
            "feature_contributions": self.contributions,
            "shared_mo_codes": self.shared_codes,
            "known_suspect": self.known_suspect,
            "note": self.note,
        }


@dataclass
class SeriesResult:
    """Candidate series among deaths and serious violence, with their evidence.

    Attributes
    ----------
    available : bool
        False when there are fewer than two cases.
    reason : str
        Why not available.
    cases : int
        Cases analysed.
    pairs_scored : int
        Candidate pairs after blocking (and those an analyst confirmed).
    threshold : float
        log10 likelihood ratio at which a pair is a link.
    model : PairModel
        The ratios used and where they come from.
    series : list of Series
        All series (including rejected ones), largest first.
    warnings : list of str
    tables : dict of str to polars.DataFrame
        ``pairs`` (every scored pair, its features and log10 LRs), ``cases``,
        ``codes`` (MO code frequencies).
    """

    available: bool
    reason: str = ""
    cases: int = 0
    pairs_scored: int = 0
    threshold: float = DEFAULT_THRESHOLD
    model: PairModel | None = None
    series: list[Series] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)

    @property
    def active(self) -> list[Series]:
        """The series not rejected by an analyst."""
        return [s for s in self.series if s.status != "rejected"]

    def export_frame(self) -> pl.DataFrame:
        """``series_id, kind, record_id, score``: one row per member of an active series."""
        rows = [
            (s.series_id, m["kind"], m["record_id"], m["score"])
            for s in self.active
            for m in s.members
        ]
        return pl.DataFrame(
            rows,
            schema={"series_id": pl.String, "kind": pl.String, "record_id": pl.String,
                    "score": pl.Float64},
            orient="row",
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {
            "available": self.available,
            "reason": self.reason,
            "cases": self.cases,
            "pairs_scored": self.pairs_scored,
            "threshold_log10_lr": self.threshold,
            "model": self.model.to_json() if self.model else None,
            "series": [s.to_json() for s in self.series],
            "warnings": self.warnings,
        }


def build_series(
    members: pl.DataFrame,
    links: pl.DataFrame,
    freq: pl.DataFrame,
    series_rows: list[dict[str, Any]],
) -> Series:
    """One series from its member cases, the links among them, the MO code frequencies and
    the analysts' series decisions."""
    keys = set(members["case"].to_list())
    own = links.filter(pl.col("case_a").is_in(list(keys)) & pl.col("case_b").is_in(list(keys)))
    best = (
        pl.concat(
            [
                own.select(pl.col("case_a").alias("case"), "score"),
                own.select(pl.col("case_b").alias("case"), "score"),
            ]
        )
        .group_by("case")
        .agg(pl.col("score").max())
    )
    table = members.join(best, on="case", how="left").sort(["record_id", "kind", "source"])
    first = table.row(0, named=True)
    series_id = f"S-{first['record_id']}"
    member_rows = json_records(
        table.select("case", "kind", "source", "record_id", "date", "what", "area_code", "score")
    )
    shared = (
        members.select(pl.col("codes").list.unique()).explode("codes").drop_nulls()
        .group_by("codes").agg(pl.len().alias("members"))
        .filter(pl.col("members") >= 2)
        .rename({"codes": "code"})
        .join(freq, on="code", how="left")
        .sort(["share", "code"])
        .select("code", "members", "cases", pl.col("share").round(4))
    )  # fmt: skip
    pair_rows = json_records(
        own.select(
            "case_a", "case_b", pl.col("score").round(3), "decision",
            pl.col("distance_km").round(2), pl.col("days").round(1),
            pl.col("mo_jaccard").round(3), *FEATURES,
            *(pl.col(f"lr_{f}") for f in FEATURES),
        ).sort("score", descending=True)
    )  # fmt: skip
    contributions = {
        f: round(float(own[f"lr_{f}"].fill_null(0.0).sum()) / own.height, 3)
        for f in FEATURES
        if own.height
    }
    status, note = "candidate", ""
    for row in series_rows:
        recorded = set(row["members"])
        if row["decision"] == "confirm" and keys & recorded:
            status = "confirmed"
            note = f"confirmed by {row['decided_by']} on {row['decided_at']:%Y-%m-%d}"
        elif row["decision"] == "reject" and len(keys & recorded) >= 2:
            if keys <= recorded:
                status = "rejected"
                note = f"rejected by {row['decided_by']} on {row['decided_at']:%Y-%m-%d}"
            else:
                note = (
                    f"a series of {len(keys & recorded)} of these cases was rejected by "
                    f"{row['decided_by']} on {row['decided_at']:%Y-%m-%d}; "
                    f"{len(keys - recorded)} case(s) are new since"
                )
    known = bool(own.height) and bool((own["shared_person"] == "same suspect").all())
    return Series(
        series_id, status, member_rows, pair_rows, contributions, shared.to_dicts(), known, note
    )
