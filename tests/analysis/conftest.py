"""Fixtures of the analysis tests: one small scenario, loaded once per session.

``scenario_store`` is a SQLite store holding the small scenario (seed 0) as the
demo loads it; ``scenario_truth`` is its truth.json; ``scenario_dir`` the
folder with the contract files. Tests must not write to this shared store:
those that need to write make their own (``store_url``/``store_engine``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from harmwatch.demo import DemoResult, run_demo
from harmwatch.store.database import open_store


@pytest.fixture(scope="session")
def scenario_demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    return run_demo(tmp_path_factory.mktemp("scenario"), seed=0, scale="small", analyse=False)


@pytest.fixture(scope="session")
def scenario_store(scenario_demo: DemoResult) -> Iterator[Engine]:
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
