"""Ground truth: planted patterns and faults in terms of the files' ids and rows.

The schema is documented in :mod:`harmwatch.scenario` (the package docstring).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import polars as pl

from harmwatch.contract import KINDS
from harmwatch.scenario._table import Array
from harmwatch.scenario.faults import FaultPlan
from harmwatch.scenario.frames import ID_FORMATS, Built

__all__ = ["append_person_ids", "iso_day", "person_id", "record_ids", "resolve", "write_ed_matches"]

#: Kind whose internal rows each ``*_rows`` truth key refers to.
_ROW_KINDS = {
    "occurrence_rows": "police_occurrences",
    "death_rows": "deaths",
    "ed_rows": "ed_assaults",
}
_ID_KEYS = {
    "occurrence_rows": "occurrence_ids",
    "death_rows": "death_ids",
    "ed_rows": "attendance_ids",
}
_PERSON_KEYS = ("victim_person", "suspect_person", "offender_person")
_DAY_KEYS = ("start", "end")


def iso_day(day: int) -> str:
    """Epoch day as ``YYYY-MM-DD``."""
    return str(np.datetime64(int(day), "D"))


def person_id(pid: int) -> str:
    """The truth's name of a person."""
    return f"P{pid:08d}"


def record_ids(kind: str, rank: Array, rows: list[int]) -> list[str]:
    """Ids of internal rows ``rows`` of a kind, given its ``rank`` map."""
    prefix, width = ID_FORMATS[kind]
    return [f"{prefix}{int(rank[r]) + 1:0{width}d}" for r in rows]


def resolve(value: Any, ranks: dict[str, Array]) -> Any:
    """Replace internal row numbers, person numbers and epoch days with ids and dates."""
    if isinstance(value, list):
        return [resolve(v, ranks) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, v in value.items():
        if key in _ROW_KINDS:
            out[_ID_KEYS[key]] = record_ids(_ROW_KINDS[key], ranks[_ROW_KINDS[key]], v)
        elif key in _PERSON_KEYS:
            out[key] = person_id(v)
        elif key in _DAY_KEYS:
            out[key] = iso_day(v)
        elif key == "area":
            out["area_index"] = v
        else:
            out[key] = resolve(v, ranks)
    return out


def fault_entries(kind: str, file_name: str, built: Built, plan: FaultPlan) -> list[dict[str, Any]]:
    """truth.json entries of a file's faults."""
    id_col = KINDS[kind].id_column
    ids = built.frame[id_col]
    out = []
    for f in plan.faults:
        record = ids[int(plan.order[f.position])]
        out.append(
            {
                "file": file_name,
                "kind": kind,
                "row": f.row,
                "type": f.type,
                "column": f.column,
                "value": record if f.type == "duplicate_id" else f.value,
                "record_id": record,
            }
        )
    return out


def append_person_ids(fh: BinaryIO, kind: str, built: Built, header: bool) -> int:
    """Append a kind's ``kind, record_id, person_id`` rows to the person truth CSV."""
    id_col = KINDS[kind].id_column
    pid = pl.Series("p", built.person)
    frame = pl.DataFrame(
        {
            "kind": pl.Series([kind] * built.frame.height, dtype=pl.String),
            "record_id": built.frame[id_col],
            "person_id": pl.select(pl.lit("P") + pid.cast(pl.String).str.zfill(8)).to_series(),
        }
    ).filter(pid >= 0)
    frame.write_csv(fh, include_header=header)
    return frame.height


def write_ed_matches(path: Path, ed: Built, occ_rank: Array, ed_occ: Array) -> int:
    """truth_ed_matches.csv: ``attendance_id, occurrence_id`` (empty: no police record)."""
    occ_of_row = np.full(len(ed_occ), -1, dtype=np.int64)
    occ_of_row[ed.rank] = np.where(ed_occ >= 0, occ_rank[np.maximum(ed_occ, 0)], -1)
    prefix, width = ID_FORMATS["police_occurrences"]
    occ = pl.Series("o", occ_of_row + 1)
    frame = pl.DataFrame(
        {
            "attendance_id": ed.frame["attendance_id"],
            "occurrence_id": pl.select(
                pl.when(occ > 0).then(pl.lit(prefix) + occ.cast(pl.String).str.zfill(width))
            ).to_series(),
        }
    )
    frame.write_csv(path)
    return int((occ_of_row >= 0).sum())
