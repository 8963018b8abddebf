"""``harmwatch link``: person linkage across agencies, its review and its export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from harmwatch.cli.common import db_option, emit_json, format_table, json_option
from harmwatch.store.database import open_store

_ENGINES = click.Choice(["duckdb", "spark"])


def _key_option(function: Any) -> Any:
    return click.option(
        "--key-file",
        type=click.Path(path_type=Path),
        help=(
            "The partners' token key: records with names get their person_token in memory "
            "(never stored) and link exactly to token-only sources."
        ),
    )(function)


def _key(key_file: Path | None) -> bytes | None:
    if key_file is None:
        return None
    from harmwatch.ingest.pseudonymise import read_key

    return read_key(key_file)


def _db(ctx: click.Context, db_url: str | None) -> str | None:
    """A sub-command's --db, else the group's."""
    if db_url is not None:
        return db_url
    parent: str | None = (ctx.obj or {}).get("db_url")
    return parent


@click.group("link", invoke_without_command=True)
@db_option
@click.option(
    "--engine",
    "engine_name",
    type=_ENGINES,
    default="duckdb",
    show_default=True,
    help="Where Splink runs: DuckDB in process, or Spark in local mode.",
)
@click.option(
    "--threshold",
    type=click.FloatRange(0.0, 1.0, min_open=True),
    default=None,
    help="Match probability at or above which two records are one person (default 0.99).",
)
@click.option(
    "--retrain",
    is_flag=True,
    help="Train a new model even though one is stored (else the stored one is used).",
)
@click.option(
    "--seed",
    type=int,
    default=42,
    show_default=True,
    help="Seed of the random sample that estimates u.",
)
@_key_option
@json_option
@click.pass_context
def command(
    ctx: click.Context,
    db_url: str | None,
    engine_name: str,
    threshold: float | None,
    retrain: bool,
    seed: int,
    key_file: Path | None,
    as_json: bool,
) -> None:
    """Link person records across agencies into persons (Splink, no labels needed).

    Reads every police_people, deaths, council_referrals and ed_assaults
    record, trains a model the first time (u by random sampling, m by
    expectation maximisation) or reuses the stored one, scores candidate
    pairs, joins records sharing a person_token or a source's person_ref,
    applies clerical decisions, and stores a stable person_id for every
    record. Sub-commands export, explain, review and decide work on the
    result.
    """
    ctx.ensure_object(dict)
    ctx.obj["db_url"] = db_url
    if ctx.invoked_subcommand is not None:
        return
    from harmwatch.linkage.persons import DEFAULT_THRESHOLD, link_persons

    engine = open_store(db_url)
    try:
        result = link_persons(
            engine,
            threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
            engine_name="spark" if engine_name == "spark" else "duckdb",
            retrain=retrain,
            key=_key(key_file),
            seed=seed,
        )
    finally:
        engine.dispose()
    if as_json:
        emit_json(result.to_json())
        return
    model = "trained" if result.trained else "stored model reused"
    click.echo(
        f"linked {result.records} records ({result.identified} with identifiers) into "
        f"{result.persons} persons ({result.new_persons} new); {result.pairs} pairs at "
        f"p >= {result.threshold}; {model}; engine {result.engine}; {result.seconds:.1f} s"
    )
    click.echo(
        f"deterministic links {result.deterministic_links}, decisions applied: "
        f"{result.forced_links} joined, {result.cut_links} cut"
    )
    for a, b in result.conflicts:
        click.echo(
            f"conflict: {a} and {b} were decided different but are still one person "
            "through other records: review them (harmwatch link explain)"
        )


@command.command("export")
@db_option
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="CSV to write: kind,record_id,person_id.",
)
@click.pass_context
def export_command(ctx: click.Context, db_url: str | None, out: Path) -> None:
    """Write kind,record_id,person_id for every person-bearing record (CSV)."""
    from harmwatch.linkage.persons import export_persons

    engine = open_store(_db(ctx, db_url))
    try:
        rows = export_persons(engine, out)
    finally:
        engine.dispose()
    click.echo(f"{rows} records written to {out}")


@command.command("explain")
@click.argument("a")
@click.argument("b")
@db_option
@_key_option
@json_option
@click.pass_context
def explain_command(
    ctx: click.Context, a: str, b: str, db_url: str | None, key_file: Path | None, as_json: bool
) -> None:
    """Why the model scores records A and B as it does.

    A and B are KIND:SOURCE:RECORD_ID, e.g. police_people:police:OC00000001/1.
    Shows the prior, each comparison's level and match weight, and their sum.
    """
    from harmwatch.linkage.review import explain_pair

    engine = open_store(_db(ctx, db_url))
    try:
        explanation = explain_pair(engine, a, b, key=_key(key_file))
    finally:
        engine.dispose()
    if as_json:
        emit_json(explanation.to_json())
        return
    click.echo(f"{explanation.a}  ({explanation.person_a or 'not linked'})")
    click.echo(f"{explanation.b}  ({explanation.person_b or 'not linked'})")
    rows = [("prior", "", "", "", f"{explanation.prior_weight:+.2f}")]
    for c in explanation.contributions:
        rows.append(
            (c.comparison, _text(c.value_a), _text(c.value_b), c.level, f"{c.match_weight:+.2f}")
        )
    rows.append(
        (
            "total",
            "",
            "",
            f"p = {explanation.match_probability:.4f}",
            f"{explanation.match_weight:+.2f}",
        )
    )
    click.echo(format_table(("comparison", "A", "B", "level", "weight"), rows, numeric={"weight"}))
    for rule in explanation.deterministic:
        click.echo(f"deterministic link: {rule}")
    if explanation.decision:
        click.echo(f"clerical decision: {explanation.decision}")


def _text(value: Any) -> str:
    return "-" if value is None else str(value)


@command.command("review")
@db_option
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=50,
    show_default=True,
    help="How many pairs to list.",
)
@click.option(
    "--lower",
    type=click.FloatRange(0.0, 1.0),
    default=0.5,
    show_default=True,
    help="Lowest match probability listed.",
)
@click.option(
    "--upper",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    help="Probability from which pairs link anyway (default: the last run's threshold).",
)
@_key_option
@json_option
@click.pass_context
def review_command(
    ctx: click.Context,
    db_url: str | None,
    limit: int,
    lower: float,
    upper: float | None,
    key_file: Path | None,
    as_json: bool,
) -> None:
    """List undecided borderline pairs, the least certain first.

    Record a decision with `harmwatch link decide A B same|different --by NAME`.
    """
    from harmwatch.linkage.review import review_pairs

    engine = open_store(_db(ctx, db_url))
    try:
        pairs = review_pairs(engine, lower=lower, upper=upper, limit=limit, key=_key(key_file))
    finally:
        engine.dispose()
    if as_json:
        emit_json({"pairs": [p.to_json() for p in pairs]})
        return
    if not pairs:
        click.echo("no borderline pairs to review")
        return
    fields = ("forename", "surname", "dob", "postcode", "nhs_number")
    rows = []
    for p in pairs:
        for uid, record in ((p.a, p.record_a), (p.b, p.record_b)):
            rows.append(
                (
                    f"{p.match_probability:.3f}" if uid == p.a else "",
                    uid,
                    *(_text(record.get(f)) for f in fields),
                )
            )
    click.echo(format_table(("p", "record", *fields), rows, numeric={"p"}))


@command.command("decide")
@click.argument("a")
@click.argument("b")
@click.argument("decision", type=click.Choice(["same", "different"]))
@click.option("--by", required=True, metavar="NAME", help="Who decided.")
@click.option("--note", default=None, help="Why.")
@db_option
@click.pass_context
def decide_command(
    ctx: click.Context,
    a: str,
    b: str,
    decision: str,
    by: str,
    note: str | None,
    db_url: str | None,
) -> None:
    """Record that records A and B are the same person, or different people.

    The decision overrides the model on every later `harmwatch link`.
    """
    from harmwatch.linkage.review import decide

    engine = open_store(_db(ctx, db_url))
    try:
        decision_id = decide(
            engine, a, b, "same" if decision == "same" else "different", by=by, note=note
        )
    finally:
        engine.dispose()
    click.echo(
        f"decision {decision_id} recorded: {a} and {b} are {decision} "
        f"{'person' if decision == 'same' else 'people'}; applies from the next `harmwatch link`"
    )
