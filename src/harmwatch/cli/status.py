"""``harmwatch status``: what the store holds, per kind and source."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from harmwatch.cli.common import db_option, emit_json, format_table, json_option
from harmwatch.errors import HarmWatchError
from harmwatch.status import StoreStatus, masked_url, store_status
from harmwatch.store.database import create_store_engine, current_revision, upgrade

#: Shown when nothing is loaded.
NOTHING_LOADED = (
    "nothing loaded yet: try harmwatch ingest KIND FILE "
    "(e.g. harmwatch ingest police_occurrences occurrences.csv)"
)

_HEADERS = (
    "kind",
    "source",
    "records",
    "first date",
    "last date",
    "extracts",
    "last file",
    "loaded at",
    "age (days)",
    "quarantined",
    "resolved",
)
_NUMERIC = {"records", "extracts", "age (days)", "quarantined", "resolved"}


@click.command("status")
@db_option
@json_option
def command(db_url: str | None, as_json: bool) -> None:
    """Show what the store holds, per kind and source.

    For each kind and source: records stored, the date range of the kind's
    main date (e.g. occurred_from), the number of extracts loaded, the last
    one (file, when, how many days ago), and the quarantined rows still
    waiting for correction (and those resolved). Also counts police_people
    rows whose occurrence is not loaded, and shows the store (password
    masked) and its schema revision.

    The status only reads: a store that does not exist yet is not created.
    """
    status = read_status(db_url)
    if as_json:
        emit_json(status.to_json())
        return
    if status.empty:
        click.echo(f"store: {status.database}")
        click.echo(NOTHING_LOADED)
        return
    click.echo(render_status(status))


def read_status(db_url: str | None) -> StoreStatus:
    """The status of the store at ``db_url``; an absent store is empty, not created.

    Raises
    ------
    HarmWatchError
        When the store cannot be reached.
    """
    engine = create_store_engine(db_url)
    try:
        if _missing_sqlite_file(engine):
            return StoreStatus(masked_url(engine), None, (), 0, datetime.now())
        try:
            if current_revision(engine) is not None:
                upgrade(engine)
            return store_status(engine)
        except OperationalError as exc:
            raise HarmWatchError(f"cannot open the store {masked_url(engine)}: {exc.orig}") from exc
    finally:
        engine.dispose()


def _missing_sqlite_file(engine: Engine) -> bool:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return False
    return not Path(database).expanduser().exists()


def render_status(status: StoreStatus) -> str:
    """The human-readable status: header lines, the aligned table, notes."""
    rows = []
    for k in status.kinds:
        last = k.last_extract
        rows.append(
            (
                k.kind,
                k.source,
                str(k.records),
                _day(k.first_date),
                _day(k.last_date),
                str(k.extracts),
                last.file_name if last else "-",
                f"{last.loaded_at:%Y-%m-%d %H:%M}" if last else "-",
                str(last.age_days) if last else "-",
                str(k.quarantined_unresolved),
                str(k.quarantined_resolved),
            )
        )
    lines = [
        f"store: {status.database}",
        f"schema revision: {status.revision or '-'}",
        "",
        format_table(_HEADERS, rows, numeric=_NUMERIC),
        "",
        f"orphan police_people rows (no police_occurrences record of the same source): "
        f"{status.orphan_people}",
    ]
    waiting = sum(k.quarantined_unresolved for k in status.kinds)
    if waiting:
        lines.append(
            f"{waiting} quarantined row(s) wait for correction: see `harmwatch quarantine list`"
        )
    return "\n".join(lines)


def _day(value: date | datetime | None) -> str:
    return f"{value:%Y-%m-%d}" if value is not None else "-"
