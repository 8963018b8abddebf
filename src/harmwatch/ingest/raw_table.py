"""The table of text cells a file is read into, and the rows that could not be read.

See :mod:`harmwatch.ingest.reader` for how files are read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from harmwatch.error_frame import ROW

__all__ = ["MAX_CELL_CHARS", "ROW", "BadRow", "RawTable", "rows_numbered"]

#: A cell longer than this is refused: real values are far shorter, and a
#: longer one nearly always comes from an unclosed quote swallowing rows.
MAX_CELL_CHARS = 100_000


@dataclass(frozen=True)
class BadRow:
    """A row that could not be read into the header's columns.

    Attributes
    ----------
    row : int
        The row's number (header = 1).
    column : str or None
        The column at fault, when one is.
    value : str
        The offending text (cut to 200 characters).
    reason : str
        What is wrong, in plain words.
    raw : dict
        The row as read, header -> cell (extra cells under ``_extra_N``).
    """

    row: int
    column: str | None
    value: str
    reason: str
    raw: dict[str, str]


@dataclass
class RawTable:
    """A file read as text cells.

    Attributes
    ----------
    path : Path
        The file.
    format : str
        ``csv``, ``xlsx`` or ``geojson``.
    sha256 : str
        SHA-256 of the file's bytes (provenance; re-loading detection).
    frame : polars.DataFrame
        One string column per header (stripped; original case), plus ``__row``.
    bad_rows : list of BadRow
        Rows not in ``frame`` because they could not be read.
    encoding : str
        The text encoding the file was read with.
    warnings : list of str
        Things the user should know that are not errors (sheet chosen...).
    """

    path: Path
    format: str
    sha256: str
    frame: pl.DataFrame
    bad_rows: list[BadRow] = field(default_factory=list)
    encoding: str = "utf-8"
    warnings: list[str] = field(default_factory=list)

    #: Set once the frame is cut down to the rows that matter (see
    #: :meth:`keep_only`); until then the count comes from the frame.
    row_count: int | None = None

    @property
    def rows_read(self) -> int:
        """Every data row of the file: readable and not."""
        if self.row_count is not None:
            return self.row_count
        return self.frame.height + len(self.bad_rows)

    def keep_only(self, rows: pl.Series) -> None:
        """Drop every row but ``rows`` (row numbers) from the frame, keeping the
        count: after validation only quarantined rows need their raw text."""
        self.row_count = self.rows_read
        self.frame = rows_numbered(self.frame, rows)


def rows_numbered(frame: pl.DataFrame, numbers: pl.Series) -> pl.DataFrame:
    """The rows of ``frame`` whose ``__row`` is in ``numbers``, in frame order.

    Row numbers only grow down a file, so the rows are found by binary
    search and gathered (a few rows of a big frame), not by a pass over it.
    """
    column = frame.get_column(ROW)
    wanted = numbers.cast(pl.Int64).unique().sort()
    if column.is_sorted():
        places = column.search_sorted(wanted)
        frame = frame[places.filter(places < frame.height)]
    return frame.filter(pl.col(ROW).is_in(wanted.implode()))
