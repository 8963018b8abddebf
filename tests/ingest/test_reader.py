"""Reading files into text cells (harmwatch.ingest.reader): encodings, layouts, bad bytes."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import polars as pl
import pytest

from harmwatch.errors import InputFileError
from harmwatch.ingest.reader import (
    MAX_CELL_CHARS,
    ROW,
    read_table,
    rows_numbered,
    scan_file,
    sha256_of,
)
from ingest._ingest_support import OCC_HEADER, occ_csv, occ_line, write


def test_cells_are_text_as_written_with_spreadsheet_row_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, occ_csv(occ_line("A1", easting="0530000"), occ_line("A2")))
    table = read_table(path)
    assert table.format == "csv"
    assert table.frame.get_column("easting").to_list() == ["0530000", ""]
    assert table.frame.get_column(ROW).to_list() == [2, 3]
    assert table.rows_read == 2
    assert table.bad_rows == []
    assert len(table.sha256) == 64


def test_crlf_and_bom_read_like_plain_utf8(tmp_path: Path) -> None:
    text = occ_csv(occ_line("A1"), occ_line("A2"))
    plain = read_table(write(tmp_path, text, "plain.csv")).frame
    crlf = read_table(write(tmp_path, text.replace("\n", "\r\n"), "crlf.csv")).frame
    bom = read_table(write(tmp_path, b"\xef\xbb\xbf" + text.encode(), "bom.csv"))
    assert crlf.equals(plain)
    assert bom.frame.equals(plain)
    assert bom.frame.columns == [*OCC_HEADER.split(","), ROW]
    assert bom.warnings == []


def test_windows_1252_is_read_correctly_with_a_warning(tmp_path: Path) -> None:
    text = "occurrence_id,description\nA1,Zoë paid £5\n"
    table = read_table(write(tmp_path, text.encode("cp1252")))
    assert table.frame.get_column("description").to_list() == ["Zoë paid £5"]
    assert table.encoding == "windows-1252"
    assert any("windows-1252" in w and "not UTF-8" in w for w in table.warnings)


def test_header_keeps_its_case_but_loses_surrounding_spaces(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "Occurrence_ID , KIND\nA1,crime\n"))
    assert table.frame.columns == ["Occurrence_ID", "KIND", ROW]


def test_ragged_rows_are_kept_with_raw_text_and_right_row_numbers(tmp_path: Path) -> None:
    text = occ_csv(
        occ_line("A1"),
        occ_line("A2") + ",surplus",
        "A3,crime,gbh",
        occ_line("A4"),
    )
    table = read_table(write(tmp_path, text))
    assert table.frame.get_column("occurrence_id").to_list() == ["A1", "A4"]
    assert table.frame.get_column(ROW).to_list() == [2, 5]
    assert [b.row for b in table.bad_rows] == [3, 4]
    too_many, too_few = table.bad_rows
    assert too_many.value == occ_line("A2") + ",surplus"
    assert "10 cells but the header has 9" in too_many.reason
    assert too_many.raw["_extra_1"] == "surplus"
    assert too_few.value == "A3,crime,gbh"
    assert too_few.raw == {"occurrence_id": "A3", "kind": "crime", "offence_group": "gbh"}
    assert table.rows_read == 4


def test_blank_lines_are_skipped_and_not_counted(tmp_path: Path) -> None:
    text = OCC_HEADER + "\n" + occ_line("A1") + "\n\n" + occ_line("A2") + "\n"
    table = read_table(write(tmp_path, text))
    assert table.frame.get_column(ROW).to_list() == [2, 3]


def test_a_quoted_cell_may_span_lines(tmp_path: Path) -> None:
    text = 'occurrence_id,description\nA1,"two\nlines"\nA2,plain\n'
    table = read_table(write(tmp_path, text))
    assert table.frame.get_column("description").to_list() == ["two\nlines", "plain"]
    assert table.frame.get_column(ROW).to_list() == [2, 3]


def test_a_huge_cell_is_set_aside_with_an_unclosed_quote_hint(tmp_path: Path) -> None:
    big = "x" * 1_000_000
    text = occ_csv(occ_line("A1", weapon=f'"{big}"'), occ_line("A2"))
    table = read_table(write(tmp_path, text))
    assert table.frame.get_column("occurrence_id").to_list() == ["A2"]
    (bad,) = table.bad_rows
    assert (bad.row, bad.column) == (2, "weapon")
    assert "unclosed quote" in bad.reason
    assert f"{MAX_CELL_CHARS:,}" in bad.reason
    assert len(bad.value) <= 200


def test_a_huge_cell_in_a_file_with_ragged_rows_too(tmp_path: Path) -> None:
    """The careful (row by row) reader must not stop at the csv module's field limit."""
    text = occ_csv(occ_line("A1", weapon="y" * 200_000), "A2,crime", occ_line("A3"))
    table = read_table(write(tmp_path, text))
    assert table.frame.get_column("occurrence_id").to_list() == ["A3"]
    assert [(b.row, b.column) for b in table.bad_rows] == [(2, "weapon"), (3, None)]


def test_an_unclosed_quote_sets_aside_its_row_only(tmp_path: Path) -> None:
    text = occ_csv(occ_line("A1"), occ_line("A2", weapon='"sharp'), occ_line("A3"), occ_line("A4"))
    table = read_table(write(tmp_path, text))
    assert table.frame.get_column("occurrence_id").to_list() == ["A1", "A3", "A4"]
    assert table.frame.get_column(ROW).to_list() == [2, 4, 5]
    (bad,) = table.bad_rows
    assert bad.row == 3
    assert "unclosed quote" in bad.reason
    assert bad.value == occ_line("A2", weapon='"sharp')
    assert bad.raw["occurrence_id"] == "A2"
    assert table.rows_read == 4


def test_a_stray_quote_inside_a_cell_is_just_a_character(tmp_path: Path) -> None:
    text = 'occurrence_id,description\nA1,5" blade\nA2,plain\n'
    table = read_table(write(tmp_path, text))
    assert table.frame.get_column("description").to_list() == ['5" blade', "plain"]
    assert table.bad_rows == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "PNG image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\n", "PDF"),
        (bytes((i * 7919 + 13) % 256 for i in range(4096)), "binary file"),
        (bytes((i * 31 + 7) % 200 + 1 for i in range(4096)), "binary file"),  # no NUL byte
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), ".xls"),
        ("occurrence_id,kind\r\nA1,crime\r\n".encode("utf-16"), "UTF-16"),
        (b"occurrence_id;kind;offence_group\nA1;crime;gbh\n", ";-separated"),
        (b"occurrence_id\tkind\nA1\tcrime\n", "tab-separated"),
        (b"occurrence_id,kind,Kind\nA1,crime,crime\n", "twice"),
        (b"occurrence_id,,kind\nA1,x,crime\n", "header cell 2 is empty"),
    ],
    ids=[
        "empty",
        "png",
        "pdf",
        "binary",
        "binary-no-nul",
        "xls",
        "utf16",
        "semicolon",
        "tab",
        "duplicate-header",
        "empty-header",
    ],
)
def test_files_that_are_not_a_csv_table_are_refused_clearly(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = write(tmp_path, content)
    with pytest.raises(InputFileError) as caught:
        read_table(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no such file"):
        read_table(tmp_path / "absent.csv")
    with pytest.raises(InputFileError, match="is a folder"):
        read_table(tmp_path)


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, cells in sheets.items():
        sheet = book.create_sheet(title)
        for line in cells:
            sheet.append(line)
    book.save(path)
    return path


def test_xlsx_first_sheet_is_read_and_the_warning_names_the_sheets(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "book.xlsx",
        {
            "Crimes": [["occurrence_id", "kind"], ["A1", "crime"], ["A2", "incident"]],
            "Notes": [["note"], ["hello"]],
            "Lookups": [["code"], ["x"]],
        },
    )
    table = read_table(path)
    assert table.format == "xlsx"
    assert table.frame.get_column("occurrence_id").to_list() == ["A1", "A2"]
    assert table.frame.get_column(ROW).to_list() == [2, 3]
    (warning,) = table.warnings
    assert "Crimes, Notes, Lookups" in warning
    assert "--sheet" in warning

    notes = read_table(path, sheet="Notes")
    assert notes.frame.get_column("note").to_list() == ["hello"]
    assert notes.warnings == []
    with pytest.raises(InputFileError, match=r"no sheet .Nope.*Crimes, Notes, Lookups"):
        read_table(path, sheet="Nope")


def test_xlsx_empty_rows_are_skipped_and_row_numbers_are_excels(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "gaps.xlsx",
        {"Data": [["occurrence_id", "kind"], ["A1", "crime"], [None, None], ["A3", "crime"]]},
    )
    table = read_table(path)
    assert table.frame.get_column("occurrence_id").to_list() == ["A1", "A3"]
    assert table.frame.get_column(ROW).to_list() == [2, 4]


@pytest.mark.parametrize("order", ["file", "shuffled"])
def test_rows_numbered_finds_exactly_the_rows_asked_for(order: str) -> None:
    # Blank lines leave gaps in the numbers; a frame out of file order is
    # searched the slow way. Numbers not in the frame are ignored.
    numbers = [n for n in range(2, 2_000) if n % 7]
    frame = pl.DataFrame({ROW: numbers, "v": [f"x{n}" for n in numbers]})
    if order == "shuffled":
        frame = frame.sample(fraction=1.0, shuffle=True, seed=1)
    wanted = pl.Series([1_999, 2, 7, 14, 500, 5_000, 2, 3], dtype=pl.Int64)
    found = rows_numbered(frame, wanted)
    assert sorted(found.get_column(ROW).to_list()) == [2, 3, 500, 1_999]
    assert all(v == f"x{n}" for n, v in found.iter_rows())


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("plain.csv", "a,b\n1,x\n2,y\n"),
        ("bom_crlf.csv", "\ufeffa,b\r\n1,x\r\n\r\n2,y\r\n"),
        ("quoted_newline.csv", 'a,b\n1,"two\nlines"\n2,"say ""hi"""\n'),
        ("ragged.csv", "a,b\n1,x\n2\n3,z,extra\n4,w\n"),
        ("unclosed.csv", 'a,b\n1,"x\n2,y\n'),
        ("accents.csv", "a,b\n1,Zoë\n2,São Paulo\n"),
        ("latin1.csv", "a,b\n1,Zo\xeb\n".encode("latin-1")),
        ("header_only.csv", "a,b\n"),
        ("looks_compressed.csv.gz", "a,b\n1,x\n"),  # a name is not a format
    ],
)
def test_parsing_in_place_reads_the_same_as_from_memory(
    tmp_path: Path, name: str, content: str | bytes
) -> None:
    path = write(tmp_path, content, name)
    scan = scan_file(path)
    assert scan.sha256 == sha256_of(path)
    in_memory, in_place = read_table(path), read_table(path, scan=scan)
    assert in_place.frame.equals(in_memory.frame)
    assert in_place.bad_rows == in_memory.bad_rows
    assert (in_place.encoding, in_place.warnings) == (in_memory.encoding, in_memory.warnings)
    assert in_place.sha256 == in_memory.sha256


def test_scan_file_tells_utf8_bom_and_quotes(tmp_path: Path) -> None:
    scan = scan_file(write(tmp_path, "\ufeffa,b\n1,x\n2,é\n", "u.csv"))
    assert (scan.bom, scan.utf8, scan.quotes_even) == (True, True, True)
    scan = scan_file(write(tmp_path, "a,b\n1,x\n", "a.csv"))
    assert (scan.bom, scan.utf8, scan.quotes_even) == (False, True, True)
    scan = scan_file(write(tmp_path, b"a,b\n1,\xe9\n", "l.csv"))
    assert (scan.bom, scan.utf8) == (False, False)
    assert not scan_file(write(tmp_path, 'a,b\n1,"x\n', "q.csv")).quotes_even
