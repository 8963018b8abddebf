"""The column rules of a mapping file: parsing one rule, checking it against
the kind, and turning it into Polars expressions over whole columns.

The rules themselves are described in :mod:`harmwatch.ingest.mapping` and
``docs/mappings.md``.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping as MappingType
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from harmwatch.contract import KindSpec

__all__ = [
    "INVALID_CHOICES",
    "INVALID_SUFFIX",
    "PRECISION_PREFIX",
    "RULE_KEYS",
    "ColumnRule",
    "blankable_problems",
    "extra_name_problems",
    "parse_rule",
    "rule_exprs",
    "template_fields",
]

#: Prefix of the columns that carry a derived date's precision.
PRECISION_PREFIX = "__precision__"

RULE_KEYS = {
    "from",
    "value",
    "template",
    "derive",
    "recode",
    "format",
    "invalid",
    "year",
    "month",
    "day",
}
#: ``invalid`` choices of a rule.
INVALID_CHOICES = ("error", "blank")
#: Suffix of the extra column that keeps a blanked value's original text.
INVALID_SUFFIX = "_invalid"
#: Column types whose invalid values a mapping may declare blankable.
_BLANKABLE_TYPES = ("date", "datetime")
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
    invalid: str = "error"

    def source_columns(self) -> list[str]:
        """File columns this rule reads."""
        if self.source:
            return [self.source]
        if self.template:
            return template_fields(self.template)
        return list(self.parts.values())


def template_fields(template: str) -> list[str]:
    """The column names a ``template`` refers to (``{COLUMN}``)."""
    return [f for _, f, _, _ in string.Formatter().parse(template) if f]


def parse_rule(target: str, spec: Any) -> tuple[ColumnRule | None, list[str]]:
    """The rule for ``target`` from its YAML ``spec``, or every problem with it."""
    if isinstance(spec, str):
        return ColumnRule(target=target, source=spec), []
    if not isinstance(spec, MappingType):
        return None, ["a rule is a column name or a mapping (from/value/template/derive)"]
    errors = [f"unknown key {k!r}" for k in spec if k not in RULE_KEYS]
    kinds = [k for k in ("from", "value", "template", "derive") if k in spec]
    if len(kinds) != 1:
        errors.append("give exactly one of from, value, template, derive")
    recode = spec.get("recode") or {}
    if not isinstance(recode, MappingType):
        errors.append("recode must map file values to contract codes")
        recode = {}
    derive = spec.get("derive")
    parts = {p: str(spec[p]) for p in ("year", "month", "day") if p in spec}
    invalid = spec.get("invalid", "error")
    if invalid not in INVALID_CHOICES:
        errors.append(f"invalid must be one of {', '.join(INVALID_CHOICES)}, not {invalid!r}")
    elif invalid == "blank" and ("from" not in spec or not spec.get("format")):
        errors.append("invalid: blank needs from and format (the layout values must fit)")
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
            invalid=str(invalid),
        ),
        [],
    )


def extra_name_problems(extra: dict[str, str], kind: KindSpec) -> list[str]:
    """Names kept in ``extra`` must not be contract columns (they would be read as such)."""
    return [
        f"extra name {name!r} is a {kind.name} column: map it under columns instead"
        for name in extra
        if name.strip().lower() in kind.column_names
    ]


def blankable_problems(rules: dict[str, ColumnRule], kind: KindSpec) -> list[str]:
    """``invalid: blank`` is for optional date and date-time columns only."""
    problems = []
    for target, rule in rules.items():
        if rule.invalid != "blank" or target not in kind.column_names:
            continue
        spec = kind.column(target)
        if spec.required:
            problems.append(
                f"column {target!r}: invalid: blank is not allowed on a required column"
            )
        elif spec.type not in _BLANKABLE_TYPES:
            problems.append(
                f"column {target!r}: invalid: blank is only for date and date-time columns"
            )
    return problems


def _code_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def rule_exprs(target: str, rule: ColumnRule, col: Any) -> list[pl.Expr]:
    """The expressions that fill ``target`` (and its companions: precision,
    blanked text) by ``rule``; ``col`` maps a file column name to its expression."""
    if rule.value is not None:
        return [pl.lit(rule.value, dtype=pl.String).alias(target)]
    if rule.template is not None:
        pieces: list[pl.Expr | str] = []
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
        if _compact(rule.format):
            parsed = pl.when(parsed.dt.strftime(rule.format) == expr).then(parsed)
        has_time = any(t in rule.format for t in ("%H", "%M", "%S", "%I"))
        layout = "%Y-%m-%dT%H:%M:%S" if has_time else "%Y-%m-%d"
        if rule.invalid == "blank":
            unfit = parsed.is_null() & expr.is_not_null() & (expr != "")
            return [
                parsed.dt.strftime(layout).alias(target),
                pl.when(unfit).then(col(rule.source)).alias(target + INVALID_SUFFIX),
            ]
        expr = pl.when(parsed.is_not_null()).then(parsed.dt.strftime(layout)).otherwise(expr)
    return [expr.alias(target)]


def _compact(layout: str) -> bool:
    """Whether ``layout`` is only ``%`` directives, with no separators."""
    return re.fullmatch(r"(%[A-Za-z])+", layout) is not None


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
