"""Clerical review: borderline pairs, decisions, and why the model scored a pair.

:func:`review_pairs` lists the pairs the stored model scores between two
match probabilities (by default 0.5 and the last run's threshold): neither
clearly the same person nor clearly not. A reviewer records a decision with
:func:`decide`; decisions (who, when, a note) are kept in ``link_decisions``
and override the model on every later ``harmwatch link`` (the latest decision
on a pair wins). :func:`explain_pair` shows a pair's match weight as the sum
of the prior and each comparison's contribution (Splink's waterfall data).

References
----------
Fellegi, I. P. and Sunter, A. B. (1969). A theory for record linkage.
*Journal of the American Statistical Association* 64(328), 1183-1210.

Splink: waterfall charts and ``linker.inference.score_pair``,
https://moj-analytical-services.github.io/splink/
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

import polars as pl
from sqlalchemy import Engine, insert

from harmwatch.errors import HarmWatchError
from harmwatch.linkage.features import linkage_frame, parse_record_key, record_key
from harmwatch.linkage.model import Backend, EngineName, predict, quiet_splink, settings_for
from harmwatch.linkage.persons import (
    DEFAULT_THRESHOLD,
    current_decisions,
    latest_model,
    person_assignments,
)
from harmwatch.store.schema import link_decisions, linkage_runs

__all__ = [
    "Contribution",
    "Explanation",
    "ReviewPair",
    "decide",
    "explain_pair",
    "review_pairs",
]

#: Default lower bound of the review band.
REVIEW_LOWER = 0.5
#: Columns shown for each record of a pair.
SHOWN = ("forename", "surname", "dob", "postcode", "nhs_number", "sex")


@dataclass
class ReviewPair:
    """A borderline pair for clerical review.

    Attributes
    ----------
    a, b : str
        The records (``kind|source|record_id``, ``a < b``).
    match_probability, match_weight : float
        The model's score.
    same_person : bool
        Whether the current linkage puts them in one person anyway (through
        other records or a deterministic link).
    record_a, record_b : dict
        Their identifying details (:data:`SHOWN`).
    """

    a: str
    b: str
    match_probability: float
    match_weight: float
    same_person: bool
    record_a: dict[str, Any]
    record_b: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _model_or_fail(engine: Engine) -> dict[str, Any]:
    stored = latest_model(engine)
    if stored is None:
        raise HarmWatchError("no linkage model yet: run `harmwatch link` first")
    return stored[1]


def _last_threshold(engine: Engine) -> float:
    from sqlalchemy import select

    with engine.connect() as connection:
        value = connection.execute(
            select(linkage_runs.c.threshold).order_by(linkage_runs.c.run_id.desc()).limit(1)
        ).scalar()
    return float(value) if value is not None else DEFAULT_THRESHOLD


def review_pairs(
    engine: Engine,
    *,
    lower: float = REVIEW_LOWER,
    upper: float | None = None,
    limit: int | None = 50,
    key: bytes | None = None,
    engine_name: EngineName = "duckdb",
) -> list[ReviewPair]:
    """Undecided pairs scored in ``[lower, upper)``, the least certain first.

    Parameters
    ----------
    engine : Engine
        The store (linked at least once: the stored model is used).
    lower, upper : float
        The band of match probability (``upper`` default: the last run's threshold).
    limit : int or None
        How many pairs to return (None: all).
    key : bytes, optional
        The partners' token key (as for ``harmwatch link``).
    engine_name : {"duckdb", "spark"}
        Where Splink runs.
    """
    model = _model_or_fail(engine)
    top = _last_threshold(engine) if upper is None else upper
    frame = linkage_frame(engine, key=key)
    with quiet_splink():
        pairs = predict(Backend(engine_name), frame, model, threshold=lower)
    decided = set(current_decisions(engine))
    pairs = pairs.filter(pl.col("match_probability") < top)
    pairs = pairs.filter(
        ~pl.struct("unique_id_l", "unique_id_r").is_in(
            [{"unique_id_l": a, "unique_id_r": b} for a, b in decided]
        )
        if decided
        else pl.lit(True)
    )
    pairs = pairs.sort(pl.col("match_weight").abs(), "unique_id_l", "unique_id_r")
    if limit is not None:
        pairs = pairs.head(limit)
    persons = dict(person_assignments(engine).select("unique_id", "person_id").iter_rows())
    details = {row["unique_id"]: row for row in frame.select("unique_id", *SHOWN).to_dicts()}
    out = []
    for row in pairs.iter_rows(named=True):
        a, b = row["unique_id_l"], row["unique_id_r"]
        out.append(
            ReviewPair(
                a=a,
                b=b,
                match_probability=round(row["match_probability"], 6),
                match_weight=round(row["match_weight"], 3),
                same_person=a in persons and persons.get(a) == persons.get(b),
                record_a={k: v for k, v in details[a].items() if k != "unique_id"},
                record_b={k: v for k, v in details[b].items() if k != "unique_id"},
            )
        )
    return out


def decide(
    engine: Engine,
    a: str,
    b: str,
    decision: Literal["same", "different"],
    *,
    by: str,
    note: str | None = None,
    now: datetime | None = None,
) -> int:
    """Record a clerical decision on the pair ``a``, ``b``; it applies from the next linkage.

    Parameters
    ----------
    engine : Engine
        The store.
    a, b : str
        Records as ``kind:source:record_id`` (or ``kind|source|record_id``).
    decision : {"same", "different"}
        The reviewer's decision.
    by : str
        Who decided.
    note : str, optional
        Why.
    now : datetime, optional
        When (default: now).

    Returns
    -------
    int
        The ``decision_id``.

    Raises
    ------
    HarmWatchError
        When a record is not in the store, the two are one record, or the
        decision or reviewer is missing.
    """
    if decision not in ("same", "different"):
        raise HarmWatchError(f"decision {decision!r}: expected same or different")
    if not by.strip():
        raise HarmWatchError("a decision needs the reviewer's name (--by)")
    first, second = parse_record_key(a), parse_record_key(b)
    if first == second:
        raise HarmWatchError(f"{a} and {b} are the same record")
    found = set(linkage_frame(engine, only=[first, second]).get_column("unique_id"))
    for parts, text in ((first, a), (second, b)):
        if record_key(*parts) not in found:
            raise HarmWatchError(f"record {text}: not in the store")
    if record_key(*second) < record_key(*first):
        first, second = second, first
    with engine.begin() as connection:
        decision_id = connection.execute(
            insert(link_decisions)
            .values(
                kind_a=first[0],
                source_a=first[1],
                record_id_a=first[2],
                kind_b=second[0],
                source_b=second[1],
                record_id_b=second[2],
                decision=decision,
                decided_by=by.strip(),
                decided_at=now or datetime.now(),
                note=note,
            )
            .returning(link_decisions.c.decision_id)
        ).scalar_one()
    return int(decision_id)


@dataclass
class Contribution:
    """One comparison's part in a pair's match weight.

    Attributes
    ----------
    comparison : str
        ``forename``, ``dob``...
    level : str
        The level the pair falls in (e.g. "Day and month transposed").
    value_a, value_b : object
        The compared values.
    bayes_factor : float
        ``m / u`` of the level (1: no evidence either way).
    match_weight : float
        ``log2(bayes_factor)``: what the comparison adds to the match weight.
    """

    comparison: str
    level: str
    value_a: Any
    value_b: Any
    bayes_factor: float
    match_weight: float


@dataclass
class Explanation:
    """Why the model scores a pair as it does.

    Attributes
    ----------
    a, b : str
        The records.
    prior_weight : float
        ``log2`` of the prior odds that two records match.
    match_weight : float
        Prior plus every contribution.
    match_probability : float
        ``2**w / (1 + 2**w)``.
    contributions : list of Contribution
    deterministic : list of str
        Exact rules linking the pair whatever the model says ("same
        person_token", "same person_ref").
    decision : str or None
        The latest clerical decision on the pair.
    person_a, person_b : str or None
        Their persons in the current linkage.
    """

    a: str
    b: str
    prior_weight: float
    match_weight: float
    match_probability: float
    contributions: list[Contribution] = field(default_factory=list)
    deterministic: list[str] = field(default_factory=list)
    decision: str | None = None
    person_a: str | None = None
    person_b: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def explain_pair(engine: Engine, a: str, b: str, *, key: bytes | None = None) -> Explanation:
    """Score the pair ``a``, ``b`` with the stored model and break the weight down.

    Parameters
    ----------
    engine : Engine
        The store (linked at least once).
    a, b : str
        Records as ``kind:source:record_id`` (or ``kind|source|record_id``).
    key : bytes, optional
        The partners' token key.

    Raises
    ------
    HarmWatchError
        When there is no model yet or a record is not in the store.
    """
    model = _model_or_fail(engine)
    first, second = parse_record_key(a), parse_record_key(b)
    frame = linkage_frame(engine, key=key, only=[first, second])
    rows = {r["unique_id"]: r for r in frame.to_dicts()}
    ids = [record_key(*first), record_key(*second)]
    for uid, text in zip(ids, (a, b), strict=True):
        if uid not in rows:
            raise HarmWatchError(f"record {text}: not in the store")
    backend = Backend("duckdb")
    settings = settings_for(model, backend.dialect, explain=True)
    with quiet_splink():
        linker = backend.linker(frame, settings, "explain")
        scored = linker.inference.score_pair(rows[ids[0]], rows[ids[1]])
        result = scored.as_record_list()[0]
    prior = float(settings["probability_two_random_records_match"])
    contributions = []
    for comparison in settings["comparisons"]:
        name = comparison["output_column_name"]
        gamma = int(result[f"gamma_{name}"])
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        # Splink numbers non-null levels from the last (0) up to the first.
        label = (
            "null (no evidence)"
            if gamma < 0
            else str(levels[len(levels) - 1 - gamma].get("label_for_charts", gamma))
        )
        weight = float(result.get(f"mw_{name}") or 0.0)
        contributions.append(
            Contribution(
                comparison=name,
                level=label,
                value_a=result.get(f"{name}_l"),
                value_b=result.get(f"{name}_r"),
                bayes_factor=round(2.0**weight, 6),
                match_weight=round(weight, 4),
            )
        )
    same_rules = [
        f"same {c}"
        for c in ("person_token", "person_ref")
        if rows[ids[0]][c] is not None and rows[ids[0]][c] == rows[ids[1]][c]
    ]
    pair = (min(ids), max(ids))
    persons = dict(person_assignments(engine).select("unique_id", "person_id").iter_rows())
    return Explanation(
        a=ids[0],
        b=ids[1],
        prior_weight=round(math.log2(prior / (1 - prior)), 4),
        match_weight=round(float(result["match_weight"]), 4),
        match_probability=float(result["match_probability"]),
        contributions=contributions,
        deterministic=same_rules,
        decision=current_decisions(engine).get(pair),
        person_a=persons.get(ids[0]),
        person_b=persons.get(ids[1]),
    )
