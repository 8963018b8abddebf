"""``harmwatch demo``: the main job, end to end, on synthetic data."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import click

from harmwatch.cli.common import emit_json, json_option, show_progress


@click.command("demo")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("harmwatch-demo"),
    show_default=True,
    help="Folder for the scenario's files and the demo store.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Scenario seed.")
@click.option(
    "--scale",
    type=click.Choice(["small", "force"]),
    default="force",
    show_default=True,
    help="small: seconds, for a quick look; force: ten years of a ~570,000-person force.",
)
@click.option("--force", is_flag=True, help="Use --out even if it holds other files.")
@click.option("--no-pdf", is_flag=True, help="Skip OUT/report.pdf (faster).")
@click.option(
    "--link-persons/--no-link-persons",
    "link",
    default=None,
    help="Link persons across agencies (default: yes; --no-link-persons saves about a "
    "minute at force scale).",
)
@json_option
def command(
    out_dir: Path,
    seed: int,
    scale: Literal["small", "force"],
    force: bool,
    no_pdf: bool,
    link: bool | None,
    as_json: bool,
) -> None:
    """Generate a synthetic force area, load it, link, match and write the report.

    Writes the contract files to OUT/data, loads them into OUT/harmwatch.db
    (every row loaded or quarantined: the scenario plants about 1% malformed
    rows), shows the store's status, links persons across agencies, matches
    ED assault attendances to police occurrences, and writes the analytical
    report: OUT/report.html, OUT/report.pdf and OUT/figures.json. Afterwards,
    try `harmwatch status --db sqlite:///OUT/harmwatch.db`.
    """
    from harmwatch.cli.status import render_status
    from harmwatch.demo import run_demo

    verbose = show_progress(as_json)

    def progress(message: str) -> None:
        if verbose:
            click.echo(f"{message}...", err=True)

    result = run_demo(
        out_dir, seed=seed, scale=scale, force=force, progress=progress, pdf=not no_pdf, link=link
    )
    if as_json:
        emit_json(
            {
                "out_dir": str(result.out_dir),
                "database": result.database_url,
                "loads": [load.to_json() for load in result.loads],
                "status": result.status.to_json(),
                "persons": result.persons.to_json() if result.persons else None,
                "incidents": result.incidents.to_json() if result.incidents else None,
                "report": {name: str(path) for name, path in result.report.items()},
                "unavailable": result.unavailable,
                "notes": result.notes,
                "seconds": {k: round(v, 2) for k, v in result.seconds.items()},
            }
        )
        return
    for load in result.loads:
        click.echo(
            f"{load.file_name:<24} {load.rows_read:>8} read {load.rows_loaded:>8} loaded "
            f"{load.rows_quarantined:>6} quarantined"
        )
    click.echo("")
    click.echo(render_status(result.status))
    click.echo("")
    if result.persons is not None:
        click.echo(
            f"Persons linked: {result.persons.records} records -> {result.persons.persons} persons"
        )
    if result.incidents is not None and result.incidents.available:
        click.echo(
            f"ED attendances matched to police occurrences: {result.incidents.matched} of "
            f"{result.incidents.attendances}"
        )
    for note in result.notes:
        click.echo(f"note: {note}")
    for name, path in result.report.items():
        click.echo(f"Report ({name}): {path}")
    click.echo(f"Store: {result.database_url}")
    click.echo(
        "Next: harmwatch status --db "
        f"{result.database_url}   |   harmwatch quarantine list --db {result.database_url}"
    )
