"""A police_occurrences file with two bad rows, and CSV helpers, for the quarantine tests."""

from __future__ import annotations

import csv
from pathlib import Path

OCCURRENCES = """\
occurrence_id,kind,offence_group,occurred_from,Beat
OCC1,crime,homicide,2024-01-05 10:00,A1
OCC2,crime,gbh,2024-03-10,A2
OCC3,crime,banana,2024-02-01 12:00,A3
OCC4,crime,abh,not a date,A4
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))
