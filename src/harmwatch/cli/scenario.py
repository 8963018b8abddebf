"""``harmwatch scenario``: write a synthetic scenario (every input kind, with ground truth)."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import click

from harmwatch.cli.common import emit_json, json_option, show_progress
from harmwatch.scenario import generate_scenario
from harmwatch.scenario.config import SCALES, Scale

__all__ = ["command"]


@click.command(name="scenario")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Folder to write the files to (created if missing; scenario files in it are replaced).",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Random seed: the same seed and scale always give the same files.",
)
@click.option(
    "--scale",
    type=click.Choice(list(SCALES)),
    default="force",
    show_default=True,
    help=(
        "small: 30 areas, 2 years (seconds; for tests). force: 300 areas, ~570,000 people, "
        "10 years. national: 12,000 areas, ~23 million people, 10 years (minutes; benchmarks)."
    ),
)
@json_option
def command(out_dir: Path, seed: int, scale: str, as_json: bool) -> None:
    """Write a synthetic scenario: every input file with planted patterns and ground truth.

    DIR receives the contract's files (areas.geojson, institutions.csv,
    police_occurrences.csv, police_people.csv, deaths.csv, ed_assaults.csv,
    council_referrals.csv) and the ground truth: truth.json (planted
    patterns, malformed rows by file and row), truth_person_ids.csv (the true
    person behind every person-bearing record) and truth_ed_matches.csv (the
    police occurrence, if any, behind each ED attendance).

    \b
    Example:
      harmwatch scenario --out demo --scale small --seed 1
    """
    progress = show_progress(as_json)

    def say(message: str) -> None:
        if progress:
            click.echo(f"{message}...", err=True)

    result = generate_scenario(out_dir, seed=seed, scale=cast(Scale, scale), progress=say)
    if as_json:
        emit_json(
            {
                "out_dir": str(result.out_dir),
                "seed": result.seed,
                "scale": result.scale,
                "counts": result.counts,
                "files": {kind: str(path) for kind, path in result.files.items()},
                "truth": str(result.truth_path),
                "seconds": result.seconds,
            }
        )
        return
    click.echo(f"Wrote a {result.scale} scenario (seed {result.seed}) to {result.out_dir}")
    width = max(len(kind) for kind in result.counts)
    for kind, count in result.counts.items():
        click.echo(f"  {kind:<{width}}  {count:>10,}  {result.files[kind].name}")
    click.echo(f"  ground truth: {result.truth_path.name} ({result.seconds:.1f} s)")
