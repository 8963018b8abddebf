"""``harmwatch series``: linked series of deaths and serious violence, and unsolved clusters."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from harmwatch.cli.common import db_option, format_table, json_option, report_result
from harmwatch.errors import HarmWatchError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from harmwatch.analysis.series import SeriesResult

_KINDS = ("occurrence", "death")


def _options(function: Any) -> Any:
    function = click.option(
        "--natural",
        "include_natural",
        is_flag=True,
        help=(
            "Also compare every natural death outside hospital and hospice (by default only "
            "those sharing an MO code with another case)."
        ),
    )(function)
    function = click.option(
        "--threshold",
        type=float,
        default=None,
        metavar="LOG10_LR",
        help="log10 likelihood ratio at which a pair is a link (default 3: 1000 to 1).",
    )(function)
    return db_option(function)


def _run(engine: Engine, include_natural: bool, threshold: float | None) -> SeriesResult:
    from harmwatch.analysis.series import DEFAULT_THRESHOLD, series_linkage

    return series_linkage(
        engine,
        include_natural=include_natural,
        threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
    )


@click.group("series", invoke_without_command=True)
@_options
@click.option("--all", "show_all", is_flag=True, help="Also list series an analyst rejected.")
@json_option
@click.pass_context
def command(
    ctx: click.Context,
    db_url: str | None,
    include_natural: bool,
    threshold: float | None,
    show_all: bool,
    as_json: bool,
) -> None:
    """Candidate linked series among deaths and serious violence (comparative case analysis).

    Pairs of cases near in space or time, or sharing a rare MO code or a
    person, are scored as log10 likelihood ratios (Porter 2016); pairs at or
    above the threshold are joined into series, each with its evidence.
    Analysts' decisions (harmwatch series decide) are applied. See docs/series.md.
    """
    if ctx.invoked_subcommand is not None:
        return
    from harmwatch.store.database import open_store

    engine = open_store(db_url)
    try:
        result = _run(engine, include_natural, threshold)
    finally:
        engine.dispose()
    if report_result(result, as_json, result.to_json, "No series analysis"):
        return
    shown = result.series if show_all else result.active
    click.echo(
        f"{result.cases} cases, {result.pairs_scored} candidate pairs scored; "
        f"{len(result.active)} series at log10 LR >= {result.threshold:g} "
        f"({result.model.note if result.model else ''})."
    )
    for series in shown:
        codes = ", ".join(f"{c['code']} ({c['cases']} cases)" for c in series.shared_codes[:4])
        click.echo("")
        click.echo(
            f"{series.series_id} [{series.status}] {len(series.members)} cases"
            + (f"; shared MO: {codes}" if codes else "")
            + (" (known suspect)" if series.known_suspect else "")
            + (f"; {series.note}" if series.note else "")
        )
        rows = [
            [m["kind"], m["record_id"], str(m["date"]), str(m["what"]), f"{m['score']:.1f}"]
            for m in series.members
        ]
        click.echo(format_table(["kind", "record", "date", "what", "best link"], rows,
                                numeric={"best link"}))  # fmt: skip
        top = sorted(series.contributions.items(), key=lambda kv: -kv[1])
        click.echo("evidence (mean log10 LR): " + ", ".join(f"{k} {v:+.1f}" for k, v in top if v))


@command.command("export")
@_options
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    metavar="FILE",
    help="CSV to write: series_id,kind,record_id,score.",
)
def export_command(
    db_url: str | None, include_natural: bool, threshold: float | None, out: Path
) -> None:
    """Write the members of every series not rejected: series_id,kind,record_id,score.

    score is the member's strongest link in its series (log10 likelihood ratio).
    """
    from harmwatch.store.database import open_store

    engine = open_store(db_url)
    try:
        result = _run(engine, include_natural, threshold)
    finally:
        engine.dispose()
    frame = result.export_frame()
    try:
        frame.write_csv(out)
    except OSError as exc:
        raise HarmWatchError(f"{out}: cannot write ({exc.strerror})") from exc
    click.echo(f"{frame.height} cases in {len(result.active)} series written to {out}")


def _case(engine: Engine, text: str) -> str:
    """``kind:record_id`` or ``kind:source:record_id`` -> the case key."""
    from sqlalchemy import select

    from harmwatch.analysis.series import case_key
    from harmwatch.store.schema import kind_tables

    parts = text.split(":")
    if len(parts) not in (2, 3) or parts[0] not in _KINDS:
        raise HarmWatchError(
            f"{text!r} is not a case: write occurrence:ID or death:ID (or kind:SOURCE:ID)"
        )
    kind, record_id = parts[0], parts[-1]
    table = kind_tables["police_occurrences" if kind == "occurrence" else "deaths"]
    id_column = table.c["occurrence_id" if kind == "occurrence" else "death_id"]
    query = select(table.c.source).where(id_column == record_id)
    if len(parts) == 3:
        query = query.where(table.c.source == parts[1])
    with engine.connect() as connection:
        sources = sorted({str(s) for s in connection.execute(query).scalars()})
    if not sources:
        raise HarmWatchError(f"no {kind} {record_id!r} in the store")
    if len(sources) > 1:
        raise HarmWatchError(
            f"{kind} {record_id!r} is in several sources ({', '.join(sources)}): "
            f"write {kind}:SOURCE:{record_id}"
        )
    return case_key(kind, sources[0], record_id)


@command.command("decide")
@_options
@click.argument("target", metavar="SERIES_OR_PAIR")
@click.argument("decision", type=click.Choice(["confirm", "reject"]))
@click.option("--by", "decided_by", required=True, metavar="NAME", help="Who decides.")
@click.option("--note", default=None, help="Why (kept with the decision).")
def decide_command(
    db_url: str | None,
    include_natural: bool,
    threshold: float | None,
    target: str,
    decision: str,
    decided_by: str,
    note: str | None,
) -> None:
    """Confirm or reject a series (S-...) or a link (occurrence:ID,death:ID).

    The decision is stored and applied on every later run. Give the same
    --natural and --threshold as the run that showed the series.
    """
    from harmwatch.analysis.series import record_decision
    from harmwatch.store.database import open_store

    engine = open_store(db_url)
    try:
        if target.startswith("S-"):
            result = _run(engine, include_natural, threshold)
            found = [s for s in result.series if s.series_id == target]
            if not found:
                raise HarmWatchError(f"no series {target} in this run (see harmwatch series)")
            record_decision(
                engine, decision=decision, decided_by=decided_by, series=found[0], note=note
            )
            what = f"series {target} ({len(found[0].members)} cases)"
        else:
            cases = target.split(",")
            if len(cases) != 2:
                raise HarmWatchError(
                    f"{target!r} is neither a series (S-...) nor a pair (occurrence:ID,death:ID)"
                )
            pair = (_case(engine, cases[0].strip()), _case(engine, cases[1].strip()))
            if pair[0] == pair[1]:
                raise HarmWatchError("a link needs two different cases")
            record_decision(engine, decision=decision, decided_by=decided_by, pair=pair, note=note)
            what = f"link {pair[0]} - {pair[1]}"
    finally:
        engine.dispose()
    click.echo(f"{decision}ed {what} by {decided_by}")


@command.command("unsolved")
@db_option
@click.option(
    "--offence",
    "offences",
    multiple=True,
    default=("homicide",),
    show_default=True,
    help="Offence group(s) to analyse (repeat the option for several).",
)
@click.option("--alpha", type=click.FloatRange(0, 1, min_open=True), default=0.05,
              show_default=True, help="BH q-value under which a group is flagged.")  # fmt: skip
@json_option
def unsolved_command(
    db_url: str | None, offences: tuple[str, ...], alpha: float, as_json: bool
) -> None:
    """Unsolved clusters: area x victim sex x method groups cleared far below the force.

    The Murder Accountability Project's method: an exact one-sided binomial
    test of each group's charges against the force's clearance rate, with
    Benjamini-Hochberg adjustment.
    """
    from harmwatch.analysis.unsolved import unsolved_clusters
    from harmwatch.store.database import open_store

    engine = open_store(db_url)
    try:
        result = unsolved_clusters(engine, offences=tuple(offences), alpha=alpha)
    finally:
        engine.dispose()
    if report_result(result, as_json, result.to_json, "No unsolved-cluster analysis"):
        return
    click.echo(
        f"{result.cases} cases, {result.cleared} charged (force clearance "
        f"{100 * result.force_rate:.0f}%); {result.flagged.height} groups flagged."
    )
    rows = [
        [
            str(g["district"]), str(g["victim_sex"]), str(g["method"]), str(g["cases"]),
            str(g["cleared"]), f"{100 * g['clearance_rate']:.0f}%", f"{g['p_value']:.3g}",
            f"{g['q_value']:.3g}", "yes" if g["flagged"] else "",
        ]
        for g in result.groups.sort("p_value").head(20).iter_rows(named=True)
    ]  # fmt: skip
    click.echo(format_table(
        ["district", "victim sex", "method", "cases", "cleared", "rate", "p", "q", "flagged"],
        rows, numeric={"cases", "cleared", "rate", "p", "q"},
    ))  # fmt: skip
