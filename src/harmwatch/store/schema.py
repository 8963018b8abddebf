"""The store's schema: one table per kind of the contract, plus provenance.

Kind tables are generated from the contract registry
(:mod:`harmwatch.contract.kinds`), so a column added to the contract appears
here and in validation at once; a migration under ``store/migrations`` then
brings existing stores up to date.

Every kind table has, besides the contract's columns:

``id``
    A surrogate key, stable for the life of the record.
``source``
    The agency (or system) that supplied the record; record ids are unique
    within a source, not across sources.
``extract_id``
    The extract (file load) that supplied the current version.
``row_hash``
    MD5 of the record's canonical values, to tell an unchanged record from
    an updated one when a newer extract arrives.
``extra``
    Columns the file had beyond the contract, as JSON, so nothing is lost.
``date_precision``
    For kinds with a main date: ``datetime``, ``date``, ``month`` or
    ``year``, so analyses by hour or day use only records precise enough.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeEngine

from harmwatch.contract import KINDS, ColumnSpec, KindSpec

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only autoincrements INTEGER PRIMARY KEY; BigInteger elsewhere.
_ID = BigInteger().with_variant(Integer(), "sqlite")

#: Each load of one file: what, from whom, when, and what happened to its rows.
extracts = Table(
    "extracts",
    metadata,
    Column("extract_id", _ID, primary_key=True, autoincrement=True),
    Column("kind", String(40), nullable=False),
    Column("source", String(100), nullable=False),
    Column("file_name", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("mapping_name", Text),
    Column("mapping_sha256", String(64)),
    Column("tokens_only", Boolean, nullable=False, default=False),
    Column("loaded_at", DateTime, nullable=False),
    Column("rows_read", Integer, nullable=False),
    Column("rows_loaded", Integer, nullable=False),
    Column("rows_updated", Integer, nullable=False),
    Column("rows_unchanged", Integer, nullable=False),
    Column("rows_quarantined", Integer, nullable=False),
    Column("min_date", DateTime),
    Column("max_date", DateTime),
    Index("ix_extracts_kind_source", "kind", "source"),
)

#: Rows that could not be loaded, with the raw row as read, for correction.
quarantined_rows = Table(
    "quarantined_rows",
    metadata,
    Column("quarantine_id", _ID, primary_key=True, autoincrement=True),
    Column("extract_id", ForeignKey("extracts.extract_id"), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("source", String(100), nullable=False),
    Column("row_number", Integer, nullable=False),
    Column("record_id", Text),
    Column("raw_row", Text, nullable=False),  # JSON object: header -> cell, as read
    Column("reasons", Text, nullable=False),  # all reasons, "; "-joined
    Column("resolved_by_extract_id", ForeignKey("extracts.extract_id")),
    Index("ix_quarantined_rows_kind_source", "kind", "source"),
)

#: One problem of a quarantined row (``extract_id``, ``row_number``): which
#: column, which value, why.
quarantine_errors = Table(
    "quarantine_errors",
    metadata,
    Column("error_id", _ID, primary_key=True, autoincrement=True),
    Column("extract_id", ForeignKey("extracts.extract_id"), nullable=False),
    Column("row_number", Integer, nullable=False),
    Column("column_name", Text),
    Column("value", Text),
    Column("reason", Text, nullable=False),
    Index("ix_quarantine_errors_row", "extract_id", "row_number"),
)

#: Earlier versions of records that a newer extract replaced.
record_history = Table(
    "record_history",
    metadata,
    Column("history_id", _ID, primary_key=True, autoincrement=True),
    Column("kind", String(40), nullable=False),
    Column("source", String(100), nullable=False),
    Column("record_id", Text, nullable=False),
    Column("extract_id", ForeignKey("extracts.extract_id"), nullable=False),
    Column("superseded_by_extract_id", ForeignKey("extracts.extract_id"), nullable=False),
    Column("row_hash", String(32), nullable=False),
    Column("data", Text, nullable=False),  # JSON object of the superseded version
    Index("ix_record_history_record", "kind", "source", "record_id"),
)


def sql_type(column: ColumnSpec) -> TypeEngine[Any]:
    """The SQL type that stores a contract column."""
    types: dict[str, TypeEngine[Any]] = {
        "text": Text(),
        "datetime": DateTime(),
        "date": Date(),
        "int": Integer(),
        "float": Float(),
        "bool": Boolean(),
        "category": String(40),
        "nhs_number": String(10),
        "postcode": String(10),
    }
    return types[column.type]


def _kind_table(kind: KindSpec) -> Table:
    columns: list[Column[Any]] = [
        Column("id", _ID, primary_key=True, autoincrement=True),
        Column("source", String(100), nullable=False),
    ]
    for spec in kind.columns:
        nullable = not spec.required and spec.name != kind.id_column
        columns.append(Column(spec.name, sql_type(spec), nullable=nullable))
    if kind.main_date:
        columns.append(Column("date_precision", String(10)))
    if kind.name == "areas":
        columns += [
            Column("centroid_easting", Float),
            Column("centroid_northing", Float),
            Column("area_km2", Float),
        ]
    columns += [
        Column("extract_id", ForeignKey("extracts.extract_id"), nullable=False),
        Column("row_hash", String(32), nullable=False),
        Column("extra", Text),
    ]
    table = Table(
        kind.name,
        metadata,
        *columns,
        UniqueConstraint("source", kind.id_column, name=f"uq_{kind.name}_source_id"),
    )
    if kind.main_date:
        Index(f"ix_{kind.name}_{kind.main_date}", table.c[kind.main_date])
    if kind.located:
        Index(f"ix_{kind.name}_area_code", table.c.area_code)
    if kind.name == "police_people":
        Index("ix_police_people_occurrence", table.c.source, table.c.occurrence_id)
    return table


#: The kind tables, by kind name.
kind_tables: dict[str, Table] = {name: _kind_table(spec) for name, spec in KINDS.items()}

#: Columns of a kind table that the loader fills, not the file.
BOOKKEEPING_COLUMNS = ("id", "extract_id", "row_hash", "extra")


# --- Linkage (persons across agencies) and incident matching ---------------

#: One run of person linkage: settings, the trained model, what it found.
linkage_runs = Table(
    "linkage_runs",
    metadata,
    Column("run_id", _ID, primary_key=True, autoincrement=True),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("engine", String(20), nullable=False),
    Column("threshold", Float, nullable=False),
    Column("trained", Boolean, nullable=False),
    Column("model", Text),  # JSON: Splink settings with m and u probabilities
    Column("records", Integer),
    Column("pairs", Integer),
    Column("persons", Integer),
)

#: Which person each person-bearing record belongs to (the current linkage).
person_records = Table(
    "person_records",
    metadata,
    Column("kind", String(40), primary_key=True),
    Column("source", String(100), primary_key=True),
    Column("record_id", String(200), primary_key=True),
    Column("person_id", String(40), nullable=False, index=True),
    Column("run_id", ForeignKey("linkage_runs.run_id"), nullable=False),
)

#: A clerical reviewer's decision on a pair of records; overrides the model.
link_decisions = Table(
    "link_decisions",
    metadata,
    Column("decision_id", _ID, primary_key=True, autoincrement=True),
    Column("kind_a", String(40), nullable=False),
    Column("source_a", String(100), nullable=False),
    Column("record_id_a", String(200), nullable=False),
    Column("kind_b", String(40), nullable=False),
    Column("source_b", String(100), nullable=False),
    Column("record_id_b", String(200), nullable=False),
    Column("decision", String(10), nullable=False),  # "same" or "different"
    Column("decided_by", String(100), nullable=False),
    Column("decided_at", DateTime, nullable=False),
    Column("note", Text),
)

#: Each ED assault attendance matched to at most one police occurrence.
incident_matches = Table(
    "incident_matches",
    metadata,
    Column("attendance_source", String(100), primary_key=True),
    Column("attendance_id", String(200), primary_key=True),
    Column("occurrence_source", String(100), nullable=False),
    Column("occurrence_id", String(200), nullable=False),
    Column("minutes_apart", Float, nullable=False),
    Column("distance_m", Float),  # null when either location is unknown
    Column("score", Float, nullable=False),
    Column("matched_at", DateTime, nullable=False),
    Column("method", Text, nullable=False),  # window and distance used
    UniqueConstraint("occurrence_source", "occurrence_id", name="uq_incident_matches_occurrence"),
)

# --- Series linkage (comparative case analysis) ------------------------------

#: An analyst's decision on a candidate link (two cases) or a candidate series;
#: applied on every later run of ``harmwatch series``.
series_decisions = Table(
    "series_decisions",
    metadata,
    Column("decision_id", _ID, primary_key=True, autoincrement=True),
    Column("target", String(10), nullable=False),  # "link" or "series"
    Column("series_id", String(200)),  # for a series decision
    Column("members", Text),  # JSON list of case keys (kind|source|record_id) of the series
    Column("kind_a", String(40)),  # for a link: "occurrence" or "death"
    Column("source_a", String(100)),
    Column("record_id_a", String(200)),
    Column("kind_b", String(40)),
    Column("source_b", String(100)),
    Column("record_id_b", String(200)),
    Column("decision", String(10), nullable=False),  # "confirm" or "reject"
    Column("decided_by", String(100), nullable=False),
    Column("decided_at", DateTime, nullable=False),
    Column("note", Text),
)
