"""Collapse records with identical identities before the model sees them.

A prolific nominal's hundreds of police records repeat a few dozen distinct
identities (the same name, date of birth, postcode, sex, NHS number), and a
blocking rule pairs every one of them with every other: the scored pairs grow
with the square of a person's records. Records whose comparison values are all
equal give the same comparison vector against any third record, and two of
them compare exact on every non-null field, so the model cannot tell them
apart. :func:`collapse_identical` therefore keeps one *representative* of
each group of identical identities for training and scoring, and links the
other members to it with deterministic edges; persons are the same as if every
record had been scored (up to the model's own decision on an all-exact pair,
which is a match at any sensible threshold because forename, surname and date
of birth must be present and equal).

Records named in a clerical decision are never collapsed, so that a
``different`` decision always cuts an edge the reviewer can see.

References
----------
Christen, P. (2012). *Data Matching*, ch. 4 (indexing) and 5 (exact
pre-processing). Springer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import polars as pl

__all__ = ["IDENTITY_COLUMNS", "Collapsed", "collapse_identical"]

#: The values the model compares (derived columns follow from these).
IDENTITY_COLUMNS: tuple[str, ...] = (
    "forename",
    "surname",
    "dob",
    "postcode",
    "nhs_number",
    "sex",
    "street_number",
    "address_1",
    "suburb",
    "soc_sec_id",
)
#: Columns that must all be present for a record to be collapsed.
_REQUIRED: tuple[str, ...] = ("forename", "surname", "dob")


@dataclass
class Collapsed:
    """Records to score, and the links from collapsed records to them.

    Attributes
    ----------
    frame : polars.DataFrame
        The linkage frame with one representative (the smallest ``unique_id``)
        per group of identical identities, and every other record unchanged.
    edges : list of (str, str)
        ``(representative, member)`` for every collapsed record.
    records, kept : int
        Records in, records left to score.
    """

    frame: pl.DataFrame
    edges: list[tuple[str, str]]
    records: int
    kept: int


def collapse_identical(
    frame: pl.DataFrame,
    *,
    keep_apart: Iterable[str] = (),
    columns: Sequence[str] = IDENTITY_COLUMNS,
) -> Collapsed:
    """Keep one record per identical identity (see the module docstring).

    Parameters
    ----------
    frame : polars.DataFrame
        The linkage frame (:func:`harmwatch.linkage.features.linkage_frame`).
    keep_apart : iterable of str
        ``unique_id`` of records never collapsed (those in clerical decisions).
    columns : sequence of str
        The identity columns compared (those missing from ``frame`` are skipped).

    Returns
    -------
    Collapsed
    """
    key = [c for c in columns if c in frame.columns]
    apart = pl.Series("unique_id", sorted(set(keep_apart)), dtype=pl.String)
    eligible = (
        pl.col("identified")
        & pl.all_horizontal([pl.col(c).is_not_null() for c in _REQUIRED])
        & ~pl.col("unique_id").is_in(apart.implode())
    )
    marked = frame.with_columns(eligible.alias("_eligible"))
    groups = (
        marked.filter(pl.col("_eligible"))
        .group_by(key)
        .agg(pl.col("unique_id").sort().alias("_members"))
        .filter(pl.col("_members").list.len() > 1)
        .select(
            pl.col("_members").list.first().alias("rep"),
            pl.col("_members").list.slice(1).alias("member"),
        )
        .explode("member")
    )
    dropped = groups.get_column("member")
    kept = marked.filter(~pl.col("unique_id").is_in(dropped.implode())).drop("_eligible")
    edges = list(zip(groups.get_column("rep").to_list(), dropped.to_list(), strict=True))
    return Collapsed(frame=kept, edges=edges, records=frame.height, kept=kept.height)
