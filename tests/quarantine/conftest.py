"""A store with quarantined rows, for the quarantine tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from harmwatch.ingest.pipeline import ingest_file
from quarantine._files import OCCURRENCES, write


@pytest.fixture
def loaded(store_engine: Engine, tmp_path: Path) -> Iterator[Engine]:
    """A store with one police_occurrences file: rows 4 and 5 quarantined."""
    ingest_file(store_engine, "police_occurrences", write(tmp_path, "occ.csv", OCCURRENCES))
    yield store_engine
