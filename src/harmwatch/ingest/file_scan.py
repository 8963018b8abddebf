"""What a file is before it is parsed: its digest, format, encoding and quoting.

One pass over the bytes (:func:`scan_file`) gives the SHA-256 used for
provenance and re-load detection, and what the CSV reader needs to parse the
file where it lies; :func:`sniff_format` tells CSV, XLSX and GeoJSON apart by
content and refuses the things people send instead of a table.
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
from pathlib import Path

from harmwatch.errors import InputFileError

__all__ = ["FileScan", "scan_file", "sha256_of", "sniff_format"]


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
