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
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv

from harmwatch.errors import InputFileError

#: Name of the column holding each row's number in the file.
ROW = "__row"
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


def sha256_of(path: Path) -> str:
    """SHA-256 hex digest of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class FileScan:
    """What one pass over a file's bytes tells (see :func:`scan_file`).

    Attributes
    ----------
    sha256 : str
        SHA-256 hex digest of the bytes.
    bom : bool
        Whether the file starts with a UTF-8 byte-order mark.
    utf8 : bool
        Whether the bytes are valid UTF-8 (ASCII included).
    quotes_even : bool
        Whether the file has an even number of ``"`` (well-formed quoting
        pairs every quote).
    """

    sha256: str
    bom: bool
    utf8: bool
    quotes_even: bool


def scan_file(path: Path) -> FileScan:
    """One pass over ``path`` in blocks: its digest, and what the CSV reader
    needs to know before parsing the file where it lies (without first
    reading it all into memory)."""
    digest = hashlib.sha256()
    quotes = 0
    bom = False
    utf8 = True
    decoder: codecs.IncrementalDecoder | None = None
    with path.open("rb") as handle:
        for number, block in enumerate(iter(lambda: handle.read(1 << 24), b"")):
            digest.update(block)
            quotes += block.count(b'"')
            if number == 0:
                bom = block.startswith(_BOM)
            if not utf8 or (decoder is None and block[3 if bom and not number else 0 :].isascii()):
                continue  # ASCII so far is valid UTF-8, and leaves no partial character
            decoder = decoder or codecs.getincrementaldecoder("utf-8")()
            try:
                decoder.decode(block)
            except UnicodeDecodeError:
                utf8 = False
    if utf8 and decoder is not None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    return FileScan(digest.hexdigest(), bom, utf8, quotes % 2 == 0)


#: File signatures of things people send instead of a table.
_SIGNATURES = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)
#: Control bytes that do not occur in text (all below 0x20 except tab, LF, FF, CR).
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13))


def sniff_format(path: Path, head: bytes) -> str:
    """Tell CSV, XLSX and GeoJSON apart by content (not only by extension).

    Raises
    ------
    InputFileError
        When the file is none of them (a PDF, an image, an old .xls, UTF-16
        text, other binary).
    """
    name = str(path)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputFileError(name, "is an old Excel .xls file: save it as .xlsx or CSV")
    for magic, what in _SIGNATURES:
        if head.startswith(magic):
            raise InputFileError(name, f"is {what}, not a CSV, XLSX or GeoJSON file")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputFileError(
            name, "is UTF-16 text (Excel's 'Unicode text'): save it as 'CSV UTF-8' instead"
        )
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{"):
        return "geojson"
    control = len(head) - len(head.translate(None, _CONTROL))
    if b"\x00" in head or control * 100 > len(head):
        raise InputFileError(name, "is a binary file, not a CSV, XLSX or GeoJSON file")
    return "csv"


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
        frame, bad = _read_csv_slowly(data[start:], names)
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


def _read_csv_slowly(data: bytes, names: list[str]) -> tuple[pl.DataFrame, list[BadRow]]:
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
