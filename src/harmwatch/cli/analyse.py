"""``harmwatch analyse ...``: run one analysis on the store and show its figures."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import click
from sqlalchemy import Engine, func, select

from harmwatch.cli.common import db_option, emit_json, format_table, json_option
from harmwatch.store.database import open_store


@click.group("analyse")
def command() -> None:
    """Run one analysis of the report on the store and show its figures.

    Each sub-command prints a table, or one JSON object with --json (the
    same figures `harmwatch report --json` writes).
    """


def _bands(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[float, ...]:
    if value is None:
        return ()
    try:
        return tuple(float(v) for v in value.split(",") if v.strip())
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a comma-separated list of numbers, e.g. 100,200,300"
        ) from None


@command.command("near-repeat")
@db_option
@click.option(
    "--group",
    "groups",
    multiple=True,
    required=True,
    metavar="GROUP",
    help="Offence group to include (repeat for several), e.g. --group gbh --group abh.",
)
@click.option(
    "--distance",
    type=click.FloatRange(min=0),
    required=True,
    metavar="METRES",
    help="A close pair is at most this far apart (metres).",
)
@click.option(
    "--days",
    type=click.FloatRange(min=0),
    required=True,
    metavar="DAYS",
    help="... and at most this many days apart.",
)
@click.option(
    "--distance-bands",
    callback=_bands,
    metavar="M1,M2,...",
    help="Upper edges of the table's distance bands in metres (default 100,200,300,400,500).",
)
@click.option(
    "--time-bands",
    callback=_bands,
    metavar="D1,D2,...",
    help="Upper edges of the table's time bands in days (default 7,14,21,28).",
)
@click.option(
    "--from",
    "date_from",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="DATE",
    help="First day of the period (YYYY-MM-DD; default: the first loaded).",
)
@click.option(
    "--to",
    "date_to",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="DATE",
    help="Last day of the period, included (default: the last loaded).",
)
@click.option(
    "--permutations",
    type=click.IntRange(min=1),
    required=True,
    metavar="N",
    help="Random permutations of the times for the p-values (999 is usual).",
)
@click.option("--seed", type=int, required=True, metavar="S", help="Seed of the permutations.")
@json_option
def near_repeat_command(
    db_url: str | None,
    groups: tuple[str, ...],
    distance: float,
    days: float,
    distance_bands: tuple[float, ...],
    time_bands: tuple[float, ...],
    date_from: datetime | None,
    date_to: datetime | None,
    permutations: int,
    seed: int,
    as_json: bool,
) -> None:
    """Knox test of near repeats, with a table of distance by time bands.

    Counts the pairs of occurrences at most METRES apart and at most DAYS
    apart, and compares the count with its distribution when the times are
    shuffled among the locations (Monte Carlo p-value). The table does the
    same for each distance band by time band, as Ratcliffe's Near Repeat
    Calculator: observed pairs, expected (mean over the permutations), Knox
    ratio and p-value; cells with a ratio above 1.2 and p < 0.05 are marked
    '*'. Upper bounds are inclusive (0-100 m, >100-200 m, ...).

    Only occurrences with a location and a date precise to the day are used.
    With --json: one object with pairs, expected, ratio, p_value, n_events,
    the table and the close pairs.
    """
    from harmwatch.analysis.data import Period
    from harmwatch.analysis.nearrepeat import (
        DEFAULT_DISTANCE_BANDS,
        DEFAULT_TIME_BANDS,
        near_repeat,
    )

    if date_from and date_to and date_to < date_from:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    engine = open_store(db_url)
    try:
        period = None
        if date_from is not None or date_to is not None:
            first, last = _loaded_span(engine)
            start = date_from.date() if date_from else first
            end = date_to.date() if date_to else max(last, start)
            period = Period(start, end + timedelta(days=1))
        result = near_repeat(
            engine,
            groups=groups,
            period=period,
            distance=distance,
            days=days,
            distance_bands=distance_bands or DEFAULT_DISTANCE_BANDS,
            time_bands=time_bands or DEFAULT_TIME_BANDS,
            permutations=permutations,
            seed=seed,
        )
    finally:
        engine.dispose()
    if as_json:
        emit_json(result.to_json())
        return
    scope = f"{', '.join(result.groups)}"
    if period is not None:
        scope += f", {period.start} to {period.end - timedelta(days=1)}"
    click.echo(f"Knox test of near repeats: {result.n_events} events ({scope})")
    if not result.available:
        click.echo(f"not available: {result.reason}")
        return
    ratio = "-" if result.ratio is None else f"{result.ratio:.2f}"
    click.echo(
        f"pairs within {distance:g} m and {days:g} days: {result.pairs} "
        f"(expected {result.expected:.1f}, ratio {ratio}, p = {result.p_value:.3g}; "
        f"{permutations} permutations, seed {seed})"
    )
    click.echo("")
    click.echo(_render_table(result.table.to_dicts()))
    click.echo("* ratio above 1.2 and p < 0.05 (unadjusted, as the Near Repeat Calculator)")
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)


def _loaded_span(engine: Engine) -> tuple[date, date]:
    """First and last day of the police occurrences loaded (today when none)."""
    from harmwatch.store.schema import kind_tables

    column = kind_tables["police_occurrences"].c.occurred_from
    with engine.connect() as connection:
        low, high = connection.execute(select(func.min(column), func.max(column))).one()
    today = date.today()
    return _as_date(low) or today, _as_date(high) or today


def _as_date(value: object) -> date | None:
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def _render_table(cells: list[dict[str, object]]) -> str:
    headers = ["distance", "time apart", "observed", "expected", "ratio", "p", ""]
    rows = []
    for cell in cells:
        ratio = cell["ratio"]
        expected = cell["expected"]
        rows.append(
            [
                str(cell["distance_band"]),
                str(cell["time_band"]),
                str(cell["observed"]),
                "-" if expected is None else f"{expected:.1f}",
                "-" if ratio is None else f"{ratio:.2f}",
                f"{cell['p_value']:.3f}",
                "*" if cell["significant"] else "",
            ]
        )
    return format_table(headers, rows, numeric={"observed", "expected", "ratio", "p"})
