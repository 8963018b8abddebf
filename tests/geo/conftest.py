"""Fixtures of the geography tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, insert

from harmwatch.store.database import open_store
from harmwatch.store.schema import extracts


@pytest.fixture(params=["sqlite"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty store; parametrised over backends (SQLite for now)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/s.db"
    raise NotImplementedError(request.param)  # pragma: no cover - other backends later


@pytest.fixture
def store(store_url: str) -> Iterator[Engine]:
    """An opened (migrated) store."""
    engine = open_store(store_url)
    yield engine
    engine.dispose()


def add_extract(connection: Connection, kind: str, source: str = "test") -> int:
    """Insert an ``extracts`` row and return its id."""
    result = connection.execute(
        insert(extracts).values(
            kind=kind,
            source=source,
            file_name=f"{kind}.csv",
            sha256="0" * 64,
            loaded_at=datetime(2024, 1, 1),
            rows_read=0,
            rows_loaded=0,
            rows_updated=0,
            rows_unchanged=0,
            rows_quarantined=0,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])
