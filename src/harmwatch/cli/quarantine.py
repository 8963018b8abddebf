"""``harmwatch quarantine list|export``: the rows that could not be loaded."""

from __future__ import annotations

from pathlib import Path

import click

from harmwatch.cli.common import db_option, emit_json, format_table, json_option
from harmwatch.contract import KINDS
from harmwatch.quarantine import export_quarantined, list_quarantined
from harmwatch.store.database import open_store


@click.group("quarantine")
def command() -> None:
    """Rows that could not be loaded: list them, export them for correction.

    Every row the loader cannot load is quarantined with the row as read and
    every reason. Export the rows of a kind, correct them (in Excel, say)
    and load the corrected file again with `harmwatch ingest`: each record
    it supplies marks its quarantined rows resolved.
    """


@command.command("list")
@click.option("--kind", type=click.Choice(list(KINDS)), help="Only rows of this kind.")
@click.option("--source", metavar="NAME", help="Only rows from this source (agency).")
@click.option("--all", "include_resolved", is_flag=True, help="Include rows a later load resolved.")
@db_option
@json_option
def list_command(
    kind: str | None,
    source: str | None,
    include_resolved: bool,
    db_url: str | None,
    as_json: bool,
) -> None:
    """List quarantined rows (unresolved unless --all).

    One line per row: the load (extract id) and its file, the row number
    in that file (header = row 1), the record id, and every reason.
    With --json: {"count": N, "rows": [...]}, each row with its problems
    (column, value, reason) and the row as read.
    """
    engine = open_store(db_url)
    try:
        rows = list_quarantined(engine, kind=kind, source=source, include_resolved=include_resolved)
    finally:
        engine.dispose()
    if as_json:
        emit_json({"count": len(rows), "rows": [r.to_json() for r in rows]})
        return
    which = "quarantined" if include_resolved else "unresolved quarantined"
    scope = "".join(
        [f" of kind {kind}" if kind else "", f" from source {source}" if source else ""]
    )
    if not rows:
        click.echo(f"no {which} rows{scope}")
        return
    headers = ["extract", "file", "row", "kind", "source", "record id"]
    if include_resolved:
        headers.append("resolved by")
    headers.append("reasons")
    table = []
    for r in rows:
        cells = [str(r.extract_id), r.file_name, str(r.row_number), r.kind, r.source]
        cells.append(r.record_id or "-")
        if include_resolved:
            cells.append(str(r.resolved_by_extract_id) if r.resolved else "-")
        cells.append(r.reasons)
        table.append(cells)
    click.echo(format_table(headers, table, numeric={"extract", "row", "resolved by"}))
    click.echo(f"{len(rows)} {which} row(s){scope}")


@command.command("export")
@click.option(
    "--kind",
    type=click.Choice(list(KINDS)),
    required=True,
    help="The kind to export (one kind per file, as files are loaded per kind).",
)
@click.option(
    "--source",
    metavar="NAME",
    help="The source (agency) to export; needed when several have quarantined rows.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="The CSV file to write (replaced if it exists).",
)
@click.option(
    "--all",
    "include_resolved",
    is_flag=True,
    help="Export resolved rows too (for review: do not re-load those).",
)
@db_option
def export_command(
    kind: str,
    source: str | None,
    out: Path,
    include_resolved: bool,
    db_url: str | None,
) -> None:
    """Write quarantined rows of one kind as CSV, to correct and load again.

    The CSV has the file's original columns (as the partner sent it), then
    _harmwatch_row (the row's number in its file), _harmwatch_file and
    _harmwatch_reasons. Correct the values (in Excel, say), then load the
    file with `harmwatch ingest KIND FILE --source SOURCE`: the records it
    supplies mark their quarantined rows resolved; the three extra columns
    are kept with the records as extras and do no harm.

    A record quarantined by several loads is exported once, as the latest
    load had it.
    """
    engine = open_store(db_url)
    try:
        result = export_quarantined(
            engine, kind, out, source=source, include_resolved=include_resolved
        )
    finally:
        engine.dispose()
    which = "quarantined" if include_resolved else "unresolved quarantined"
    scope = f" from source {result.source}" if result.source else ""
    if result.path is None:
        click.echo(f"no {which} {kind} rows{scope}: nothing written")
        return
    click.echo(f"exported {result.rows} {which} {kind} row(s){scope} to {result.path}")
    if result.superseded:
        click.echo(
            f"note: {result.superseded} earlier row(s) left out: a later load "
            "quarantined the same record again"
        )
    for note in result.notes:
        click.echo(f"note: {note}")
    reload = f"harmwatch ingest {kind} {result.path} --source {result.source}"
    if result.mappings:
        names = ", ".join(repr(m) for m in result.mappings)
        reload += " --mapping MAPPING.yaml"
        click.echo(
            f"note: the rows were loaded with the mapping {names}: the file keeps its own "
            "headers, so load it with the same mapping"
        )
    click.echo(f"correct the values, then load the file again: {reload}")
