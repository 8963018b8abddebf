"""The README opens with the two commands a new user types; CI runs the second."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)
    return [
        next(line for line in block.splitlines() if line and not line.startswith("#"))
        for block in blocks[:2]
    ]


def test_readme_opens_with_the_demo_and_the_test_command() -> None:
    demo, tests = _commands()
    assert demo.startswith("pip install uv && uv sync --locked") and "harmwatch demo" in demo
    assert tests.startswith("pip install uv && uv sync --locked") and tests.endswith("pytest")


def test_ci_runs_exactly_the_readme_test_command() -> None:
    _, tests = _commands()
    lines = [
        line.split(" </dev/null")[0] for line in (ROOT / ".ci" / "run").read_text().splitlines()
    ]
    assert tests in lines, "the test command in .ci/run must be the README's second command"
