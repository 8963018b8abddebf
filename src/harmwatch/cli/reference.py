"""The CLI reference (docs/cli.md), generated from the commands themselves.

``uv run python -m harmwatch.cli.reference > docs/cli.md`` regenerates it; a
test fails when docs/cli.md is out of date, so the reference never drifts
from the code.
"""

from __future__ import annotations

import click

from harmwatch.cli.main import cli

_HEADER = """# HarmWatch command-line reference

Generated from the commands' own help by `uv run python -m harmwatch.cli.reference
> docs/cli.md`; do not edit by hand.

Exit status of every command: 0 on success, 1 on a user error (one message naming
file, row and column where relevant), 2 on wrong usage.
"""


def _walk(command: click.Command, path: list[str]) -> list[tuple[list[str], click.Command]]:
    found = [(path, command)]
    if isinstance(command, click.Group):
        context = click.Context(command, info_name=" ".join(path))
        for name in command.list_commands(context):
            sub = command.get_command(context, name)
            if sub is not None:
                found += _walk(sub, [*path, name])
    return found


def render() -> str:
    """The whole reference as Markdown."""
    parts = [_HEADER]
    for path, command in _walk(cli, ["harmwatch"]):
        if len(path) == 1:
            continue
        parent = click.Context(
            cli,
            info_name="harmwatch",
            terminal_width=88,
            max_content_width=88,
            help_option_names=["-h", "--help"],
        )
        context = click.Context(
            command,
            info_name=" ".join(path[1:]),
            parent=parent,
            terminal_width=88,
            max_content_width=88,
        )
        heading = "#" * min(len(path), 4)
        parts.append(f"{heading} `{' '.join(path)}`\n")
        parts.append("```text\n" + command.get_help(context).rstrip() + "\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":  # pragma: no cover
    click.echo(render(), nl=False)
