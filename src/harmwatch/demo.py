"""The main job on demo data: scenario, ingest into a fresh store, status.

``harmwatch demo`` runs it. Analyses and the analytical report are added to
the end of :func:`run_demo` as they land.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from harmwatch.errors import HarmWatchError
from harmwatch.ingest.pipeline import IngestResult, ingest_file
from harmwatch.store.database import open_store

#: The order kinds are loaded in: reference data first, so area codes are
#: assigned as records arrive.
LOAD_ORDER = (
    "areas",
    "institutions",
    "police_occurrences",
    "police_people",
    "deaths",
    "ed_assaults",
    "council_referrals",
)
#: Sources the demo loads each kind as, as a real force and partners would.
DEMO_SOURCES = {
    "areas": "ons",
    "institutions": "cqc",
    "police_occurrences": "police",
    "police_people": "police",
    "deaths": "police",
    "ed_assaults": "nhs_ed",
    "council_referrals": "council",
}


@dataclass
class DemoResult:
    """What the demo did.

    Attributes
    ----------
    out_dir : Path
        The demo folder: ``data/`` (the scenario's files) and ``harmwatch.db``.
    database_url : str
        The store.
    loads : list of IngestResult
        One per file loaded.
    status : object
        :class:`harmwatch.status.StoreStatus` of the store at the end.
    """

    out_dir: Path
    database_url: str
    loads: list[IngestResult] = field(default_factory=list)
    status: Any = None


def run_demo(
    out_dir: Path,
    *,
    seed: int = 0,
    scale: Literal["small", "force", "national"] = "force",
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> DemoResult:
    """Generate a scenario in ``out_dir/data``, load it into ``out_dir/harmwatch.db``.

    Raises
    ------
    HarmWatchError
        When ``out_dir`` holds something other than an earlier demo and
        ``force`` is not set.
    """
    from harmwatch.scenario import generate_scenario
    from harmwatch.status import store_status

    say = progress or (lambda _message: None)
    _prepare(out_dir, force)
    say(f"generating the {scale} scenario (seed {seed})")
    scenario = generate_scenario(out_dir / "data", seed=seed, scale=scale)
    url = f"sqlite:///{(out_dir / 'harmwatch.db').resolve()}"
    engine = open_store(url)
    result = DemoResult(out_dir=out_dir, database_url=url)
    try:
        for kind in LOAD_ORDER:
            path = scenario.files.get(kind)
            if path is None:
                continue
            say(f"loading {path.name}")
            result.loads.append(ingest_file(engine, kind, path, source=DEMO_SOURCES[kind]))
        result.status = store_status(engine)
    finally:
        engine.dispose()
    return result


def _prepare(out_dir: Path, force: bool) -> None:
    if out_dir.exists() and any(out_dir.iterdir()):
        is_demo = (out_dir / "harmwatch.db").exists() or (out_dir / "data").exists()
        if not (is_demo or force):
            raise HarmWatchError(
                f"{out_dir} is not empty and is not an earlier demo folder: choose another "
                "--out or add --force"
            )
        for name in ("harmwatch.db", "harmwatch.db-wal", "harmwatch.db-shm"):
            (out_dir / name).unlink(missing_ok=True)
        shutil.rmtree(out_dir / "data", ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)
