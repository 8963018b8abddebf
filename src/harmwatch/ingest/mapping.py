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
      ho_code: HO Class                          # a plain rename
      weapon:
        from: MethodofKilling
        recode:                                  # file value -> contract code
          Knife or Sharp Implement: sharp
          Shooting: firearm
      occurred_from:                             # a date from year and month
        derive: date_from_parts
        year: Recorded Year
        month: Recorded Month                    # number, "Jan" or "January"
      reported_at: {from: Reported, format: "%d/%m/%Y %H:%M"}   # a non-ISO layout

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

``from`` with ``format`` and ``invalid: blank``
    Only for an optional date or date-time column: a value that does not fit
    ``format`` is blanked (unknown) instead of quarantining the row. This is a
    declared choice, never a default (the default is ``invalid: error``): the
    text as written is kept with the record in ``extra`` as
    ``<column>_invalid``, and :meth:`Mapping.notes` counts the blanked values
    for the load's warnings. A value that fits the layout but is impossible
    for the contract (before 1900, in the future) is still a row error.

A format made only of directives, with no separators (``%Y%m%d``), must
match the value exactly: ``1945049`` does not fit ``%Y%m%d`` (it could be
1945-04-09 or 1945-04-?9), where a lenient parser would guess.

Top-level ``ignore: [COLUMN, ...]`` names file columns that are deliberately
not loaded (for example the victim's details in the occurrences mapping of a
file that carries both). Top-level ``extra: {NAME: COLUMN, ...}`` keeps a file
column in ``extra`` under another name: for a column that has a contract
column's name but not its meaning (an Australian ``postcode`` is not a UK
postcode). Every other file column that no rule uses and that is not a
contract column is kept with each record (``extra``) as it is named, so
nothing in the file is lost by accident.

:meth:`Mapping.resolve` accepts a path or the name of a mapping shipped with
HarmWatch (:mod:`harmwatch.mappings`, e.g. ``mps_homicides_victims``).
The analysts' guide is ``docs/mappings.md``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from harmwatch.contract import KINDS, KindSpec
from harmwatch.errors import HarmWatchError, InputFileError
from harmwatch.ingest.mapping_rules import (
    INVALID_CHOICES,
    INVALID_SUFFIX,
    PRECISION_PREFIX,
    ColumnRule,
    blankable_problems,
    extra_name_problems,
    parse_rule,
    rule_exprs,
)
from harmwatch.ingest.reader import ROW

__all__ = ["INVALID_CHOICES", "INVALID_SUFFIX", "PRECISION_PREFIX", "ColumnRule", "Mapping"]


_TOP_KEYS = {"name", "kind", "source", "sheet", "columns", "description", "ignore", "extra"}


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
    ignore : tuple of str
        File columns deliberately not loaded (neither mapped nor kept in
        ``extra``).
    extra : dict
        Name in ``extra`` -> file column kept there under that name.
    """

    name: str
    path: Path | None
    sha256: str
    kind: str | None
    source: str | None
    sheet: str | None
    rules: dict[str, ColumnRule]
    ignore: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def resolve(cls, name_or_path: str) -> Mapping:
        """Load a mapping file, or a mapping shipped with HarmWatch by name.

        An existing file wins; otherwise ``name_or_path`` (with or without
        ``.yaml``) is looked up among :func:`harmwatch.mappings.list_shipped_mappings`.

        Raises
        ------
        HarmWatchError
            When it is neither a file nor a shipped mapping (the message lists
            the shipped ones), or the file is not a valid mapping.
        """
        from harmwatch.mappings import list_shipped_mappings, shipped_mapping

        path = Path(name_or_path).expanduser()
        if path.is_file():
            return cls.load(path)
        name = name_or_path.strip()
        name = name.removesuffix(".yaml").removesuffix(".yml")
        if name in list_shipped_mappings():
            return cls.load(shipped_mapping(name))
        raise HarmWatchError(
            f"mapping {name_or_path!r}: no such file, and no shipped mapping of that name "
            f"(shipped: {', '.join(list_shipped_mappings())})"
        )

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
        unknown = set(document) - _TOP_KEYS
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
            rule, errors = parse_rule(str(target), spec)
            problems += [f"column {target!r}: {e}" for e in errors]
            if rule is not None:
                rules[str(target)] = rule
        ignore = document.get("ignore") or []
        if not isinstance(ignore, list) or not all(isinstance(c, str) for c in ignore):
            problems.append("'ignore' must be a list of file column names")
            ignore = []
        extra_spec = document.get("extra") or {}
        if not isinstance(extra_spec, dict):
            problems.append("'extra' must map names to file columns")
            extra_spec = {}
        extra_names = {str(k): str(v) for k, v in extra_spec.items()}
        if kind in KINDS:
            problems += extra_name_problems(extra_names, KINDS[kind])
            allowed = set(KINDS[kind].column_names)
            for target in rules:
                if target not in allowed:
                    hint = get_close_matches(target, allowed, n=1)
                    extra = f" (did you mean {hint[0]!r}?)" if hint else ""
                    problems.append(f"column {target!r} is not a {kind} column{extra}")
            problems += blankable_problems(rules, KINDS[kind])
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
            ignore=tuple(ignore),
            extra=extra_names,
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
        problems = blankable_problems(self.rules, kind) + extra_name_problems(self.extra, kind)
        if problems:
            raise HarmWatchError(f"mapping {self.name!r}: " + "; ".join(problems))
        by_lower = {c.lower(): c for c in frame.columns}
        missing: list[str] = []
        for rule in self.rules.values():
            for column in rule.source_columns():
                if column != ROW and column.lower() not in by_lower:
                    missing.append(column)
        missing += [c for c in self.extra.values() if c.lower() not in by_lower]
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
        used |= {by_lower[c.lower()] for c in self.ignore if c.lower() in by_lower}
        used |= {by_lower[c.lower()] for c in self.extra.values()}
        clashes = [
            n for n in self.extra if n.lower() in by_lower and by_lower[n.lower()] not in used
        ]
        if clashes:
            raise InputFileError(
                file_name,
                f"mapping {self.name!r}: extra name(s) {', '.join(map(repr, clashes))} "
                "are already file columns",
            )
        exprs: list[pl.Expr] = []
        for target, rule in self.rules.items():
            exprs += rule_exprs(target, rule, col)
        mapped_targets = set(self.rules)
        keep = [
            pl.col(c)
            for c in frame.columns
            if c not in used and c.lower() not in mapped_targets and c != ROW
        ]
        renamed = [col(column).alias(name) for name, column in self.extra.items()]
        return frame.select(pl.col(ROW), *keep, *renamed, *exprs)

    def notes(self, mapped: pl.DataFrame) -> list[str]:
        """Warnings about what :meth:`apply` did to ``mapped`` (its result).

        One line per ``invalid: blank`` rule that blanked values, with the
        count, so that the choice is visible in every load it affects.
        """
        lines = []
        for target, rule in self.rules.items():
            column = target + INVALID_SUFFIX
            if rule.invalid != "blank" or column not in mapped.columns:
                continue
            count = mapped.get_column(column).drop_nulls().len()
            if count:
                lines.append(
                    f"{target}: {count} value(s) that are not a real date in the layout "
                    f"{rule.format!r} were blanked "
                    f"(mapping {self.name!r} declares invalid: blank); the text as written "
                    f"is kept in extra as {column!r}"
                )
        return lines
