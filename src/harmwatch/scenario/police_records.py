"""Police records under construction: the occurrence and people tables.

:class:`Police` holds the occurrences generated so far and the people in
them; :func:`new_occurrences` makes occurrence rows with every column at its
'none' value and :func:`add_people` appends people. The background
(:mod:`harmwatch.scenario.occurrences`) and the planted patterns both write
here before :mod:`harmwatch.scenario.frames` turns the tables into records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from harmwatch.contract import codes
from harmwatch.scenario._table import Array, Table, Vocab, code_index

__all__ = ["Police", "add_people", "new_occurrences"]


@dataclass
class Police:
    """Police records under construction.

    Attributes
    ----------
    occ : Table
        One row per occurrence (columns listed in :func:`new_occurrences`).
    people : Table
        One row per person per occurrence: ``occ`` (row of ``occ``), ``role``,
        ``pid`` (true person id), ``anon`` (identity not recorded),
        ``relationship``, ``age_band`` (-1 when none).
    mo, descriptions : Vocab
        Vocabularies of the ``mo`` and ``description`` columns.
    stable_pairs : list of (victim, suspect, occurrence rows)
        Repeat domestic couples with 3 or more low-severity occurrences.
    """

    occ: Table
    people: Table
    mo: Vocab = field(default_factory=Vocab)
    descriptions: Vocab = field(default_factory=Vocab)
    stable_pairs: list[tuple[int, int, list[int]]] = field(default_factory=list)


def new_occurrences(n: int) -> Table:
    """An occurrence table of ``n`` rows with every column at its 'none' value."""
    m1 = np.full(n, -1, dtype=np.int64)
    return Table(
        {
            "offence": np.zeros(n, dtype=np.int64),
            "t": np.zeros(n, dtype=np.int64),
            "dur_min": m1.copy(),
            "delay_min": np.zeros(n, dtype=np.int64),
            "x": np.full(n, np.nan),
            "y": np.full(n, np.nan),
            "area": m1.copy(),
            "loc_mode": np.zeros(n, dtype=np.int64),
            "loc_type": m1.copy(),
            "weapon": m1.copy(),
            "injury": m1.copy(),
            "outcome": m1.copy(),
            "domestic": np.zeros(n, dtype=np.int8),
            "alcohol": np.full(n, -1, dtype=np.int8),
            "drugs": np.full(n, -1, dtype=np.int8),
            "gang": np.full(n, -1, dtype=np.int8),
            "mo": m1.copy(),
            "desc": m1.copy(),
            "venue": m1.copy(),
            "protected": np.zeros(n, dtype=bool),
        }
    )


def add_people(
    police: Police,
    occ: Array,
    role: str,
    pid: Array,
    *,
    anon: Array | None = None,
    relationship: Array | None = None,
    age_band: Array | None = None,
) -> None:
    """Append people rows (one per element of ``occ``) to ``police.people``."""
    n = len(occ)
    rows = Table(
        {
            "occ": np.asarray(occ, dtype=np.int64),
            "role": np.full(n, code_index(codes.ROLE, role), dtype=np.int64),
            "pid": np.asarray(pid, dtype=np.int64),
            "anon": np.zeros(n, dtype=bool) if anon is None else anon,
            "relationship": np.full(n, -1, dtype=np.int64)
            if relationship is None
            else relationship,
            "age_band": np.full(n, -1, dtype=np.int64) if age_band is None else age_band,
        }
    )
    if len(police.people) == 0:
        police.people = rows
    else:
        police.people.append(rows)
