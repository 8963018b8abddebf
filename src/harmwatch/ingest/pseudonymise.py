"""Pseudonymous person tokens: the same person, the same token, in every file.

A partner that may not share names runs ``harmwatch tokenise`` before sending
a file: names, date of birth, postcode and NHS number are replaced by
``person_token``, a keyed hash (HMAC-SHA256, RFC 2104) of normalised
identifiers. Partners agree one secret key; without it a token cannot be
reversed or recomputed from guessed identities. The key is read from a file
given on the command line and is never written to the store or to logs.

The token is made from the normalised surname, forename and date of birth
(``v1|SURNAME|FORENAME|YYYY-MM-DD``): those are the identifiers every agency
holds. When one of them is missing and a valid NHS number is present, it is
made from the NHS number (``v1|nhs|NNNNNNNNNN``). Otherwise it is empty.
Normalisation: Unicode accents removed, upper case, only letters kept (so
"O'Neil", "o neil" and "ONEIL" agree); dates as ISO ``YYYY-MM-DD``.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from pathlib import Path

import polars as pl

from harmwatch.errors import HarmWatchError

#: The columns a token replaces.
PERSONAL_COLUMNS = ("forename", "surname", "date_of_birth", "postcode", "nhs_number")
#: The shortest key accepted (bytes).
MIN_KEY_BYTES = 16


def read_key(path: Path) -> bytes:
    """Read the partners' shared key from ``path`` (surrounding whitespace ignored).

    Raises
    ------
    HarmWatchError
        When the file is missing or the key is shorter than 16 bytes.
    """
    if not path.is_file():
        raise HarmWatchError(f"key file {path}: no such file")
    key = path.read_bytes().strip()
    if len(key) < MIN_KEY_BYTES:
        raise HarmWatchError(
            f"key file {path}: the key is {len(key)} bytes; at least {MIN_KEY_BYTES} are needed"
        )
    return key


def normalise_name(value: str | None) -> str:
    """Upper-case letters only, accents removed (``"Zoë O'Neil"`` -> ``"ZOEONEIL"``)."""
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in decomposed if ch.isalpha() and ch.isascii()).upper()


def token_for(
    key: bytes,
    *,
    forename: str | None,
    surname: str | None,
    date_of_birth: str | None,
    nhs_number: str | None = None,
) -> str | None:
    """The person token of one set of identifiers (see the module docstring)."""
    first, last = normalise_name(forename), normalise_name(surname)
    if first and last and date_of_birth:
        message = f"v1|{last}|{first}|{date_of_birth}"
    elif nhs_number:
        message = f"v1|nhs|{nhs_number}"
    else:
        return None
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def add_person_tokens(frame: pl.DataFrame, key: bytes) -> pl.DataFrame:
    """Fill ``person_token`` from the identifiers (an existing token is kept).

    ``frame`` holds validated contract columns: ``date_of_birth`` a date,
    ``nhs_number`` 10 digits.
    """

    def column(name: str) -> pl.Series:
        if name not in frame.columns:
            return pl.Series(name, [None] * frame.height, dtype=pl.String)
        return frame.get_column(name).cast(pl.String)

    forenames, surnames = column("forename").to_list(), column("surname").to_list()
    births, nhs = column("date_of_birth").to_list(), column("nhs_number").to_list()
    tokens = [
        token_for(key, forename=f, surname=s, date_of_birth=d, nhs_number=n)
        for f, s, d, n in zip(forenames, surnames, births, nhs, strict=True)
    ]
    made = pl.Series("person_token", tokens, dtype=pl.String)
    if "person_token" in frame.columns:
        made = frame.get_column("person_token").fill_null(made)
    return frame.with_columns(made.alias("person_token"))
