"""Reading a CSV record by record, for files the fast parser cannot take.

Used for a file with ragged rows or unbalanced quotes: every row keeps its
number and raw text, and a row that cannot be read is returned as a
:class:`~harmwatch.ingest.raw_table.BadRow` (with why) instead of stopping the
reading or swallowing the rows after it.
"""

from __future__ import annotations

import csv
import io

import polars as pl

from harmwatch.ingest.raw_table import ROW, BadRow

__all__ = ["read_csv_rows"]


class _LineFeed:
    """The file's lines, handed to :func:`csv.reader` one at a time; knows where it is."""

    def __init__(self, lines: list[str], start: int) -> None:
        self.lines = lines
        self.position = start

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        if self.position >= len(self.lines):
            raise StopIteration
        self.position += 1
        return self.lines[self.position - 1]


def _raw_cells(names: list[str], record: list[str]) -> dict[str, str]:
    width = len(names)
    raw = dict(zip(names, record, strict=False))
    raw.update({f"_extra_{i}": v for i, v in enumerate(record[width:], start=1)})
    return raw


def read_csv_rows(data: bytes, names: list[str]) -> tuple[pl.DataFrame, list[BadRow]]:
    """Record by record, for a file with ragged rows or unbalanced quotes.

    Keeps each row's number and raw text. A quote that is never closed would
    swallow the rest of the file into one cell: that row (its own line) is
    quarantined instead and reading resumes on the next line.
    """
    # Long cells are refused later with a clear reason; the csv module's
    # default limit (128 KiB) would stop the reading first.
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))
    lines = io.StringIO(data.decode("utf-8"), newline="").readlines()
    width = len(names)
    columns: list[list[str]] = [[] for _ in names]
    numbers: list[int] = []
    bad: list[BadRow] = []
    number = 1
    feed = _LineFeed(lines, 1)
    reader = csv.reader(feed, strict=True)
    while True:
        start = feed.position
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            number += 1
            if feed.position >= len(lines) and "end of data" in str(exc):
                # An unclosed quote: only its own line is the bad row.
                text = lines[start]
                reason = (
                    "unclosed quote: a quoted cell that starts in this row is never closed; "
                    "the row is set aside and reading resumes on the next line"
                )
                feed = _LineFeed(lines, start + 1)
            else:
                text = "".join(lines[start : feed.position])
                reason = f"malformed quoting ({exc}): check the quotes in this row"
                feed = _LineFeed(lines, feed.position)
            cells = next(csv.reader([text]), [])
            bad.append(
                BadRow(number, None, text.rstrip("\r\n")[:200], reason, _raw_cells(names, cells))
            )
            reader = csv.reader(feed, strict=True)
            continue
        if not record:
            continue
        number += 1
        if len(record) == width:
            for column, cell in zip(columns, record, strict=True):
                column.append(cell)
            numbers.append(number)
            continue
        text = "".join(lines[start : feed.position]).rstrip("\r\n")
        reason = f"the row has {len(record)} cells but the header has {width}"
        if any("\n" in cell or "\r" in cell for cell in record):
            reason += " (a cell spans several lines: check for an unclosed quote)"
        bad.append(BadRow(number, None, text[:200], reason, _raw_cells(names, record)))
    frame = pl.DataFrame(
        {ROW: pl.Series(numbers, dtype=pl.Int64)}
        | {n: pl.Series(c, dtype=pl.String) for n, c in zip(names, columns, strict=True)}
    )
    return frame.select(*names, ROW), bad
