"""Parsing and checking one contract column: each rule a vectorised mask.

A column's text is parsed once into its contract type; each rule
(:class:`Check`) is a Polars expression over the text as given and the
parsed value, true where a row breaks it. Only the few rows that break a
rule are turned into error records (:func:`errors_where`).

References: NHS Data Dictionary, "NHS Number" (modulus-11 check digit);
ISO 8601 for dates and date-times; docs/contract.md for the rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from difflib import get_close_matches

import polars as pl

from harmwatch.contract import ColumnSpec
from harmwatch.contract.codes import BOOLEAN_VALUES
from harmwatch.error_frame import ERROR_SCHEMA
from harmwatch.ingest.reader import ROW

__all__ = ["ERROR_SCHEMA", "PARSED", "Check", "column_checks", "errors_where", "parse_datetime"]


#: Prefix of the parsed copy of a column while it is validated.
PARSED = "__parsed__"


_AGE_MAX = 125


#: A full UK postcode without its space, and an outward code alone (upper case).
_FULL_POSTCODE = r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$"
_OUTWARD_CODE = r"^[A-Z]{1,2}[0-9][A-Z0-9]?$"


def errors_where(
    frame: pl.DataFrame, bad: pl.Expr, column: str, value: pl.Expr, reason: pl.Expr | str
) -> pl.DataFrame:
    reason_expr = pl.lit(reason) if isinstance(reason, str) else reason
    return frame.filter(bad).select(
        pl.col(ROW),
        pl.lit(column).alias("column"),
        value.cast(pl.String).alias("value"),
        reason_expr.cast(pl.String).alias("reason"),
    )


def parse_datetime(
    raw: pl.Expr, with_offsets: bool, with_fractions: bool = True
) -> tuple[pl.Expr, pl.Expr]:
    """Parse ISO 8601 text; return (datetime, had a time of day).

    ``with_offsets`` / ``with_fractions``: whether any value may carry a UTC
    offset / fractional seconds (the work for them is skipped otherwise).
    """
    norm = raw.str.replace("T", " ", literal=True)
    if with_fractions:
        norm = norm.str.replace(r"\.\d+", "")
    length = norm.str.len_chars()
    has_time = length > 10
    # "YYYY-MM-DD" gets " 00:00:00" and "YYYY-MM-DD HH:MM" gets ":00": the
    # tail of " 00:00:00" from position length - 10 (one concatenation).
    padded = (
        pl.when(length.is_in([10, 16]))
        .then(norm + pl.lit(" 00:00:00").str.slice(length - 10))
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
class Check:
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
        found = errors_where(
            bad, pl.col(flag), self.column, self.value or pl.col(self.column), self.reason
        )
        return _code_reasons(found, self.column, self.codes) if self.codes else found


def column_checks(
    frame: pl.DataFrame, spec: ColumnSpec, *, now: datetime
) -> tuple[pl.Expr, list[Check]]:
    """How a column is parsed, and the rules its values must meet."""
    name = spec.name
    # The cell stripped of surrounding spaces; an empty cell is unknown. An
    # expression, not a copy of the column: only the parsed value is stored.
    raw = pl.col(name).cast(pl.String).str.strip_chars().replace("", None)
    value = pl.col(PARSED + name)
    checks: list[Check] = []
    if spec.required:
        checks.append(Check(raw.is_null(), name, "required value missing"))
    unparsed = raw.is_not_null() & value.is_null()
    parsed: pl.Expr
    if spec.type == "datetime":
        with_offsets, with_fractions = frame.select(
            raw.str.contains(r"(Z|[+-]\d\d:?\d\d)$").any().alias("offsets"),
            raw.str.contains(".", literal=True).any().alias("fractions"),
        ).row(0)
        parsed, _ = parse_datetime(raw, bool(with_offsets), bool(with_fractions))
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
        checks.append(Check(unparsed, name, "not a whole number (or too large)"))
        limit = _AGE_MAX if name == "age" else None
        out_of_range = value < 0 if limit is None else (value < 0) | (value > limit)
        what = f"between 0 and {limit}" if limit else "0 or more"
        checks.append(Check(out_of_range, name, f"must be {what}"))
    elif spec.type == "float":
        number = raw.cast(pl.Float64, strict=False)
        parsed = pl.when(number.is_finite()).then(number)
        checks.append(Check(unparsed, name, "not a number"))
    elif spec.type == "bool":
        keys = list(BOOLEAN_VALUES)
        parsed = raw.str.to_lowercase().replace_strict(
            keys, [BOOLEAN_VALUES[k] for k in keys], default=None, return_dtype=pl.Boolean
        )
        checks.append(Check(unparsed, name, "not a yes/no value (true/false, yes/no, y/n, 1/0)"))
    elif spec.type == "category":
        lowered = raw.str.to_lowercase()
        parsed = pl.when(lowered.is_in(list(spec.codes))).then(lowered)
        checks.append(Check(unparsed, name, "", codes=spec.codes))
    elif spec.type == "nhs_number":
        digits = raw.str.replace_all(r"[\s-]", "")
        ok = digits.str.contains(r"^\d{10}$") & _nhs_valid(digits)
        parsed = pl.when(ok.fill_null(False)).then(digits)
        checks.append(
            Check(
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
            Check(
                unparsed, name, "not a UK postcode (e.g. SW1A 1AA, or the outward code SW1A alone)"
            )
        )
    else:
        parsed = raw
    return parsed, checks


def _date_checks(
    name: str, unparsed: pl.Expr, value: pl.Expr, limit: datetime, layout: str
) -> list[Check]:
    return [
        Check(unparsed, name, f"not a valid {layout}"),
        Check(value < datetime(1900, 1, 1), name, "before 1900"),
        Check(value > limit, name, "in the future"),
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
