"""Person-linkage benchmark: ``link_persons`` on 1,000,000 national-scale records.

Goal (issue #4): link 1,000,000 person records from the national-scale
scenario on DuckDB in under 10 minutes with under 8 GiB peak memory on 2
cores; run the same on Spark in local mode and report what happens.

Usage::

    uv run python benchmarks/linkage.py [--records 1000000] [--seed 0]
        [--scenario DIR] [--workdir /tmp/hwlink_bench] [--engines duckdb,spark]
        [--spark-memory 6g] [--timeout 1800] [--out benchmarks/results/linkage.json]

Steps:

1. **Scenario.** ``--scenario DIR`` is a national-scale scenario folder
   (``harmwatch scenario --scale national``); when it holds no
   ``truth_person_ids.csv`` the scenario is generated there first (in a child
   process; ~2.5 min and 7 GB on a quiet machine). The national scenario has
   ~16.6 million police_people + deaths + council_referrals records.
2. **Sample by person.** The true persons of those three kinds are shuffled
   (seeded) and taken whole until the next would pass ``--records``, so every
   sampled person keeps all of their records (duplicate nominals, deaths,
   referrals): a random sample of *records* would leave almost no true pairs
   to find. The sample is written as three CSVs plus its ``truth.csv``.
3. **Ingest** the three CSVs into a fresh SQLite store through
   ``harmwatch.ingest.pipeline.ingest_file`` (child process, timed).
4. **Link**, once per engine, on its own copy of the ingested store:
   ``link_persons(engine, engine_name=...)`` in a child process (training
   included: nothing is stored yet). Wall time; peak RSS as the larger of
   ``os.wait4``'s ``ru_maxrss`` of the child and the sampled (1 s) RSS sum of
   the child's process tree (Spark's JVM is a grandchild). A run past
   ``--timeout`` is killed and reported as such. Spark gets
   ``HARMWATCH_SPARK_DRIVER_MEMORY=--spark-memory``.
5. **Accuracy**: pairwise precision, recall and F1 of each engine's persons
   against the sample's truth (a pair of records is predicted linked when both
   get one ``person_id``), counted from the contingency table, not by listing
   pairs.
6. Print a summary and write JSON.

This file only measures: it never changes the package.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
from _machine import cpu_model, memory_gib

ROOT = Path(__file__).resolve().parent
GOAL_SECONDS = 600.0
GOAL_RSS_MIB = 8192.0
#: The person-bearing kinds sampled, with their record id column.
KINDS = {
    "police_people": "involvement_id",
    "deaths": "death_id",
    "council_referrals": "referral_id",
}


# --------------------------------------------------------------------------
# Child processes: measured from outside
# --------------------------------------------------------------------------


def _tree_rss_kib(root: int) -> int:
    """Resident memory (KiB) of ``root`` and all its descendants, from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            parents[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(child for child, parent in parents.items() if parent == pid)
    return total


def measure(
    command: list[str], *, timeout: float, env: dict[str, str] | None = None, log: Path
) -> dict[str, Any]:
    """Run ``command``; wall time, exit status, peak RSS (MiB), timed out or not."""
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    peak_tree = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_tree
        while not done.is_set():
            peak_tree = max(peak_tree, _tree_rss_kib(process.pid))
            done.wait(1.0)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    timed_out = False
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() - started > timeout:
            timed_out = True
            os.killpg(process.pid, signal.SIGKILL)
            pid, status, usage = os.wait4(process.pid, 0)
            break
        time.sleep(0.2)
    done.set()
    sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "exit_code": process.returncode,
        "timed_out": timed_out,
        "peak_rss_mib": round(max(usage.ru_maxrss, peak_tree) / 1024, 1),
        "peak_rss_mib_wait4": round(usage.ru_maxrss / 1024, 1),
        "peak_rss_mib_tree_sampled": round(peak_tree / 1024, 1),
        "log": str(log),
    }


def child_generate(folder: str, seed: str) -> None:
    from harmwatch.scenario import generate_scenario

    generate_scenario(Path(folder), seed=int(seed), scale="national", progress=print)


def child_ingest(db: str, folder: str) -> None:
    from harmwatch.ingest.pipeline import ingest_file
    from harmwatch.store.database import open_store

    engine = open_store(f"sqlite:///{db}")
    for kind in KINDS:
        clock = time.perf_counter()
        result = ingest_file(engine, kind, Path(folder) / f"{kind}.csv")
        print(
            json.dumps(
                {
                    "kind": kind,
                    "loaded": result.rows_loaded,
                    "quarantined": result.rows_quarantined,
                    "seconds": round(time.perf_counter() - clock, 1),
                }
            ),
            flush=True,
        )
    engine.dispose()


def child_link(db: str, engine_name: str, out: str, memory_limit: str = "") -> None:
    from harmwatch.linkage.persons import link_persons
    from harmwatch.store.database import open_store

    if memory_limit:
        # DuckDB's memory cap (the package's own setting, default 6GB)
        os.environ["HARMWATCH_DUCKDB_MEMORY_LIMIT"] = memory_limit

    engine = open_store(f"sqlite:///{db}")
    result = link_persons(engine, engine_name="spark" if engine_name == "spark" else "duckdb")
    Path(out).write_text(json.dumps(result.to_json(), indent=1))
    print(json.dumps(result.to_json()), flush=True)
    engine.dispose()


def child_sample(scenario: str, records: str, seed: str, out: str, cap: str = "") -> None:
    summary = sample_by_person(
        Path(scenario), int(records), int(seed), Path(out), int(cap) if cap else None
    )
    (Path(out) / "sample.json").write_text(json.dumps(summary, indent=1))


def child_accuracy(db: str, truth_csv: str, out: str) -> None:
    Path(out).write_text(json.dumps(accuracy(Path(db), Path(truth_csv)), indent=1))


def _self(*args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), *args]


# --------------------------------------------------------------------------
# Sample and accuracy
# --------------------------------------------------------------------------


def sample_by_person(
    scenario: Path, records: int, seed: int, out: Path, cap: int | None = None
) -> dict[str, Any]:
    """Write whole true persons, shuffled, until ``records`` (see the module docstring);
    with ``cap``, only persons with at most ``cap`` records of these kinds."""
    truth = (
        pl.scan_csv(scenario / "truth_person_ids.csv", infer_schema=False)
        .filter(pl.col("kind").is_in(list(KINDS)))
        .collect()
    )
    persons = (
        truth.group_by("person_id")
        .len()
        .filter(pl.lit(cap is None) | (pl.col("len") <= (cap or 0)))
        .sort("person_id")
        .sample(fraction=1.0, shuffle=True, seed=seed)
        .with_columns(pl.col("len").cum_sum().alias("upto"))
        .filter(pl.col("upto") <= records)
    )
    chosen = truth.join(persons.select("person_id"), on="person_id", how="semi")
    sizes = truth.group_by("person_id").len().get_column("len")
    over = sizes.filter(sizes > cap) if cap else sizes.clear()
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for kind, id_column in KINDS.items():
        ids = chosen.filter(pl.col("kind") == kind).select(pl.col("record_id").alias(id_column))
        rows = (
            pl.scan_csv(scenario / f"{kind}.csv", infer_schema=False)
            .join(ids.lazy(), on=id_column, how="semi")
            .collect()
        )
        rows.write_csv(out / f"{kind}.csv")
        counts[kind] = rows.height
    chosen.write_csv(out / "truth.csv")
    return {
        "max_records_per_person": cap,
        "records": chosen.height,
        "by_kind": counts,
        "true_persons": persons.height,
        "scenario_records_of_these_kinds": truth.height,
        "scenario_persons_of_these_kinds": truth.get_column("person_id").n_unique(),
        "scenario_persons_over_cap": over.len(),
        "scenario_records_of_persons_over_cap": int(over.sum()),
        "largest_person_in_sample": chosen.group_by("person_id").len().get_column("len").max(),
    }


def _persons(db: Path) -> pl.DataFrame:
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT kind || '|' || source || '|' || record_id, person_id FROM person_records"
        ).fetchall()
    return pl.DataFrame(rows, schema={"uid": pl.String, "person_id": pl.String}, orient="row")


def compare(reference: Path, other: Path) -> dict[str, Any]:
    """Whether two linkages give the same person ids, and the same clusters."""
    a, b = _persons(reference), _persons(other)
    both = a.join(b, on="uid", how="full", suffix="_b", coalesce=True)

    def canonical(column: str) -> pl.Expr:
        return pl.col("uid").min().over(column)

    same_ids = both.filter(pl.col("person_id") != pl.col("person_id_b")).height
    clusters = both.select(canonical("person_id").alias("a"), canonical("person_id_b").alias("b"))
    return {
        "records": both.height,
        "records_with_other_person_id": same_ids,
        "same_person_ids": same_ids == 0 and a.height == b.height,
        "records_in_other_clusters": clusters.filter(pl.col("a") != pl.col("b")).height,
        "same_clusters": clusters.filter(pl.col("a") != pl.col("b")).height == 0,
    }


def _pairs(sizes: pl.Series) -> int:
    return int((sizes.cast(pl.Int64) * (sizes.cast(pl.Int64) - 1) // 2).sum())


def _scores(both: pl.DataFrame) -> dict[str, Any]:
    """Pairwise counts and scores of ``person_id`` against ``true_person``."""
    predicted = _pairs(both.group_by("person_id").len().get_column("len"))
    true = _pairs(both.group_by("true_person").len().get_column("len"))
    hits = _pairs(both.group_by("person_id", "true_person").len().get_column("len"))
    precision = hits / predicted if predicted else 1.0
    recall = hits / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0

    def across(*by: str) -> int:  # pairs of records of different kinds
        return _pairs(both.group_by(*by).len().get_column("len")) - _pairs(
            both.group_by(*by, "kind").len().get_column("len")
        )

    x_pred, x_true, x_hits = (
        across("person_id"),
        across("true_person"),
        across("person_id", "true_person"),
    )
    x_p = x_hits / x_pred if x_pred else 1.0
    x_r = x_hits / x_true if x_true else 1.0
    return {
        "records_compared": both.height,
        "true_persons": both.get_column("true_person").n_unique(),
        "predicted_pairs": predicted,
        "true_pairs": true,
        "correct_pairs": hits,
        "precision": round(precision, 5),
        "recall": round(recall, 5),
        "f1": round(f1, 5),
        "across_agencies": {
            "predicted_pairs": x_pred,
            "true_pairs": x_true,
            "correct_pairs": x_hits,
            "precision": round(x_p, 5),
            "recall": round(x_r, 5),
            "f1": round(2 * x_p * x_r / (x_p + x_r), 5) if x_hits else 0.0,
        },
    }


def accuracy(db: Path, truth_csv: Path) -> dict[str, Any]:
    """Pairwise precision, recall and F1 of the store's persons against the truth:
    over every record, and over the records with anything to link on (the
    scenario's anonymous suspects carry no name, date of birth or reference,
    so no linkage can place them; their true pairs count as missed above)."""
    from harmwatch.linkage.features import linkage_frame
    from harmwatch.store.database import open_store

    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT kind, record_id, person_id FROM person_records"
        ).fetchall()
    found = pl.DataFrame(
        rows,
        schema={"kind": pl.String, "record_id": pl.String, "person_id": pl.String},
        orient="row",
    )
    truth = pl.read_csv(truth_csv, infer_schema=False).rename({"person_id": "true_person"})
    both = found.join(truth, on=["kind", "record_id"], how="inner")
    engine = open_store(f"sqlite:///{db}")
    identified = linkage_frame(engine).filter(pl.col("identified")).select("kind", "record_id")
    engine.dispose()
    out = _scores(both)
    out["records_linked"] = found.height
    out["persons"] = found.get_column("person_id").n_unique()
    out["identified"] = _scores(both.join(identified, on=["kind", "record_id"], how="semi"))
    return out


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def _machine() -> dict[str, Any]:
    import duckdb
    import splink

    versions = {"python": platform.python_version(), "polars": pl.__version__}
    versions |= {"duckdb": duckdb.__version__, "splink": splink.__version__}
    try:
        import pyspark

        versions["pyspark"] = pyspark.__version__
    except ImportError:
        pass
    return {
        "cpu": cpu_model("unknown"),
        "cores": os.cpu_count(),
        "memory_gib": memory_gib(),
        "versions": versions,
        "load_average_at_start": os.getloadavg(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/hwlink_bench"))
    parser.add_argument("--scenario", type=Path, help="national scenario folder")
    parser.add_argument(
        "--max-records-per-person",
        type=int,
        default=None,
        help="sample only true persons with at most this many records (default: all)",
    )
    parser.add_argument(
        "--duckdb-memory-limit",
        default="",
        help="sets $HARMWATCH_DUCKDB_MEMORY_LIMIT (default: the package's 6GB)",
    )
    parser.add_argument("--engines", default="duckdb,spark")
    parser.add_argument("--spark-memory", default="6g")
    parser.add_argument("--timeout", type=float, default=1800.0, help="per link run, seconds")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "linkage.json")
    args = parser.parse_args(argv)
    work: Path = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    scenario: Path = args.scenario or work / "national"
    report: dict[str, Any] = {
        "benchmark": "person linkage (harmwatch.linkage.persons.link_persons)",
        "started": datetime.now().isoformat(timespec="seconds"),
        "goal": {"seconds": GOAL_SECONDS, "peak_rss_mib": GOAL_RSS_MIB, "engine": "duckdb"},
        "machine": _machine(),
        "records_requested": args.records,
        "max_records_per_person": args.max_records_per_person,
        "duckdb_memory_limit": args.duckdb_memory_limit
        or os.environ.get("HARMWATCH_DUCKDB_MEMORY_LIMIT", "package default (6GB)"),
        "seed": args.seed,
    }

    if not (scenario / "truth_person_ids.csv").exists():
        print(f"generating the national scenario in {scenario} ...", flush=True)
        report["generate"] = measure(
            _self("_generate", str(scenario), str(args.seed)),
            timeout=7200,
            log=work / "generate.log",
        )
    cap = args.max_records_per_person
    sample = work / (f"sample_{args.records}_{args.seed}" + (f"_cap{cap}" if cap else ""))
    # every data-heavy step runs in a child: a child forked from a big parent
    # starts with the parent's ru_maxrss, which would inflate the measurements
    if not (sample / "sample.json").exists():
        sample.mkdir(parents=True, exist_ok=True)
        step = measure(
            _self(
                "_sample",
                str(scenario),
                str(args.records),
                str(args.seed),
                str(sample),
                str(cap or ""),
            ),
            timeout=3600,
            log=work / "sample.log",
        )
        if step["exit_code"] != 0:
            raise SystemExit(f"sampling failed: see {work / 'sample.log'}")
        report["sample"] = json.loads((sample / "sample.json").read_text())
        report["sample"]["seconds"] = step["seconds"]
    else:
        report["sample"] = json.loads((sample / "sample.json").read_text())
    print(f"sample: {json.dumps(report['sample'])}", flush=True)

    store = sample / "ingested.db"
    if not store.exists():
        partial = sample / "ingesting.db"
        partial.unlink(missing_ok=True)
        report["ingest"] = measure(
            _self("_ingest", str(partial), str(sample)), timeout=3600, log=sample / "ingest.log"
        )
        if report["ingest"]["exit_code"] != 0:
            raise SystemExit(f"ingest failed: see {sample / 'ingest.log'}")
        partial.rename(store)
    print(f"ingest: {json.dumps(report.get('ingest', 'reused'))}", flush=True)

    report["engines"] = {}
    for engine_name in [e.strip() for e in args.engines.split(",") if e.strip()]:
        db = sample / f"linked_{engine_name}.db"
        shutil.copy(store, db)
        env = dict(os.environ)
        if engine_name == "spark":
            env["HARMWATCH_SPARK_DRIVER_MEMORY"] = args.spark_memory
        result_json = sample / f"result_{engine_name}.json"
        result_json.unlink(missing_ok=True)
        print(f"linking on {engine_name} ...", flush=True)
        run = measure(
            _self(
                "_link",
                str(db),
                engine_name,
                str(result_json),
                args.duckdb_memory_limit if engine_name == "duckdb" else "",
            ),
            timeout=args.timeout,
            env=env,
            log=sample / f"link_{engine_name}.log",
        )
        if result_json.exists():
            run["result"] = json.loads(result_json.read_text())
            scores = sample / f"accuracy_{engine_name}.json"
            measure(
                _self("_accuracy", str(db), str(sample / "truth.csv"), str(scores)),
                timeout=3600,
                log=sample / f"accuracy_{engine_name}.log",
            )
            run["accuracy"] = json.loads(scores.read_text())
            if engine_name != "duckdb" and "duckdb" in report["engines"]:
                run["compared_with_duckdb"] = compare(sample / "linked_duckdb.db", db)
        else:
            tail = (sample / f"link_{engine_name}.log").read_text(errors="replace")[-3000:]
            run["failure_log_tail"] = tail
        if engine_name == "duckdb":
            run["goal_met"] = bool(
                run["exit_code"] == 0
                and run["seconds"] < GOAL_SECONDS
                and run["peak_rss_mib"] < GOAL_RSS_MIB
            )
        report["engines"][engine_name] = run
        print(f"{engine_name}: {json.dumps(run)}", flush=True)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=1) + "\n")
    report["finished"] = datetime.now().isoformat(timespec="seconds")
    report["machine"]["load_average_at_end"] = os.getloadavg()
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        children: dict[str, Callable[..., None]] = {
            "_generate": child_generate,
            "_sample": child_sample,
            "_ingest": child_ingest,
            "_link": child_link,
            "_accuracy": child_accuracy,
        }
        children[sys.argv[1]](*sys.argv[2:])
    else:
        sys.exit(main())
