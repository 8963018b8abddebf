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
from harmwatch.contract.codes import BOOLEAN_VALUES
from harmwatch.errors import InputFileError
from harmwatch.ingest.mapping import PRECISION_PREFIX
from harmwatch.ingest.reader import ROW

#: Columns of the errors frame.
ERROR_SCHEMA = {ROW: pl.Int64, "column": pl.String, "value": pl.String, "reason": pl.String}

_AGE_MAX = 125
#: A full UK postcode without its space, and an outward code alone (upper case).
_FULL_POSTCODE = r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$"
_OUTWARD_CODE = r"^[A-Z]{1,2}[0-9][A-Z0-9]?$"
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


def _errors_where(
    frame: pl.DataFrame, bad: pl.Expr, column: str, value: pl.Expr, reason: pl.Expr | str
) -> pl.DataFrame:
    reason_expr = pl.lit(reason) if isinstance(reason, str) else reason
    return frame.filter(bad).select(
        pl.col(ROW),
        pl.lit(column).alias("column"),
        value.cast(pl.String).alias("value"),
        reason_expr.cast(pl.String).alias("reason"),
    )


def _parse_datetime(raw: pl.Expr, with_offsets: bool) -> tuple[pl.Expr, pl.Expr]:
    """Parse ISO 8601 text; return (datetime, had a time of day)."""
    norm = raw.str.replace("T", " ", literal=True).str.replace(r"\.\d+", "")
    length = norm.str.len_chars()
    has_time = length > 10
    padded = (
        pl.when(length == 10)
        .then(norm + " 00:00:00")
        .when(length == 16)
        .then(norm + ":00")
        .otherwise(norm)
    )
    local = padded.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False, time_unit="us")
    if not with_offsets:
        return local, has_time
    zoned_text = padded.str.replace(r"Z$", "+00:00")
    zoned_text = (
        pl.when(zoned_text.str.contains(r"^\d{4}-\d\d-\d\d \d\d:\d\d[+-]"))
        .then(zoned_text.str.slice(0, 16) + ":00" + zoned_text.str.slice(16))
        .otherwise(zoned_text)
    )
    zoned = (
        zoned_text.str.to_datetime("%Y-%m-%d %H:%M:%S%z", strict=False, time_unit="us")
        .dt.convert_time_zone("Europe/London")
        .dt.replace_time_zone(None)
    )
    return pl.coalesce(local, zoned), has_time


def _nhs_valid(digits: pl.Expr) -> pl.Expr:
    """Modulus-11 check of a 10-digit NHS number (NHS Data Dictionary)."""
    total = pl.sum_horizontal(
        [digits.str.slice(i, 1).cast(pl.Int32, strict=False) * (10 - i) for i in range(9)]
    )
    check = 11 - (total % 11)
    check = pl.when(check == 11).then(0).otherwise(check)
    return (check != 10) & (check == digits.str.slice(9, 1).cast(pl.Int32, strict=False))


@dataclass(frozen=True)
class _Check:
    """One rule over whole columns: where ``mask`` holds, a row has a problem.

    Masks refer to the text as given (``pl.col(name)``) and to the parsed
    value (``pl.col(PARSED + name)``), so each column is parsed once.
    """

    mask: pl.Expr
    column: str
    reason: str | pl.Expr
    value: pl.Expr | None = None
    codes: tuple[str, ...] = ()  # category codes: the reason names the closest

    def errors(self, bad: pl.DataFrame, flag: str) -> pl.DataFrame:
        found = _errors_where(
            bad, pl.col(flag), self.column, self.value or pl.col(self.column), self.reason
        )
        return _code_reasons(found, self.column, self.codes) if self.codes else found


#: Prefix of the parsed copy of a column while it is validated.
PARSED = "__parsed__"


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
        found = _duplicate_ids(keyed, key, [c.name for c in present])
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
PART_ROWS = 200_000


def _validate_part(
    frame: pl.DataFrame,
    kind: KindSpec,
    present: list[ColumnSpec],
    now: datetime,
    duplicated: pl.Series,
) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """Validate one part of a file: its clean rows (typed) and its problems."""
    parsed: list[pl.Expr] = []
    checks: list[_Check] = []
    for spec in present:
        expr, column_checks = _column_checks(frame, spec, now=now)
        parsed.append(expr.alias(PARSED + spec.name))
        checks += column_checks
    work = frame.with_columns(parsed)
    checks += _record_checks(work, kind)
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


def _column_checks(
    frame: pl.DataFrame, spec: ColumnSpec, *, now: datetime
) -> tuple[pl.Expr, list[_Check]]:
    """How a column is parsed, and the rules its values must meet."""
    name = spec.name
    # The cell stripped of surrounding spaces; an empty cell is unknown. An
    # expression, not a copy of the column: only the parsed value is stored.
    raw = pl.col(name).cast(pl.String).str.strip_chars().replace("", None)
    value = pl.col(PARSED + name)
    checks: list[_Check] = []
    if spec.required:
        checks.append(_Check(raw.is_null(), name, "required value missing"))
    unparsed = raw.is_not_null() & value.is_null()
    parsed: pl.Expr
    if spec.type == "datetime":
        with_offsets = bool(frame.select(raw.str.contains(r"(Z|[+-]\d\d:?\d\d)$").any()).item())
        parsed, _ = _parse_datetime(raw, with_offsets)
        checks += _date_checks(name, unparsed, value, now, "date-time (YYYY-MM-DDTHH:MM)")
    elif spec.type == "date":
        text = pl.when(raw.str.ends_with(" 00:00:00")).then(raw.str.slice(0, 10)).otherwise(raw)
        # Polars would also take "2021-1-2": the contract says YYYY-MM-DD.
        iso = text.str.contains(r"^\d{4}-\d\d-\d\d$")
        parsed = pl.when(iso).then(text.str.to_date("%Y-%m-%d", strict=False))
        end_of_today = datetime.combine(now.date(), datetime.max.time())
        checks += _date_checks(
            name, unparsed, value.cast(pl.Datetime("us")), end_of_today, "date (YYYY-MM-DD)"
        )
    elif spec.type == "int":
        as_float = raw.cast(pl.Float64, strict=False)
        whole = as_float.is_finite() & (as_float == as_float.round(0)) & (as_float.abs() < 2**31)
        parsed = pl.when(whole).then(as_float).cast(pl.Int64, strict=False)
        checks.append(_Check(unparsed, name, "not a whole number (or too large)"))
        limit = _AGE_MAX if name == "age" else None
        out_of_range = value < 0 if limit is None else (value < 0) | (value > limit)
        what = f"between 0 and {limit}" if limit else "0 or more"
        checks.append(_Check(out_of_range, name, f"must be {what}"))
    elif spec.type == "float":
        number = raw.cast(pl.Float64, strict=False)
        parsed = pl.when(number.is_finite()).then(number)
        checks.append(_Check(unparsed, name, "not a number"))
    elif spec.type == "bool":
        keys = list(BOOLEAN_VALUES)
        parsed = raw.str.to_lowercase().replace_strict(
            keys, [BOOLEAN_VALUES[k] for k in keys], default=None, return_dtype=pl.Boolean
        )
        checks.append(_Check(unparsed, name, "not a yes/no value (true/false, yes/no, y/n, 1/0)"))
    elif spec.type == "category":
        lowered = raw.str.to_lowercase()
        parsed = pl.when(lowered.is_in(list(spec.codes))).then(lowered)
        checks.append(_Check(unparsed, name, "", codes=spec.codes))
    elif spec.type == "nhs_number":
        digits = raw.str.replace_all(r"[\s-]", "")
        ok = digits.str.contains(r"^\d{10}$") & _nhs_valid(digits)
        parsed = pl.when(ok.fill_null(False)).then(digits)
        checks.append(
            _Check(
                unparsed, name, "not a valid NHS number (10 digits with a modulus-11 check digit)"
            )
        )
    elif spec.type == "postcode":
        compact = raw.str.to_uppercase().str.replace_all(r"\s", "")
        full = compact.str.contains(_FULL_POSTCODE)
        parsed = (
            pl.when(full)
            .then(compact.str.slice(0, compact.str.len_chars() - 3) + " " + compact.str.slice(-3))
            .when(compact.str.contains(_OUTWARD_CODE))
            .then(compact)
        )
        checks.append(
            _Check(
                unparsed, name, "not a UK postcode (e.g. SW1A 1AA, or the outward code SW1A alone)"
            )
        )
    else:
        parsed = raw
    return parsed, checks


def _date_checks(
    name: str, unparsed: pl.Expr, value: pl.Expr, limit: datetime, layout: str
) -> list[_Check]:
    return [
        _Check(unparsed, name, f"not a valid {layout}"),
        _Check(value < datetime(1900, 1, 1), name, "before 1900"),
        _Check(value > limit, name, "in the future"),
    ]


def _code_reasons(bad: pl.DataFrame, column: str, codes: tuple[str, ...]) -> pl.DataFrame:
    """The reason for each unknown code, naming the closest allowed code."""
    if bad.height == 0:
        return bad
    reasons = {}
    for value in bad.get_column("value").unique().to_list():
        close = get_close_matches(str(value).lower().replace(" ", "_"), codes, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        reasons[value] = f"unknown {column} code{hint}; allowed: {', '.join(codes)}"
    return bad.with_columns(pl.col("value").replace_strict(reasons).alias("reason"))


def _duplicate_ids(work: pl.DataFrame, key: str, columns: list[str]) -> pl.DataFrame:
    """Rows sharing an id. Exact copies of a row (every cell the same, ignoring
    surrounding spaces) are quarantined as copies and the first is loaded;
    rows that share an id but differ are all quarantined, since which one is
    right cannot be known."""
    parsed_key = pl.col(PARSED + key)
    shared = work.filter(parsed_key.is_not_null() & parsed_key.is_duplicated()).with_columns(
        parsed_key.alias("__key")
    )
    content = pl.concat_str(
        [pl.col(c).cast(pl.String).str.strip_chars().fill_null("\x00") for c in columns],
        separator="\x1f",
    )
    counted = shared.with_columns(
        pl.len().over("__key").alias("__n"),
        pl.col(ROW).cast(pl.String).str.join(", ").over("__key").alias("__rows"),
        (content.n_unique().over("__key") == 1).alias("__copies"),
        pl.col(ROW).min().over("__key").alias("__first"),
    )
    return pl.concat(
        [
            _errors_where(
                counted,
                pl.col("__copies") & (pl.col(ROW) != pl.col("__first")),
                key,
                pl.col(key),
                pl.format("an exact copy of row {} (loaded from there)", pl.col("__first")),
            ),
            _errors_where(
                counted,
                ~pl.col("__copies"),
                key,
                pl.col(key),
                pl.format(
                    "the id is used by {} different rows of this file (rows {})",
                    pl.col("__n"),
                    pl.col("__rows"),
                ),
            ),
        ]
    )


def _record_checks(work: pl.DataFrame, kind: KindSpec) -> list[_Check]:
    """Rules across columns: a date of birth after the record's own date."""
    main = kind.main_date
    if (
        "date_of_birth" in kind.column_names
        and "date_of_birth" in work.columns
        and main is not None
        and main in work.columns
    ):
        birth = pl.col(PARSED + "date_of_birth")
        return [
            _Check(
                birth > pl.col(PARSED + main).cast(pl.Date),
                "date_of_birth",
                f"date of birth is after {main}",
            )
        ]
    return []


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
