"""Person linkage on Splink's Spark backend (local mode) against DuckDB.

The Spark tests are marked ``spark`` and skip, with the reason, when pyspark
or Java is missing. One Spark session serves the module (start-up ~10 s).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from _persons_data import KEY, tiny_store, true_persons
from harmwatch.errors import HarmWatchError
from harmwatch.linkage.model import settings_for
from harmwatch.linkage.persons import LinkResult, latest_model, link_persons, person_assignments
from harmwatch.linkage.spark import java_home, spark_db_api

# --- without Spark ----------------------------------------------------------------------------


def test_custom_levels_are_valid_spark_sql() -> None:
    """Spark SQL reads "double-quoted" names as string literals: a custom level
    written that way would never match on Spark."""
    for dialect, quote in (("spark", "`"), ("duckdb", '"')):
        for comparison in settings_for(None, dialect)["comparisons"]:
            for level in comparison["comparison_levels"]:
                sql = level["sql_condition"]
                if dialect == "spark":
                    assert '"' not in sql, sql
                if level.get("label_for_charts") == "Day and month transposed":
                    assert sql == f"{quote}dob_l{quote} = {quote}dob_swapped_r{quote}"


def test_missing_pyspark_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)  # import fails
    with pytest.raises(HarmWatchError, match="needs pyspark"):
        spark_db_api()


# --- on Spark ---------------------------------------------------------------------------------


def _spark_available() -> str | None:
    """Why Spark cannot run here, or None."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (uv sync installs it with the dev group)"
    if java_home() is None:
        return "no Java found (set JAVA_HOME to a Java 17, or install openjdk-17-jre)"
    return None


def _link(folder: Path, engine_name: str) -> tuple[Engine, LinkResult]:
    _url, engine = tiny_store(folder)
    result = link_persons(
        engine, key=KEY, max_pairs=2e4, engine_name="spark" if engine_name == "spark" else "duckdb"
    )
    return engine, result


@pytest.fixture(scope="module")
def both(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, tuple[Engine, LinkResult]]]:
    """The tiny store linked (and trained) once on DuckDB and once on Spark."""
    reason = _spark_available()
    if reason is not None:
        pytest.skip(f"Spark linkage not tested: {reason}")
    out = {name: _link(tmp_path_factory.mktemp(name), name) for name in ("duckdb", "spark")}
    yield out
    for engine, _result in out.values():
        engine.dispose()


def _assignments(engine: Engine) -> dict[str, str]:
    frame = person_assignments(engine).select("unique_id", "person_id")
    return dict(frame.iter_rows())


def _parameters(model: dict[str, Any]) -> list[tuple[str, str, float, float]]:
    return [
        (c["output_column_name"], lv["label_for_charts"], lv["m_probability"], lv["u_probability"])
        for c in model["comparisons"]
        for lv in c["comparison_levels"]
        if not lv.get("is_null_level")
    ]


@pytest.mark.spark
def test_spark_gives_the_same_persons_as_duckdb(
    both: dict[str, tuple[Engine, LinkResult]],
) -> None:
    (duck_engine, duck), (spark_engine, spark) = both["duckdb"], both["spark"]
    assert spark.engine == "spark" and spark.trained
    assert (spark.records, spark.identified, spark.pairs, spark.persons) == (
        duck.records,
        duck.identified,
        duck.pairs,
        duck.persons,
    )
    # identical person ids record by record, not only the same clusters
    assert _assignments(spark_engine) == _assignments(duck_engine)
    # and those persons are the true ones
    truth = true_persons()
    groups: dict[str, set[str]] = defaultdict(set)
    for uid, pid in _assignments(spark_engine).items():
        groups[pid].add(truth[uid])
    assert all(len(people) == 1 for people in groups.values())
    assert len(groups) == len(set(truth.values()))


@pytest.mark.spark
def test_spark_trains_the_same_model(both: dict[str, tuple[Engine, LinkResult]]) -> None:
    """Prior, u (random sampling covers every pair of the tiny store) and m (EM)
    agree to rounding."""
    models = {}
    for name, (engine, _result) in both.items():
        stored = latest_model(engine)
        assert stored is not None
        models[name] = stored[1]
    duck, spark = models["duckdb"], models["spark"]
    assert spark["probability_two_random_records_match"] == pytest.approx(
        duck["probability_two_random_records_match"], rel=1e-9
    )
    for d, s in zip(_parameters(duck), _parameters(spark), strict=True):
        assert d[:2] == s[:2]
        assert s[2:] == pytest.approx(d[2:], rel=1e-6, abs=1e-9), d[:2]


@pytest.mark.spark
def test_spark_rerun_reuses_the_session_and_keeps_ids(
    both: dict[str, tuple[Engine, LinkResult]],
) -> None:
    engine, first = both["spark"]
    before = _assignments(engine)
    again = link_persons(engine, key=KEY, engine_name="spark")
    assert not again.trained and again.new_persons == 0
    assert again.persons == first.persons and again.pairs == first.pairs
    assert _assignments(engine) == before
    assert json.loads(json.dumps(again.to_json()))["engine"] == "spark"


@pytest.mark.spark
def test_spark_leaves_no_checkpoint_folder(both: dict[str, tuple[Engine, LinkResult]]) -> None:
    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession()
    assert session is not None
    folder = session.sparkContext.getCheckpointDir()
    assert folder is not None
    assert not Path(str(folder).removeprefix("file:")).parent.exists()
