"""A person's timeline: every record of one person across agencies, in time order.

Each record of the person (``person_records``) becomes one event with its
date, agency (source), kind, role and what happened:

=================  ===========================  ==================  ==========================
kind               date                         role                what
=================  ===========================  ==================  ==========================
police_people      the occurrence's             the record's role   offence group
                   ``occurred_from``            (victim, suspect..)
deaths             ``date_of_death``            ``deceased``        classification
council_referrals  ``received_at``              ``referred``        service: concern
ed_assaults        ``assault_at``               ``ed_patient``      assault method
=================  ===========================  ==================  ==========================

Escalation analysis and the web app read persons through :func:`person_timeline`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, select

from harmwatch.analysis.data import read_kind
from harmwatch.contract import KINDS
from harmwatch.errors import HarmWatchError
from harmwatch.store.schema import kind_tables, person_records

__all__ = ["PersonEvent", "person_timeline"]


@dataclass
class PersonEvent:
    """One record of a person.

    Attributes
    ----------
    when : datetime or None
        When it happened (None: unknown).
    kind, source, record_id : str
        The record.
    role : str
        The person's part in it.
    what : str
        What it was (offence group, death classification...).
    reference : str or None
        The occurrence id of a police record.
    forename, surname, date_of_birth : str or None
        As this record has them (empty for token-only sources).
    """

    when: datetime | None
    kind: str
    source: str
    record_id: str
    role: str
    what: str
    reference: str | None
    forename: str | None
    surname: str | None
    date_of_birth: str | None

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["when"] = self.when.isoformat() if self.when else None
        return out


def _as_datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day)


def person_timeline(engine: Engine, person_id: str) -> list[PersonEvent]:
    """Every record of ``person_id``, oldest first (undated last).

    Raises
    ------
    HarmWatchError
        When no record belongs to ``person_id`` (unknown id, or not linked yet).
    """
    c = person_records.c
    with engine.connect() as connection:
        rows = connection.execute(
            select(c.kind, c.source, c.record_id).where(c.person_id == person_id)
        ).all()
    if not rows:
        raise HarmWatchError(
            f"person {person_id}: no records (unknown id, or run `harmwatch link` first)"
        )
    events: list[PersonEvent] = []
    by_kind: dict[str, list[tuple[str, str]]] = {}
    for kind, source, record_id in rows:
        by_kind.setdefault(kind, []).append((source, record_id))
    for kind, keys in by_kind.items():
        events.extend(_events(engine, kind, keys))
    return sorted(
        events, key=lambda e: (e.when is None, e.when or datetime.min, e.kind, e.record_id)
    )


def _events(engine: Engine, kind: str, keys: list[tuple[str, str]]) -> list[PersonEvent]:
    spec = KINDS[kind]
    table = kind_tables[kind]
    id_col = table.c[spec.id_column]
    where = _any_of([and_(table.c.source == s, id_col == r) for s, r in keys])
    frame = read_kind(engine, kind, where=where)
    if kind == "police_people":
        occ = kind_tables["police_occurrences"]
        pairs = {(s, o) for s, o in frame.select("source", "occurrence_id").iter_rows()}
        occurrences = read_kind(
            engine,
            "police_occurrences",
            columns=["source", "occurrence_id", "occurred_from", "offence_group"],
            where=_any_of([and_(occ.c.source == s, occ.c.occurrence_id == o) for s, o in pairs]),
        )
        frame = frame.join(occurrences, on=["source", "occurrence_id"], how="left")
    events = []
    for row in frame.iter_rows(named=True):
        when, role, what, reference = _describe(kind, row)
        dob = row.get("date_of_birth")
        events.append(
            PersonEvent(
                when=_as_datetime(when),
                kind=kind,
                source=row["source"],
                record_id=str(row[spec.id_column]),
                role=role,
                what=what,
                reference=reference,
                forename=row.get("forename"),
                surname=row.get("surname"),
                date_of_birth=dob.isoformat() if dob is not None else None,
            )
        )
    return events


def _describe(kind: str, row: dict[str, Any]) -> tuple[Any, str, str, str | None]:
    if kind == "police_people":
        return (
            row.get("occurred_from"),
            row.get("role") or "other",
            row.get("offence_group") or "occurrence not loaded",
            row.get("occurrence_id"),
        )
    if kind == "deaths":
        return row.get("date_of_death"), "deceased", row.get("classification") or "", None
    if kind == "council_referrals":
        return (
            row.get("received_at"),
            "referred",
            f"{row.get('service')}: {row.get('concern')}",
            None,
        )
    return row.get("assault_at"), "ed_patient", f"assault ({row.get('assault_method')})", None


def _any_of(conditions: list[Any]) -> Any:
    from sqlalchemy import false, or_

    return or_(false(), *conditions)
