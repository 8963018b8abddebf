"""Mapping files: load a force's or partner's own export without editing it.

A mapping is a YAML file that says, for each contract column, where its value
comes from in the file. Every rule is applied to whole columns at once.

.. code-block:: yaml

    name: MPS homicide dashboard export
    kind: police_occurrences          # optional: refuse other kinds
    source: mps                       # optional: default --source
    columns:
      occurrence_id: {template: "MPS-{__row}"}   # built from other cells
      kind: {value: crime}                       # a constant
      area_code: Borough                         # a plain rename
      weapon:
        from: MethodofKilling
        recode:                                  # file value -> contract code
          Knife or Sharp Implement: sharp
          Shooting: firearm
      occurred_from:                             # a date from year and month
        derive: date_from_parts
        year: Recorded Year
        month: Recorded Month                    # number, "Jan" or "January"
      date_of_birth: {from: DOB, format: "%d/%m/%Y"}   # a non-ISO date layout

Rules for one column (one of ``from``, ``value``, ``template``, ``derive``):

``from: COLUMN``
    Take the file's column (matched case-insensitively). With ``recode``,
    values found in the table are replaced (matched ignoring case and
    surrounding spaces); others pass through unchanged and are validated as
    usual, so an unforeseen value is a row error, never silently coerced.
    With ``format``, a date or date-time in that ``strftime`` layout is
    rewritten as ISO 8601; a value that does not fit stays as it was and is
    reported by validation.
``value: TEXT``
    The same value in every row.
``template: "TEXT {COLUMN} TEXT"``
    Text built from other columns; ``{__row}`` is the row number.
``derive: date_from_parts``
    A date from ``year``, optional ``month`` and ``day`` columns; the date's
    precision (``year``, ``month`` or ``date``) is recorded with the record.

File columns that no rule uses and that are not contract columns are kept
with each record (``extra``), so nothing in the file is lost.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping as MappingType
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from harmwatch.contract import KINDS, KindSpec
from harmwatch.errors import HarmWatchError, InputFileError
from harmwatch.ingest.reader import ROW

#: Prefix of the columns that carry a derived date's precision.
PRECISION_PREFIX = "__precision__"

_RULE_KEYS = {"from", "value", "template", "derive", "recode", "format", "year", "month", "day"}
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}


@dataclass(frozen=True)
class ColumnRule:
    """How one contract column is filled (see the module docstring)."""

    target: str
    source: str | None = None
    value: str | None = None
    template: str | None = None
    derive: str | None = None
    recode: dict[str, str] = field(default_factory=dict)
    format: str | None = None
    parts: dict[str, str] = field(default_factory=dict)

    def source_columns(self) -> list[str]:
        """File columns this rule reads."""
        if self.source:
            return [self.source]
        if self.template:
            return _template_fields(self.template)
        return list(self.parts.values())


@dataclass(frozen=True)
class Mapping:
    """A parsed mapping file.

    Attributes
    ----------
    name : str
        What the mapping is for.
    path : Path or None
        Where it was read from.
    sha256 : str
        Digest of the mapping's text (provenance of each extract).
    kind : str or None
        The kind it is written for; loading another kind with it is refused.
    source : str or None
        The source name to use when ``--source`` is not given.
    sheet : str or None
        The XLSX sheet to read.
    rules : dict
        Contract column -> :class:`ColumnRule`.
    """

    name: str
    path: Path | None
    sha256: str
    kind: str | None
    source: str | None
    sheet: str | None
    rules: dict[str, ColumnRule]

    @classmethod
    def load(cls, path: Path) -> Mapping:
        """Read and check a mapping file; every problem is reported at once.

        Raises
        ------
        HarmWatchError
            When the file is missing, not YAML, or has unknown keys or rules.
        """
        if not path.is_file():
            raise HarmWatchError(f"mapping file {path}: no such file")
        text = path.read_text(encoding="utf-8")
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise HarmWatchError(f"mapping file {path}: not valid YAML: {exc}") from exc
        return cls.from_dict(document, path=path, sha256=hashlib.sha256(text.encode()).hexdigest())

    @classmethod
    def from_dict(cls, document: Any, *, path: Path | None = None, sha256: str = "") -> Mapping:
        """Build a mapping from its parsed YAML (see :meth:`load`)."""
        where = f"mapping file {path}" if path else "mapping"
        if not isinstance(document, dict):
            raise HarmWatchError(f"{where}: expected a YAML mapping with a 'columns' section")
        problems: list[str] = []
        unknown = set(document) - {"name", "kind", "source", "sheet", "columns", "description"}
        if unknown:
            problems.append(f"unknown top-level keys: {', '.join(sorted(unknown))}")
        kind = document.get("kind")
        if kind is not None and kind not in KINDS:
            problems.append(f"unknown kind {kind!r} (kinds: {', '.join(KINDS)})")
        columns = document.get("columns") or {}
        if not isinstance(columns, dict):
            problems.append("'columns' must map contract columns to rules")
            columns = {}
        rules: dict[str, ColumnRule] = {}
        for target, spec in columns.items():
            rule, errors = _parse_rule(str(target), spec)
            problems += [f"column {target!r}: {e}" for e in errors]
            if rule is not None:
                rules[str(target)] = rule
        if kind in KINDS:
            allowed = set(KINDS[kind].column_names)
            for target in rules:
                if target not in allowed:
                    hint = get_close_matches(target, allowed, n=1)
                    extra = f" (did you mean {hint[0]!r}?)" if hint else ""
                    problems.append(f"column {target!r} is not a {kind} column{extra}")
        if problems:
            raise HarmWatchError(f"{where}: " + "; ".join(problems))
        return cls(
            name=str(document.get("name") or (path.stem if path else "mapping")),
            path=path,
            sha256=sha256,
            kind=kind,
            source=document.get("source"),
            sheet=document.get("sheet"),
            rules=rules,
        )

    def apply(self, frame: pl.DataFrame, file_name: str, kind: KindSpec) -> pl.DataFrame:
        """Rewrite ``frame`` (text cells, file headers) into contract columns.

        Raises
        ------
        InputFileError
            When the mapping is for another kind or names a column the file
            does not have.
        """
        if self.kind is not None and self.kind != kind.name:
            raise HarmWatchError(f"mapping {self.name!r} is for {self.kind}, not {kind.name}")
        by_lower = {c.lower(): c for c in frame.columns}
        missing: list[str] = []
        for rule in self.rules.values():
            for column in rule.source_columns():
                if column != ROW and column.lower() not in by_lower:
                    missing.append(column)
        if missing:
            hints = []
            for column in missing:
                close = get_close_matches(column.lower(), list(by_lower), n=1)
                hint = f" (did you mean {by_lower[close[0]]!r}?)" if close else ""
                hints.append(f"{column!r}{hint}")
            raise InputFileError(
                file_name, f"mapping {self.name!r} needs columns the file lacks: {', '.join(hints)}"
            )

        def col(name: str) -> pl.Expr:
            return pl.col(ROW).cast(pl.String) if name == ROW else pl.col(by_lower[name.lower()])

        used = {
            by_lower[c.lower()] for r in self.rules.values() for c in r.source_columns() if c != ROW
        }
        exprs: list[pl.Expr] = []
        for target, rule in self.rules.items():
            exprs += _rule_exprs(target, rule, col)
        mapped_targets = set(self.rules)
        keep = [
            pl.col(c)
            for c in frame.columns
            if c not in used and c.lower() not in mapped_targets and c != ROW
        ]
        return frame.select(pl.col(ROW), *keep, *exprs)


def _template_fields(template: str) -> list[str]:
    import string

    return [f for _, f, _, _ in string.Formatter().parse(template) if f]


def _parse_rule(target: str, spec: Any) -> tuple[ColumnRule | None, list[str]]:
    if isinstance(spec, str):
        return ColumnRule(target=target, source=spec), []
    if not isinstance(spec, MappingType):
        return None, ["a rule is a column name or a mapping (from/value/template/derive)"]
    errors = [f"unknown key {k!r}" for k in spec if k not in _RULE_KEYS]
    kinds = [k for k in ("from", "value", "template", "derive") if k in spec]
    if len(kinds) != 1:
        errors.append("give exactly one of from, value, template, derive")
    recode = spec.get("recode") or {}
    if not isinstance(recode, MappingType):
        errors.append("recode must map file values to contract codes")
        recode = {}
    derive = spec.get("derive")
    parts = {p: str(spec[p]) for p in ("year", "month", "day") if p in spec}
    if derive is not None:
        if derive != "date_from_parts":
            errors.append(f"unknown derive {derive!r} (known: date_from_parts)")
        elif "year" not in parts:
            errors.append("date_from_parts needs a year column")
    if errors:
        return None, errors
    return (
        ColumnRule(
            target=target,
            source=str(spec["from"]) if "from" in spec else None,
            value=None if "value" not in spec else str(spec["value"]),
            template=spec.get("template"),
            derive=derive,
            recode={str(k).strip().lower(): _code_text(v) for k, v in recode.items()},
            format=spec.get("format"),
            parts=parts,
        ),
        [],
    )


def _code_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _rule_exprs(target: str, rule: ColumnRule, col: Any) -> list[pl.Expr]:
    if rule.value is not None:
        return [pl.lit(rule.value, dtype=pl.String).alias(target)]
    if rule.template is not None:
        pieces: list[pl.Expr | str] = []
        import string

        for literal, field_name, _, _ in string.Formatter().parse(rule.template):
            if literal:
                pieces.append(pl.lit(literal))
            if field_name:
                pieces.append(col(field_name).fill_null(""))
        return [pl.concat_str(pieces).alias(target)]
    if rule.derive == "date_from_parts":
        return _date_from_parts(target, rule, col)
    expr = col(rule.source).str.strip_chars()
    if rule.recode:
        keys = list(rule.recode)
        expr = (
            expr.str.to_lowercase()
            .replace_strict(keys, [rule.recode[k] for k in keys], default=None)
            .fill_null(expr)
        )
    if rule.format:
        parsed = expr.str.strptime(pl.Datetime, rule.format, strict=False)
        has_time = any(t in rule.format for t in ("%H", "%M", "%S", "%I"))
        layout = "%Y-%m-%dT%H:%M:%S" if has_time else "%Y-%m-%d"
        expr = pl.when(parsed.is_not_null()).then(parsed.dt.strftime(layout)).otherwise(expr)
    return [expr.alias(target)]


def _date_from_parts(target: str, rule: ColumnRule, col: Any) -> list[pl.Expr]:
    year = col(rule.parts["year"]).str.strip_chars()
    if "month" in rule.parts:
        raw_month = col(rule.parts["month"]).str.strip_chars()
        names = list(_MONTHS)
        by_name = raw_month.str.to_lowercase().replace_strict(
            names, [str(_MONTHS[n]) for n in names], default=None
        )
        month = by_name.fill_null(raw_month).str.zfill(2)
    else:
        month = pl.lit("01")
    day = col(rule.parts["day"]).str.strip_chars().str.zfill(2) if "day" in rule.parts else None
    value = pl.concat_str(
        [year, pl.lit("-"), month, pl.lit("-"), day if day is not None else pl.lit("01")]
    )
    if day is not None:
        precision = "date"
    elif "month" in rule.parts:
        precision = "month"
    else:
        precision = "year"
    return [value.alias(target), pl.lit(precision).alias(PRECISION_PREFIX + target)]
