"""``harmwatch person show PERSON_ID``: one person's records across agencies."""

from __future__ import annotations

import click

from harmwatch.cli.common import db_option, emit_json, format_table, json_option
from harmwatch.store.database import open_store


@click.group("person")
def command() -> None:
    """Persons found by `harmwatch link`."""


@command.command("show")
@click.argument("person_id")
@db_option
@json_option
def show_command(person_id: str, db_url: str | None, as_json: bool) -> None:
    """Every record of PERSON_ID across agencies, oldest first, with source and role."""
    from harmwatch.linkage.timeline import person_timeline

    engine = open_store(db_url)
    try:
        events = person_timeline(engine, person_id)
    finally:
        engine.dispose()
    if as_json:
        emit_json({"person_id": person_id, "records": [e.to_json() for e in events]})
        return
    click.echo(f"{person_id}: {len(events)} record(s)")
    rows = [
        (
            f"{e.when:%Y-%m-%d %H:%M}" if e.when else "-",
            e.source,
            e.kind,
            e.record_id,
            e.role,
            " ".join(x for x in (e.forename, e.surname) if x) or "-",
            e.date_of_birth or "-",
            e.what,
        )
        for e in events
    ]
    click.echo(
        format_table(("when", "source", "kind", "record", "role", "name", "born", "what"), rows)
    )
