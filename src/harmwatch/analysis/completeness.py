"""Completeness of what partners supplied: mandatory columns and key optional fields.

:func:`completeness` gives, per source of one kind, the share of records with a
value in each of the contract's mandatory columns and in each key optional
field (:data:`KEY_FIELDS`: location, weapon, location type, victim age and sex,
NHS number...), computed in the database (portable SQL, the same on SQLite and
PostgreSQL). Used by :func:`harmwatch.analysis.coverage.data_coverage`, which
re-exports :data:`KEY_FIELDS`.

References
----------
.. [1] Wang RY, Strong DM. Beyond accuracy: what data quality means to data
   consumers. Journal of Management Information Systems 1996;12(4):5-33
   (completeness and timeliness as dimensions of data quality).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, case, func, or_, select
from sqlalchemy.sql import ColumnElement

from harmwatch.contract import KINDS
from harmwatch.store.schema import kind_tables

__all__ = ["KEY_FIELDS", "Field", "completeness"]


@dataclass(frozen=True)
class Field:
    """A key optional field: present when any of ``columns`` has a value.

    Attributes
    ----------
    label : str
        Its name in the figures.
    columns : tuple of str
        The kind's columns that carry it (any one is enough).
    among : tuple of (str, str) or None
        Only records whose column equals the value count (e.g. victims).
    """

    label: str
    columns: tuple[str, ...]
    among: tuple[str, str] | None = None


_VICTIM = ("role", "victim")
#: Key optional fields whose completeness is reported, per kind.
KEY_FIELDS: dict[str, tuple[Field, ...]] = {
    "police_occurrences": (
        Field("location", ("easting",)),
        Field("area_code", ("area_code",)),
        Field("location_type", ("location_type",)),
        Field("weapon", ("weapon",)),
        Field("injury", ("injury",)),
        Field("domestic", ("domestic",)),
        Field("alcohol", ("alcohol",)),
        Field("ho_code", ("ho_code",)),
        Field("outcome", ("outcome",)),
    ),
    "police_people": (
        Field("age_or_date_of_birth", ("date_of_birth", "age")),
        Field("sex", ("sex",)),
        Field("victim_age_or_date_of_birth", ("date_of_birth", "age"), _VICTIM),
        Field("victim_sex", ("sex",), _VICTIM),
        Field("ethnicity", ("ethnicity",)),
        Field("name", ("surname",)),
        Field("postcode", ("postcode",)),
        Field("nhs_number", ("nhs_number",)),
        Field("person_ref", ("person_ref",)),
        Field("relationship_to_victim", ("relationship_to_victim",), ("role", "suspect")),
    ),
    "deaths": (
        Field("location", ("easting",)),
        Field("place_type", ("place_type",)),
        Field("institution", ("institution_id", "institution_name")),
        Field("age_or_date_of_birth", ("date_of_birth", "age")),
        Field("sex", ("sex",)),
        Field("nhs_number", ("nhs_number",)),
        Field("cause", ("cause", "icd10")),
        Field("practitioner_id", ("practitioner_id",)),
    ),
    "ed_assaults": (
        Field("location", ("easting",)),
        Field("area_code", ("area_code",)),
        Field("location_description", ("assault_location_description",)),
        Field("arrived_at", ("arrived_at",)),
        Field("age", ("age",)),
        Field("sex", ("sex",)),
        Field("person_token", ("person_token",)),
    ),
    "council_referrals": (
        Field("age_or_date_of_birth", ("date_of_birth", "age")),
        Field("sex", ("sex",)),
        Field("nhs_number", ("nhs_number",)),
        Field("postcode", ("postcode",)),
        Field("person_token", ("person_token",)),
        Field("outcome", ("outcome",)),
    ),
    "areas": (
        Field("population", ("population",)),
        Field("geometry", ("geometry",)),
        Field("parent_code", ("parent_code",)),
    ),
    "institutions": (
        Field("location", ("easting",)),
        Field("capacity", ("capacity",)),
        Field("expected_deaths_per_year", ("expected_deaths_per_year",)),
    ),
}


def _present(table: Any, columns: tuple[str, ...]) -> ColumnElement[bool]:
    return or_(*(table.c[c].is_not(None) for c in columns))


def completeness(engine: Engine, kind: str) -> dict[str, dict[str, Any]]:
    """Per source: records, mandatory and key-field completeness (shares)."""
    spec, table = KINDS[kind], kind_tables[kind]
    measures: list[tuple[str, str, ColumnElement[bool], ColumnElement[bool] | None]] = [
        ("mandatory", c, table.c[c].is_not(None), None) for c in spec.required_columns
    ]
    for f in KEY_FIELDS.get(kind, ()):
        among = table.c[f.among[0]] == f.among[1] if f.among else None
        measures.append(("field", f.label, _present(table, f.columns), among))
    columns: list[Any] = [table.c.source, func.count()]
    for _, _, present, among in measures:
        condition = and_(present, among) if among is not None else present
        columns.append(func.sum(case((condition, 1), else_=0)))
        columns.append(func.sum(case((among, 1), else_=0)) if among is not None else func.count())
    found: dict[str, dict[str, Any]] = {}
    with engine.connect() as connection:
        for row in connection.execute(select(*columns).group_by(table.c.source)):
            entry: dict[str, Any] = {
                "records": int(row[1]),
                "mandatory_completeness": {},
                "field_completeness": {},
            }
            for i, (group, label, _, _) in enumerate(measures):
                have, out_of = int(row[2 + 2 * i] or 0), int(row[3 + 2 * i] or 0)
                share = round(have / out_of, 4) if out_of else None
                entry[f"{group}_completeness"][label] = share
            found[str(row[0])] = entry
    return found
