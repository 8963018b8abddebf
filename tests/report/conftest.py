"""Shared fixtures for the report tests: the sample report rendered once per session, and
the small scenario loaded once per session for the analytical report."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from harmwatch.demo import DemoResult, run_demo
from harmwatch.report.pdf import find_chromium
from harmwatch.report.sample import build_sample
from harmwatch.store.database import open_store

#: The Debian packages the browser and PDF-page tests need (see .ci/run).
CHROMIUM_HINT = "Chromium is not installed: apt-get install -y chromium"
PDFTOPPM_HINT = "pdftoppm is not installed: apt-get install -y poppler-utils"


@pytest.fixture(scope="session")
def sample_html() -> str:
    """The sample report (every chart type) as HTML."""
    return build_sample().render()


@pytest.fixture(scope="session")
def sample_file(sample_html: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample report written to a file."""
    path = tmp_path_factory.mktemp("report") / "sample.html"
    path.write_text(sample_html, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium executable, or skip."""
    exe = find_chromium()
    if exe is None:
        pytest.skip(CHROMIUM_HINT)
    return exe


@pytest.fixture(scope="session")
def pdftoppm() -> str:
    """The pdftoppm executable, or skip."""
    exe = shutil.which("pdftoppm")
    if exe is None:
        pytest.skip(PDFTOPPM_HINT)
    return exe


# --- The small scenario, loaded once per session (as tests/analysis/conftest.py does) ---


@pytest.fixture(scope="session")
def scenario_demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    """The small scenario (seed 0) loaded as the demo loads it, without linkage or report."""
    return run_demo(tmp_path_factory.mktemp("scenario"), seed=0, scale="small", analyse=False)


@pytest.fixture(scope="session")
def scenario_store(scenario_demo: DemoResult) -> Iterator[Engine]:
    """The scenario's store (read only: tests that write make their own)."""
    engine = open_store(scenario_demo.database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def scenario_dir(scenario_demo: DemoResult) -> Path:
    return scenario_demo.out_dir / "data"


@pytest.fixture(scope="session")
def scenario_truth(scenario_dir: Path) -> dict[str, Any]:
    truth: dict[str, Any] = json.loads((scenario_dir / "truth.json").read_text())
    return truth
