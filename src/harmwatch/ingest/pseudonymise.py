"""Pseudonymous person tokens: the same person, the same token, in every file.

A partner that may not share names runs ``harmwatch tokenise`` before sending
a file (:func:`harmwatch.ingest.tokenise.tokenise_file`): names, date of birth,
postcode and NHS number are replaced by ``person_token``, a keyed hash (HMAC-SHA256, RFC 2104) of
normalised identifiers. Partners agree one secret key; without it a token
cannot be reversed or recomputed from guessed identities. The key is read
from a file given on the command line and is never written to the store, to
an output file or to logs.

The token is made from the normalised surname, forename and date of birth
(``v1|SURNAME|FORENAME|YYYY-MM-DD``): those are the identifiers every agency
holds. When one of them is missing and a valid NHS number is present, it is
made from the NHS number (``v1|nhs|NNNNNNNNNN``). Otherwise it is empty.
Normalisation: Unicode accents removed, letters without a decomposition
transliterated (``ø`` -> ``O``, ``ß`` -> ``SS``, ``æ`` -> ``AE``...), upper
case, only letters kept (so "O'Neil", "o neil" and "ONEIL" agree); dates as
ISO ``YYYY-MM-DD``; NHS numbers as their 10 digits. Identifier values are
parsed exactly as ``harmwatch ingest`` parses them (:func:`validate`), so an
Excel date ``2001-02-03 00:00:00`` and ``2001-02-03`` give the same token.

A postcode is not part of the token (people move); it is dropped with the
other identifiers. Free-text columns (descriptions, outcomes) are passed
through as given: they must not name people.

References
----------
Krawczyk, H., Bellare, M. and Canetti, R. (1997). *HMAC: Keyed-Hashing for
Message Authentication*. RFC 2104.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from datetime import date, datetime
from pathlib import Path

import polars as pl

from harmwatch.errors import HarmWatchError

__all__ = [
    "MIN_KEY_BYTES",
    "PERSONAL_COLUMNS",
    "add_person_tokens",
    "normalise_name",
    "read_key",
    "token_for",
]

#: The columns a token replaces.
PERSONAL_COLUMNS = ("forename", "surname", "date_of_birth", "postcode", "nhs_number")
#: The shortest key accepted (bytes).
MIN_KEY_BYTES = 16
#: How many problems :attr:`TokeniseResult.errors` lists.
ERRORS_SHOWN = 100
#: The oldest age written when age is derived from a date of birth; an older
#: one is usually a placeholder birth date (``1900-01-01``) and is left empty.
AGE_MAX = 125

#: Letters that Unicode does not decompose into an ASCII letter plus accents.
_TRANSLITERATE = str.maketrans(
    {
        "ß": "ss",
        "ẞ": "SS",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "TH",
        "ı": "i",
    }
)

#: File headers (lower case, letters and digits only) that look like a person
#: identifier outside the contract's columns: refused, never passed through.
_IDENTIFIER_HEADERS = frozenset(
    {
        "name",
        "fullname",
        "personname",
        "firstname",
        "firstnames",
        "givenname",
        "givennames",
        "forenames",
        "christianname",
        "middlename",
        "middlenames",
        "lastname",
        "familyname",
        "surnames",
        "maidenname",
        "birthname",
        "alias",
        "aliases",
        "dob",
        "birthdate",
        "dateofbirth",
        "nhs",
        "nhsno",
        "nhsnum",
        "nhsnumber",
        "chino",
        "chinumber",
        "nino",
        "ninumber",
        "nationalinsurancenumber",
        "forename",
        "surname",
        "postcode",
        "postalcode",
        "zip",
        "zipcode",
        "address",
        "address1",
        "addressline1",
        "homeaddress",
        "street",
        "phone",
        "telephone",
        "mobile",
        "phonenumber",
        "email",
        "emailaddress",
    }
)


def read_key(path: Path) -> bytes:
    """Read the partners' shared key from ``path`` (surrounding whitespace ignored).

    Parameters
    ----------
    path : Path
        A file holding the key (any bytes; a long random string is best).

    Returns
    -------
    bytes
        The key. Never print, log or store it.

    Raises
    ------
    HarmWatchError
        When the file is missing or the key is shorter than 16 bytes. The
        message never contains the key.
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
    """Upper-case ASCII letters only, accents removed.

    Examples
    --------
    >>> normalise_name("Zoë O'Neil")
    'ZOEONEIL'
    >>> normalise_name("Søren-Åse")
    'SORENASE'
    """
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFKD", value.translate(_TRANSLITERATE))
    return "".join(ch for ch in decomposed if ch.isalpha() and ch.isascii()).upper()


def _normalise_date(value: str | date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value.strip()


def token_for(
    key: bytes,
    *,
    forename: str | None,
    surname: str | None,
    date_of_birth: str | date | None,
    nhs_number: str | None = None,
) -> str | None:
    """The person token of one set of identifiers (see the module docstring).

    Parameters
    ----------
    key : bytes
        The partners' shared key.
    forename, surname : str or None
        Names as recorded (normalised here).
    date_of_birth : str, date or None
        A date, or its ISO text ``YYYY-MM-DD`` (already validated).
    nhs_number : str or None
        An NHS number (already validated; spaces and hyphens are ignored).

    Returns
    -------
    str or None
        64 hexadecimal characters, or None when the identifiers are not
        enough to make a token.
    """
    first, last = normalise_name(forename), normalise_name(surname)
    born = _normalise_date(date_of_birth)
    nhs = re.sub(r"\D", "", nhs_number or "")
    if first and last and born:
        message = f"v1|{last}|{first}|{born}"
    elif nhs:
        message = f"v1|nhs|{nhs}"
    else:
        return None
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def add_person_tokens(frame: pl.DataFrame, key: bytes) -> pl.DataFrame:
    """Fill ``person_token`` from the identifiers (an existing token is kept).

    Parameters
    ----------
    frame : polars.DataFrame
        Validated contract columns: ``date_of_birth`` a date, ``nhs_number``
        10 digits (any of the identifier columns may be absent).
    key : bytes
        The partners' shared key.

    Returns
    -------
    polars.DataFrame
        ``frame`` with ``person_token`` filled where it was empty.
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
        made = frame.get_column("person_token").cast(pl.String).fill_null(made)
    return frame.with_columns(made.alias("person_token"))
