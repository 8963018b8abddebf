"""The person-linkage input: one row per person-bearing record, normalised.

:func:`linkage_frame` reads every record of the person-bearing kinds
(``police_people``, ``deaths``, ``council_referrals``, ``ed_assaults``) from
the store and derives the columns the linkage model compares:

``unique_id``
    ``kind|source|record_id`` (:func:`record_key`), the record's identity in
    linkage, review decisions and explanations.
``forename``, ``surname``
    Upper-case ASCII letters only (the same normalisation as person tokens:
    ``"O'Neil"`` and ``"o neil"`` agree), empty as null.
``forename_canon``
    The formal form of a nickname or variant spelling (``BILL`` ->
    ``WILLIAM``, ``MOHAMMAD`` -> ``MOHAMMED``) from :data:`NICKNAMES`; the
    name itself otherwise.
``forename_initial``, ``surname_initial``
    First letters.
``dob``, ``dob_swapped``, ``dob_year``, ``dob_md``
    Date of birth as ISO text; the same date with day and month exchanged
    (null when the day is over 12 or equals the month); its year; its
    ``MM-DD``.
``postcode``, ``postcode_outward``
    The UK postcode (``AB1 2CD``) and its outward code (``AB1``), for people
    who moved within a district. A non-UK postcode kept in ``extra`` as
    ``postcode_au`` (the FEBRL mapping) fills ``postcode`` when there is no
    UK one; it has no outward code.
``nhs_number``, ``sex`` (null when ``unknown``), ``person_token``
``person_ref``
    ``source|person_ref``: the source system's own person id; records of one
    source with the same reference are the same person (a deterministic link).
``street_number``, ``address_1``, ``suburb``, ``soc_sec_id``
    Optional identifiers some files keep in ``extra`` (the FEBRL mapping does):
    compared when present, null otherwise.
``identified``
    Whether the record carries anything to link on (a name, date of birth,
    NHS number, token or person reference). Records without (an anonymous
    ED attendance) become persons of their own.

References
----------
Christen, P. (2012). *Data Matching: Concepts and Techniques for Record
Linkage, Entity Resolution, and Duplicate Detection*. Springer. (Chapter 3:
data cleaning and standardisation before comparison.)
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
from sqlalchemy import Engine, and_, false, or_

from harmwatch.analysis.data import read_kind
from harmwatch.contract import KINDS
from harmwatch.errors import HarmWatchError
from harmwatch.ingest.pseudonymise import add_person_tokens, normalise_name
from harmwatch.store.schema import kind_tables

__all__ = [
    "EXTRA_COLUMNS",
    "FEATURE_COLUMNS",
    "NICKNAMES",
    "PERSON_KINDS",
    "linkage_frame",
    "parse_record_key",
    "prepare_features",
    "record_key",
]

#: The person-bearing kinds, in the order records are read.
PERSON_KINDS: tuple[str, ...] = tuple(name for name, spec in KINDS.items() if spec.person_bearing)

#: Identifiers read from ``extra`` when a file kept them there.
EXTRA_COLUMNS: tuple[str, ...] = ("street_number", "address_1", "suburb", "soc_sec_id")

#: Every column of the linkage frame, in order.
FEATURE_COLUMNS: tuple[str, ...] = (
    "unique_id",
    "kind",
    "source",
    "record_id",
    "forename",
    "surname",
    "forename_canon",
    "forename_initial",
    "surname_initial",
    "dob",
    "dob_swapped",
    "dob_year",
    "dob_md",
    "postcode",
    "postcode_outward",
    "nhs_number",
    "sex",
    "person_token",
    "person_ref",
    *EXTRA_COLUMNS,
    "identified",
)

#: Formal forename -> informal forms and variant spellings (British usage).
NICKNAMES: dict[str, tuple[str, ...]] = {
    "WILLIAM": ("BILL", "BILLY", "WILL", "WILLY", "WILLIE", "LIAM"),
    "ROBERT": ("BOB", "BOBBY", "ROB", "ROBBIE", "ROBBY", "BERT"),
    "RICHARD": ("RICH", "RICHIE", "RICK", "RICKY", "DICK", "DICKIE"),
    "JAMES": ("JIM", "JIMMY", "JIMMIE", "JAMIE", "JAY"),
    "JOHN": ("JACK", "JOHNNY", "JOHNNIE", "JON", "JONNY"),
    "MICHAEL": ("MIKE", "MICK", "MICKY", "MICKEY", "MIKEY"),
    "CHRISTOPHER": ("CHRIS", "KRIS", "KIT"),
    "ANTHONY": ("TONY", "ANT", "ANTONY"),
    "STEPHEN": ("STEVE", "STEVEN", "STEVIE"),
    "THOMAS": ("TOM", "TOMMY", "THOM"),
    "DANIEL": ("DAN", "DANNY"),
    "JOSEPH": ("JOE", "JOEY", "JOSEF"),
    "SAMUEL": ("SAM", "SAMMY"),
    "BENJAMIN": ("BEN", "BENNY", "BENJI"),
    "ALEXANDER": ("ALEX", "ALEC", "SANDY", "ALEKSANDER", "ALEKSANDR"),
    "MATTHEW": ("MATT", "MATTY"),
    "ANDREW": ("ANDY", "DREW"),
    "DAVID": ("DAVE", "DAVEY", "DAI"),
    "PETER": ("PETE",),
    "KENNETH": ("KEN", "KENNY"),
    "RONALD": ("RON", "RONNIE"),
    "TERENCE": ("TERRY", "TEL"),
    "FREDERICK": ("FRED", "FREDDIE", "FREDDY"),
    "ALBERT": ("AL", "ALBIE"),
    "EDWARD": ("ED", "EDDIE", "EDDY", "TED", "TEDDY", "NED"),
    "JOSHUA": ("JOSH",),
    "NATHAN": ("NATE",),
    "NATHANIEL": ("NAT",),
    "NICHOLAS": ("NICK", "NICKY"),
    "PATRICK": ("PAT", "PADDY"),
    "GERALD": ("GERRY", "JERRY"),
    "LEONARD": ("LEN", "LENNY"),
    "HENRY": ("HARRY", "HAL", "HANK"),
    "PHILIP": ("PHIL", "PHILLIP"),
    "TIMOTHY": ("TIM", "TIMMY"),
    "GEOFFREY": ("GEOFF", "JEFFREY", "JEFF"),
    "RAYMOND": ("RAY",),
    "DOUGLAS": ("DOUG", "DOUGIE"),
    "DONALD": ("DON", "DONNIE"),
    "GREGORY": ("GREG",),
    "ARCHIBALD": ("ARCHIE",),
    "ALFRED": ("ALF", "ALFIE"),
    "ELIZABETH": ("LIZ", "LIZZIE", "BETH", "BETTY", "BETSY", "ELIZA", "LISA", "ELISABETH"),
    "MARGARET": ("MAGGIE", "MAG", "PEGGY", "MEG", "MADGE", "MAISIE"),
    "PATRICIA": ("PATSY", "TRISH", "TRICIA", "PATTY"),
    "SUSAN": ("SUE", "SUZY", "SUSIE", "SUZANNE"),
    "KATHLEEN": ("KATH", "KATHY"),
    "JENNIFER": ("JEN", "JENNY", "JENNI"),
    "CHRISTINE": ("CHRISSIE", "CHRISTINA", "TINA"),
    "REBECCA": ("BECKY", "BECCA", "BECKIE"),
    "JESSICA": ("JESS", "JESSIE"),
    "CHARLOTTE": ("LOTTIE", "CHARLIE"),
    "VICTORIA": ("VICKY", "VICKI", "VIKKI", "TORI"),
    "SAMANTHA": ("SAMMIE",),
    "DEBORAH": ("DEBBIE", "DEBRA", "DEB"),
    "PAMELA": ("PAM",),
    "DOROTHY": ("DOT", "DOTTIE", "DOLLY"),
    "KATHERINE": ("KATE", "KATIE", "KATHRYN", "CATHERINE", "CATH", "KAT", "KITTY"),
    "ABIGAIL": ("ABBIE", "ABBY", "ABI"),
    "NATALIE": ("NATALIA",),
    "NICOLA": ("NICKI", "NIKKI", "NICOLE"),
    "GILLIAN": ("GILL", "JILL", "GILLY"),
    "JOSEPHINE": ("JO", "JOSIE", "JOSEY"),
    "VALERIE": ("VAL",),
    "ALEXANDRA": ("ALEXA", "ALEXIS", "LEXI", "SASHA"),
    "ELEANOR": ("ELLIE", "NELL", "NELLIE", "ELLA"),
    "MARY": ("MOLLY", "POLLY", "MAMIE"),
    "ANNE": ("ANN", "ANNIE", "ANNA", "HANNAH"),
    "MOHAMMED": ("MOHAMMAD", "MUHAMMAD", "MOHAMED", "MUHAMMED", "MOHAMAD", "MOHAMMUD"),
    "KATARZYNA": ("KASIA",),
    "YUSUF": ("YOUSUF", "YOUSEF", "JOSEPH"),
}

_CANONICAL: dict[str, str] = {
    variant: formal for formal, variants in NICKNAMES.items() for variant in variants
}


def record_key(kind: str, source: str, record_id: str) -> str:
    """The linkage id of a record: ``kind|source|record_id``."""
    return f"{kind}|{source}|{record_id}"


def parse_record_key(text: str) -> tuple[str, str, str]:
    """``(kind, source, record_id)`` from ``kind|source|record_id`` or ``kind:source:record_id``.

    The record id is everything after the second separator, so ids holding
    ``/`` or ``:`` are fine.

    Raises
    ------
    HarmWatchError
        When the text has fewer than three parts or the kind carries no person.

    Examples
    --------
    >>> parse_record_key("police_people:police:OC00000001/1")
    ('police_people', 'police', 'OC00000001/1')
    """
    separator = "|" if "|" in text else ":"
    parts = text.split(separator, 2)
    if len(parts) != 3 or not all(parts):
        raise HarmWatchError(
            f"record {text!r}: expected KIND:SOURCE:RECORD_ID (or KIND|SOURCE|RECORD_ID), "
            "e.g. police_people:police:OC00000001/1"
        )
    if parts[0] not in PERSON_KINDS:
        raise HarmWatchError(
            f"record {text!r}: {parts[0]!r} is not a person-bearing kind "
            f"({', '.join(PERSON_KINDS)})"
        )
    return parts[0], parts[1], parts[2]


def _text(frame: pl.DataFrame, name: str) -> pl.Expr:
    if name in frame.columns:
        return pl.col(name).cast(pl.String)
    return pl.lit(None, dtype=pl.String)


def _read_records(
    engine: Engine, kind: str, only: Sequence[tuple[str, str]] | None = None
) -> pl.DataFrame:
    spec = KINDS[kind]
    where = None
    if only is not None:
        table = kind_tables[kind]
        where = or_(
            false(),
            *[and_(table.c.source == s, table.c[spec.id_column] == r) for s, r in only],
        )
    frame = read_kind(engine, kind, where=where)
    wanted = [
        "forename",
        "surname",
        "date_of_birth",
        "sex",
        "postcode",
        "nhs_number",
        "person_token",
        "person_ref",
    ]
    return frame.select(
        pl.lit(kind).alias("kind"),
        pl.col("source").cast(pl.String),
        pl.col(spec.id_column).cast(pl.String).alias("record_id"),
        *[_text(frame, c).alias(c) for c in wanted if c != "date_of_birth"],
        (
            pl.col("date_of_birth").cast(pl.Date)
            if "date_of_birth" in frame.columns
            else pl.lit(None, dtype=pl.Date)
        ).alias("date_of_birth"),
        _text(frame, "extra").alias("extra"),
    )


def linkage_frame(
    engine: Engine,
    *,
    key: bytes | None = None,
    only: Sequence[tuple[str, str, str]] | None = None,
) -> pl.DataFrame:
    """Read every person-bearing record of the store as the linkage input.

    Parameters
    ----------
    engine : Engine
        The store.
    key : bytes, optional
        The partners' shared token key. When given, records with names and a
        date of birth (or an NHS number) but no ``person_token`` get the token
        they would have had (in memory only; never stored), so that they link
        exactly to records of token-only sources.
    only : sequence of (kind, source, record_id), optional
        Read only these records (explanations).

    Returns
    -------
    polars.DataFrame
        :data:`FEATURE_COLUMNS`, sorted by ``unique_id``.
    """
    frames = []
    for kind in PERSON_KINDS:
        wanted = None if only is None else [(s, r) for k, s, r in only if k == kind]
        if wanted == []:
            continue
        frames.append(_read_records(engine, kind, wanted))
    if not frames:
        frames.append(_read_records(engine, PERSON_KINDS[0], []))
    raw = pl.concat(frames, how="vertical")
    if key is not None and raw.height:
        raw = add_person_tokens(raw, key)
    return prepare_features(raw)


def _canonical(name: str | None) -> str | None:
    if name is None:
        return None
    return _CANONICAL.get(name, name)


def _outward(postcode: pl.Expr) -> pl.Expr:
    return pl.when(postcode.str.contains(" ")).then(postcode.str.split(" ").list.first())


def prepare_features(raw: pl.DataFrame) -> pl.DataFrame:
    """Derive the linkage columns from raw records (see the module docstring).

    Parameters
    ----------
    raw : polars.DataFrame
        ``kind``, ``source``, ``record_id`` and any of ``forename``,
        ``surname``, ``date_of_birth`` (date), ``sex``, ``postcode``,
        ``nhs_number``, ``person_token``, ``person_ref``, ``extra`` (JSON text).

    Returns
    -------
    polars.DataFrame
        :data:`FEATURE_COLUMNS`, sorted by ``unique_id``.
    """

    def col(name: str) -> pl.Expr:
        return _text(raw, name)

    def blank_to_null(expr: pl.Expr) -> pl.Expr:
        stripped = expr.str.strip_chars()
        return pl.when(stripped.str.len_chars() > 0).then(stripped)

    extra = col("extra")
    names = {
        c: col(c).map_elements(normalise_name, return_dtype=pl.String)
        for c in ("forename", "surname")
    }
    dob = (
        pl.col("date_of_birth").cast(pl.Date)
        if "date_of_birth" in raw.columns
        else pl.lit(None, dtype=pl.Date)
    )
    frame = raw.select(
        pl.concat_str([col("kind"), col("source"), col("record_id")], separator="|").alias(
            "unique_id"
        ),
        col("kind").alias("kind"),
        col("source").alias("source"),
        col("record_id").alias("record_id"),
        *[blank_to_null(expr).alias(name) for name, expr in names.items()],
        dob.alias("_dob"),
        blank_to_null(col("postcode").str.to_uppercase()).alias("_postcode_uk"),
        blank_to_null(extra.str.json_path_match("$.postcode_au")).alias("_postcode_other"),
        blank_to_null(col("nhs_number").str.replace_all(r"\D", "")).alias("nhs_number"),
        pl.when(col("sex").is_in(["male", "female", "other"])).then(col("sex")).alias("sex"),
        blank_to_null(col("person_token")).alias("person_token"),
        pl.when(blank_to_null(col("person_ref")).is_not_null())
        .then(pl.concat_str([col("source"), blank_to_null(col("person_ref"))], separator="|"))
        .alias("person_ref"),
        *[
            blank_to_null(extra.str.json_path_match(f"$.{c}").str.to_uppercase()).alias(c)
            for c in EXTRA_COLUMNS
        ],
    )
    day = pl.col("_dob").dt.day()
    month = pl.col("_dob").dt.month()
    swapped = pl.date(pl.col("_dob").dt.year(), day, month)
    frame = frame.with_columns(
        pl.col("forename").map_elements(_canonical, return_dtype=pl.String).alias("forename_canon"),
        pl.col("forename").str.slice(0, 1).alias("forename_initial"),
        pl.col("surname").str.slice(0, 1).alias("surname_initial"),
        pl.col("_dob").dt.strftime("%Y-%m-%d").alias("dob"),
        pl.when((day <= 12) & (day != month))
        .then(swapped.dt.strftime("%Y-%m-%d"))
        .alias("dob_swapped"),
        pl.col("_dob").dt.year().cast(pl.String).alias("dob_year"),
        pl.col("_dob").dt.strftime("%m-%d").alias("dob_md"),
        pl.coalesce(pl.col("_postcode_uk"), pl.col("_postcode_other")).alias("postcode"),
        _outward(pl.col("_postcode_uk")).alias("postcode_outward"),
    )
    frame = frame.with_columns(
        pl.any_horizontal(
            [
                pl.col(c).is_not_null()
                for c in ("forename", "surname", "dob", "nhs_number", "person_token", "person_ref")
            ]
        ).alias("identified")
    )
    return frame.select(FEATURE_COLUMNS).sort("unique_id")
