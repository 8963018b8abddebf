"""The SQL engine that runs Splink: DuckDB in process or Spark in local mode.

:class:`Backend` hides the engine from training and scoring
(:mod:`harmwatch.linkage.model`): it registers input tables under unique
names, caps DuckDB's memory (spilling to a temporary folder beyond it),
chooses how Spark materialises intermediate tables, and cleans up after a
run. :func:`quiet_splink` keeps Splink's log messages off stderr.

References
----------
Linacre, R., Lindsay, S., Manassis, T., Slade, Z., Hepworth, T., Kennedy, R.
and Bond, A. (2022). Splink: Free software for probabilistic record linkage
at scale. *International Journal of Population Data Science* 7(3).
https://moj-analytical-services.github.io/splink/
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from copy import deepcopy
from typing import Any, Literal

import polars as pl

from harmwatch.errors import HarmWatchError

__all__ = [
    "DUCKDB_MEMORY_LIMIT",
    "DUCKDB_MEMORY_LIMIT_ENV",
    "SPARK_PERSIST_BELOW",
    "Backend",
    "EngineName",
    "quiet_splink",
]

EngineName = Literal["duckdb", "spark"]

#: Spark: inputs with fewer records keep Splink's intermediate tables in memory.
SPARK_PERSIST_BELOW = 200_000
#: Environment variable capping DuckDB's memory during linkage.
DUCKDB_MEMORY_LIMIT_ENV = "HARMWATCH_DUCKDB_MEMORY_LIMIT"
#: DuckDB's memory cap during linkage unless the environment says otherwise
#: (1M records linked in 417 s at 7.4 GiB peak with it; see benchmarks/).
DUCKDB_MEMORY_LIMIT = "6GB"


@contextmanager
def quiet_splink(level: int = logging.ERROR) -> Iterator[None]:
    """Hold Splink's log messages below ``level`` back while linking (library code
    prints nothing; Splink's training notes would otherwise reach stderr)."""
    splink_logger = logging.getLogger("splink")
    before = splink_logger.level
    splink_logger.setLevel(level)
    try:
        yield
    finally:
        splink_logger.setLevel(before)


class Backend:
    """One SQL engine running Splink: DuckDB (in process) or Spark (local mode).

    Parameters
    ----------
    name : {"duckdb", "spark"}
        The engine.
    """

    def __init__(self, name: EngineName = "duckdb") -> None:
        if name not in ("duckdb", "spark"):
            raise HarmWatchError(f"engine {name!r}: expected duckdb or spark")
        self.name: EngineName = name
        self._spark: Any = None
        self._tables = 0
        self._spill: str | None = None
        if name == "duckdb":
            self.db_api: Any = self._duckdb_api()
        else:
            from harmwatch.linkage.spark import spark_db_api

            self.db_api, self._spark = spark_db_api()

    def _duckdb_api(self) -> Any:
        """Splink's DuckDB API on a connection whose memory is capped
        (``$HARMWATCH_DUCKDB_MEMORY_LIMIT``, default :data:`DUCKDB_MEMORY_LIMIT`)
        and that spills to a temporary folder beyond it; by default DuckDB
        would take 80% of the machine's memory (20 GiB at 1M records here)."""
        import duckdb
        from splink import DuckDBAPI

        limit = os.environ.get(DUCKDB_MEMORY_LIMIT_ENV, DUCKDB_MEMORY_LIMIT).strip()
        if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", limit, flags=re.IGNORECASE):
            raise HarmWatchError(
                f"${DUCKDB_MEMORY_LIMIT_ENV}={limit!r}: expected a size such as 6GB or 512MiB"
            )
        self._spill = tempfile.mkdtemp(prefix="harmwatch-duckdb-")
        connection = duckdb.connect()
        connection.execute(f"SET memory_limit = '{limit}'")
        connection.execute(f"SET temp_directory = '{self._spill}'")
        return DuckDBAPI(connection)

    @property
    def dialect(self) -> str:
        """The Splink SQL dialect name."""
        return "duckdb" if self.name == "duckdb" else "spark"

    def register(self, frame: pl.DataFrame, name: str) -> Any:
        """Register ``frame`` as a Splink input table called ``name``."""
        table = frame.to_arrow()
        if self.name == "spark":
            table = self._spark.createDataFrame(table)
            # Splink materialises each intermediate table: in memory for small
            # inputs (EM iterations on parquet cost seconds each), as parquet files
            # in the checkpoint folder for big ones.
            self.db_api.break_lineage_method = (
                "persist" if frame.height < SPARK_PERSIST_BELOW else "parquet"
            )
        self._tables += 1
        # unique in the process: a Spark session (and its temporary views) outlives a run
        suffix = f"{self._tables}_{uuid.uuid4().hex[:8]}"
        return self.db_api.register(table, table_name=f"hw_{name}_{suffix}")

    def linker(self, frame: pl.DataFrame, settings: dict[str, Any], name: str = "persons") -> Any:
        """A Splink ``Linker`` over ``frame`` (Splink's logging not configured)."""
        from splink import Linker

        return Linker(self.register(frame, name), deepcopy(settings), log_level=None)

    def close(self) -> None:
        """Release what the run left behind: Spark's cached tables and checkpoint
        folder (the session itself stays up for later runs in the process)."""
        if self._spark is not None:
            from harmwatch.linkage.spark import drop_checkpoints

            self._spark.catalog.clearCache()
            drop_checkpoints(self._spark)
        if self._spill is not None:
            shutil.rmtree(self._spill, ignore_errors=True)
