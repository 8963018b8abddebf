"""Validation of a table of text cells against the contract, column at a time.

Every check is a vectorised Polars expression over a whole column; every
problem in every row is reported (row, column, value, reason), not only the
first. Rows with at least one problem are quarantined by the loader; the
others are returned parsed into their contract types.

Rules (see docs/contract.md):

* header names match contract columns ignoring case and surrounding spaces;
  a missing required column is a file error (with a "did you mean" hint);
* an empty cell is unknown; a required value that is unknown is a row error;
* dates are ``YYYY-MM-DD``; date-times ISO 8601, UK local time when no offset
  is given (an offset is converted to UK local time); dates before 1900 or in
  the future are row errors;
* category codes are matched ignoring case and surrounding spaces; any other
  value is a row error, never coerced;
* NHS numbers must be 10 digits with a valid modulus-11 check digit
  (NHS Data Dictionary, "NHS Number");
* record ids must be unique within the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from difflib import get_close_matches

import polars as pl

from harmwatch.contract import ColumnSpec, KindSpec
from harmwatch.errors import InputFileError
from harmwatch.ingest.mapping import PRECISION_PREFIX
from harmwatch.ingest.reader import ROW
from harmwatch.ingest.validate_columns import ERROR_SCHEMA, PARSED, Check, column_checks
from harmwatch.ingest.validate_records import duplicate_ids, record_checks

__all__ = [
    "AREA_MEASURES",
    "ERROR_SCHEMA",
    "PART_ROWS",
    "Prepared",
    "Validated",
    "derive_involvement_ids",
    "match_columns",
    "part_count",
    "prepare",
    "validate",
    "validate_parts",
]


#: Columns of areas computed from their geometry (see harmwatch.geo.areas).
AREA_MEASURES = ("centroid_easting", "centroid_northing", "area_km2")


@dataclass
class Validated:
    """The outcome of validating one table.

    Attributes
    ----------
    clean : polars.DataFrame
        Rows without a problem: contract columns in their types, plus
        ``date_precision`` (kinds with a main date), ``extra`` (JSON of
        non-contract columns, or null) and ``__row``.
    errors : polars.DataFrame
        One row per problem: ``__row``, ``column``, ``value``, ``reason``.
    bad_rows : polars.Series
        Row numbers with at least one problem (quarantined).
    extra_columns : list of str
        File columns outside the contract, kept in ``extra``.
    """

    clean: pl.DataFrame
    errors: pl.DataFrame
    bad_rows: pl.Series
    extra_columns: list[str] = field(default_factory=list)


def match_columns(frame: pl.DataFrame, kind: KindSpec, file_name: str) -> pl.DataFrame:
    """Rename headers to contract names; refuse a file without required columns.

    Raises
    ------
    InputFileError
        Naming every missing required column, with the closest header found,
        or the kind the file looks like when it matches another kind better.
    """
    contract = {c.lower(): c for c in kind.column_names}
    renames = {}
    for column in frame.columns:
        key = column.strip().lower()
        if key in contract and column != contract[key]:
            renames[column] = contract[key]
    frame = frame.rename(renames)
    present = set(frame.columns)
    required = list(kind.required_columns)
    missing = [c for c in required if c not in present]
    if not missing:
        return frame
    other = _looks_like(present, kind)
    if other is not None:
        raise InputFileError(
            file_name,
            f"this looks like a {other} file, not {kind.name}: it lacks the required "
            f"column(s) {', '.join(missing)}",
            row=1,
        )
    details = []
    found = {c.strip().lower(): c for c in frame.columns if c != ROW and c not in kind.column_names}
    for column in missing:
        close = get_close_matches(column, list(found), n=1, cutoff=0.75)
        details.append(
            f"{column!r}" + (f" (found {found[close[0]]!r}: misspelt?)" if close else "")
        )
    raise InputFileError(file_name, f"required column(s) missing: {', '.join(details)}", row=1)


def _looks_like(present: set[str], kind: KindSpec) -> str | None:
    from harmwatch.contract import KINDS

    lowered = {c.lower() for c in present}
    for other in KINDS.values():
        if other.name != kind.name and set(other.required_columns) <= lowered:
            return other.name
    return None


def validate(
    frame: pl.DataFrame,
    kind: KindSpec,
    *,
    file_name: str,
    now: datetime | None = None,
) -> Validated:
    """Check every cell of ``frame`` against ``kind``'s contract.

    Each column is parsed once; every rule is a mask over whole columns,
    evaluated together; only the (few) rows with a problem are then turned
    into error records.

    Parameters
    ----------
    frame : polars.DataFrame
        Text cells with contract (or mapped) column names and ``__row``.
    kind : KindSpec
        The kind the file is loaded as.
    file_name : str
        For messages.
    now : datetime, optional
        The present, for "in the future" (default: the clock, UK local time).

    Returns
    -------
    Validated
    """
    prepared = prepare(frame, kind, file_name=file_name)
    parts: list[pl.DataFrame] = []
    errors: list[pl.DataFrame] = [prepared.duplicates]
    for clean, part_errors in validate_parts(prepared, kind, now=now):
        parts.append(clean)
        errors.append(part_errors)
    all_errors = pl.concat(errors).sort(ROW, maintain_order=True)
    return Validated(
        clean=pl.concat(parts, rechunk=False),
        errors=all_errors,
        bad_rows=all_errors.get_column(ROW).unique().sort(),
        extra_columns=prepared.extra_columns,
    )


@dataclass
class Prepared:
    """A file ready to be validated part by part (see :func:`prepare`).

    Attributes
    ----------
    frame : polars.DataFrame
        Text cells under contract names (involvement ids derived).
    present : list of ColumnSpec
        The contract columns the file has.
    extra_columns : list of str
        File columns outside the contract, kept in ``extra``.
    duplicates : polars.DataFrame
        Problems of ids shared by several rows (found across the whole file).
    """

    frame: pl.DataFrame
    present: list[ColumnSpec]
    extra_columns: list[str]
    duplicates: pl.DataFrame


def prepare(frame: pl.DataFrame, kind: KindSpec, *, file_name: str) -> Prepared:
    """The whole-file checks: columns (a file error when required ones are
    missing), extra columns, and ids shared by several rows.

    Raises
    ------
    InputFileError
        When a required column is missing (see :func:`match_columns`).
    """
    frame = match_columns(frame, kind, file_name)
    # "__" columns are the loader's own; "_harmwatch_" ones come from a
    # quarantine export being re-loaded after correction.
    internal = {ROW, *AREA_MEASURES} | {
        c for c in frame.columns if c.startswith(("__", "_harmwatch_"))
    }
    extra_columns = [c for c in frame.columns if c not in internal and c not in kind.column_names]
    if kind.name == "police_people":
        frame = derive_involvement_ids(frame)
    present = [c for c in kind.columns if c.name in frame.columns]
    duplicates = pl.DataFrame(schema=ERROR_SCHEMA)
    if kind.id_column in frame.columns:
        key = kind.id_column
        keyed = frame.with_columns(
            pl.col(key).cast(pl.String).str.strip_chars().replace("", None).alias(PARSED + key)
        )
        found = duplicate_ids(keyed, key, [c.name for c in present])
        duplicates = found.select(list(ERROR_SCHEMA)).cast(ERROR_SCHEMA)  # type: ignore[arg-type]
    return Prepared(frame, present, extra_columns, duplicates)


def validate_parts(
    prepared: Prepared, kind: KindSpec, *, now: datetime | None = None
) -> Iterator[tuple[pl.DataFrame, pl.DataFrame]]:
    """Validate a prepared file in parts of :data:`PART_ROWS` rows.

    Yields, for each part, its clean rows (as :attr:`Validated.clean`) and its
    problems (as :attr:`Validated.errors`, without the duplicate-id ones,
    which are in :attr:`Prepared.duplicates`). Memory is bounded by the part,
    not by the file, so a caller can load each part before the next.
    """
    now = now or datetime.now()
    frame = prepared.frame
    duplicated = prepared.duplicates.get_column(ROW)
    for offset in range(0, max(frame.height, 1), PART_ROWS):
        part = frame.slice(offset, PART_ROWS)
        clean, part_errors = _validate_part(part, kind, prepared.present, now, duplicated)
        errors = pl.concat(
            [e.select(list(ERROR_SCHEMA)).cast(ERROR_SCHEMA) for e in part_errors]  # type: ignore[arg-type]
            or [pl.DataFrame(schema=ERROR_SCHEMA)]
        )
        yield _finish(clean, kind, prepared.extra_columns, part), errors


#: Rows validated at a time (memory is bounded by the part, not the file).
PART_ROWS = 100_000


def part_count(rows: int) -> int:
    """How many parts :func:`validate_parts` yields for a file of ``rows`` rows."""
    return max(1, -(-rows // PART_ROWS))


def _validate_part(
    frame: pl.DataFrame,
    kind: KindSpec,
    present: list[ColumnSpec],
    now: datetime,
    duplicated: pl.Series,
) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """Validate one part of a file: its clean rows (typed) and its problems."""
    parsed: list[pl.Expr] = []
    checks: list[Check] = []
    for spec in present:
        expr, rules = column_checks(frame, spec, now=now)
        parsed.append(expr.alias(PARSED + spec.name))
        checks += rules
    work = frame.with_columns(parsed)
    checks += record_checks(work, kind)
    flags = work.select([c.mask.fill_null(False).alias(f"__flag{i}") for i, c in enumerate(checks)])
    any_flag = flags.select(pl.any_horizontal(pl.all()).alias("any")).to_series()
    bad = pl.concat([work.filter(any_flag), flags.filter(any_flag)], how="horizontal")
    errors = [c.errors(bad, f"__flag{i}") for i, c in enumerate(checks)]
    typed = work.drop([c.name for c in present]).rename({PARSED + c.name: c.name for c in present})
    del work, flags
    if kind.name == "areas" and "__geometry_error" in frame.columns:
        from harmwatch.geo.areas import area_geometry_errors

        errors.append(area_geometry_errors(frame))
    if kind.located:
        from harmwatch.geo.coordinates import complete_locations, location_errors

        for column in ("easting", "northing", "lat", "lon"):
            if column not in typed.columns:
                typed = typed.with_columns(pl.lit(None, dtype=pl.Float64).alias(column))
        errors.append(location_errors(typed.select(ROW, "easting", "northing", "lat", "lon")))
        typed = complete_locations(typed)
    bad_rows = pl.concat([duplicated, *(e.get_column(ROW).cast(pl.Int64) for e in errors)]).unique()
    return typed.filter(~pl.col(ROW).is_in(bad_rows.implode())), errors


def derive_involvement_ids(frame: pl.DataFrame) -> pl.DataFrame:
    """``<occurrence_id>/<n>`` for people rows without an involvement_id."""
    occurrence = pl.col("occurrence_id").str.strip_chars()
    derived = (
        pl.when(occurrence != "")
        .then(occurrence + "/" + pl.col(ROW).rank("ordinal").over(occurrence).cast(pl.String))
        .alias("involvement_id")
    )
    if "involvement_id" not in frame.columns:
        return frame.with_columns(derived)
    given = pl.col("involvement_id").str.strip_chars().replace("", None)
    return frame.with_columns(pl.coalesce(given, derived).alias("involvement_id"))


def _finish(
    clean: pl.DataFrame, kind: KindSpec, extra_columns: list[str], raw: pl.DataFrame
) -> pl.DataFrame:
    """Contract columns in order, with types, precision and extra."""
    exprs: list[pl.Expr] = []
    dtypes: dict[str, pl.DataType | type[pl.DataType]] = {
        "datetime": pl.Datetime("us"),
        "date": pl.Date,
        "int": pl.Int64,
        "float": pl.Float64,
        "bool": pl.Boolean,
    }
    for spec in kind.columns:
        dtype = dtypes.get(spec.type, pl.String)
        if spec.name in clean.columns:
            exprs.append(pl.col(spec.name).cast(dtype))
        else:
            exprs.append(pl.lit(None, dtype=dtype).alias(spec.name))
    if kind.main_date:
        precision_column = PRECISION_PREFIX + kind.main_date
        main_raw = raw.select(ROW, pl.col(kind.main_date).alias("__main_raw"))
        clean = clean.join(main_raw, on=ROW, how="left")
        if kind.column(kind.main_date).type == "datetime":
            given = (
                pl.when(pl.col("__main_raw").str.len_chars() > 10)
                .then(pl.lit("datetime"))
                .otherwise(pl.lit("date"))
            )
        else:
            given = pl.lit("date")
        if precision_column in clean.columns:
            given = pl.coalesce(pl.col(precision_column), given)
        exprs.append(given.alias("date_precision"))
    if kind.name == "areas":
        exprs += [
            (pl.col(c) if c in clean.columns else pl.lit(None)).cast(pl.Float64).alias(c)
            for c in AREA_MEASURES
        ]
    if extra_columns:
        exprs.append(pl.struct(extra_columns).struct.json_encode().alias("extra"))
    else:
        exprs.append(pl.lit(None, dtype=pl.String).alias("extra"))
    return clean.select(pl.col(ROW), *exprs)
