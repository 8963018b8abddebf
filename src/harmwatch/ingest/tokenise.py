"""``harmwatch tokenise``: pseudonymise a partner's file before it is shared.

Reads a person-bearing file as ingest would, replaces names, date of birth,
postcode and NHS number by ``person_token`` (:mod:`harmwatch.ingest.pseudonymise`)
and writes the file in the contract's layout, ready for ``harmwatch ingest``.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from harmwatch.contract import KINDS, ColumnSpec, KindSpec
from harmwatch.errors import HarmWatchError
from harmwatch.ingest.mapping import PRECISION_PREFIX, Mapping
from harmwatch.ingest.pseudonymise import (
    _IDENTIFIER_HEADERS,
    AGE_MAX,
    ERRORS_SHOWN,
    PERSONAL_COLUMNS,
    add_person_tokens,
)
from harmwatch.ingest.reader import ROW, BadRow, read_table
from harmwatch.ingest.validate import match_columns, validate

__all__ = ["TokeniseResult", "person_kinds", "tokenise_file"]


@dataclass
class TokeniseResult:
    """What one ``harmwatch tokenise`` did.

    Attributes
    ----------
    kind : str
        The kind the file was read as.
    file, out : Path
        The file read and the tokenised CSV written.
    rows_read : int
        Data rows in the file; ``rows_written + rows_left_out``.
    rows_written : int
        Rows in the output: every readable row, valid or not.
    rows_tokenised, rows_without_token : int
        Output rows with and without a ``person_token``. A row that fails
        validation is written without identifiers and without a new token.
    rows_left_out : int
        Rows that could not be read into the header's columns (ragged rows,
        overlong cells): they are not written, since a shifted cell could
        carry a name into another column, and are listed in ``errors``.
    ages_derived : int
        Rows whose empty ``age`` was derived from the date of birth.
    errors : list of dict
        The first :data:`ERRORS_SHOWN` problems: ``row``, ``column``,
        ``value``, ``reason``. The value of an identifier column (and of an
        unreadable row) is withheld (None): row and column find it.
    error_count : int
        How many problems there were in all.
    warnings : list of str
        Not errors, but worth knowing.
    """

    kind: str
    file: Path
    out: Path
    rows_read: int
    rows_written: int
    rows_tokenised: int
    rows_without_token: int
    rows_left_out: int
    ages_derived: int
    errors: list[dict[str, Any]]
    error_count: int
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` object of ``harmwatch tokenise`` (paths as text)."""
        return {
            "kind": self.kind,
            "file": str(self.file),
            "out": str(self.out),
            "rows_read": self.rows_read,
            "rows_written": self.rows_written,
            "rows_tokenised": self.rows_tokenised,
            "rows_without_token": self.rows_without_token,
            "rows_left_out": self.rows_left_out,
            "ages_derived": self.ages_derived,
            "error_count": self.error_count,
            "errors": self.errors,
            "warnings": self.warnings,
        }


def person_kinds() -> list[str]:
    """The kinds whose records describe one person (those that can be tokenised)."""
    return [name for name, spec in KINDS.items() if spec.person_bearing]


def tokenise_file(
    kind: str,
    path: Path,
    out: Path,
    key: bytes,
    *,
    mapping: Mapping | None = None,
    sheet: str | None = None,
    drop: Sequence[str] = (),
    now: datetime | None = None,
) -> TokeniseResult:
    """Write a copy of ``path`` with identifiers replaced by ``person_token``.

    The file is read, mapped and validated as ``harmwatch ingest`` would.
    ``forename``, ``surname``, ``date_of_birth``, ``postcode`` and
    ``nhs_number`` are removed; ``person_token`` is made from them (a token
    already in the file is kept); an empty ``age`` is filled with the age in
    whole years at the record's main date, so analyses keep an age band. All
    other columns are written as text as given, contract columns first in
    contract order, under their contract names, then the file's other
    columns. The output loads with ``harmwatch ingest KIND OUT`` without a
    mapping.

    Every readable row is written. A row that fails validation is written
    without its identifiers and without a new token (so ingest quarantines
    it, or loads it untokenised when only an identifier was wrong), and its
    problems are reported.

    Parameters
    ----------
    kind : str
        A person-bearing kind (:func:`person_kinds`).
    path : Path
        The partner's CSV or XLSX file.
    out : Path
        The CSV to write (replaced if it exists; never ``path`` itself).
    key : bytes
        The partners' shared key (:func:`read_key`); never written.
    mapping : Mapping, optional
        How the file's own layout maps onto the contract.
    sheet : str, optional
        XLSX sheet (default: the mapping's, else the first).
    drop : sequence of str
        File columns to leave out of the output (e.g. an address column).
    now : datetime, optional
        The present, for "date in the future" (tests).

    Returns
    -------
    TokeniseResult

    Raises
    ------
    HarmWatchError
        When the kind carries no person, ``out`` is the input (or the
        mapping), the file cannot be read as ``kind``, or a column outside
        the contract looks like a person identifier (map it or ``drop`` it).
    """
    spec = _person_kind(kind)
    _refuse_same_file(out, path, "the input file")
    if mapping is not None and mapping.path is not None:
        _refuse_same_file(out, mapping.path, "the mapping file")
    raw = read_table(path, sheet=sheet or (mapping.sheet if mapping else None))
    if raw.format == "geojson":
        raise HarmWatchError(f"{path}: is GeoJSON; people are read from CSV or XLSX")
    frame = raw.frame
    if mapping is not None:
        frame = mapping.apply(frame, str(path), spec)
    checking = _with_identifier_columns(spec)
    frame = match_columns(frame, checking, str(path))
    frame = _drop_columns(frame, drop, str(path))
    internal = [c for c in frame.columns if c == ROW or c.startswith(PRECISION_PREFIX)]
    extras = [c for c in frame.columns if c not in internal and c not in checking.column_names]
    _refuse_identifier_extras(extras, str(path))

    checked = validate(frame, checking, file_name=str(path), now=now)
    clean = add_person_tokens(checked.clean, key)
    made = clean.select(
        pl.col(ROW),
        pl.col("person_token").alias("__token"),
        _derived_age(spec).alias("__age"),
    )
    text = frame.join(made, on=ROW, how="left")

    given_token = _text_or_null("person_token", text)
    given_age = _text_or_null("age", text)
    text = text.with_columns(
        pl.coalesce(pl.col("__token"), given_token).alias("person_token"),
        pl.coalesce(given_age, pl.col("__age").cast(pl.String)).alias("age"),
        (given_age.is_null() & pl.col("__age").is_not_null()).alias("__age_derived"),
    )
    contract = [c for c in spec.column_names if c not in PERSONAL_COLUMNS]
    layout = [c for c in contract if c in text.columns or c in ("age", "person_token")]
    output = text.sort(ROW).select(
        [pl.col(c).cast(pl.String).fill_null("") for c in layout + extras]
    )
    _write_csv(output, out)

    tokenised = int(text.select(pl.col("person_token").is_not_null().sum()).item())
    errors = _redacted_errors(raw.bad_rows, checked.errors)
    return TokeniseResult(
        kind=spec.name,
        file=path,
        out=out,
        rows_read=raw.rows_read,
        rows_written=output.height,
        rows_tokenised=tokenised,
        rows_without_token=output.height - tokenised,
        rows_left_out=len(raw.bad_rows),
        ages_derived=int(text.get_column("__age_derived").sum()),
        errors=errors[:ERRORS_SHOWN],
        error_count=len(errors),
        warnings=[*raw.warnings, *_warnings(spec, text, internal)],
    )


def _person_kind(kind: str) -> KindSpec:
    allowed = ", ".join(person_kinds())
    if kind not in KINDS:
        raise HarmWatchError(f"unknown kind {kind!r}: tokenise works on {allowed}")
    spec = KINDS[kind]
    if not spec.person_bearing:
        raise HarmWatchError(
            f"{kind} records do not describe one person, so there is nothing to tokenise "
            f"(tokenise works on {allowed})"
        )
    return spec


def _refuse_same_file(out: Path, other: Path, what: str) -> None:
    same = out.resolve() == other.resolve()
    if not same and out.exists() and other.exists():
        same = out.samefile(other)
    if same:
        raise HarmWatchError(f"--out {out} is {what}: write the tokenised copy to another file")


def _with_identifier_columns(spec: KindSpec) -> KindSpec:
    """``spec`` plus the identifier columns it lacks (ed_assaults has none).

    Validating with them parses a partner's names, dates of birth and NHS
    numbers as police_people does, so they can make a token before they are
    dropped.
    """
    people = KINDS["police_people"]
    missing = [people.column(c) for c in PERSONAL_COLUMNS if c not in spec.column_names]
    if not missing:
        return spec
    columns: tuple[ColumnSpec, ...] = (*spec.columns, *missing)
    return replace(spec, columns=columns)


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _drop_columns(frame: pl.DataFrame, drop: Sequence[str], file_name: str) -> pl.DataFrame:
    by_key = {c.strip().lower(): c for c in frame.columns}
    missing = [d for d in drop if d.strip().lower() not in by_key]
    if missing:
        raise HarmWatchError(
            f"{file_name}: --drop names column(s) the file lacks: {', '.join(missing)}"
        )
    return frame.drop([by_key[d.strip().lower()] for d in drop])


def _refuse_identifier_extras(extras: list[str], file_name: str) -> None:
    suspect = [c for c in extras if _key(c) in _IDENTIFIER_HEADERS]
    if suspect:
        raise HarmWatchError(
            f"{file_name}: column(s) {', '.join(repr(c) for c in suspect)} look like person "
            "identifiers but are not contract columns, so they would be shared as given: map "
            "them onto forename, surname, date_of_birth, postcode or nhs_number with "
            "--mapping, or leave them out with --drop"
        )


def _text_or_null(name: str, frame: pl.DataFrame) -> pl.Expr:
    if name not in frame.columns:
        return pl.lit(None, dtype=pl.String)
    stripped = pl.col(name).cast(pl.String).str.strip_chars()
    return pl.when(stripped != "").then(pl.col(name).cast(pl.String))


def _derived_age(spec: KindSpec) -> pl.Expr:
    """Age in whole years at the record's main date (None over :data:`AGE_MAX`)."""
    if spec.main_date is None:
        return pl.lit(None, dtype=pl.Int64)
    born = pl.col("date_of_birth")
    on = pl.col(spec.main_date).cast(pl.Date)
    before_birthday = (on.dt.month() < born.dt.month()) | (
        (on.dt.month() == born.dt.month()) & (on.dt.day() < born.dt.day())
    )
    age = (on.dt.year().cast(pl.Int64) - born.dt.year().cast(pl.Int64)) - before_birthday.cast(
        pl.Int64
    )
    return pl.when(pl.col("age").is_null() & (age <= AGE_MAX)).then(age)


def _write_csv(frame: pl.DataFrame, out: Path) -> None:
    """Write atomically: a failure leaves no half-written file behind."""
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise HarmWatchError(f"--out {out}: no such folder {folder}")
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(frame.columns)
            writer.writerows(frame.iter_rows())
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _redacted_errors(bad_rows: Sequence[BadRow], errors: pl.DataFrame) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = [
        {"row": b.row, "column": b.column, "value": None, "reason": b.reason} for b in bad_rows
    ]
    for problem in errors.iter_rows(named=True):
        personal = problem["column"] in PERSONAL_COLUMNS
        listed.append(
            {
                "row": problem[ROW],
                "column": problem["column"],
                "value": None if personal else problem["value"],
                "reason": problem["reason"],
            }
        )
    return sorted(listed, key=lambda e: int(e["row"]))


def _warnings(spec: KindSpec, text: pl.DataFrame, internal: list[str]) -> list[str]:
    notes: list[str] = []
    if spec.main_date is None and "date_of_birth" in text.columns:
        without_age = text.filter(
            pl.col("age").is_null() & pl.col("date_of_birth").str.strip_chars().ne("")
        ).height
        if without_age:
            notes.append(
                f"{spec.name} has no date of its own, so age is not derived from date_of_birth "
                f"({without_age} rows have a date of birth but no age): add age at the "
                "occurrence before tokenising to keep age bands"
            )
    derived = [c.removeprefix(PRECISION_PREFIX) for c in internal if c != ROW]
    if derived:
        notes.append(
            f"the mapping builds {', '.join(derived)} from parts: the tokenised file gives a "
            "full date, so its precision (year or month) is not kept"
        )
    return notes
