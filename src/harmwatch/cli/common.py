"""Options and output helpers shared by the CLI commands."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from harmwatch.store.database import DATABASE_URL_ENV

F = TypeVar("F", bound=Callable[..., Any])


def db_option(function: F) -> F:
    """The ``--db URL`` option every command that touches the store takes."""
    return click.option(
        "--db",
        "db_url",
        metavar="URL",
        default=None,
        help=(
            "SQLAlchemy URL of the store, e.g. sqlite:///harmwatch.db or "
            f"postgresql://user@host/db. Default: ${DATABASE_URL_ENV}, else "
            "sqlite:///harmwatch.db in the current folder."
        ),
    )(function)


def json_option(function: F) -> F:
    """The ``--json`` option: print one JSON object, nothing else, on stdout."""
    return click.option(
        "--json", "as_json", is_flag=True, help="Print one JSON object on stdout; no progress."
    )(function)


def emit_json(payload: Any) -> None:
    """Print ``payload`` as JSON on stdout (dates as ISO strings)."""
    click.echo(json.dumps(payload, indent=2, default=str, ensure_ascii=False))


def show_progress(as_json: bool) -> bool:
    """Whether to show progress: on a terminal, and never under ``--json``."""
    return not as_json and sys.stderr.isatty()


@contextmanager
def step(message: str, enabled: bool) -> Iterator[None]:
    """Show ``message...`` on stderr while a step of long work runs."""
    if enabled:
        click.echo(f"{message}...", err=True)
    yield


def format_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, numeric: set[str] | None = None
) -> str:
    """Plain-text table: columns padded to their widest cell, ``numeric`` ones right-aligned.

    The last column is not padded, so long text there (reasons) does not
    widen the others.
    """
    numeric = numeric or set()
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    last = len(headers) - 1

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            if headers[i] in numeric:
                out.append(cell.rjust(width))
            elif i == last:
                out.append(cell)
            else:
                out.append(cell.ljust(width))
        return "  ".join(out).rstrip()

    return "\n".join([line(headers), *(line(r) for r in rows)])


def report_result(result: Any, as_json: bool, payload: Callable[[], Any], unavailable: str) -> bool:
    """The common start of an analysis command's output.

    Prints ``result.warnings`` on stderr; under ``--json`` prints ``payload()``;
    otherwise, when the analysis could not run (``result.available`` false),
    prints ``"<unavailable>: <result.reason>."``. Returns whether the command
    has nothing more to print.
    """
    for message in result.warnings:
        click.echo(f"warning: {message}", err=True)
    if as_json:
        emit_json(payload())
        return True
    if not result.available:
        click.echo(f"{unavailable}: {result.reason}.")
        return True
    return False
