"""Splink's Spark backend in local mode (``harmwatch link --engine spark``).

pyspark is optional (a dev dependency): without it, asking for Spark fails
with one clear message, and so does a machine without Java. The session is
local (two cores by default), bound to 127.0.0.1, without the web UI or the
console progress bar, with a checkpoint folder (Splink writes intermediate
tables there as parquet) and Splink's similarity-function jar (else
``jaro_winkler`` and ``damerau_levenshtein`` are unresolved). Shuffles use a
few partitions, not Spark's default 200: on two local cores 200 tiny tasks
per stage cost minutes on a small store.

The session is shared by every run in one process (``getOrCreate``); each run
gets its own checkpoint folder, removed by :func:`drop_checkpoints`.

Environment
-----------
``JAVA_HOME``
    Set to the Java 17 known to work (``/usr/lib/jvm/java-17-openjdk-amd64``)
    when unset and that folder exists.
``HARMWATCH_SPARK_DRIVER_MEMORY``
    The driver's heap (local mode: the only JVM), default ``2g``. Read when
    the first session of the process starts.
``HARMWATCH_SPARK_SHUFFLE_PARTITIONS``
    Partitions of each shuffle, default four per core.

References
----------
Splink: Spark backend, https://moj-analytical-services.github.io/splink/
(``splink.backends.spark.SparkAPI``, ``similarity_jar_location``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from harmwatch.errors import HarmWatchError

__all__ = ["JAVA_17", "drop_checkpoints", "java_home", "spark_db_api"]

#: The Java known to run pyspark 4 on these machines.
JAVA_17 = Path("/usr/lib/jvm/java-17-openjdk-amd64")


def java_home() -> Path | None:
    """The Java Spark will use: ``$JAVA_HOME``, else :data:`JAVA_17`, else ``java``
    on the ``PATH`` (its folder's parent); None when there is none."""
    configured = os.environ.get("JAVA_HOME")
    if configured:
        return Path(configured) if (Path(configured) / "bin" / "java").exists() else None
    if (JAVA_17 / "bin" / "java").exists():
        return JAVA_17
    found = shutil.which("java")
    return Path(found).resolve().parent.parent if found else None


def spark_db_api(cores: int = 2, *, shuffle_partitions: int | None = None) -> tuple[Any, Any]:
    """A Splink ``SparkAPI`` on a local Spark session: ``(db_api, spark_session)``.

    Parameters
    ----------
    cores : int
        ``local[cores]``.
    shuffle_partitions : int, optional
        ``spark.sql.shuffle.partitions`` (default: ``$HARMWATCH_SPARK_SHUFFLE_PARTITIONS``,
        else ``4 * cores``); Splink repartitions its big tables to half of it.

    Raises
    ------
    HarmWatchError
        When pyspark is not installed or no Java is found.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise HarmWatchError(
            "--engine spark needs pyspark, which is not installed: "
            "install it (uv sync installs it with the dev group), or use --engine duckdb"
        ) from exc
    home = java_home()
    if home is None:
        raise HarmWatchError(
            "--engine spark needs Java 17 (set JAVA_HOME, or install openjdk-17-jre), "
            "or use --engine duckdb"
        )
    os.environ.setdefault("JAVA_HOME", str(home))
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from splink import SparkAPI
    from splink.backends.spark import similarity_jar_location

    partitions = shuffle_partitions or int(
        os.environ.get("HARMWATCH_SPARK_SHUFFLE_PARTITIONS", 4 * cores)
    )
    spark = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("harmwatch-link")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.memory", os.environ.get("HARMWATCH_SPARK_DRIVER_MEMORY", "2g"))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(partitions))
        .config("spark.default.parallelism", str(partitions))
        .config("spark.jars", similarity_jar_location())
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    # runtime SQL settings also reach a session created earlier in the process
    spark.conf.set("spark.sql.shuffle.partitions", str(partitions))
    spark.sparkContext.setCheckpointDir(tempfile.mkdtemp(prefix="harmwatch-spark-"))
    db_api = SparkAPI(spark_session=spark, num_partitions_on_repartition=max(1, partitions // 2))  # type: ignore[no-untyped-call]
    return db_api, spark


def drop_checkpoints(spark: Any) -> None:
    """Remove the session's checkpoint folder (Splink's intermediate parquet tables)."""
    folder = spark.sparkContext.getCheckpointDir()
    if not folder:
        return
    local = Path(str(folder).removeprefix("file:"))
    # Spark adds a per-context folder under the one set; remove the one set
    parent = local.parent if local.parent.name.startswith("harmwatch-spark-") else local
    if parent.name.startswith("harmwatch-spark-"):
        shutil.rmtree(parent, ignore_errors=True)
