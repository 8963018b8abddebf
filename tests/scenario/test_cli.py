"""The ``harmwatch scenario`` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harmwatch.cli.main import main


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["scenario", "--out", str(tmp_path), "--scale", "small", "--seed", "3", "--json"])
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["scale"] == "small" and payload["seed"] == 3
    assert payload["counts"]["police_occurrences"] > 1_000
    assert Path(payload["truth"]).exists()
    for path in payload["files"].values():
        assert Path(path).parent == tmp_path and Path(path).exists()


def test_summary_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenario", "--out", str(tmp_path), "--scale", "small"]) == 0
    out = capsys.readouterr().out
    assert "police_occurrences" in out and "truth.json" in out


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenario", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--out" in out and "--seed" in out and "national" in out and "--json" in out


def test_bad_scale_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenario", "--out", str(tmp_path), "--scale", "huge"]) == 2
    assert "huge" in capsys.readouterr().err
