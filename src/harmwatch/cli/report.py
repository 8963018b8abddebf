"""``harmwatch report``: the analytical report as one HTML page (and PDF, and JSON figures)."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Literal

import click

from harmwatch.cli.common import db_option, show_progress
from harmwatch.store.database import open_store

_DATE = click.DateTime(formats=["%Y-%m-%d"])


@click.command("report")
@db_option
@click.option(
    "--from",
    "date_from",
    type=_DATE,
    metavar="DATE",
    help="First day reported (YYYY-MM-DD). Default: the last 12 complete months of data.",
)
@click.option(
    "--to",
    "date_to",
    type=_DATE,
    metavar="DATE",
    help="Last day reported, included (YYYY-MM-DD).",
)
@click.option(
    "--area",
    metavar="CODE",
    help="Report on one small area or district (area_code or parent_code of the areas loaded).",
)
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="The HTML report to write (one self-contained file).",
)
@click.option(
    "--pdf",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the report as a PDF here.",
)
@click.option(
    "--pdf-engine",
    type=click.Choice(["weasyprint", "chromium"]),
    default="weasyprint",
    show_default=True,
    help="What prints the PDF.",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write every figure the report states as JSON here (see docs/figures.md).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the permutations.")
@click.option(
    "--include-names",
    is_flag=True,
    help="Print the names and person ids of the top of the escalation list (default: that "
    "section is aggregated, with no names).",
)
def command(
    db_url: str | None,
    date_from: datetime | None,
    date_to: datetime | None,
    area: str | None,
    out: Path,
    pdf: Path | None,
    pdf_engine: Literal["weasyprint", "chromium"],
    json_path: Path | None,
    seed: int,
    include_names: bool,
) -> None:
    """Write the analytical report on homicide, serious violence and deaths.

    Sections: key findings; homicide and near misses; death investigations;
    linked series and unusual patterns of death; hotspots and near repeats;
    near misses and escalation (aggregated: no names unless --include-names);
    partner data; data coverage and quality; methods and caveats; and an
    appendix with the table behind every chart.
    By default the report covers the last 12 complete months of data,
    compared with the 12 months before, in the context of every year loaded.
    Parts the data loaded cannot support are named in the report, with why.

    The HTML makes no network request (inline CSS and SVG; maps drawn from
    the loaded small-area boundaries).
    """
    from harmwatch.report.analytical import build_report, write_report

    verbose = show_progress(False)
    started = time.perf_counter()

    def progress(message: str) -> None:
        if verbose:
            click.echo(f"{message}...", err=True)

    engine = open_store(db_url)
    try:
        report = build_report(
            engine,
            start=date_from.date() if date_from else None,
            end=date_to.date() if date_to else None,
            area=area,
            seed=seed,
            progress=progress,
            include_names=include_names,
        )
    finally:
        engine.dispose()
    progress("writing " + ", ".join(str(p) for p in (out, pdf, json_path) if p))
    written = write_report(report, html=out, pdf=pdf, json=json_path, pdf_engine=pdf_engine)
    click.echo(
        f"Report on {report.period.label} (against {report.previous.label}): "
        + ", ".join(str(p) for p in written.values())
    )
    for item in report.unavailable:
        click.echo(f"not produced: {item['section']}: {item['reason']}")
    if verbose:
        click.echo(f"done in {time.perf_counter() - started:.1f} s", err=True)
