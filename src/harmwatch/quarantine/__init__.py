"""Quarantined rows: list them, and export them for correction and re-loading.

The loader quarantines every row it cannot load, keeping the row exactly as
read (its original headers and cells, ``quarantined_rows.raw_row``) and every
reason (``quarantine_errors``). This module gives them back to the user:

* :func:`list_quarantined` returns them, with the file they came from and
  each problem (column, value, reason);
* :func:`export_quarantined` writes those of one kind and source as a CSV
  file with the file's *original* columns, plus three trailing columns
  (:data:`EXPORT_COLUMNS`: row number, file, reasons) to guide the
  correction. Once corrected (in Excel, say), the file is re-loaded with
  ``harmwatch ingest``; every record it supplies marks its quarantined rows
  resolved (the trailing columns are kept as extras, harmlessly).

Workflow::

    harmwatch quarantine export --kind police_occurrences --out fix.csv
    # correct fix.csv
    harmwatch ingest police_occurrences fix.csv
    harmwatch status

The listing is in :mod:`.rows`, the export in :mod:`.export`; their public
names are re-exported here.
"""

from harmwatch.quarantine.export import EXPORT_COLUMNS, ExportResult, export_quarantined
from harmwatch.quarantine.rows import (
    QuarantinedRow,
    RowError,
    list_quarantined,
    quarantine_sources,
)

__all__ = [
    "EXPORT_COLUMNS",
    "ExportResult",
    "QuarantinedRow",
    "RowError",
    "export_quarantined",
    "list_quarantined",
    "quarantine_sources",
]
