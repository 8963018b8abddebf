"""What one ingest did: the result object of :func:`harmwatch.ingest.pipeline.ingest_file`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import polars as pl

from harmwatch.ingest.reader import ROW

#: How many problems ``IngestResult.errors`` lists (all are quarantined).
ERRORS_SHOWN = 100


@dataclass
class IngestResult:
    """What one ingest did.

    Attributes
    ----------
    kind, source, file_name, sha256 : str
        What was loaded, from whom (the file's digest is its provenance).
    extract_id : int or None
        The provenance record of this load (that of the earlier load when
        the same file had been loaded already).
    rows_read : int
        Data rows in the file; always ``rows_loaded + rows_updated +
        rows_unchanged + rows_quarantined``.
    rows_loaded, rows_updated, rows_unchanged, rows_quarantined : int
        New records, changed records (old versions kept in history),
        records already in the store as they are, and rows quarantined.
    errors : list of dict
        The first :data:`ERRORS_SHOWN` problems: ``row``, ``column``,
        ``value``, ``reason``.
    error_count : int
        How many problems there were in all.
    warnings : list of str
        Not errors, but worth knowing (sheet chosen, encoding...).
    already_loaded : bool
        The same file had been loaded with the same settings: nothing changed.
    areas_reassigned : dict
        After loading areas: records per kind whose area_code changed.
    quarantine_resolved : int
        Earlier quarantined rows whose record this load supplied.
    """

    kind: str
    source: str
    file_name: str
    sha256: str
    extract_id: int | None
    rows_read: int
    rows_loaded: int
    rows_updated: int
    rows_unchanged: int
    rows_quarantined: int
    errors: list[dict[str, Any]]
    error_count: int
    warnings: list[str] = field(default_factory=list)
    already_loaded: bool = False
    areas_reassigned: dict[str, int] = field(default_factory=dict)
    quarantine_resolved: int = 0

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` object of ``harmwatch ingest``."""
        return asdict(self)


def error_list(errors: pl.DataFrame) -> list[dict[str, Any]]:
    return [
        {"row": r[ROW], "column": r["column"], "value": r["value"], "reason": r["reason"]}
        for r in errors.head(ERRORS_SHOWN).iter_rows(named=True)
    ]
