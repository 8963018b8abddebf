"""The mapping format (harmwatch.ingest.mapping): every rule, on small files.

The shipped mappings on real data are tested in ``test_mappings.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from sqlalchemy import Engine, select

import harmwatch.ingest.mapping as mapping_module
from harmwatch.contract import KINDS
from harmwatch.errors import HarmWatchError, InputFileError
from harmwatch.ingest.mapping import Mapping
from harmwatch.ingest.pipeline import IngestResult, ingest_file
from harmwatch.ingest.reader import read_table
from harmwatch.mappings import list_shipped_mappings, shipped_mapping
from harmwatch.store.database import open_store
from harmwatch.store.schema import kind_tables

DOCS = Path(__file__).resolve().parents[2] / "docs" / "mappings.md"

OCCURRENCES_CSV = """\
Ref,Type,When,Year,Month,Method,DA,Borough
A1,Murder,03/02/2021,2021,Feb,Knife,Y,Camden
A2,Murder,04/02/2021,2021,March,knife ,N,Brent
A3,Murder,05/02/2021,2021,4,Gun,,Ealing
"""


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return open_store(f"sqlite:///{tmp_path / 'store.db'}")


def _csv(tmp_path: Path, text: str, name: str = "file.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _mapping(text: str) -> Mapping:
    return Mapping.from_dict(yaml.safe_load(text))


def _rows(engine: Engine, kind: str) -> list[dict[str, Any]]:
    table = kind_tables[kind]
    with engine.connect() as connection:
        rows = connection.execute(select(table).order_by(table.c.id)).mappings().all()
    return [dict(r) for r in rows]


def _load(engine: Engine, kind: str, path: Path, mapping: Mapping) -> IngestResult:
    result = ingest_file(engine, kind, path, mapping=mapping)
    assert result.rows_loaded + result.rows_quarantined == result.rows_read
    return result


BASE = """
kind: police_occurrences
columns:
  occurrence_id: Ref
  kind: {value: crime}
  offence_group: {value: homicide}
  occurred_from: {from: When, format: "%d/%m/%Y"}
"""


# --- each rule --------------------------------------------------------------------------


def test_rename_value_and_extra(engine: Engine, tmp_path: Path) -> None:
    result = _load(engine, "police_occurrences", _csv(tmp_path, OCCURRENCES_CSV), _mapping(BASE))
    assert result.rows_loaded == 3
    rows = _rows(engine, "police_occurrences")
    assert [r["occurrence_id"] for r in rows] == ["A1", "A2", "A3"]
    assert {r["kind"] for r in rows} == {"crime"}
    # unused file columns are kept, as written
    assert json.loads(rows[0]["extra"])["Borough"] == "Camden"
    assert json.loads(rows[1]["extra"])["Method"] == "knife "


def test_format_rewrites_a_uk_date(engine: Engine, tmp_path: Path) -> None:
    _load(engine, "police_occurrences", _csv(tmp_path, OCCURRENCES_CSV), _mapping(BASE))
    rows = _rows(engine, "police_occurrences")
    assert [r["occurred_from"].date().isoformat() for r in rows] == [
        "2021-02-03",
        "2021-02-04",
        "2021-02-05",
    ]
    assert {r["date_precision"] for r in rows} == {"date"}


def test_template_with_row_number(engine: Engine, tmp_path: Path) -> None:
    mapping = _mapping(
        BASE.replace("occurrence_id: Ref", 'occurrence_id: {template: "X-{__row}-{Ref}"}')
    )
    _load(engine, "police_occurrences", _csv(tmp_path, OCCURRENCES_CSV), mapping)
    # the header is row 1: ids follow file order from 2
    assert [r["occurrence_id"] for r in _rows(engine, "police_occurrences")] == [
        "X-2-A1",
        "X-3-A2",
        "X-4-A3",
    ]


def test_recode_ignores_case_and_spaces_and_unforeseen_values_are_row_errors(
    engine: Engine, tmp_path: Path
) -> None:
    mapping = _mapping(BASE + "  weapon: {from: Method, recode: {KNIFE: sharp}}\n")
    result = _load(engine, "police_occurrences", _csv(tmp_path, OCCURRENCES_CSV), mapping)
    assert result.rows_loaded == 2
    assert result.rows_quarantined == 1
    (error,) = result.errors
    assert (error["row"], error["column"], error["value"]) == (4, "weapon", "Gun")
    assert [r["weapon"] for r in _rows(engine, "police_occurrences")] == ["sharp", "sharp"]


def test_recode_to_booleans(engine: Engine, tmp_path: Path) -> None:
    mapping = _mapping(BASE + "  domestic: {from: DA, recode: {Y: true, N: false}}\n")
    _load(engine, "police_occurrences", _csv(tmp_path, OCCURRENCES_CSV), mapping)
    assert [r["domestic"] for r in _rows(engine, "police_occurrences")] == [True, False, None]


def test_date_from_parts_month_names_and_numbers(engine: Engine, tmp_path: Path) -> None:
    mapping = _mapping(
        BASE.replace(
            'occurred_from: {from: When, format: "%d/%m/%Y"}',
            "occurred_from: {derive: date_from_parts, year: Year, month: Month}",
        )
    )
    _load(engine, "police_occurrences", _csv(tmp_path, OCCURRENCES_CSV), mapping)
    rows = _rows(engine, "police_occurrences")
    assert [r["occurred_from"].date().isoformat() for r in rows] == [
        "2021-02-01",
        "2021-03-01",
        "2021-04-01",
    ]
    assert {r["date_precision"] for r in rows} == {"month"}


def test_ignore_drops_columns_from_extra(engine: Engine, tmp_path: Path) -> None:
    mapping = _mapping(BASE + "ignore: [borough, Method, NotInFile]\n")
    result = _load(engine, "police_occurrences", _csv(tmp_path, OCCURRENCES_CSV), mapping)
    assert result.rows_loaded == 3
    extra = json.loads(_rows(engine, "police_occurrences")[0]["extra"])
    assert set(extra) == {"Type", "Year", "Month", "DA"}


def test_extra_keeps_a_column_under_another_name(engine: Engine, tmp_path: Path) -> None:
    text = "id,postcode\np1,2000\np2,SW1A 1AA\n"
    mapping = _mapping(PEOPLE.replace("  date_of_birth", "#") + "extra: {postcode_au: Postcode}\n")
    result = _load(engine, "police_people", _csv(tmp_path, text), mapping)
    assert (result.rows_loaded, result.rows_quarantined) == (2, 0)
    rows = _rows(engine, "police_people")
    assert [r["postcode"] for r in rows] == [None, None]
    assert [json.loads(r["extra"]) for r in rows] == [
        {"postcode_au": "2000"},
        {"postcode_au": "SW1A 1AA"},
    ]


def test_extra_names_must_not_be_contract_columns_or_file_columns(
    engine: Engine, tmp_path: Path
) -> None:
    with pytest.raises(HarmWatchError, match="extra name 'Surname' is a police_people column"):
        _mapping(PEOPLE + "extra: {Surname: id}\n")
    with pytest.raises(HarmWatchError, match="'extra' must map names"):
        _mapping(PEOPLE + "extra: [id]\n")
    clash = _mapping(PEOPLE.replace("  date_of_birth", "#") + "extra: {dob: id}\n")
    with pytest.raises(InputFileError, match="'dob' are already file columns"):
        ingest_file(engine, "police_people", _csv(tmp_path, PEOPLE_CSV), mapping=clash)
    missing = _mapping(PEOPLE + "extra: {x: nothere}\n")
    with pytest.raises(InputFileError, match="needs columns the file lacks: 'nothere'"):
        ingest_file(engine, "police_people", _csv(tmp_path, PEOPLE_CSV), mapping=missing)


def test_missing_file_column_names_the_closest(tmp_path: Path, engine: Engine) -> None:
    mapping = _mapping(BASE.replace("occurrence_id: Ref", "occurrence_id: Reff"))
    with pytest.raises(InputFileError, match=r"'Reff' \(did you mean 'Ref'\?\)"):
        ingest_file(engine, "police_occurrences", _csv(tmp_path, OCCURRENCES_CSV), mapping=mapping)


def test_mapping_for_another_kind_is_refused(tmp_path: Path, engine: Engine) -> None:
    with pytest.raises(HarmWatchError, match="is for police_occurrences, not deaths"):
        ingest_file(engine, "deaths", _csv(tmp_path, OCCURRENCES_CSV), mapping=_mapping(BASE))


# --- compact formats must fit exactly ------------------------------------------------------

PEOPLE_CSV = """\
id,dob
p1,19450409
p2,1945049
p3,19450493
p4,
"""

PEOPLE = """
kind: police_people
columns:
  occurrence_id: {template: "O-{id}"}
  role: {value: other}
  date_of_birth: {from: dob, format: "%Y%m%d"}
"""


def test_compact_format_is_not_guessed(engine: Engine, tmp_path: Path) -> None:
    result = _load(engine, "police_people", _csv(tmp_path, PEOPLE_CSV), _mapping(PEOPLE))
    assert result.rows_loaded == 2
    assert {(e["row"], e["column"], e["value"]) for e in result.errors} == {
        (3, "date_of_birth", "1945049"),  # 1945-04-09? 1945-04-?9? not guessed
        (4, "date_of_birth", "19450493"),  # no 93rd day
    }
    dobs = [r["date_of_birth"] for r in _rows(engine, "police_people")]
    assert [d.isoformat() if d else None for d in dobs] == ["1945-04-09", None]


# --- invalid: blank ------------------------------------------------------------------------


def test_invalid_blank_keeps_the_row_and_the_text(engine: Engine, tmp_path: Path) -> None:
    mapping = _mapping(PEOPLE.replace('"%Y%m%d"}', '"%Y%m%d", invalid: blank}'))
    path = _csv(tmp_path, PEOPLE_CSV)
    result = _load(engine, "police_people", path, mapping)
    assert (result.rows_loaded, result.rows_quarantined) == (4, 0)
    rows = _rows(engine, "police_people")
    assert [r["date_of_birth"].isoformat() if r["date_of_birth"] else None for r in rows] == [
        "1945-04-09",
        None,
        None,
        None,
    ]
    kept = [json.loads(r["extra"])["date_of_birth_invalid"] for r in rows]
    assert kept == [None, "1945049", "19450493", None]  # an empty cell is unknown, not invalid
    assert any("date_of_birth_invalid" in w for w in result.warnings)
    # the count, for the load's warnings
    mapped = mapping.apply(read_table(path).frame, str(path), KINDS["police_people"])
    (note,) = mapping.notes(mapped)
    assert note.startswith("date_of_birth: 2 value(s)")
    assert "invalid: blank" in note


def test_invalid_blank_does_not_hide_impossible_real_dates(engine: Engine, tmp_path: Path) -> None:
    mapping = _mapping(PEOPLE.replace('"%Y%m%d"}', '"%Y%m%d", invalid: blank}'))
    result = _load(engine, "police_people", _csv(tmp_path, "id,dob\np1,18500101\n"), mapping)
    assert result.rows_quarantined == 1
    assert result.errors[0]["reason"] == "before 1900"


def test_no_notes_without_invalid_blank() -> None:
    mapping = _mapping(PEOPLE)
    frame = pl.DataFrame({"date_of_birth": ["x"]})
    assert mapping.notes(frame) == []


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ('{from: dob, format: "%Y%m%d", invalid: ignore}', "invalid must be one of error, blank"),
        ("{from: dob, invalid: blank}", "invalid: blank needs from and format"),
    ],
)
def test_invalid_rule_errors(rule: str, message: str) -> None:
    with pytest.raises(HarmWatchError, match=message):
        _mapping(PEOPLE.replace('{from: dob, format: "%Y%m%d"}', rule))


def test_invalid_blank_only_on_optional_date_columns() -> None:
    with pytest.raises(HarmWatchError, match="not allowed on a required column"):
        _mapping(BASE.replace('"%d/%m/%Y"}', '"%d/%m/%Y", invalid: blank}'))
    with pytest.raises(HarmWatchError, match="only for date and date-time columns"):
        _mapping(PEOPLE + '  person_ref: {from: id, format: "%Y", invalid: blank}\n')


def test_invalid_blank_checked_against_the_kind_when_the_mapping_has_none(
    engine: Engine, tmp_path: Path
) -> None:
    mapping = _mapping(
        BASE.replace("kind: police_occurrences", "").replace(
            '"%d/%m/%Y"}', '"%d/%m/%Y", invalid: blank}'
        )
    )
    with pytest.raises(HarmWatchError, match="not allowed on a required column"):
        ingest_file(engine, "police_occurrences", _csv(tmp_path, OCCURRENCES_CSV), mapping=mapping)


# --- whole-file errors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("columns: {a: b}\ncolour: red\n", "unknown top-level keys: colour"),
        ("kind: nonsense\ncolumns: {}\n", "unknown kind 'nonsense'"),
        ("columns: {a: {from: b, recode: [x]}}\n", "recode must map"),
        ("columns: {a: {from: b, value: c}}\n", "exactly one of"),
        ("columns: {a: {from: b, colour: c}}\n", "unknown key 'colour'"),
        ("columns: {a: {derive: sum}}\n", "unknown derive 'sum'"),
        ("columns: {a: {derive: date_from_parts, month: m}}\n", "needs a year column"),
        ("columns: {a: b}\nignore: Borough\n", "'ignore' must be a list"),
        ("kind: police_people\ncolumns: {forname: a}\n", "did you mean 'forename'"),
        ("- a\n", "expected a YAML mapping"),
    ],
)
def test_bad_mappings_are_refused(document: str, message: str) -> None:
    with pytest.raises(HarmWatchError, match=re.escape(message)):
        Mapping.from_dict(yaml.safe_load(document))


def test_load_reports_missing_and_bad_files(tmp_path: Path) -> None:
    with pytest.raises(HarmWatchError, match="no such file"):
        Mapping.load(tmp_path / "none.yaml")
    bad = _csv(tmp_path, "columns: [\n", "bad.yaml")
    with pytest.raises(HarmWatchError, match="not valid YAML"):
        Mapping.load(bad)


# --- shipped mappings and resolve ---------------------------------------------------------


def test_shipped_mappings_are_listed_and_valid() -> None:
    names = list_shipped_mappings()
    assert names == ["febrl_people", "mps_homicides_occurrences", "mps_homicides_victims"]
    for name in names:
        mapping = Mapping.load(shipped_mapping(name))
        assert mapping.kind in KINDS
        assert mapping.sha256
    assert shipped_mapping("febrl_people.yaml") == shipped_mapping("febrl_people")
    with pytest.raises(HarmWatchError, match="shipped: febrl_people"):
        shipped_mapping("nope")


def test_resolve_accepts_a_name_or_a_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    by_name = Mapping.resolve("mps_homicides_victims")
    assert by_name.path == shipped_mapping("mps_homicides_victims")
    assert Mapping.resolve("mps_homicides_victims.yaml").sha256 == by_name.sha256
    own = _csv(tmp_path, BASE, "mine.yaml")
    assert Mapping.resolve(str(own)).path == own
    # an existing file wins over a shipped mapping of the same name
    monkeypatch.chdir(tmp_path)
    _csv(tmp_path, BASE, "febrl_people.yaml")
    assert Mapping.resolve("febrl_people.yaml").kind == "police_occurrences"
    with pytest.raises(HarmWatchError, match=r"no shipped mapping .*mps_homicides_victims"):
        Mapping.resolve("nowhere.yaml")


# --- the documentation's examples parse -------------------------------------------------------


def _yaml_blocks(text: str) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", text, flags=re.DOTALL)


def test_docs_examples_are_valid_mappings() -> None:
    blocks = _yaml_blocks(DOCS.read_text(encoding="utf-8"))
    assert len(blocks) >= 5
    for block in blocks:
        document = yaml.safe_load(block)
        if set(document) & {"columns", "ignore", "extra"}:
            Mapping.from_dict(document)
        else:  # a fragment: rules of a columns section
            Mapping.from_dict({"columns": document})


def test_module_docstring_example_is_valid() -> None:
    doc = mapping_module.__doc__ or ""
    example = doc.split(".. code-block:: yaml", 1)[1].split("\nRules", 1)[0]
    mapping = Mapping.from_dict(yaml.safe_load(example))
    assert mapping.rules["weapon"].recode == {
        "knife or sharp implement": "sharp",
        "shooting": "firearm",
    }
