"""The main job on demo data: scenario, ingest into a fresh store, linkage, the report.

``harmwatch demo`` runs it: generate a scenario, load it, link the persons
across agencies, match ED assault attendances to police occurrences, and write
the analytical report (``report.html``, ``report.pdf``, ``figures.json``).
"""

from __future__ import annotations

import shutil
import time
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
        :class:`harmwatch.status.StoreStatus` of the store after loading.
    persons : object or None
        :class:`harmwatch.linkage.persons.LinkResult`, None when skipped.
    incidents : object or None
        :class:`harmwatch.linkage.incidents.IncidentMatchResult`, None when skipped.
    report : dict of str to Path
        What the report wrote: ``html``, ``pdf``, ``json`` (empty when skipped).
    unavailable : list of dict
        The report's parts that could not be produced (``section``, ``reason``).
    notes : list of str
        Steps skipped or failed, in plain words.
    seconds : dict of str to float
        Wall-clock time of each step.
    """

    out_dir: Path
    database_url: str
    loads: list[IngestResult] = field(default_factory=list)
    status: Any = None
    persons: Any = None
    incidents: Any = None
    report: dict[str, Path] = field(default_factory=dict)
    unavailable: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def run_demo(
    out_dir: Path,
    *,
    seed: int = 0,
    scale: Literal["small", "force", "national"] = "force",
    force: bool = False,
    progress: Callable[[str], None] | None = None,
    analyse: bool = True,
    pdf: bool = True,
    link: bool | None = None,
) -> DemoResult:
    """Generate a scenario in ``out_dir/data``, load it into ``out_dir/harmwatch.db``,
    link, match and write the report to ``out_dir``.

    Parameters
    ----------
    out_dir : Path
        The demo folder.
    seed, scale
        Of the scenario.
    force : bool
        Use ``out_dir`` even when it holds other files.
    progress : callable, optional
        Called with a message as each step starts.
    analyse : bool
        After loading, link persons, match incidents and write the report
        (False: load only).
    pdf : bool
        Also print the report to ``report.pdf``.
    link : bool, optional
        Link persons across agencies (Splink). Default: at the small and force
        scales (force: about 445,000 records, see ``docs/linkage.md`` for the
        time and memory); at national scale it is skipped with a note (run
        ``harmwatch link`` on the demo store instead).

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
    clock = time.perf_counter()
    say(f"generating the {scale} scenario (seed {seed})")
    scenario = generate_scenario(out_dir / "data", seed=seed, scale=scale)
    url = f"sqlite:///{(out_dir / 'harmwatch.db').resolve()}"
    engine = open_store(url)
    result = DemoResult(out_dir=out_dir, database_url=url)
    result.seconds["scenario"] = time.perf_counter() - clock
    try:
        clock = time.perf_counter()
        for kind in LOAD_ORDER:
            path = scenario.files.get(kind)
            if path is None:
                continue
            say(f"loading {path.name}")
            result.loads.append(ingest_file(engine, kind, path, source=DEMO_SOURCES[kind]))
        result.status = store_status(engine)
        result.seconds["load"] = time.perf_counter() - clock
        if analyse:
            link = scale != "national" if link is None else link
            _analyse(engine, result, out_dir, seed=seed, pdf=pdf, link=link, say=say)
    finally:
        engine.dispose()
    return result


def _analyse(
    engine: Any, result: DemoResult, out_dir: Path, *, seed: int, pdf: bool, link: bool,
    say: Callable[[str], None],
) -> None:  # fmt: skip
    """Link persons, match incidents, write the report (each step timed)."""
    from harmwatch.linkage.incidents import match_incidents
    from harmwatch.linkage.persons import link_persons
    from harmwatch.report.analytical import build_report, write_report

    clock = time.perf_counter()
    if link:
        say("linking persons across agencies")
        try:
            result.persons = link_persons(engine)
        except Exception as exc:
            result.notes.append(f"person linkage skipped: {type(exc).__name__}: {exc}")
        result.seconds["link_persons"] = time.perf_counter() - clock
    else:
        result.notes.append(
            "person linkage skipped (national scale: about 17 million records): "
            f"run `harmwatch link --db {result.database_url}` to link persons"
        )
    clock = time.perf_counter()
    say("matching ED attendances to police occurrences")
    try:
        result.incidents = match_incidents(engine)
    except Exception as exc:
        result.notes.append(f"incident matching skipped: {type(exc).__name__}: {exc}")
    result.seconds["match_incidents"] = time.perf_counter() - clock
    clock = time.perf_counter()
    report = build_report(engine, seed=seed, progress=say)
    result.unavailable = report.unavailable
    result.seconds["report"] = time.perf_counter() - clock
    clock = time.perf_counter()
    say("writing the report" + (" and its PDF" if pdf else ""))
    result.report = write_report(
        report,
        html=out_dir / "report.html",
        pdf=out_dir / "report.pdf" if pdf else None,
        json=out_dir / "figures.json",
        pdf_engine="auto",
    )
    result.seconds["write_report"] = time.perf_counter() - clock


def _prepare(out_dir: Path, force: bool) -> None:
    if out_dir.exists() and any(out_dir.iterdir()):
        is_demo = (out_dir / "harmwatch.db").exists() or (out_dir / "data").exists()
        if not (is_demo or force):
            raise HarmWatchError(
                f"{out_dir} is not empty and is not an earlier demo folder: choose another "
                "--out or add --force"
            )
        for name in (
            "harmwatch.db", "harmwatch.db-wal", "harmwatch.db-shm",
            "report.html", "report.pdf", "figures.json",
        ):  # fmt: skip
            (out_dir / name).unlink(missing_ok=True)
        shutil.rmtree(out_dir / "data", ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)
