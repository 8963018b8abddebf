"""The kinds of file HarmWatch accepts, as one declarative registry.

Every other part of the product (validation, the store's schema, the scenario
generator, the documentation tests) reads the contract from here, so the
contract is stated once. The human-readable version is ``docs/contract.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from harmwatch.contract import codes

ColumnType = Literal[
    "text",  # free text
    "datetime",  # ISO 8601 date-time, UK local time when no offset
    "date",  # YYYY-MM-DD
    "int",
    "float",
    "bool",
    "category",  # one of ``codes``
    "nhs_number",  # 10 digits, modulus-11 check digit
    "postcode",  # UK postcode, normalised to upper case with one space
]


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a kind.

    Attributes
    ----------
    name : str
        The contract's column name (lower case).
    type : ColumnType
        How the value is parsed and validated.
    required : bool
        Whether an empty cell is a row error.
    codes : tuple of str
        The accepted codes of a ``category`` column.
    personal : bool
        Whether the column identifies a person (names, date of birth,
        postcode, NHS number). Personal columns are dropped when a source is
        loaded with ``--tokens-only``, and every read of them is audited.
    """

    name: str
    type: ColumnType = "text"
    required: bool = False
    codes: tuple[str, ...] = ()
    personal: bool = False


@dataclass(frozen=True)
class KindSpec:
    """One kind of input file.

    Attributes
    ----------
    name : str
        The kind as typed on the command line (``police_occurrences``...).
    id_column : str
        The column that identifies a record within its source.
    columns : tuple of ColumnSpec
        The contract's columns, in contract order.
    main_date : str or None
        The column that places a record in time (status date ranges, the
        ``date_precision`` column).
    located : bool
        Whether records carry a location (``easting``/``northing`` or
        ``lat``/``lon``) from which ``area_code`` is derived.
    person_bearing : bool
        Whether a record describes one person (linkage input).
    """

    name: str
    id_column: str
    columns: tuple[ColumnSpec, ...]
    main_date: str | None = None
    located: bool = False
    person_bearing: bool = False
    description: str = ""
    derived_id: bool = field(default=False)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _cat(name: str, values: tuple[str, ...], required: bool = False) -> ColumnSpec:
    return ColumnSpec(name, "category", required=required, codes=values)


_LOCATION = (
    ColumnSpec("easting", "float"),
    ColumnSpec("northing", "float"),
    ColumnSpec("lat", "float"),
    ColumnSpec("lon", "float"),
    ColumnSpec("area_code"),
)

_PERSON = (
    ColumnSpec("forename", personal=True),
    ColumnSpec("surname", personal=True),
    ColumnSpec("date_of_birth", "date", personal=True),
    ColumnSpec("age", "int"),
    _cat("sex", codes.SEX),
    _cat("ethnicity", codes.ETHNICITY),
    ColumnSpec("postcode", "postcode", personal=True),
    ColumnSpec("nhs_number", "nhs_number", personal=True),
    ColumnSpec("person_token"),
)

POLICE_OCCURRENCES = KindSpec(
    name="police_occurrences",
    id_column="occurrence_id",
    description="One row per recorded crime or non-crime incident.",
    main_date="occurred_from",
    located=True,
    columns=(
        ColumnSpec("occurrence_id", required=True),
        _cat("kind", codes.OCCURRENCE_KIND, required=True),
        _cat("offence_group", codes.OFFENCE_GROUP, required=True),
        ColumnSpec("ho_code"),
        ColumnSpec("occurred_from", "datetime", required=True),
        ColumnSpec("occurred_to", "datetime"),
        ColumnSpec("reported_at", "datetime"),
        *_LOCATION,
        _cat("location_type", codes.LOCATION_TYPE),
        _cat("weapon", codes.WEAPON),
        _cat("injury", codes.INJURY),
        ColumnSpec("domestic", "bool"),
        ColumnSpec("alcohol", "bool"),
        ColumnSpec("drugs", "bool"),
        ColumnSpec("gang", "bool"),
        _cat("outcome", codes.OUTCOME),
        ColumnSpec("mo"),
        ColumnSpec("description"),
    ),
)

POLICE_PEOPLE = KindSpec(
    name="police_people",
    id_column="involvement_id",
    derived_id=True,
    description="One row per person per occurrence.",
    person_bearing=True,
    columns=(
        ColumnSpec("occurrence_id", required=True),
        ColumnSpec("involvement_id"),
        _cat("role", codes.ROLE, required=True),
        ColumnSpec("person_ref"),
        *_PERSON,
        ColumnSpec("age_band"),
        _cat("relationship_to_victim", codes.RELATIONSHIP),
    ),
)

DEATHS = KindSpec(
    name="deaths",
    id_column="death_id",
    description="One row per death reported to or investigated by the police.",
    main_date="date_of_death",
    located=True,
    person_bearing=True,
    columns=(
        ColumnSpec("death_id", required=True),
        ColumnSpec("date_of_death", "date", required=True),
        ColumnSpec("reported_at", "datetime"),
        _cat("place_type", codes.PLACE_TYPE),
        ColumnSpec("institution_id"),
        ColumnSpec("institution_name"),
        *_PERSON,
        _cat("classification", codes.DEATH_CLASSIFICATION, required=True),
        ColumnSpec("cause"),
        ColumnSpec("icd10"),
        ColumnSpec("practitioner_id"),
        *_LOCATION,
        ColumnSpec("mo"),
    ),
)

ED_ASSAULTS = KindSpec(
    name="ed_assaults",
    id_column="attendance_id",
    description="NHS emergency department assault attendances (ISTV).",
    main_date="assault_at",
    located=True,
    person_bearing=True,
    columns=(
        ColumnSpec("attendance_id", required=True),
        ColumnSpec("site_code", required=True),
        ColumnSpec("arrived_at", "datetime"),
        ColumnSpec("assault_at", "datetime", required=True),
        _cat("assault_method", codes.WEAPON, required=True),
        _cat("assault_location_type", codes.LOCATION_TYPE, required=True),
        ColumnSpec("assault_location_description"),
        *_LOCATION,
        ColumnSpec("age", "int"),
        _cat("sex", codes.SEX),
        ColumnSpec("person_token"),
    ),
)

COUNCIL_REFERRALS = KindSpec(
    name="council_referrals",
    id_column="referral_id",
    description="Local-authority safeguarding contacts and referrals.",
    main_date="received_at",
    person_bearing=True,
    columns=(
        ColumnSpec("referral_id", required=True),
        ColumnSpec("received_at", "datetime", required=True),
        _cat("service", codes.SERVICE, required=True),
        _cat("concern", codes.CONCERN, required=True),
        ColumnSpec("forename", personal=True),
        ColumnSpec("surname", personal=True),
        ColumnSpec("date_of_birth", "date", personal=True),
        ColumnSpec("age", "int"),
        _cat("sex", codes.SEX),
        ColumnSpec("postcode", "postcode", personal=True),
        ColumnSpec("nhs_number", "nhs_number", personal=True),
        ColumnSpec("person_ref"),
        ColumnSpec("person_token"),
        ColumnSpec("outcome"),
    ),
)

AREAS = KindSpec(
    name="areas",
    id_column="area_code",
    description="Small areas with populations and boundaries (GeoJSON or CSV).",
    columns=(
        ColumnSpec("area_code", required=True),
        ColumnSpec("area_name"),
        ColumnSpec("population", "int"),
        ColumnSpec("parent_code"),
        ColumnSpec("geometry"),  # GeoJSON geometry text, BNG coordinates
    ),
)

INSTITUTIONS = KindSpec(
    name="institutions",
    id_column="institution_id",
    description="Care homes, hospitals, GP practices and other institutions.",
    located=True,
    columns=(
        ColumnSpec("institution_id", required=True),
        ColumnSpec("name"),
        _cat("type", codes.INSTITUTION_TYPE, required=True),
        ColumnSpec("capacity", "int"),
        *_LOCATION,
        ColumnSpec("expected_deaths_per_year", "float"),
    ),
)

KINDS: dict[str, KindSpec] = {
    k.name: k
    for k in (
        POLICE_OCCURRENCES,
        POLICE_PEOPLE,
        DEATHS,
        ED_ASSAULTS,
        COUNCIL_REFERRALS,
        AREAS,
        INSTITUTIONS,
    )
}


def get_kind(name: str) -> KindSpec:
    """Return the kind called ``name``.

    Raises
    ------
    KeyError
        When no kind has that name.
    """
    return KINDS[name]
