"""Reading an input file (CSV, XLSX, GeoJSON) into a table of text cells.

Every cell is read as text, exactly as written: parsing and validation come
later (:mod:`harmwatch.ingest.validate`), so that a bad value can be reported
with what the file really said. Each row keeps its number in the ``__row``
column, counted as a spreadsheet shows it: the header is row 1 and the first
record row 2 (blank lines are skipped and not counted).

Rows that cannot be split into the header's columns (ragged rows), a row whose
quote is never closed (only that line: reading resumes on the next) and cells
too long to be real (usually an unclosed quote) are not dropped: they are
returned in :attr:`RawTable.bad_rows` so the loader quarantines them.
"""

from __future__ import annotations

import codecs
import csv
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv

from harmwatch.errors import InputFileError
from harmwatch.ingest.csv_rows import read_csv_rows
from harmwatch.ingest.file_scan import FileScan, scan_file, sha256_of, sniff_format
from harmwatch.ingest.raw_table import MAX_CELL_CHARS, ROW, BadRow, RawTable, rows_numbered

__all__ = [
    "MAX_CELL_CHARS",
    "ROW",
    "BadRow",
    "FileScan",
    "RawTable",
    "read_table",
    "rows_numbered",
    "scan_file",
    "sha256_of",
    "sniff_format",
]


def read_table(
    path: Path,
    *,
    sheet: str | None = None,
    sha256: str | None = None,
    scan: FileScan | None = None,
) -> RawTable:
    """Read ``path`` as a table of text cells.

    Parameters
    ----------
    path : Path
        A CSV (UTF-8 with or without BOM, or Windows-1252/Latin-1), XLSX
        (first sheet unless ``sheet``) or GeoJSON file.
    sheet : str, optional
        The XLSX sheet to read.
    sha256 : str, optional
        The file's digest when the caller has it already.
    scan : FileScan, optional
        The file's :func:`scan_file` when the caller has it already (a CSV
        is then parsed where it lies, not read into memory first).

    Raises
    ------
    InputFileError
        When the file is missing, empty, not a table, or its header is unusable.
    """
    name = str(path)
    if path.is_dir():
        raise InputFileError(name, "is a folder, not a file")
    if not path.is_file():
        raise InputFileError(name, "no such file")
    if path.stat().st_size == 0:
        raise InputFileError(name, "the file is empty (not even a header row)")
    with path.open("rb") as handle:
        head = handle.read(8192)
    fmt = sniff_format(path, head)
    digest = sha256 or (scan.sha256 if scan else None) or sha256_of(path)
    if fmt == "xlsx":
        return _read_xlsx(path, digest, sheet)
    if fmt == "geojson":
        # Areas are the only GeoJSON kind; geo.areas reads the geometry.
        return RawTable(path=path, format="geojson", sha256=digest, frame=pl.DataFrame())
    if scan is not None and scan.utf8 and scan.quotes_even:
        in_place = _read_csv_in_place(path, digest, scan)
        if in_place is not None:
            return in_place
    return _read_csv(path, digest)


def _decode(path: Path) -> tuple[bytes, int, str]:
    """The file as UTF-8 bytes, where its text starts (after a BOM), and the
    encoding it was in. Valid UTF-8 is not copied."""
    data = path.read_bytes()
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    if data.isascii():  # fast, and ASCII is valid UTF-8
        return data, start, "utf-8"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for offset in range(start, len(data), 1 << 24):
            decoder.decode(data[offset : offset + (1 << 24)])
        decoder.decode(b"", final=True)
        return data, start, "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data[start:].decode("cp1252")
        encoding = "windows-1252"
    except UnicodeDecodeError:
        text = data[start:].decode("latin-1")
        encoding = "latin-1"
    return text.encode("utf-8"), 0, encoding


def _header(path: Path, data: bytes, start: int) -> list[str]:
    end = data.find(b"\n", start)
    first = data[start : end if end >= 0 else len(data)].decode("utf-8").rstrip("\r")
    header = next(csv.reader([first]), [])
    names = [h.strip() for h in header]
    name = str(path)
    if not any(names):
        raise InputFileError(name, "the first row is empty: a header row is needed", row=1)
    if len(names) == 1 and (";" in first or "\t" in first or "|" in first):
        sep = ";" if ";" in first else ("tab" if "\t" in first else "|")
        raise InputFileError(
            name, f"the header looks {sep}-separated; HarmWatch reads comma-separated CSV", row=1
        )
    seen: set[str] = set()
    for index, column in enumerate(names, start=1):
        if not column:
            raise InputFileError(name, f"header cell {index} is empty", row=1)
        key = column.lower()
        if key in seen:
            raise InputFileError(name, "the header names this column twice", row=1, column=column)
        seen.add(key)
    return names


def _read_csv(path: Path, digest: str) -> RawTable:
    data, start, encoding = _decode(path)
    names = _header(path, data, start)
    table = None
    # Well-formed quoting pairs every quote character; an odd count means a
    # quote is never closed (or a stray quote): the careful reader sorts it out.
    if data.count(b'"') % 2 == 0:
        # Fast, parallel parse first; a value with a line break in it shows up
        # as a ragged row, and the file is then parsed again allowing them.
        buffer = pa.BufferReader(pa.py_buffer(data).slice(start))  # no copy
        table, ragged = _parse_csv(buffer, names, newlines_in_values=False)
        if table is None or ragged:
            buffer = pa.BufferReader(pa.py_buffer(data).slice(start))
            table, ragged = _parse_csv(buffer, names, newlines_in_values=True)
        if ragged:
            table = None
    if table is None:
        frame, bad = read_csv_rows(data[start:], names)
    else:
        del data  # the file's bytes are no longer needed: free them first
        frame = _arrow_frame(table, names)
        bad = []
    return _csv_table(path, digest, frame, names, bad, encoding)


def _read_csv_in_place(path: Path, digest: str, scan: FileScan) -> RawTable | None:
    """A UTF-8 file with paired quotes, parsed by pyarrow from the file itself
    (no copy of it in memory); ``None`` when it has ragged rows or cannot be
    parsed so, for :func:`_read_csv` to take over."""
    with path.open("rb") as handle:
        head = handle.readline()
    names = _header(path, head, 3 if scan.bom else 0)
    # The header (and a BOM before it) is skipped as the first row. The file
    # is opened here, not by name: pyarrow would decompress a name ending .gz.
    with pa.OSFile(str(path)) as source:
        table, ragged = _parse_csv(source, names, newlines_in_values=False)
    if table is None or ragged:
        with pa.OSFile(str(path)) as source:
            table, ragged = _parse_csv(source, names, newlines_in_values=True)
    if table is None or ragged:
        return None
    return _csv_table(path, digest, _arrow_frame(table, names), names, [], "utf-8")


def _arrow_frame(table: pa.Table, names: list[str]) -> pl.DataFrame:
    """The parsed table as a frame of text cells numbered from row 2."""
    frame = pl.from_arrow(table)
    del table
    pa.default_memory_pool().release_unused()  # give the parse buffers back
    assert isinstance(frame, pl.DataFrame)
    frame = frame.with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))
    return frame.select(*names, ROW)


def _csv_table(
    path: Path,
    digest: str,
    frame: pl.DataFrame,
    names: list[str],
    bad: list[BadRow],
    encoding: str,
) -> RawTable:
    frame, long_rows = _refuse_long_cells(frame, names)
    warnings = []
    if encoding != "utf-8":
        warnings.append(f"{path}: read as {encoding} (not UTF-8)")
    return RawTable(
        path=path,
        format="csv",
        sha256=digest,
        frame=frame,
        bad_rows=sorted(bad + long_rows, key=lambda b: b.row),
        encoding=encoding,
        warnings=warnings,
    )


def _parse_csv(
    source: str | pa.NativeFile, names: list[str], *, newlines_in_values: bool
) -> tuple[pa.Table | None, int]:
    """Parse with pyarrow, every cell as text; count rows of the wrong width.

    Returns ``(None, 0)`` when pyarrow cannot parse the file at all (e.g. a
    cell longer than a block), for the row-by-row reader to take over.
    """
    ragged = 0

    def count_ragged(_row: object) -> str:
        nonlocal ragged
        ragged += 1
        return "skip"

    try:
        table = pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(
                newlines_in_values=newlines_in_values, invalid_row_handler=count_ragged
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return None, 0
    return table, ragged


def _refuse_long_cells(frame: pl.DataFrame, names: list[str]) -> tuple[pl.DataFrame, list[BadRow]]:
    # A cell has at least as many bytes as characters: count bytes (cheap)
    # first, and characters only when some cell has that many bytes.
    if not frame.select(
        pl.any_horizontal([pl.col(n).str.len_bytes() > MAX_CELL_CHARS for n in names]).any()
    ).item():
        return frame, []
    too_long = pl.any_horizontal([pl.col(n).str.len_chars() > MAX_CELL_CHARS for n in names])
    long_frame = frame.filter(too_long)
    if long_frame.height == 0:
        return frame, []
    bad: list[BadRow] = []
    for row in long_frame.iter_rows(named=True):
        raw = {n: row[n] for n in names}
        for n in names:
            cell = row[n] or ""
            if len(cell) > MAX_CELL_CHARS:
                reason = (
                    f"the cell is {len(cell):,} characters long (at most {MAX_CELL_CHARS:,}"
                    " allowed): check for an unclosed quote"
                )
                bad.append(BadRow(row[ROW], n, cell[:200], reason, raw))
                break
    return frame.filter(~too_long), bad


def _read_xlsx(path: Path, digest: str, sheet: str | None) -> RawTable:
    import fastexcel

    name = str(path)
    try:
        reader = fastexcel.read_excel(str(path))
    except Exception as exc:  # fastexcel raises its own error types
        raise InputFileError(name, f"cannot be read as XLSX: {exc}") from exc
    sheets = list(reader.sheet_names)
    warnings = []
    if sheet is not None and sheet not in sheets:
        raise InputFileError(name, f"has no sheet {sheet!r} (sheets: {', '.join(sheets)})")
    chosen = sheet if sheet is not None else sheets[0]
    if sheet is None and len(sheets) > 1:
        warnings.append(
            f"{path}: has {len(sheets)} sheets ({', '.join(sheets)}); read the first, "
            f"{chosen!r} (choose another with --sheet)"
        )
    try:
        loaded = reader.load_sheet(chosen, dtypes="string")
        frame = loaded.to_polars()
    except Exception as exc:
        raise InputFileError(name, f"sheet {chosen!r} cannot be read: {exc}") from exc
    if frame.width == 0:
        raise InputFileError(name, f"sheet {chosen!r} is empty (not even a header row)")
    names = [str(c).strip() for c in frame.columns]
    lowered = [n.lower() for n in names]
    for index, column in enumerate(names):
        if not column or column.startswith("__UNNAMED__"):
            raise InputFileError(name, f"header cell {index + 1} is empty", row=1)
        if lowered.count(column.lower()) > 1:
            raise InputFileError(name, "the header names this column twice", row=1, column=column)
    frame = frame.rename(dict(zip(frame.columns, names, strict=True)))
    frame = frame.with_columns(pl.all().cast(pl.String).fill_null(""))
    frame = frame.with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))
    frame = frame.select(*names, ROW)
    # Like blank lines of a CSV, empty rows are skipped (numbers stay Excel's).
    frame = frame.filter(~pl.all_horizontal([pl.col(n).str.strip_chars() == "" for n in names]))
    frame, long_rows = _refuse_long_cells(frame, names)
    return RawTable(
        path=path,
        format="xlsx",
        sha256=digest,
        frame=frame,
        bad_rows=long_rows,
        encoding="xlsx",
        warnings=warnings,
    )
