"""Series linkage (comparative case analysis) of deaths and serious violence.

:func:`series_linkage` reads the cases — deaths classified suspicious or
unexplained (optionally natural deaths outside hospital) and serious violence
(homicide, attempted murder, GBH, threats to kill) — forms candidate pairs by
blocking (near in space and time, sharing a rare MO code, or sharing a person
or practitioner; never all pairs), scores each pair as a log10 likelihood
ratio (:mod:`harmwatch.analysis.series_model`), joins pairs at or above the
threshold into candidate series (connected components) and applies the
analysts' decisions stored in ``series_decisions``. Each series shows its
evidence: its pairs, what each feature contributed, and how unusual the shared
MO codes are.

References
----------
.. [1] Porter MD. A statistical approach to crime linkage. The American
   Statistician 2016; 70(2):152-165 (arXiv:1410.2285).
.. [2] Christen P. Data Matching. Springer, 2012 (blocking, ch. 4).
.. [3] Woodhams J, Hollin CR, Bull R. The psychology of linking crimes: a
   review of the evidence. Legal and Criminological Psychology 2007; 12:233-249
   (comparative case analysis).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Engine, insert, select
from sqlalchemy.sql import ColumnElement

from harmwatch.analysis.data import read_kind
from harmwatch.analysis.series_model import (
    FEATURES,
    PairModel,
    code_frequencies,
    pair_features,
    train_model,
)
from harmwatch.analysis.smallnumbers import json_records
from harmwatch.store.schema import kind_tables, series_decisions

__all__ = [
    "DEFAULT_THRESHOLD",
    "Series",
    "SeriesResult",
    "candidate_pairs",
    "case_key",
    "link_series",
    "load_cases",
    "read_decisions",
    "record_decision",
    "series_linkage",
]

#: Pairs scoring at least this log10 likelihood ratio (1000 to 1 for a link)
#: are joined into series.
DEFAULT_THRESHOLD = 3.0
_PAIR_COLUMNS = ("i", "j")

#: Serious violence compared (offence groups).
SERIOUS_VIOLENCE = ("homicide", "attempted_murder", "gbh", "threats_to_kill")
#: Death classifications compared.
DEATH_CLASSES = ("suspicious", "unexplained")
#: Age bands of the victim profile (lower bounds, years).
AGE_BAND_STARTS = (0, 18, 25, 35, 45, 55, 65)
_PLACE_TO_LOCATION = {
    "care_home": "care_home", "own_home": "dwelling", "hospital": "hospital",
    "hospice": "hospital", "prison": "prison", "hostel": "dwelling", "public_place": "street",
}  # fmt: skip
_UNKNOWN = ["unknown", "none", ""]


def case_key(kind: str, source: str, record_id: str) -> str:
    """A case's identity: ``kind|source|record_id`` (kind ``occurrence`` or ``death``)."""
    return f"{kind}|{source}|{record_id}"


def _age_band(age: pl.Expr) -> pl.Expr:
    band = pl.sum_horizontal([(age >= s).cast(pl.Int64) for s in AGE_BAND_STARTS[1:]])
    return pl.when(age.is_null()).then(None).otherwise(band).alias("victim_age_band")


def _codes(column: str) -> pl.Expr:
    return (
        pl.col(column).fill_null("").str.to_lowercase().str.split(";")
        .list.eval(pl.element().str.strip_chars().filter(pl.element() != ""))
        .list.unique().list.sort().alias("codes")
    )  # fmt: skip


def _known(column: str) -> pl.Expr:
    value = pl.col(column).str.to_lowercase()
    return pl.when(value.is_in(_UNKNOWN)).then(None).otherwise(value).alias(column)


_DEATH_COLUMNS = [
    "death_id", "source", "date_of_death", "classification", "place_type", "date_of_birth",
    "age", "sex", "practitioner_id", "institution_id", "easting", "northing", "area_code",
    "mo",
]  # fmt: skip


def _death_cases(deaths: pl.DataFrame, deceased: pl.DataFrame) -> pl.DataFrame:
    """Deaths as cases (the columns of :func:`load_cases`)."""
    d_age = pl.coalesce(
        pl.col("age"),
        ((pl.col("date_of_death") - pl.col("date_of_birth")).dt.total_days() / 365.25)
        .floor().cast(pl.Int64),
    )  # fmt: skip
    return deaths.join(deceased, on=["source", "death_id"], how="left").select(
        pl.lit("death").alias("kind"), "source", pl.col("death_id").alias("record_id"),
        pl.col("date_of_death").alias("date"),
        (pl.col("date_of_death").cast(pl.Datetime("us")).dt.epoch("s") / 86_400.0 + 0.5)
        .alias("day"),
        pl.col("classification").alias("what"), "area_code",
        pl.col("easting").alias("x"), pl.col("northing").alias("y"), _codes("mo"),
        pl.lit(None, dtype=pl.String).alias("weapon"),
        pl.col("place_type").replace_strict(_PLACE_TO_LOCATION, default=None,
                                            return_dtype=pl.String).alias("location_type"),
        _known("sex").alias("victim_sex"), _age_band(d_age),
        "practitioner_id", "institution_id",
        pl.lit([], dtype=pl.List(pl.String)).alias("suspects"),
        pl.concat_list(pl.col("person_id")).list.drop_nulls().alias("victims"),
        pl.lit(False).alias("charged"),
    )  # fmt: skip


def load_cases(
    engine: Engine, *, include_natural: bool = False, natural_sharing_mo: bool = True
) -> pl.DataFrame:
    """The cases to compare, one row each, from the store.

    Serious violence (:data:`SERIOUS_VIOLENCE`) and deaths classified
    :data:`DEATH_CLASSES`; with ``include_natural``, also every natural death
    outside hospital and hospice; otherwise (``natural_sharing_mo``, default)
    those natural deaths outside hospital that carry an MO code also carried by
    one of the other cases: a death recorded as natural that the police noted
    an MO for, and the same MO as a suspicious or violent case, is exactly
    where a series hides (Shipman's, Letby's). Persons are the linkage's
    ``person_id`` where ``harmwatch link`` has run, else the police's own
    ``person_ref``. Ethnicity is not read.

    Returns
    -------
    polars.DataFrame
        ``case``, ``kind``, ``source``, ``record_id``, ``date``, ``day`` (days
        since 1970), ``what``, ``area_code``, ``x``, ``y``, ``codes`` (MO codes),
        ``weapon``, ``location_type``, ``victim_sex``, ``victim_age_band`` (index
        into :data:`AGE_BAND_STARTS`), ``practitioner_id``, ``institution_id``
        (deaths at an institution), ``suspects``,
        ``victims`` (person keys), ``charged``, ``linked`` (persons from linkage).
    """
    from harmwatch.linkage.persons import person_assignments

    occ_t = kind_tables["police_occurrences"].c
    occ = read_kind(
        engine, "police_occurrences",
        columns=["occurrence_id", "source", "offence_group", "occurred_from", "easting",
                 "northing", "area_code", "location_type", "weapon", "outcome", "mo"],
        where=occ_t.offence_group.in_(SERIOUS_VIOLENCE),
    )  # fmt: skip
    ppl_t = kind_tables["police_people"].c
    people = read_kind(
        engine, "police_people",
        columns=["occurrence_id", "source", "involvement_id", "role", "person_ref",
                 "date_of_birth", "age", "age_band", "sex"],
        where=ppl_t.role.in_(("victim", "suspect", "offender")),
    )  # fmt: skip
    persons = person_assignments(engine)
    linked = persons.height > 0
    people = people.join(
        persons.filter(pl.col("kind") == "police_people").select(
            "source", pl.col("record_id").alias("involvement_id"), "person_id"
        ),
        on=["source", "involvement_id"],
        how="left",
    ).join(occ.select("source", "occurrence_id", "occurred_from"), on=["source", "occurrence_id"])
    age = pl.coalesce(
        pl.col("age"),
        ((pl.col("occurred_from").cast(pl.Date) - pl.col("date_of_birth")).dt.total_days()
         / 365.25).floor().cast(pl.Int64),
        pl.col("age_band").str.extract(r"^(\d+)").cast(pl.Int64, strict=False),
    )  # fmt: skip
    people = people.with_columns(
        pl.coalesce(
            pl.col("person_id"),
            pl.when(pl.col("person_ref").is_not_null()).then(
                pl.concat_str([pl.lit("ref"), "source", "person_ref"], separator=":")
            ),
        ).alias("person"),
        _age_band(age),
        _known("sex"),
    )
    victims = people.filter(pl.col("role") == "victim").sort("involvement_id")
    profile = victims.group_by(["source", "occurrence_id"]).agg(
        pl.col("sex").drop_nulls().first().alias("victim_sex"),
        pl.col("victim_age_band").drop_nulls().first(),
        pl.col("person").drop_nulls().unique().alias("victims"),
    )
    suspects = (
        people.filter(pl.col("role") != "victim")
        .group_by(["source", "occurrence_id"])
        .agg(pl.col("person").drop_nulls().unique().alias("suspects"))
    )
    occ_cases = (
        occ.join(profile, on=["source", "occurrence_id"], how="left")
        .join(suspects, on=["source", "occurrence_id"], how="left")
        .select(
            pl.lit("occurrence").alias("kind"), "source",
            pl.col("occurrence_id").alias("record_id"),
            pl.col("occurred_from").cast(pl.Date).alias("date"),
            (pl.col("occurred_from").dt.epoch("s") / 86_400.0).alias("day"),
            pl.col("offence_group").alias("what"), "area_code",
            pl.col("easting").alias("x"), pl.col("northing").alias("y"), _codes("mo"),
            _known("weapon"), _known("location_type"), "victim_sex", "victim_age_band",
            pl.lit(None, dtype=pl.String).alias("practitioner_id"),
            pl.lit(None, dtype=pl.String).alias("institution_id"),
            pl.col("suspects").fill_null([]), pl.col("victims").fill_null([]),
            (pl.col("outcome") == "charged").fill_null(False).alias("charged"),
        )
    )  # fmt: skip
    d_t = kind_tables["deaths"].c
    outside = d_t.place_type.is_(None) | d_t.place_type.notin_(("hospital", "hospice"))
    wanted: ColumnElement[bool] = d_t.classification.in_(DEATH_CLASSES)
    if include_natural:
        wanted = wanted | ((d_t.classification == "natural") & outside)
    deceased = persons.filter(pl.col("kind") == "deaths").select(
        "source", pl.col("record_id").alias("death_id"), "person_id"
    )
    death_cases = _death_cases(read_kind(engine, "deaths", columns=_DEATH_COLUMNS, where=wanted),
                               deceased)  # fmt: skip
    if not include_natural and natural_sharing_mo:
        natural = _death_cases(
            read_kind(
                engine, "deaths", columns=_DEATH_COLUMNS,
                where=(d_t.classification == "natural") & outside & d_t.mo.is_not(None),
            ),
            deceased,
        )  # fmt: skip
        seen = pl.concat([occ_cases.select("codes"), death_cases.select("codes")])
        known = seen["codes"].explode().drop_nulls().unique().to_list()
        shares = pl.col("codes").list.eval(pl.element().is_in(known)).list.any()
        death_cases = pl.concat([death_cases, natural.filter(shares)])
    frame = pl.concat([occ_cases, death_cases], how="vertical_relaxed")
    return frame.with_columns(
        pl.concat_str(["kind", "source", "record_id"], separator="|").alias("case"),
        pl.lit(linked).alias("linked"),
    ).sort(["kind", "source", "record_id"])


def candidate_pairs(
    cases: pl.DataFrame,
    *,
    max_km: float = 5.0,
    max_days: float = 180.0,
    max_code_share: float = 0.05,
    max_person_cases: int = 200,
) -> pl.DataFrame:
    """Blocking: the pairs worth scoring, without forming all pairs.

    A pair is a candidate when (a) both cases are within ``max_km`` and
    ``max_days`` of each other (a k-d tree on scaled easting, northing and day);
    or (b) they share an MO code carried by at most ``max_code_share`` of the
    MO-bearing cases; or (c) they share a suspect, victim or practitioner
    carried by at most ``max_person_cases`` cases (sort-merge joins).

    Returns
    -------
    polars.DataFrame
        ``i``, ``j`` (row numbers, ``i < j``), each pair once.
    """
    from scipy.spatial import cKDTree

    frames: list[pl.DataFrame] = []
    located = cases.filter(pl.col("x").is_not_null() & pl.col("y").is_not_null())
    if located.height > 1:
        scale = np.array([max_km * 1000.0, max_km * 1000.0, max_days])
        points = located.select("x", "y", "day").to_numpy().astype(np.float64) / scale
        found = cKDTree(points).query_pairs(1.0, p=np.inf, output_type="ndarray")
        rows = located["i"].to_numpy()
        if len(found):
            near = pl.DataFrame({"i": rows[found[:, 0]], "j": rows[found[:, 1]]})
            frames.append(near)
    freq = code_frequencies(cases)
    rare = freq.filter(pl.col("share") <= max_code_share)["code"]
    by_code = (
        cases.select("i", pl.col("codes").alias("key"))
        .explode("key")
        .filter(pl.col("key").is_in(rare.implode()))
    )
    people = pl.concat(
        [
            cases.select("i", pl.col("suspects").alias("key")).explode("key"),
            cases.select("i", pl.col("victims").alias("key")).explode("key"),
            cases.select("i", ("practitioner:" + pl.col("practitioner_id")).alias("key")),
        ]
    ).drop_nulls()
    sizes = people.group_by("key").agg(pl.len().alias("n"))
    keep = sizes.filter((pl.col("n") > 1) & (pl.col("n") <= max_person_cases))["key"]
    shared = pl.concat([by_code, people.filter(pl.col("key").is_in(keep.implode()))]).unique()
    if shared.height:
        joined = shared.join(shared.rename({"i": "j"}), on="key").filter(pl.col("i") < pl.col("j"))
        frames.append(joined.select("i", "j"))
    if not frames:
        return pl.DataFrame(schema={"i": pl.Int64, "j": pl.Int64})
    out = pl.concat([f.select(pl.col(c).cast(pl.Int64) for c in _PAIR_COLUMNS) for f in frames])
    swapped = out.select(
        pl.min_horizontal("i", "j").alias("i"), pl.max_horizontal("i", "j").alias("j")
    )
    return swapped.unique().sort(["i", "j"])


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


def _decisions_apply(
    decisions: pl.DataFrame | None, keys: list[str]
) -> tuple[set[tuple[str, str]], set[tuple[str, str]], list[dict[str, Any]]]:
    """Confirmed and rejected links, and the series decisions, latest first wins."""
    confirmed: set[tuple[str, str]] = set()
    rejected: set[tuple[str, str]] = set()
    series_rows: list[dict[str, Any]] = []
    if decisions is None or decisions.is_empty():
        return confirmed, rejected, series_rows
    present = set(keys)
    latest: dict[tuple[str, ...], dict[str, Any]] = {}
    for row in decisions.sort("decided_at").to_dicts():
        if row["target"] == "link":
            a, b = sorted((row["case_a"], row["case_b"]))
            latest[("link", a, b)] = row
        else:
            latest[("series", row["series_id"])] = row
    for key, row in latest.items():
        if key[0] == "link":
            (confirmed if row["decision"] == "confirm" else rejected).add((key[1], key[2]))
            continue
        members = sorted(m for m in row["members"] if m in present)
        series_rows.append(row)
        if row["decision"] == "confirm":
            confirmed |= {(a, b) for a in members for b in members if a < b}
    return confirmed - rejected, rejected, series_rows


def link_series(
    cases: pl.DataFrame,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    decisions: pl.DataFrame | None = None,
    model: PairModel | None = None,
    max_km: float = 5.0,
    max_days: float = 180.0,
) -> SeriesResult:
    """Score candidate pairs and join them into series (pure: no store).

    Parameters
    ----------
    cases : polars.DataFrame
        :func:`load_cases`' frame.
    threshold : float
        log10 likelihood ratio at which a pair is a link.
    decisions : polars.DataFrame, optional
        :func:`read_decisions`' frame.
    model : PairModel, optional
        Ratios to use; default: trained on the solved cases when enough, else
        the hand-set ratios.
    max_km, max_days : float
        Spatio-temporal blocking window (:func:`candidate_pairs`).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if cases.height < 2:
        return SeriesResult(False, reason="fewer than two cases to compare", cases=cases.height)
    cases = cases.with_row_index("i").with_columns(pl.col("i").cast(pl.Int64))
    keys = cases["case"].to_list()
    index = {k: n for n, k in enumerate(keys)}
    confirmed, rejected, series_rows = _decisions_apply(decisions, keys)
    pairs = candidate_pairs(cases, max_km=max_km, max_days=max_days)
    forced = [(index[a], index[b]) for a, b in confirmed if a in index and b in index]
    if forced:
        extra = pl.DataFrame(forced, schema={"i": pl.Int64, "j": pl.Int64}, orient="row")
        pairs = pl.concat([pairs, extra]).unique().sort(["i", "j"])
    freq = code_frequencies(cases)
    features = pair_features(cases, pairs, freq)
    if model is None:
        charged = cases["charged"].to_numpy()
        named = (cases["suspects"].list.len() > 0).to_numpy()
        i, j = features["i"].to_numpy(), features["j"].to_numpy()
        solved = charged[i] & charged[j] & named[i] & named[j]
        same = (features["shared_person"] == "same suspect").to_numpy()
        model = train_model(features, solved & same, solved & ~same)
    key_array = np.asarray(keys, dtype=object)
    scored = model.score(features).with_columns(
        pl.Series("case_a", key_array[features["i"].to_numpy()].tolist(), dtype=pl.String),
        pl.Series("case_b", key_array[features["j"].to_numpy()].tolist(), dtype=pl.String),
    )
    pair_keys = list(zip(scored["case_a"].to_list(), scored["case_b"].to_list(), strict=True))
    decision = [
        "confirm" if p in confirmed else "reject" if p in rejected else None for p in pair_keys
    ]
    scored = scored.with_columns(pl.Series("decision", decision, dtype=pl.String))
    edge = ((pl.col("score") >= threshold) & pl.col("decision").is_null()) | (
        pl.col("decision") == "confirm"
    )
    scored = scored.with_columns(edge.alias("link"))
    links = scored.filter(pl.col("link"))
    n = cases.height
    graph = coo_matrix(
        (np.ones(links.height), (links["i"].to_numpy(), links["j"].to_numpy())), shape=(n, n)
    )
    _, label = connected_components(graph, directed=False)
    cases = cases.with_columns(pl.Series("component", label))
    sizes = cases.group_by("component").agg(pl.len().alias("size"))
    multi = sizes.filter(pl.col("size") > 1)["component"].to_list()
    series = [
        _series(cases.filter(pl.col("component") == c), links, freq, series_rows) for c in multi
    ]
    series.sort(key=lambda s: (-len(s.members), s.series_id))
    warnings = [] if model.trained else [model.note]
    return SeriesResult(
        True,
        cases=n,
        pairs_scored=scored.height,
        threshold=threshold,
        model=model,
        series=series,
        warnings=warnings,
        tables={"pairs": scored, "cases": cases, "codes": freq},
    )


def _series(
    members: pl.DataFrame,
    links: pl.DataFrame,
    freq: pl.DataFrame,
    series_rows: list[dict[str, Any]],
) -> Series:
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


# --- Analysts' decisions -------------------------------------------------------


def read_decisions(engine: Engine) -> pl.DataFrame:
    """Every stored decision: ``target`` (link or series), ``series_id``, ``case_a``,
    ``case_b``, ``members`` (list of case keys), ``decision``, ``decided_by``,
    ``decided_at``, ``note``."""
    c = series_decisions.c
    with engine.connect() as connection:
        rows = connection.execute(select(series_decisions).order_by(c.decided_at, c.decision_id))
        records = [
            {
                "target": r.target,
                "series_id": r.series_id,
                "case_a": case_key(r.kind_a, r.source_a, r.record_id_a) if r.kind_a else None,
                "case_b": case_key(r.kind_b, r.source_b, r.record_id_b) if r.kind_b else None,
                "members": json.loads(r.members) if r.members else [],
                "decision": r.decision,
                "decided_by": r.decided_by,
                "decided_at": r.decided_at,
                "note": r.note,
            }
            for r in rows
        ]
    schema: dict[str, pl.DataType] = {
        "target": pl.String(), "series_id": pl.String(),
        "case_a": pl.String(), "case_b": pl.String(),
        "members": pl.List(pl.String), "decision": pl.String(), "decided_by": pl.String(),
        "decided_at": pl.Datetime("us"), "note": pl.String(),
    }  # fmt: skip
    return pl.DataFrame(records, schema=schema)


def record_decision(
    engine: Engine,
    *,
    decision: str,
    decided_by: str,
    pair: tuple[str, str] | None = None,
    series: Series | None = None,
    note: str | None = None,
    decided_at: datetime | None = None,
) -> None:
    """Store an analyst's decision on a link (``pair`` of case keys) or a ``series``.

    Applied on every later run: a confirmed link or series stays joined; a
    rejected link is never a link; a rejected series is shown as rejected until
    a new case joins it.
    """
    if decision not in ("confirm", "reject"):
        raise ValueError(f"decision must be confirm or reject, not {decision!r}")
    if (pair is None) == (series is None):
        raise ValueError("give either a pair or a series")
    values: dict[str, Any] = {
        "decision": decision,
        "decided_by": decided_by,
        "decided_at": decided_at or datetime.now().replace(microsecond=0),
        "note": note,
    }
    if pair is not None:
        a, b = sorted(pair)
        ka, sa, ra = a.split("|", 2)
        kb, sb, rb = b.split("|", 2)
        values |= {"target": "link", "kind_a": ka, "source_a": sa, "record_id_a": ra,
                   "kind_b": kb, "source_b": sb, "record_id_b": rb}  # fmt: skip
    elif series is not None:
        values |= {
            "target": "series",
            "series_id": series.series_id,
            "members": json.dumps(series.case_keys),
        }
    with engine.begin() as connection:
        connection.execute(insert(series_decisions).values(**values))


def series_linkage(
    engine: Engine,
    *,
    include_natural: bool = False,
    natural_sharing_mo: bool = True,
    threshold: float = DEFAULT_THRESHOLD,
    model: PairModel | None = None,
    max_km: float = 5.0,
    max_days: float = 180.0,
) -> SeriesResult:
    """Candidate series in the store, with the analysts' decisions applied.

    Parameters
    ----------
    engine : Engine
        The store.
    include_natural : bool
        Also compare every natural death outside hospital and hospice.
    natural_sharing_mo : bool
        Without ``include_natural``: compare the natural deaths outside
        hospital that share an MO code with another case (default).
    threshold, model, max_km, max_days
        As :func:`link_series`.
    """
    cases = load_cases(
        engine, include_natural=include_natural, natural_sharing_mo=natural_sharing_mo
    )
    result = link_series(
        cases,
        threshold=threshold,
        decisions=read_decisions(engine),
        model=model,
        max_km=max_km,
        max_days=max_days,
    )
    if not cases.filter(pl.col("linked")).height:
        result.warnings.append(
            "persons are not linked across agencies (run harmwatch link): shared suspects "
            "and victims come from the police's own person references only"
        )
    return result
