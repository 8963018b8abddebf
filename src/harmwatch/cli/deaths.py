"""``harmwatch deaths monitor``: sequential monitoring of deaths by institution and practitioner."""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path
from typing import Any

import click
import polars as pl

from harmwatch.cli.common import db_option, format_table, json_option, report_result
from harmwatch.errors import HarmWatchError

#: Columns of a ``--counts`` file (``entity_kind`` may be added).
COUNTS_COLUMNS = ("entity", "period", "observed", "expected")
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2]|Q[1-4])(-\d{2})?$")
_MAX_ERRORS = 20


@click.group("deaths")
def command() -> None:
    """Deaths reported to the police: monitoring by institution and practitioner."""


def read_counts(path: Path) -> pl.DataFrame:
    """Read an aggregated-counts CSV (``entity,period,observed,expected``) as a Polars frame.

    Every problem is collected and reported at once, each naming the file,
    the row (the header is row 1) and the column.

    Raises
    ------
    HarmWatchError
        When the file cannot be read or any row is invalid.
    """
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except OSError as exc:
        raise HarmWatchError(f"{path}: cannot read the counts file ({exc.strerror})") from exc
    except UnicodeDecodeError:
        raise HarmWatchError(f"{path}: not a UTF-8 text CSV file") from None
    if not rows:
        raise HarmWatchError(f"{path}: the counts file is empty; expected a header row")
    header = [h.strip() for h in rows[0]]
    missing = [c for c in COUNTS_COLUMNS if c not in header]
    if missing:
        raise HarmWatchError(
            f"{path}, row 1: missing column(s) {', '.join(repr(m) for m in missing)}; the header "
            f"must name {', '.join(COUNTS_COLUMNS)} (optionally entity_kind)"
        )
    at = {name: header.index(name) for name in (*COUNTS_COLUMNS, "entity_kind") if name in header}
    errors: list[str] = []
    records: dict[str, list[Any]] = {c: [] for c in (*COUNTS_COLUMNS, "entity_kind")}
    seen: dict[tuple[str, str], int] = {}

    def bad(row: int, column: str, message: str) -> None:
        errors.append(f"{path}, row {row}, column {column!r}: {message}")

    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {name: (row[i].strip() if i < len(row) else "") for name, i in at.items()}
        entity, period = cells["entity"], cells["period"]
        if not entity:
            bad(number, "entity", "empty")
        if not _PERIOD.match(period):
            bad(number, "period", f"{period!r} is not a period like 2024-01, 2024-Q1 or 2024-01-31")
        try:
            observed = int(cells["observed"])
            if observed < 0:
                raise ValueError
        except ValueError:
            bad(number, "observed", f"{cells['observed']!r} is not a whole number of deaths >= 0")
            observed = 0
        try:
            expected = float(cells["expected"])
            if not math.isfinite(expected) or expected < 0:
                raise ValueError
        except ValueError:
            bad(number, "expected", f"{cells['expected']!r} is not a number >= 0")
            expected = 0.0
        key = (entity, period)
        if entity and key in seen:
            bad(number, "period", f"{entity} {period} is also on row {seen[key]}")
        seen.setdefault(key, number)
        records["entity"].append(entity)
        records["period"].append(period)
        records["observed"].append(observed)
        records["expected"].append(expected)
        records["entity_kind"].append(cells.get("entity_kind") or "entity")
    if errors:
        more = len(errors) - _MAX_ERRORS
        shown = errors[:_MAX_ERRORS] + ([f"... and {more} more"] if more > 0 else [])
        raise HarmWatchError(f"{len(errors)} problem(s) in the counts file:\n" + "\n".join(shown))
    if not records["entity"]:
        raise HarmWatchError(f"{path}: the counts file has a header but no rows")
    return pl.DataFrame(
        records,
        schema={
            "entity": pl.String,
            "period": pl.String,
            "observed": pl.Int64,
            "expected": pl.Float64,
            "entity_kind": pl.String,
        },
    )


@command.command("monitor")
@db_option
@click.option(
    "--counts",
    "counts_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help=(
        "Monitor aggregated counts instead of the store: a CSV with columns "
        "entity,period,observed,expected (optionally entity_kind); periods like 2024-01."
    ),
)
@click.option(
    "--odds-ratio",
    "odds_ratio",
    type=click.FloatRange(min=0, min_open=True),
    default=2.0,
    show_default=True,
    metavar="R",
    help="The excess to look for: deaths at R times the expected rate.",
)
@click.option(
    "--family-error",
    "family_error",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=0.05,  # harmwatch.analysis.thresholds.DEFAULT_FAMILY_ERROR (a test checks)
    show_default=True,
    metavar="F",
    help=(
        "Chance that the institutions in control raise a false alarm (more than --tolerate) "
        "over the period charted; each chart's threshold is set by simulation for it."
    ),
)
@click.option(
    "--tolerate",
    "tolerated",
    type=click.IntRange(min=0),
    default=0,  # DEFAULT_TOLERATED_FALSE_ALARMS
    show_default=True,
    metavar="K",
    help="False alarms among the institutions that --family-error allows for.",
)
@click.option(
    "--practitioner-false-alarm",
    "practitioner_false_alarm",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=0.05,  # DEFAULT_PRACTITIONER_FALSE_ALARM
    show_default=True,
    metavar="P",
    help="Each practitioner chart's chance of a false alarm over the period charted.",
)
@click.option(
    "--alpha",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=None,
    metavar="A",
    help=(
        "Use Wald's threshold ln((1 - B) / A) for every chart instead of simulated ones "
        "(B defaults to 0.01)."
    ),
)
@click.option(
    "--beta",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=None,
    metavar="B",
    help="Wald's nominal missed-signal rate (with --alpha; A defaults to 0.01).",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed of the threshold simulation.",
)
@click.option(
    "--period",
    type=click.Choice(["month", "quarter"]),
    default="month",
    show_default=True,
    help="Length of each step of the charts (ignored with --counts).",
)
@click.option("--all", "show_all", is_flag=True, help="List every entity, not only the alarms.")
@json_option
def monitor_command(
    db_url: str | None,
    counts_file: Path | None,
    odds_ratio: float,
    family_error: float,
    tolerated: int,
    practitioner_false_alarm: float,
    alpha: float | None,
    beta: float | None,
    seed: int,
    period: str,
    show_all: bool,
    as_json: bool,
) -> None:
    """Poisson CUSUM of deaths per institution and practitioner against expected.

    Each month (or quarter) adds O ln(R) - (R - 1) E to an entity's chart (O
    deaths observed, E expected); the chart is held at zero from below and
    signals at its threshold h. Each chart's h is set by simulation so that,
    over the period charted, the institutions in control raise a false alarm
    with probability F (default 5%) and each practitioner's chart with
    probability P; --alpha/--beta use Wald's ln((1 - B) / A) for every chart
    instead. Expected deaths come from the institutions'
    expected_deaths_per_year (else capacity x the force's rate for the type,
    or the institution's own rate in a run-in period where capacity does not
    explain deaths), adjusted for season; a practitioner's from their share
    of the deaths at the institutions they serve. See docs/monitoring.md.

    With --json: a list of {entity, entity_kind, signalled,
    first_signal_period, observed, expected, statistic (the chart: period,
    observed, expected, statistic), alarms, death_ids}.
    """
    from harmwatch.analysis.monitoring import death_monitoring, monitor_counts

    if odds_ratio == 1.0:
        raise click.BadParameter("must not be 1 (no excess to look for)", param_hint="--odds-ratio")
    if (alpha or 0.01) + (beta or 0.01) >= 1.0:
        raise click.BadParameter("--alpha plus --beta must be below 1", param_hint="--beta")
    settings: dict[str, Any] = {
        "relative_risk": odds_ratio,
        "alpha": alpha,
        "beta": beta,
        "family_error": family_error,
        "tolerated_false_alarms": tolerated,
        "practitioner_false_alarm": practitioner_false_alarm,
        "seed": seed,
    }
    if counts_file is not None:
        if db_url is not None:
            raise click.UsageError("give either --counts or --db, not both")
        result = monitor_counts(read_counts(counts_file), period="as in the file", **settings)
    else:
        from harmwatch.store.database import open_store

        engine = open_store(db_url)
        try:
            result = death_monitoring(
                engine, period="quarter" if period == "quarter" else "month", **settings
            )
        finally:
            engine.dispose()
    if report_result(result, as_json, result.entities_json, "Nothing to monitor"):
        return
    shown = result.entities if show_all else result.alarms
    click.echo(
        f"{len(result.entities)} charts over {len(result.periods)} periods "
        f"({result.periods[0]} to {result.periods[-1]}); {result.settings_text()}; "
        f"{len(result.alarms)} signalled."
    )
    if not shown:
        return
    rows = [
        [
            e.entity,
            e.entity_kind,
            str(e.observed),
            f"{e.expected:.1f}",
            f"{e.observed / e.expected:.2f}" if e.expected > 0 else "-",
            f"{e.threshold:.2f}",
            e.first_signal_period or "-",
            str(len(e.alarms)),
            f"{len(e.alarms[0]['death_ids'])} deaths" if e.alarms else "-",
        ]
        for e in shown
    ]
    click.echo("")
    click.echo(
        format_table(
            [
                "entity",
                "kind",
                "observed",
                "expected",
                "O/E",
                "h",
                "first signal",
                "alarms",
                "behind",
            ],
            rows,
            numeric={"observed", "expected", "O/E", "h", "alarms"},
        )
    )
