"""Shared fixtures for the report tests: the sample report rendered once per session, and
the small scenario loaded once per session for the analytical report."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harmwatch.report.pdf import find_chromium
from harmwatch.report.sample import build_sample

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
