"""Malformed rows: about 1% of each data file, each with exactly one known fault.

Fault types (the ``type`` of a fault in truth.json):

``unknown_category``
    A required category column holds a code outside the contract.
``impossible_date``
    The main date holds a date that does not exist (2021-02-30, month 13).
``future_date``
    The main date is a century ahead.
``missing_required``
    A required column (other than the id) is empty.
``bad_nhs_checksum``
    ``nhs_number`` is 10 digits whose modulus-11 check digit is wrong.
``duplicate_id``
    The row repeats an earlier row's identifier (an exact copy inserted a few
    rows later; the *later* row is the fault).

Rows of planted patterns are never faulted. Row numbers count the header as
row 1, so the first data row is row 2, as a spreadsheet shows it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from harmwatch.scenario._table import Array
from harmwatch.scenario.population import nhs_check_digit

__all__ = ["FAULT_TYPES", "Fault", "FaultPlan", "plan_faults"]

FAULT_TYPES = (
    "unknown_category",
    "impossible_date",
    "future_date",
    "missing_required",
    "bad_nhs_checksum",
    "duplicate_id",
)

#: Per kind: (id column, category column, date column, required column, has NHS number).
_TARGETS = {
    "police_occurrences": ("occurrence_id", "offence_group", "occurred_from", "kind", False),
    "police_people": ("involvement_id", "role", "date_of_birth", "role", True),
    "deaths": ("death_id", "classification", "date_of_death", "classification", True),
    "ed_assaults": ("attendance_id", "assault_method", "assault_at", "site_code", False),
    "council_referrals": ("referral_id", "concern", "received_at", "service", True),
}
_BAD_CODES = {
    "offence_group": ["s18 wounding", "assault_abh_old", "AFFRAY/VIOLENT DISORDER"],
    "role": ["vict", "informant", "susp."],
    "classification": ["natural_causes", "pending_inquest", "sids"],
    "assault_method": ["knife", "glass bottle", "fists"],
    "concern": ["da", "financial_abuse", "radicalisation"],
}


@dataclass(frozen=True)
class Fault:
    """One malformed row.

    Attributes
    ----------
    position : int
        0-based position of the row among the written data rows.
    type : str
        One of :data:`FAULT_TYPES`.
    column : str
        The column at fault.
    value : str or None
        The value written (None: empty).
    """

    position: int
    type: str
    column: str
    value: str | None

    @property
    def row(self) -> int:
        """Spreadsheet row number (header = row 1)."""
        return self.position + 2


@dataclass
class FaultPlan:
    """Which rows are written in which order, and which are malformed.

    Attributes
    ----------
    order : ndarray
        Frame row written at each output position (duplicated rows twice).
    faults : list of Fault
        Faults by output position.
    """

    order: Array
    faults: list[Fault]


def _date_text(value: object, kind: str) -> str:
    text = str(value)[:19].replace(" ", "T")
    year, month = text[:4], int(text[5:7])
    if kind == "future_date":
        return f"{int(year) + 100}{text[4:]}"
    bad = {2: "02-30", 4: "04-31", 6: "06-31", 9: "09-31", 11: "11-31"}.get(
        month, f"13-{text[8:10]}"
    )
    return f"{year}-{bad}{text[10:]}"


def plan_faults(
    rng: np.random.Generator, kind: str, frame: pl.DataFrame, protected: Array, rate: float = 0.01
) -> FaultPlan:
    """Choose ~``rate`` of the rows of ``frame`` and a fault for each."""
    n = frame.height
    id_col, cat_col, date_col, req_col, has_nhs = _TARGETS[kind]
    types = [t for t in FAULT_TYPES if has_nhs or t != "bad_nhs_checksum"]
    k = min(max(len(types), round(rate * n)), max(0, (n - int(protected.sum())) // 2))
    free = np.flatnonzero(~protected)
    chosen = np.sort(rng.choice(free, size=k, replace=False)) if k else np.zeros(0, dtype=np.int64)
    kinds = [types[i % len(types)] for i in rng.permutation(k)]
    dates = frame[date_col]
    nhs = frame["nhs_number"] if has_nhs else None
    inplace: dict[int, tuple[str, str, str | None]] = {}
    copies: list[tuple[int, int]] = []  # (source row, insert after row)
    for row, t in zip(chosen.tolist(), kinds, strict=True):
        if t == "duplicate_id":
            copies.append((row, min(n - 1, row + int(rng.integers(1, 30)))))
        elif t == "unknown_category":
            options = _BAD_CODES[cat_col]
            inplace[row] = (t, cat_col, options[int(rng.integers(0, len(options)))])
        elif t in ("impossible_date", "future_date"):
            value = dates[row]
            if value is None:  # e.g. no date of birth recorded: invent one
                year, month = int(rng.integers(1950, 1999)), int(rng.integers(1, 10))
                value = f"{year}-0{month}-1{int(rng.integers(0, 9))}"
            inplace[row] = (t, date_col, _date_text(value, t))
        elif t == "missing_required":
            inplace[row] = (t, req_col, None)
        else:
            assert nhs is not None
            stem = (
                nhs[row] // 10
                if nhs[row] is not None
                else int(rng.integers(400_000_000, 799_999_999))
            )
            good = int(nhs_check_digit(np.array([stem]))[0])
            wrong = (good + int(rng.integers(1, 9))) % 10
            inplace[row] = (t, "nhs_number", f"{stem}{wrong}")
    keys = np.concatenate(
        [np.arange(n) * 2, np.array([after * 2 + 1 for _, after in copies], dtype=np.int64)]
    )
    source = np.concatenate([np.arange(n), np.array([s for s, _ in copies], dtype=np.int64)])
    perm = np.argsort(keys, kind="stable")
    order = source[perm]
    position_of = np.empty(n, dtype=np.int64)
    position_of[source[perm][perm < n]] = np.flatnonzero(perm < n)
    faults = [Fault(int(position_of[r]), t, c, v) for r, (t, c, v) in inplace.items()]
    faults += [Fault(int(p), "duplicate_id", id_col, None) for p in np.flatnonzero(perm >= n)]
    faults.sort(key=lambda f: f.position)
    return FaultPlan(order=order, faults=faults)
