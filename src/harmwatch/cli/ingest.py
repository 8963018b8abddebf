"""``harmwatch ingest KIND FILE``: load one partner file into the store."""

from __future__ import annotations

from pathlib import Path

import click

from harmwatch.cli.common import db_option, emit_json, json_option, show_progress
from harmwatch.contract import KINDS
from harmwatch.errors import HarmWatchError
from harmwatch.ingest.mapping import Mapping
from harmwatch.ingest.pipeline import ingest_file
from harmwatch.store.database import open_store


@click.command("ingest")
@click.argument("kind", type=click.Choice(list(KINDS)))
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--source", metavar="NAME", help="The supplying agency (default: per kind).")
@click.option(
    "--mapping",
    "mapping_file",
    metavar="FILE|NAME",
    help=(
        "YAML mapping of the file's own layout onto the contract, or the name of a shipped "
        "mapping (e.g. mps_homicides_occurrences); see docs/mappings.md."
    ),
)
@click.option("--sheet", metavar="NAME", help="XLSX sheet to read (default: the first).")
@click.option(
    "--tokens-only",
    is_flag=True,
    help="Store person_token only: drop names, dates of birth, postcodes, NHS numbers.",
)
@click.option(
    "--key-file",
    type=click.Path(path_type=Path),
    help="With --tokens-only: the partners' key, to make tokens from the identifiers first.",
)
@db_option
@json_option
def command(
    kind: str,
    file: Path,
    source: str | None,
    mapping_file: str | None,
    sheet: str | None,
    tokens_only: bool,
    key_file: Path | None,
    db_url: str | None,
    as_json: bool,
) -> None:
    """Load FILE (CSV, XLSX, or GeoJSON for areas) as KIND.

    Every row is loaded or quarantined with its reason; the load is one
    transaction. Re-loading the same file changes nothing; a newer extract
    updates changed records and keeps their earlier versions.

    KIND is one of: police_occurrences, police_people, deaths, ed_assaults,
    council_referrals, areas, institutions.
    """
    key = None
    if key_file is not None:
        if not tokens_only:
            raise HarmWatchError("--key-file goes with --tokens-only")
        from harmwatch.ingest.pseudonymise import read_key

        key = read_key(key_file)
    mapping = Mapping.resolve(mapping_file) if mapping_file else None
    verbose = show_progress(as_json)

    def progress(message: str) -> None:
        if verbose:
            click.echo(f"{message}...", err=True)

    engine = open_store(db_url)
    try:
        result = ingest_file(
            engine,
            kind,
            file,
            source=source,
            mapping=mapping,
            sheet=sheet,
            tokens_only=tokens_only,
            key=key,
            progress=progress,
        )
    finally:
        engine.dispose()
    if as_json:
        emit_json(result.to_json())
        return
    click.echo(
        f"{result.file_name} ({result.kind}, source {result.source}): "
        f"{result.rows_read} rows read: {result.rows_loaded} loaded, "
        f"{result.rows_updated} updated, {result.rows_unchanged} unchanged, "
        f"{result.rows_quarantined} quarantined"
    )
    for warning in result.warnings:
        click.echo(f"note: {warning}")
    for error in result.errors[:20]:
        click.echo(
            f"  row {error['row']}, column {error['column'] or '-'}: "
            f"{error['value']!r}: {error['reason']}"
        )
    if result.error_count > 20:
        click.echo(f"  ... and {result.error_count - 20} more: see `harmwatch quarantine list`")
