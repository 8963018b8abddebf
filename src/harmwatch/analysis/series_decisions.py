"""Analysts' decisions on series and links: stored, read back, applied on every run.

A confirmed link or series stays joined; a rejected link is never a link; a
rejected series is shown as rejected until a new case joins it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import Engine, insert, select

from harmwatch.analysis.series_cases import case_key
from harmwatch.analysis.series_result import Series
from harmwatch.store.schema import series_decisions

__all__ = ["apply_decisions", "read_decisions", "record_decision"]


def apply_decisions(
    decisions: pl.DataFrame | None, keys: list[str]
) -> tuple[set[tuple[str, str]], set[tuple[str, str]], list[dict[str, Any]]]:
    """Confirmed and rejected links (pairs of case keys), and the series decisions: for
    each link or series the latest decision wins; a confirmed series confirms its links."""
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
