"""Splink's Spark backend in local mode (``harmwatch link --engine spark``).

pyspark is optional: without it, asking for Spark fails with one clear
message. The session is local (two cores), bound to 127.0.0.1, without the
web UI, with a checkpoint folder and Splink's similarity-function jar (else
``jaro_winkler`` is unresolved).

References
----------
Splink: Spark backend, https://moj-analytical-services.github.io/splink/
"""

from __future__ import annotations

import tempfile
from typing import Any

from harmwatch.errors import HarmWatchError

__all__ = ["spark_db_api"]


def spark_db_api(cores: int = 2) -> tuple[Any, Any]:
    """A Splink ``SparkAPI`` on a local Spark session: ``(db_api, spark_session)``.

    Raises
    ------
    HarmWatchError
        When pyspark is not installed.
    """
    try:
        from pyspark.sql import SparkSession  # type: ignore[import-not-found,unused-ignore]
    except ImportError as exc:
        raise HarmWatchError(
            "--engine spark needs pyspark, which is not installed: "
            "install it (e.g. uv sync --extra spark), or use --engine duckdb"
        ) from exc
    from splink import SparkAPI
    from splink.backends.spark import similarity_jar_location

    spark = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("harmwatch-link")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.jars", similarity_jar_location())
        .getOrCreate()
    )
    spark.sparkContext.setCheckpointDir(tempfile.mkdtemp(prefix="harmwatch-spark-"))
    return SparkAPI(spark_session=spark), spark  # type: ignore[no-untyped-call]
