"""A tiny multi-agency store for person-linkage tests: a handful of people,
recorded by the police (with a duplicate nominal), the coroner, the council
and an ED that shares tokens only.

``TRUE_PERSON`` maps each record (``kind|source|record_id``) to its person.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from harmwatch.ingest.pipeline import ingest_file
from harmwatch.ingest.pseudonymise import token_for
from harmwatch.store.database import open_store

KEY = b"Kx7-partners-agreed-secret-2024-9qZ"


def nhs(stem: int) -> str:
    """A checksum-valid NHS number from a 9-digit stem (stems giving check 10 avoided)."""
    digits = [int(d) for d in f"{stem:09d}"]
    total = sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    assert check != 10, stem
    return f"{stem:09d}{check}"


OCCURRENCES = [
    ("OCC1", "2023-01-05 22:10", "abh"),
    ("OCC2", "2023-03-01 01:30", "gbh"),
    ("OCC3", "2023-06-11 23:00", "domestic_incident"),
    ("OCC4", "2023-08-20 02:15", "common_assault"),
    ("OCC5", "2023-09-02 21:00", "robbery"),
    ("OCC6", "2023-10-10 20:00", "threats_to_kill"),
]

# (occurrence, role, person_ref, forename, surname, dob, sex, postcode, nhs, person)
POLICE = [
    ("OCC1", "victim", "N1", "John", "Smith", "1980-05-12", "male", "M1 1AE", "", "john"),
    ("OCC1", "suspect", "N2", "Elizabeth", "Brown", "1975-03-04", "female", "M2 3BB", "", "liz"),
    ("OCC2", "victim", "N1", "Jon", "Smith", "1980-05-12", "male", "M1 1AE", "", "john"),
    ("OCC2", "suspect", "N3", "Mohammed", "Khan", "1990-11-30", "male", "M4 5CD", "", "mo"),
    ("OCC3", "victim", "N4", "Liz", "Browne", "1975-03-04", "female", "M2 3BB", "", "liz"),
    ("OCC3", "suspect", "N5", "Darren", "Walsh", "1988-07-21", "male", "M9 8ZZ", "", "darren"),
    ("OCC4", "victim", "N9", "John", "Smith", "1980-12-05", "male", "M1 4XY", "", "john"),
    ("OCC4", "witness", "N6", "John", "Smith", "1992-01-01", "male", "L1 1AA", "", "john2"),
    ("OCC5", "victim", "N7", "Sarah", "Jones", "2001-02-14", "female", "M3 3CC", "", "sarah"),
    ("OCC5", "suspect", "N3", "Muhammad", "Khan", "1990-11-30", "male", "M4 5CD", "", "mo"),
    ("OCC6", "victim", "N7", "Sarah", "Jones", "2001-02-14", "female", "M3 4DD", "", "sarah"),
    ("OCC6", "suspect", "N8", "Peter", "Oakes", "1965-09-09", "male", "M5 5EE", "", "peter"),
]

# (death_id, date, forename, surname, dob, sex, postcode, nhs, classification, person)
DEATHS = [
    (
        "D1",
        "2024-01-02",
        "John",
        "Smith",
        "1980-05-12",
        "male",
        "M1 1AE",
        401023213,
        "homicide",
        "john",
    ),
    (
        "D2",
        "2024-02-03",
        "Margaret",
        "Hill",
        "1931-04-04",
        "female",
        "M7 7GG",
        943476591,
        "natural",
        "margaret",
    ),
]

# (referral_id, received, forename, surname, dob, sex, postcode, nhs, ref, person)
COUNCIL = [
    (
        "CR1",
        "2023-06-13 10:00",
        "Elizabeth",
        "Brown",
        "1975-03-04",
        "female",
        "M2 9QQ",
        123456782,
        "LA1",
        "liz",
    ),
    (
        "CR2",
        "2023-10-12 11:00",
        "Sarah",
        "Jones",
        "2001-02-14",
        "female",
        "M3 4DD",
        223456789,
        "LA2",
        "sarah",
    ),
    (
        "CR3",
        "2023-11-01 09:30",
        "Margaret",
        "Hill",
        "1931-04-04",
        "female",
        "M7 7GG",
        943476591,
        "LA3",
        "margaret",
    ),
]

# ED (tokens only): (attendance_id, assault_at, age, sex, identity for the token, person)
ED = [
    ("ED1", "2023-03-01 01:10", 42, "male", ("John", "Smith", "1980-05-12"), "john"),
    ("ED2", "2023-09-02 20:50", 22, "female", ("Sarah", "Jones", "2001-02-14"), "sarah"),
    ("ED3", "2023-09-03 20:50", 30, "male", None, "unknown_ed"),
]


def true_persons() -> dict[str, str]:
    """``kind|source|record_id`` -> true person."""
    out: dict[str, str] = {}
    counts: dict[str, int] = {}
    for occ, *_rest, person in POLICE:
        counts[occ] = counts.get(occ, 0) + 1
        out[f"police_people|police|{occ}/{counts[occ]}"] = person
    out.update({f"deaths|police|{d[0]}": d[-1] for d in DEATHS})
    out.update({f"council_referrals|council|{c[0]}": c[-1] for c in COUNCIL})
    out.update({f"ed_assaults|nhs_ed|{e[0]}": e[-1] for e in ED})
    return out


def _write(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_files(folder: Path) -> dict[str, Path]:
    """The contract files of the tiny store, by kind."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "police_occurrences": _write(
            folder / "occurrences.csv",
            ["occurrence_id", "kind", "offence_group", "occurred_from"],
            [[o, "crime", g, t] for o, t, g in OCCURRENCES],
        ),
        "police_people": _write(
            folder / "people.csv",
            [
                "occurrence_id",
                "role",
                "person_ref",
                "forename",
                "surname",
                "date_of_birth",
                "sex",
                "postcode",
                "nhs_number",
            ],
            [list(p[:9]) for p in POLICE],
        ),
        "deaths": _write(
            folder / "deaths.csv",
            [
                "death_id",
                "date_of_death",
                "forename",
                "surname",
                "date_of_birth",
                "sex",
                "postcode",
                "nhs_number",
                "classification",
            ],
            [[*d[:7], nhs(d[7]), d[8]] for d in DEATHS],
        ),
        "council_referrals": _write(
            folder / "council.csv",
            [
                "referral_id",
                "received_at",
                "service",
                "concern",
                "forename",
                "surname",
                "date_of_birth",
                "sex",
                "postcode",
                "nhs_number",
                "person_ref",
            ],
            [[c[0], c[1], "adults", "domestic_abuse", *c[2:7], nhs(c[7]), c[8]] for c in COUNCIL],
        ),
        "ed_assaults": _write(
            folder / "ed.csv",
            [
                "attendance_id",
                "site_code",
                "assault_at",
                "assault_method",
                "assault_location_type",
                "age",
                "sex",
                "person_token",
            ],
            [
                [
                    e[0],
                    "RXX01",
                    e[1],
                    "hitting_kicking",
                    "street",
                    e[2],
                    e[3],
                    token_for(KEY, forename=e[4][0], surname=e[4][1], date_of_birth=e[4][2])
                    if e[4]
                    else "",
                ]
                for e in ED
            ],
        ),
    }
    return files


SOURCES = {
    "police_occurrences": "police",
    "police_people": "police",
    "deaths": "police",
    "council_referrals": "council",
    "ed_assaults": "nhs_ed",
}


def tiny_store(folder: Path, kinds: tuple[str, ...] = tuple(SOURCES)) -> tuple[str, Engine]:
    """A SQLite store in ``folder`` holding the tiny data set's ``kinds``."""
    files = write_files(folder / "data")
    url = f"sqlite:///{folder / 'store.db'}"
    engine = open_store(url)
    for kind in kinds:
        result = ingest_file(engine, kind, files[kind], source=SOURCES[kind])
        assert result.rows_quarantined == 0, result.errors
    return url, engine
