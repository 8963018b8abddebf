"""Exceptions that reach the user as one clear message (CLI exit code 1)."""

from __future__ import annotations


class HarmWatchError(Exception):
    """A problem the user can fix: bad input, a missing file, a bad setting.

    The CLI prints ``str(error)`` and exits with status 1, without a traceback.
    Messages name the file, row and column where there is one.
    """


class InputFileError(HarmWatchError):
    """A whole input file cannot be read as the kind it was given as.

    Parameters
    ----------
    path : str
        The file.
    message : str
        What is wrong, in plain words.
    row, column : optional
        Where, when the problem is at one place (row numbers count the header
        as row 1, as a spreadsheet does).
    """

    def __init__(
        self, path: str, message: str, *, row: int | None = None, column: str | None = None
    ) -> None:
        where = path
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {message}")
        self.path = path
        self.row = row
        self.column = column
        self.message = message
