"""Knox benchmark: ``harmwatch.analysis.knox.knox_test`` against pointpats.

Goal (issue #3): on 20,000 events, the pair count equals
``pointpats.spacetime.Knox``'s and the test runs at least 10x faster than
pointpats at the same number of permutations.

Usage::

    uv run python benchmarks/near_repeat.py [--events 20000] [--permutations 99]
        [--distance 200] [--days 14] [--seed 0] [--repeat 3]
        [--out benchmarks/results/near_repeat.json]

The events: a force area of 25 km x 25 km over ten years (3,653 days,
fractional), 95% placed at random and 5% in bursts (a seed event and four
followers within 150 m and 10 days), so the test has something to find.

Three timings, wall clock, in this process:

1. ``pointpats.spacetime.Knox(xy, t, delta, tau, permutations)`` (once: it
   takes seconds);
2. ours doing the same work: ``knox_test`` with one distance band and one
   time band equal to the thresholds (a 2 x 2 table, as pointpats);
3. ours with the default near-repeat table (distance bands to 500 m by time
   bands to 28 days, 6 x 5 cells: more candidate pairs than pointpats looks at).

Ours is timed ``--repeat`` times and the best kept (the usual convention for
a deterministic computation; the machine is shared). Both pair counts must be
equal, else the script exits 1.

This file only measures: it never changes the package.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from harmwatch.analysis.knox import knox_test

GOAL_RATIO = 10.0
ROOT = Path(__file__).resolve().parent
SIDE_M = 25_000.0
SPAN_DAYS = 3_653.0


def make_events(n: int, seed: int) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """``n`` events: 95% at random, 5% in bursts of five."""
    rng = np.random.default_rng(seed)
    n_burst = (n // 20) // 5 * 5
    n_random = n - n_burst
    xy = rng.uniform(0, SIDE_M, (n_random, 2))
    t = rng.uniform(0, SPAN_DAYS, n_random)
    seeds = rng.integers(0, n_random, n_burst // 5)
    burst_xy = np.repeat(xy[seeds], 5, axis=0) + rng.uniform(-100, 100, (n_burst, 2))
    burst_t = np.repeat(t[seeds], 5) + rng.uniform(0, 10, n_burst)
    return np.vstack([xy, burst_xy]), np.concatenate([t, burst_t])


def best_of(repeat: int, run: Any) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--permutations", type=int, default=99)
    parser.add_argument("--distance", type=float, default=200.0)
    parser.add_argument("--days", type=float, default=14.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "near_repeat.json")
    args = parser.parse_args()

    from pointpats.spacetime import Knox  # type: ignore[import-untyped,unused-ignore]

    xy, t = make_events(args.events, args.seed)
    n, perms, delta, tau = len(t), args.permutations, args.distance, args.days
    print(f"{n} events, {perms} permutations, distance {delta:g} m, {tau:g} days", flush=True)

    np.random.seed(args.seed)  # pointpats draws from numpy's global generator
    start = time.perf_counter()
    theirs = Knox(xy, t.reshape(-1, 1), delta=delta, tau=tau, permutations=perms)
    pointpats_s = time.perf_counter() - start
    print(f"pointpats: {pointpats_s:.2f} s, {theirs.nst} pairs, p = {theirs.p_sim:.3g}", flush=True)

    same_s, same = best_of(
        args.repeat,
        lambda: knox_test(
            xy,
            t,
            distance=delta,
            days=tau,
            distance_bands=[delta],
            time_bands=[tau],
            permutations=perms,
            seed=args.seed,
        ),
    )
    table_s, table = best_of(
        args.repeat,
        lambda: knox_test(xy, t, distance=delta, days=tau, permutations=perms, seed=args.seed),
    )

    rows = [
        ("pointpats Knox", pointpats_s, theirs.nst, float(theirs.p_sim), 1.0),
        ("ours, same work (2 x 2)", same_s, same.pairs, same.p_value, pointpats_s / same_s),
        ("ours, 6 x 5 table", table_s, table.pairs, table.p_value, pointpats_s / table_s),
    ]
    print(f"{'':26} {'seconds':>9} {'pairs':>7} {'p':>7} {'speed-up':>9}")
    for name, seconds, pairs, p, ratio in rows:
        print(f"{name:26} {seconds:9.3f} {pairs:7d} {p:7.3f} {ratio:8.1f}x")

    equal = same.pairs == table.pairs == theirs.nst
    ok = equal and min(rows[1][4], rows[2][4]) >= GOAL_RATIO
    print(f"pair counts equal: {equal}; goal (>= {GOAL_RATIO:g}x): {'met' if ok else 'NOT met'}")

    report = {
        "benchmark": "near_repeat",
        "when": datetime.now().isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        },
        "events": n,
        "permutations": perms,
        "distance_m": delta,
        "days": tau,
        "area_km": [SIDE_M / 1000, SIDE_M / 1000],
        "span_days": SPAN_DAYS,
        "pointpats_seconds": round(pointpats_s, 3),
        "ours_same_work_seconds": round(same_s, 4),
        "ours_table_seconds": round(table_s, 4),
        "speed_up_same_work": round(pointpats_s / same_s, 1),
        "speed_up_table": round(pointpats_s / table_s, 1),
        "pairs_pointpats": int(theirs.nst),
        "pairs_ours": int(same.pairs),
        "pairs_equal": equal,
        "goal_ratio": GOAL_RATIO,
        "goal_met": ok,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"written {args.out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
