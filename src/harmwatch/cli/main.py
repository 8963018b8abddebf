"""The ``harmwatch`` command line.

Exit status: 0 on success, 1 on a user error (one message on stderr, naming
file, row and column where relevant; no traceback), 2 on wrong usage.
"""

from __future__ import annotations

import importlib
import sys

import click

from harmwatch import __version__
from harmwatch.errors import HarmWatchError

#: Sub-commands: name -> module under harmwatch.cli exposing ``command``.
COMMANDS = {
    "analyse": "analyse",
    "ingest": "ingest",
    "quarantine": "quarantine",
    "tokenise": "tokenise",
    "status": "status",
    "scenario": "scenario",
    "deaths": "deaths",
    "demo": "demo",
    "link": "link",
    "person": "person",
    "report": "report",
    "risk": "risk",
    "series": "series",
}


class _LazyGroup(click.Group):
    """Imports a command's module only when that command runs (fast ``--help``)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = COMMANDS.get(cmd_name)
        if module_name is None:
            return None
        module = importlib.import_module(f"harmwatch.cli.{module_name}")
        command: click.Command = module.command
        return command


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="harmwatch")
def cli() -> None:
    """HarmWatch: patterns of homicide, serious violence and deaths across agencies.

    Load partner files (ingest), check what is loaded (status), correct and
    re-load what was quarantined (quarantine), pseudonymise before sharing
    (tokenise), write the analytical report (report), and try it all on synthetic
    data (scenario, demo).
    """


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit status instead of raising ``SystemExit``."""
    try:
        cli.main(args=argv, prog_name="harmwatch", standalone_mode=False)
    except HarmWatchError as exc:
        click.echo(f"error: {exc}", err=True)
        return 1
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    run()
