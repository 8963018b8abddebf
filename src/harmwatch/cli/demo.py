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
@json_option
def command(
    out_dir: Path, seed: int, scale: Literal["small", "force"], force: bool, as_json: bool
) -> None:
    """Generate a synthetic force area, load it into a fresh store, and report.

    Writes the contract files to OUT/data, loads them into OUT/harmwatch.db
    (every row loaded or quarantined: the scenario plants about 1% malformed
    rows), then shows the store's status. Afterwards, try
    `harmwatch status --db sqlite:///OUT/harmwatch.db`.
    """
    from harmwatch.cli.status import render_status
    from harmwatch.demo import run_demo

    verbose = show_progress(as_json)

    def progress(message: str) -> None:
        if verbose:
            click.echo(f"{message}...", err=True)

    result = run_demo(out_dir, seed=seed, scale=scale, force=force, progress=progress)
    if as_json:
        emit_json(
            {
                "out_dir": str(result.out_dir),
                "database": result.database_url,
                "loads": [load.to_json() for load in result.loads],
                "status": result.status.to_json(),
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
    click.echo(f"Store: {result.database_url}")
    click.echo(
        "Next: harmwatch status --db "
        f"{result.database_url}   |   harmwatch quarantine list --db {result.database_url}"
    )
