"""Fixtures: one small scenario per test session, read back as text."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import polars as pl
import pytest

from harmwatch.contract import KINDS
from harmwatch.scenario import ScenarioResult, generate_scenario

DATA_KINDS = ("police_occurrences", "police_people", "deaths", "ed_assaults", "council_referrals")


@dataclass
class Scenario:
    """A generated scenario, its files read as text columns, and its truth."""

    result: ScenarioResult
    truth: dict[str, Any]

    def read(self, kind: str) -> pl.DataFrame:
        """A kind's CSV with every column as text (empty cells as null)."""
        return pl.read_csv(self.result.files[kind], infer_schema=False)

    def path(self, name: str) -> Path:
        return self.result.out_dir / name


@pytest.fixture(scope="session")
def checks() -> Any:
    """The independent validators, for test modules (conftest is not importable)."""
    return SimpleNamespace(find_problems=find_problems, nhs_valid=nhs_valid)


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """The small scenario with seed 7."""
    result = generate_scenario(tmp_path_factory.mktemp("small"), seed=7, scale="small")
    return Scenario(result, json.loads(result.truth_path.read_text(encoding="utf-8")))


def nhs_valid(value: str) -> bool:
    """Whether ``value`` is 10 digits with a valid modulus-11 check digit."""
    if len(value) != 10 or not value.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(value[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(value[9])


def find_problems(kind: str, frame: pl.DataFrame) -> set[tuple[int, str, str]]:
    """Every (row, fault type, column) wrong in ``frame``, checked independently of the generator.

    Rows are numbered as a spreadsheet shows them (header = row 1).
    """
    spec = KINDS[kind]
    today = date.today().isoformat()
    found: set[tuple[int, str, str]] = set()
    df = frame.with_row_index("_row", offset=2)
    for col in spec.columns:
        if col.name not in df.columns:
            continue
        values = df.select("_row", pl.col(col.name).alias("v"))
        if col.required:
            for r in values.filter(pl.col("v").is_null())["_row"]:
                found.add((r, "missing_required", col.name))
        present = values.filter(pl.col("v").is_not_null())
        if col.type == "category":
            for r in present.filter(~pl.col("v").is_in(list(col.codes)))["_row"]:
                found.add((r, "unknown_category", col.name))
        elif col.type in ("date", "datetime"):
            fmt = "%Y-%m-%d" if col.type == "date" else "%Y-%m-%dT%H:%M:%S"
            parsed = present.with_columns(
                p=pl.col("v").str.strptime(pl.Datetime, fmt, strict=False)
            )
            for r in parsed.filter(pl.col("p").is_null())["_row"]:
                found.add((r, "impossible_date", col.name))
            for r in parsed.filter(pl.col("v").str.slice(0, 10) > today)["_row"]:
                found.add((r, "future_date", col.name))
        elif col.type == "nhs_number":
            for r, v in present.iter_rows():
                if not nhs_valid(v):
                    found.add((r, "bad_nhs_checksum", col.name))
        elif col.type in ("int", "float"):
            cast = present.with_columns(c=pl.col("v").cast(pl.Float64, strict=False))
            for r in cast.filter(pl.col("c").is_null())["_row"]:
                found.add((r, "bad_number", col.name))
    id_col = spec.id_column
    dup = df.select("_row", id_col).filter(pl.col(id_col).is_duplicated())
    seen: set[str] = set()
    for r, v in dup.sort("_row").iter_rows():
        if v in seen:
            found.add((r, "duplicate_id", id_col))
        seen.add(v)
    return found
