"""Shared fixtures: a store on each supported backend.

``store_url`` runs a test once on SQLite (a fresh file) and once on PostgreSQL (a
fresh, empty database, dropped afterwards). The PostgreSQL server is, in order:

1. the one ``$HARMWATCH_TEST_POSTGRES_URL`` names (``.ci/run`` sets it);
2. else a private cluster started once per test session with
   ``scripts/postgres.sh`` when PostgreSQL is installed here, stopped at the end;
3. else none: the PostgreSQL cases are skipped, saying why.

Deselect them with ``-m "not postgres"``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from _postgres import (
    POSTGRES_URL_ENV,
    create_database,
    drop_database,
    free_port,
    postgres_installed,
    start_cluster,
    stop_cluster,
)
from harmwatch.demo import DemoResult, run_demo
from harmwatch.store.database import open_store


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """URL of the ``harmwatch_test`` database on a running PostgreSQL server."""
    from_env = os.environ.get(POSTGRES_URL_ENV)
    if from_env:
        yield from_env
        return
    if not postgres_installed():
        pytest.skip(
            f"PostgreSQL is not installed here (no initdb/pg_ctl) and ${POSTGRES_URL_ENV} "
            "is not set: run .ci/run, or install PostgreSQL (apt-get install -y postgresql)"
        )
    folder = Path(tempfile.mkdtemp(prefix="harmwatch-pg-"))
    try:
        yield start_cluster(folder, free_port())
    finally:
        stop_cluster(folder)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a new, empty store (nothing created in it yet), on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'harmwatch.db'}"
        return
    server_url: str = request.getfixturevalue("postgres_server_url")
    database_url = create_database(server_url)
    try:
        yield database_url
    finally:
        drop_database(server_url, database_url)


@pytest.fixture
def store_engine(store_url: str) -> Iterator[Engine]:
    """An opened (migrated) store on each backend."""
    engine = open_store(store_url)
    try:
        yield engine
    finally:
        engine.dispose()


# --- The small scenario (seed 0), loaded once per session for every test that reads it ---


@pytest.fixture(scope="session")
def scenario_demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    """The small scenario loaded as the demo loads it, without linkage or report.

    Tests must not write to its store: those that write make their own
    (``store_url``/``store_engine``, or their own ``run_demo``).
    """
    return run_demo(tmp_path_factory.mktemp("scenario"), seed=0, scale="small", analyse=False)


@pytest.fixture(scope="session")
def scenario_store(scenario_demo: DemoResult) -> Iterator[Engine]:
    """The scenario's store (read only)."""
    engine = open_store(scenario_demo.database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def scenario_dir(scenario_demo: DemoResult) -> Path:
    """The folder of the scenario's contract files and ground truth."""
    return scenario_demo.out_dir / "data"


@pytest.fixture(scope="session")
def scenario_truth(scenario_dir: Path) -> dict[str, Any]:
    """The scenario's truth.json."""
    truth: dict[str, Any] = json.loads((scenario_dir / "truth.json").read_text())
    return truth
