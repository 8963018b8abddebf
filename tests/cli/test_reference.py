"""The CLI reference in docs/ is generated from the commands and kept current."""

from __future__ import annotations

from pathlib import Path

import pytest

from harmwatch.cli.main import COMMANDS, cli, main
from harmwatch.cli.reference import _walk, render

DOCS = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_docs_cli_md_is_current() -> None:
    assert DOCS.read_text(encoding="utf-8") == render(), (
        "docs/cli.md is out of date: run `uv run python -m harmwatch.cli.reference > docs/cli.md`"
    )


def _command_paths() -> list[list[str]]:
    return [path[1:] for path, _ in _walk(cli, ["harmwatch"])]


@pytest.mark.parametrize("path", _command_paths(), ids=lambda p: " ".join(p) or "harmwatch")
def test_every_command_has_help(path: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*path, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Usage: harmwatch")
    assert len(out.splitlines()) > 3


def test_every_registered_command_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for name in COMMANDS:
        assert f"`harmwatch {name}" in text, name


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["no-such-command"]) == 2
    assert "No such command" in capsys.readouterr().err


def test_missing_argument_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", "deaths"]) == 2
    assert "Missing argument" in capsys.readouterr().err


def test_user_error_exits_1_with_one_line_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.csv"
    assert main(["ingest", "deaths", str(missing), "--db", f"sqlite:///{tmp_path}/s.db"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == f"error: {missing}: no such file"
    assert "Traceback" not in err
