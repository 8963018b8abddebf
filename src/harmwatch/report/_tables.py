"""Tables for the report: from polars DataFrames or lists of dicts to formatted cells."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from harmwatch.report._svgkit import fmt_num

__all__ = ["SMALL_MARK", "SMALL_NOTE", "Table", "make_table"]

SMALL_MARK = "†"
SMALL_NOTE = "† Too few events to support a claim: read these rows with caution."
#: Integer columns printed as they are (no thousands separator): years, ids, codes.
_RAW = re.compile(r"(^|_)(year|id|code|row|col|column|number|no)$", re.I)


@dataclass(frozen=True)
class Table:
    """A table ready to render: every cell already formatted as text.

    Attributes
    ----------
    id : str
        Element id (link target).
    caption : str
        Caption, numbered by the document ("Table 3", "Table A2").
    headers : list of str
        Column headings.
    rows : list of list of str
        Formatted cells.
    numeric : list of bool
        Which columns hold numbers (right-aligned, tabular figures).
    small : list of bool
        Rows too small to support a claim (marked † and styled).
    note : str
        Footnote (the † explanation when any row is small, plus ``source``).
    """

    id: str
    caption: str
    headers: list[str]
    rows: list[list[str]]
    numeric: list[bool]
    small: list[bool]
    note: str = ""


def _cell(value: Any, decimals: int | None, raw: bool = False) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value) if raw else fmt_num(value, 0)
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        return fmt_num(value, decimals)
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v, decimals) for v in value)
    return str(value)


def _column_decimals(values: list[Any]) -> int | None:
    """Fewest decimals (up to 3) showing every float of a column exactly; None if no floats."""
    floats = [v for v in values if isinstance(v, float) and math.isfinite(v)]
    if not floats:
        return None
    for d in range(4):
        if all(abs(round(v, d) - v) < 1e-9 for v in floats):
            return d
    return 3 if max(abs(v) for v in floats) < 10 else 2 if max(abs(v) for v in floats) < 100 else 1


def _records(data: Any) -> tuple[list[str], list[dict[str, Any]]]:
    if hasattr(data, "to_dicts") and hasattr(data, "columns"):
        return list(data.columns), list(data.to_dicts())
    rows = [dict(r) for r in data]
    cols: dict[str, None] = {}
    for r in rows:
        for k in r:
            cols.setdefault(str(k), None)
    return list(cols), rows


def make_table(
    data: Any,
    *,
    id: str,
    caption: str,
    columns: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    decimals: int | Mapping[str, int] | None = None,
    small: str | Sequence[bool] | None = None,
    source: str = "",
    raw: Sequence[str] = (),
) -> Table:
    """Format a polars DataFrame or a list of dicts as a :class:`Table`.

    Parameters
    ----------
    data : polars.DataFrame or iterable of mapping
        The rows.
    id : str
        Element id of the table.
    caption : str
        What the table shows.
    columns : sequence of str, optional
        Columns to show, in order (default: all; with ``small`` a bool column
        named by it is hidden).
    labels : mapping of str to str, optional
        Column headings (default: the column names with underscores as spaces).
    decimals : int or mapping of str to int, optional
        Decimals for float columns (one for all, or per column); by default
        the fewest (up to 3) that show the column's values, the same for the
        whole column. Integers print with thousands separators.
    small : str or sequence of bool, optional
        Rows too small to support a claim: a bool column's name or a mask.
    source : str
        Where the figures come from, appended to the note.
    raw : sequence of str
        Integer columns printed without thousands separators (columns named
        like ``year``, ``*_id``, ``*_code``, ``row``, ``col`` are by default).

    Returns
    -------
    Table
    """
    cols, rows = _records(data)
    if isinstance(small, str):
        mask = [bool(r.get(small)) for r in rows]
        shown = list(columns) if columns is not None else [col for col in cols if col != small]
    else:
        mask = [bool(s) for s in small] if small is not None else [False] * len(rows)
        shown = list(columns) if columns is not None else cols
    if len(mask) != len(rows):
        raise ValueError(f"small has {len(mask)} flags for {len(rows)} rows")
    labels = labels or {}
    headers = [labels.get(col, col.replace("_", " ").capitalize()) for col in shown]

    auto = {col: _column_decimals([r.get(col) for r in rows]) for col in shown}

    def dec(col: str) -> int | None:
        given = decimals.get(col) if isinstance(decimals, Mapping) else decimals
        return given if given is not None else auto[col]

    is_raw = {col: col in raw or bool(_RAW.search(col)) for col in shown}
    cells = []
    for r, is_small in zip(rows, mask, strict=True):
        line = [_cell(r.get(col), dec(col), is_raw[col]) for col in shown]
        if is_small and line:
            line[0] = f"{line[0]} {SMALL_MARK}"
        cells.append(line)
    numeric = [
        bool(rows)
        and all(
            isinstance(r.get(col), int | float) and not isinstance(r.get(col), bool)
            for r in rows
            if r.get(col) is not None
        )
        and any(r.get(col) is not None for r in rows)
        for col in shown
    ]
    note = SMALL_NOTE if any(mask) else ""
    if source:
        note = f"{note} Source: {source}".strip()
    return Table(id, caption, headers, cells, numeric, mask, note)
