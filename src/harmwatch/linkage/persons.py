"""Person linkage: one person across police, deaths, NHS and council records.

:func:`link_persons` is the whole job (``harmwatch link`` is its wrapper):

1. read every person-bearing record of the store as the linkage frame
   (:mod:`.features`), and keep one representative of each group of records
   with identical identities (:mod:`.dedup`; the others follow it);
2. train a Fellegi-Sunter model without labels, or reuse the model stored
   by the last run (:mod:`.model`): a new extract links against the known
   persons without retraining unless ``retrain`` is set;
3. score the blocked pairs with Splink (DuckDB by default, Spark on request);
4. join pairs at or above the threshold, records sharing a ``person_token``
   or a source's own ``person_ref``, collapsed records to their
   representative, and clerical ``same`` decisions; cut
   ``different`` decisions; persons are the connected components
   (:mod:`.clusters`);
5. carry person ids over from the previous linkage (stable ids) and replace
   ``person_records`` in one transaction, with a ``linkage_runs`` row that
   keeps the settings, the model and the counts.

Records without anything to link on (an ED attendance without a token)
become persons of their own. Token-only sources link to each other exactly on
the token; given the partners' key, records with names get their token in
memory and link exactly to token-only records too.

References
----------
Fellegi, I. P. and Sunter, A. B. (1969). A theory for record linkage.
*Journal of the American Statistical Association* 64(328), 1183-1210.

Linacre, R. et al. (2022). Splink: Free software for probabilistic record
linkage at scale. *International Journal of Population Data Science* 7(3).
"""

from __future__ import annotations

import csv
import json
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Engine, delete, insert, select

from harmwatch.errors import HarmWatchError
from harmwatch.linkage.clusters import (
    assign_person_ids,
    cluster_records,
    deterministic_edges,
)
from harmwatch.linkage.dedup import collapse_identical
from harmwatch.linkage.features import PERSON_KINDS, linkage_frame, record_key
from harmwatch.linkage.model import Backend, EngineName, predict, quiet_splink, train
from harmwatch.store.schema import link_decisions, linkage_runs, person_records

__all__ = [
    "DEFAULT_THRESHOLD",
    "LinkResult",
    "current_decisions",
    "export_persons",
    "latest_model",
    "link_persons",
    "person_assignments",
]

#: Pairs at or above this match probability are the same person.
DEFAULT_THRESHOLD = 0.99
#: Key of the stored model JSON that remembers the highest person id given out.
_HIGHEST_KEY = "harmwatch_highest_person_number"
_INSERT_CHUNK = 20_000


@dataclass
class LinkResult:
    """What one linkage run did.

    Attributes
    ----------
    run_id : int
        The ``linkage_runs`` row.
    engine : str
        ``duckdb`` or ``spark``.
    threshold : float
        Match probability at or above which a scored pair links.
    trained : bool
        Whether the model was trained in this run (else the stored one was used).
    records, identified : int
        Person-bearing records, and those with anything to link on.
    scored_records : int
        Records the model trained on and scored: one per group of identical
        identities (the others are linked to it; see :mod:`.dedup`).
    pairs : int
        Scored pairs at or above the threshold.
    persons : int
        Distinct persons after linkage.
    new_persons : int
        Persons whose id was given out in this run.
    deterministic_links, forced_links, cut_links : int
        Edges from tokens, person references and collapsed identical
        identities; added by ``same`` and
        removed by ``different`` decisions.
    conflicts : list of (str, str)
        ``different`` decisions whose records are still one person through
        other records: review the records in between.
    seconds : float
        Wall-clock time.
    """

    run_id: int
    engine: str
    threshold: float
    trained: bool
    records: int
    identified: int
    scored_records: int
    pairs: int
    persons: int
    new_persons: int
    deterministic_links: int
    forced_links: int
    cut_links: int
    conflicts: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` object of ``harmwatch link``."""
        out = asdict(self)
        out["conflicts"] = [list(pair) for pair in self.conflicts]
        return out


def latest_model(engine: Engine) -> tuple[int, dict[str, Any]] | None:
    """The newest finished run that stored a model: ``(run_id, model)``, or None."""
    with engine.connect() as connection:
        row = connection.execute(
            select(linkage_runs.c.run_id, linkage_runs.c.model)
            .where(linkage_runs.c.model.is_not(None), linkage_runs.c.finished_at.is_not(None))
            .order_by(linkage_runs.c.run_id.desc())
            .limit(1)
        ).first()
    if row is None:
        return None
    model: dict[str, Any] = json.loads(row.model)
    return int(row.run_id), model


def current_decisions(engine: Engine) -> dict[tuple[str, str], str]:
    """The latest clerical decision on each pair: ``(a, b)`` (``a < b``) -> same/different."""
    c = link_decisions.c
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                c.kind_a, c.source_a, c.record_id_a, c.kind_b, c.source_b, c.record_id_b, c.decision
            ).order_by(c.decided_at, c.decision_id)
        ).all()
    out: dict[tuple[str, str], str] = {}
    for row in rows:
        a = record_key(row.kind_a, row.source_a, row.record_id_a)
        b = record_key(row.kind_b, row.source_b, row.record_id_b)
        out[(a, b) if a <= b else (b, a)] = row.decision
    return out


def person_assignments(engine: Engine) -> pl.DataFrame:
    """The current linkage: ``unique_id``, ``kind``, ``source``, ``record_id``, ``person_id``."""
    c = person_records.c
    with engine.connect() as connection:
        rows = connection.execute(select(c.kind, c.source, c.record_id, c.person_id)).all()
    frame = pl.DataFrame(
        [tuple(r) for r in rows],
        schema={
            "kind": pl.String,
            "source": pl.String,
            "record_id": pl.String,
            "person_id": pl.String,
        },
        orient="row",
    )
    return frame.with_columns(
        pl.concat_str(["kind", "source", "record_id"], separator="|").alias("unique_id")
    )


def link_persons(
    engine: Engine,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    engine_name: EngineName = "duckdb",
    retrain: bool = False,
    key: bytes | None = None,
    seed: int = 42,
    max_pairs: float = 1e6,
) -> LinkResult:
    """Link every person-bearing record of the store into persons (see the module docstring).

    Parameters
    ----------
    engine : Engine
        The store.
    threshold : float
        Match probability (0-1) at or above which a scored pair is the same person.
    engine_name : {"duckdb", "spark"}
        Where Splink runs.
    retrain : bool
        Train a new model even when a stored one exists.
    key : bytes, optional
        The partners' token key (see :func:`.features.linkage_frame`); never stored.
    seed : int
        Seed of the random sample that estimates u.
    max_pairs : float
        Record pairs sampled to estimate u.

    Returns
    -------
    LinkResult

    Raises
    ------
    HarmWatchError
        When the threshold is outside (0, 1].
    """
    if not 0.0 < threshold <= 1.0:
        raise HarmWatchError(f"threshold {threshold}: expected a probability in (0, 1]")
    started = datetime.now()
    clock = time.perf_counter()
    frame = linkage_frame(engine, key=key)
    decisions = current_decisions(engine)
    collapsed = collapse_identical(frame, keep_apart={uid for pair in decisions for uid in pair})
    last = latest_model(engine)
    stored = None if retrain else last
    backend = Backend(engine_name)
    try:
        with quiet_splink():
            if stored is None:
                model = train(backend, collapsed.frame, seed=seed, max_pairs=max_pairs)
            else:
                model = stored[1]
            pairs = predict(backend, collapsed.frame, model, threshold=threshold)
    finally:
        backend.close()
    clustering = cluster_records(
        frame.get_column("unique_id").to_list(),
        zip(pairs.get_column("unique_id_l"), pairs.get_column("unique_id_r"), strict=True),
        deterministic_edges(frame) | set(collapsed.edges),
        decisions,
    )
    previous = person_assignments(engine)
    previous_ids = dict(
        zip(previous.get_column("unique_id"), previous.get_column("person_id"), strict=True)
    )
    highest = int(last[1].get(_HIGHEST_KEY, 0)) if last is not None else 0
    ids = assign_person_ids(clustering.cluster, previous_ids, highest_assigned=highest)
    known = set(previous_ids.values())
    new_persons = {p for p in ids.values() if p not in known}
    numbers = [int(p[1:]) for p in ids.values() if p[1:].isdigit()]
    model = {k: v for k, v in model.items() if k != _HIGHEST_KEY}
    model[_HIGHEST_KEY] = max([highest, *numbers], default=highest)
    assignments = frame.select("unique_id", "kind", "source", "record_id").with_columns(
        pl.col("unique_id").replace_strict(ids).alias("person_id")
    )
    run_id = _write(
        engine,
        assignments,
        started=started,
        engine_name=engine_name,
        threshold=threshold,
        trained=stored is None,
        model=model,
        pairs=pairs.height,
    )
    return LinkResult(
        run_id=run_id,
        engine=engine_name,
        threshold=threshold,
        trained=stored is None,
        records=frame.height,
        identified=int(frame.get_column("identified").sum()),
        scored_records=collapsed.kept,
        pairs=pairs.height,
        persons=len(set(ids.values())),
        new_persons=len(new_persons),
        deterministic_links=clustering.deterministic_edges,
        forced_links=clustering.forced,
        cut_links=clustering.cut,
        conflicts=clustering.conflicts,
        seconds=round(time.perf_counter() - clock, 2),
    )


def _write(
    engine: Engine,
    assignments: pl.DataFrame,
    *,
    started: datetime,
    engine_name: str,
    threshold: float,
    trained: bool,
    model: dict[str, Any],
    pairs: int,
) -> int:
    """Record the run and replace ``person_records``, in one transaction."""
    rows = assignments.select("kind", "source", "record_id", "person_id").to_dicts()
    with engine.begin() as connection:
        run_id = connection.execute(
            insert(linkage_runs)
            .values(
                started_at=started,
                finished_at=datetime.now(),
                engine=engine_name,
                threshold=threshold,
                trained=trained,
                model=json.dumps(model),
                records=assignments.height,
                pairs=pairs,
                persons=assignments.get_column("person_id").n_unique(),
            )
            .returning(linkage_runs.c.run_id)
        ).scalar_one()
        connection.execute(delete(person_records))
        for start in range(0, len(rows), _INSERT_CHUNK):
            chunk = [dict(r, run_id=run_id) for r in rows[start : start + _INSERT_CHUNK]]
            connection.execute(insert(person_records), chunk)
    return int(run_id)


def export_persons(engine: Engine, out: Path) -> int:
    """Write ``kind,record_id,person_id`` for every person-bearing record to ``out`` (CSV).

    Rows are ordered by kind (contract order), source and record id. The
    columns are those of the scenario's ``truth_person_ids.csv``, so the two
    compare directly; record ids are unique within a source, so a store
    holding two sources of one kind with clashing ids is ambiguous here.

    Returns
    -------
    int
        Rows written.

    Raises
    ------
    HarmWatchError
        When some records have not been linked yet (run ``harmwatch link``).
    """
    assigned = person_assignments(engine)
    frame = linkage_frame(engine).select("unique_id", "kind", "source", "record_id")
    missing = frame.join(assigned.select("unique_id"), on="unique_id", how="anti").height
    if missing:
        raise HarmWatchError(
            f"{missing} person-bearing record(s) are not linked yet: run `harmwatch link` first"
        )
    order = {kind: i for i, kind in enumerate(PERSON_KINDS)}
    table = (
        assigned.join(frame.select("unique_id"), on="unique_id", how="semi")
        .with_columns(pl.col("kind").replace_strict(order, return_dtype=pl.Int32).alias("_k"))
        .sort("_k", "source", "record_id")
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["kind", "record_id", "person_id"])
        writer.writerows(table.select("kind", "record_id", "person_id").iter_rows())
    return table.height
