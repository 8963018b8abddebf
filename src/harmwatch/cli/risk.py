"""``harmwatch risk``: the escalation risk list, its export, and its back-test."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from harmwatch.cli.common import db_option, format_table, json_option, report_result
from harmwatch.errors import HarmWatchError

if TYPE_CHECKING:
    from harmwatch.analysis.escalation import RiskResult

F = TypeVar("F", bound=Callable[..., Any])

_UNIT_TYPES = ("relationship", "person", "place")


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date like 2024-06-30", param_hint=option
        ) from None


def _as_of_option(function: F) -> F:
    return click.option(
        "--as-of",
        "as_of",
        required=True,
        metavar="DATE",
        help="Use only records dated before this day (YYYY-MM-DD).",
    )(function)


def _unit_option(function: F) -> F:
    return click.option(
        "--unit",
        "unit_type",
        type=click.Choice(["all", *_UNIT_TYPES]),
        default="all",
        show_default=True,
        help="Which units to list.",
    )(function)


def _weights_option(function: F) -> F:
    return click.option(
        "--weights",
        type=click.Choice(["fitted", "judgement"]),
        default="fitted",
        show_default=True,
        help="fitted: judgement points re-weighted on the force's earlier data (a "
        "logistic regression on back-test rows whose follow-up ended before the as-of "
        "date; judgement points when there is too little); judgement: as they are.",
    )(function)


def _risk(db_url: str | None, as_of: date, weights: str = "fitted") -> RiskResult:
    from harmwatch.analysis.escalation import escalation_risk
    from harmwatch.store.database import open_store

    engine = open_store(db_url)
    try:
        return escalation_risk(engine, as_of, fit=weights == "fitted")
    finally:
        engine.dispose()


@click.group("risk", invoke_without_command=True)
@db_option
@click.option("--as-of", "as_of", metavar="DATE", help="Use only records dated before this day.")
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True, metavar="N")
@_unit_option
@_weights_option
@json_option
@click.pass_context
def command(
    ctx: click.Context,
    db_url: str | None,
    as_of: str | None,
    top: int,
    unit_type: str,
    weights: str,
    as_json: bool,
) -> None:
    """Escalation risk: relationships, persons and places heading towards serious violence.

    Lists the top N of each unit with its score and the components behind it
    (see docs/risk.md). Ethnicity is never an input.
    """
    if ctx.invoked_subcommand is not None:
        return
    day = _day(as_of, "--as-of")
    if day is None:
        raise click.UsageError("give --as-of DATE (or a sub-command: export, backtest)")
    result = _risk(db_url, day, weights)

    def payload() -> dict[str, Any]:
        units = result.to_json(top)
        if unit_type != "all":
            units["units"] = [u for u in units["units"] if u["unit_type"] == unit_type]
        return units

    if report_result(result, as_json, payload, "Nothing to rank"):
        return
    for note in result.model.notes:
        click.echo(f"model: {note}")
    for kind in _UNIT_TYPES if unit_type == "all" else (unit_type,):
        shown = result.top(top, kind)
        click.echo(f"\n{kind}s at {day} (records before it), top {shown.height}:")
        rows = [
            [
                str(r["rank"]),
                r["unit"],
                f"{r['score']:.1f}",
                str(len(r["record_ids"])),
                r["reasons"],
            ]
            for r in shown.iter_rows(named=True)
        ]
        click.echo(
            format_table(
                ["rank", "unit", "score", "records", "reasons"], rows, numeric={"rank", "score"}
            )
        )


@command.command("export")
@db_option
@_as_of_option
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), required=True, metavar="FILE"
)
@click.option("--top", type=click.IntRange(min=1), default=None, metavar="N", help="Default: all.")
@_unit_option
@_weights_option
def export_command(
    db_url: str | None, as_of: str, out: Path, top: int | None, unit_type: str, weights: str
) -> None:
    """Write the list as CSV: rank,unit,person_ids,score,reasons,record_ids.

    unit is "TYPE:ID" (relationship:P1+P2, person:P1, place:AREA); person_ids and
    record_ids (involvement, death, referral and attendance ids) are ';'-separated.
    """
    day = _day(as_of, "--as-of")
    assert day is not None
    result = _risk(db_url, day, weights)
    frame = result.ranking if top is None else result.top(top)
    if unit_type != "all":
        frame = frame.filter(frame["unit_type"] == unit_type)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["rank", "unit", "person_ids", "score", "reasons", "record_ids"])
            for r in frame.iter_rows(named=True):
                writer.writerow(
                    [
                        r["rank"],
                        f"{r['unit_type']}:{r['unit']}",
                        r["person_ids"],
                        f"{r['score']:.1f}",
                        r["reasons"],
                        ";".join(r["record_ids"]),
                    ]
                )
    except OSError as exc:
        raise HarmWatchError(f"{out}: cannot write ({exc.strerror})") from exc
    for message in result.warnings:
        click.echo(f"warning: {message}", err=True)
    click.echo(f"{frame.height} unit(s) written to {out}", err=True)


@command.command("backtest")
@db_option
@click.option(
    "--from", "start", metavar="DATE", help="First as-of date (default: data + 6 months)."
)
@click.option(
    "--to", "end", metavar="DATE", help="Last as-of date (default: newest data - 3 months)."
)
@click.option("--every", type=click.IntRange(min=1), default=1, show_default=True, metavar="MONTHS")
@click.option("--top", "k", type=click.IntRange(min=1), default=50, show_default=True, metavar="K")
@_weights_option
@json_option
def backtest_command(
    db_url: str | None,
    start: str | None,
    end: str | None,
    every: int,
    k: int,
    weights: str,
    as_json: bool,
) -> None:
    """Rank at each as-of date with data before it; judge against the next 12 months.

    Prints precision@K, recall@K and AUC of the score and of two baselines
    (count of prior incidents; a DASH-like count of markers), and flag rates
    and precision by sex, age band and ethnicity (reported only; never an input).
    """
    from harmwatch.analysis.data import latest_date
    from harmwatch.analysis.escalation import load_history
    from harmwatch.analysis.risk_backtest import backtest
    from harmwatch.store.database import open_store

    engine = open_store(db_url)
    try:
        history = load_history(engine)
        latest = latest_date(engine, ("police_occurrences",))
    finally:
        engine.dispose()
    if latest is None:
        raise HarmWatchError("no police occurrences in the store: nothing to back-test")
    first = history.unit_records.get_column("day").min()
    assert isinstance(first, date)
    begin = _day(start, "--from") or first + timedelta(days=182)
    finish = _day(end, "--to") or latest - timedelta(days=91)
    if begin > finish:
        raise click.BadParameter(f"--from {begin} is after --to {finish}", param_hint="--from")
    dates = []
    day = begin
    while day <= finish:
        dates.append(day)
        index = day.year * 12 + day.month - 1 + every
        day = date(index // 12, index % 12 + 1, min(begin.day, 28))
    result = backtest(history, dates, k=k, latest=latest, fit=weights == "fitted")
    if report_result(result, as_json, result.to_json, "Nothing to back-test"):
        return
    click.echo(
        f"{len(dates)} as-of date(s), {dates[0]} to {dates[-1]}; top {k} of each unit type; "
        f"outcome: homicide, attempted murder or GBH in the next 12 months; {weights} weights "
        f"(run at {datetime.now():%Y-%m-%d %H:%M})"
    )
    rows = [
        [
            r["unit_type"],
            r["model"],
            str(r["candidates"]),
            str(r["positives"]),
            str(r["unrankable"]),
            str(r["found"]),
            _pct(r["precision_at_k"]),
            _pct(r["recall_at_k"]),
            "-" if r["auc"] is None else f"{r['auc']:.3f}",
        ]
        for r in result.metrics.sort("unit_type").iter_rows(named=True)
    ]
    numeric = {"units", "positives", "unrankable", "found", "precision@k", "recall@k", "AUC"}
    headers = ["unit", "model", "units", "positives", "unrankable", "found"]
    click.echo("")
    click.echo(format_table([*headers, "precision@k", "recall@k", "AUC"], rows, numeric=numeric))
    click.echo("\nFairness (persons, the score's top k; ethnicity reported, never an input):")
    rows = [
        [
            r["dimension"],
            r["group"],
            str(r["units"]),
            str(r["flagged"]),
            _pct(r["flag_rate"]),
            _pct(r["precision"]),
        ]
        for r in result.fairness.iter_rows(named=True)
    ]
    click.echo(
        format_table(
            ["dimension", "group", "units", "flagged", "flag rate", "precision"],
            rows,
            numeric={"units", "flagged", "flag rate", "precision"},
        )
    )


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"
