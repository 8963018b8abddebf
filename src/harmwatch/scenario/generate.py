"""Assemble a whole scenario: generate, plant, fault, write, record the truth."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from harmwatch.contract import codes
from harmwatch.errors import HarmWatchError
from harmwatch.scenario import frames, planted, planted_deaths, truth
from harmwatch.scenario.config import SCALES
from harmwatch.scenario.deaths import build_deaths
from harmwatch.scenario.faults import plan_faults
from harmwatch.scenario.geography import build_geography
from harmwatch.scenario.institutions import build_institutions
from harmwatch.scenario.names import build_name_book
from harmwatch.scenario.occurrences import build_police
from harmwatch.scenario.partners import build_council, build_ed
from harmwatch.scenario.population import Persons
from harmwatch.scenario.timeprofile import TimeFrame
from harmwatch.scenario.writer import write_areas, write_csv, write_json

__all__ = ["FILE_NAMES", "ScenarioResult", "generate_scenario"]

#: File written for each kind (contract names).
FILE_NAMES = {
    "areas": "areas.geojson",
    "institutions": "institutions.csv",
    "police_occurrences": "police_occurrences.csv",
    "police_people": "police_people.csv",
    "deaths": "deaths.csv",
    "ed_assaults": "ed_assaults.csv",
    "council_referrals": "council_referrals.csv",
}
_GENERAL_POOL = 0.3  # share of residents who may appear in records


@dataclass
class ScenarioResult:
    """What :func:`generate_scenario` wrote.

    Attributes
    ----------
    out_dir : Path
        The folder written to.
    seed : int
        The seed used; the same seed and scale give byte-identical files.
    scale : str
        ``small``, ``force`` or ``national``.
    files : dict of str to Path
        The file written for each kind (``areas``, ``institutions``,
        ``police_occurrences``, ``police_people``, ``deaths``, ``ed_assaults``,
        ``council_referrals``).
    counts : dict of str to int
        Data rows written per kind (features for ``areas``), malformed and
        duplicated rows included.
    truth_path : Path
        ``truth.json`` (it names the companion truth CSVs).
    seconds : float
        Wall-clock time taken.
    """

    out_dir: Path
    seed: int
    scale: str
    files: dict[str, Path]
    counts: dict[str, int]
    truth_path: Path
    seconds: float = field(default=0.0)


def generate_scenario(
    out_dir: Path,
    *,
    seed: int = 0,
    scale: Literal["small", "force", "national"] = "force",
    progress: Callable[[str], None] | None = None,
) -> ScenarioResult:
    """Generate a synthetic scenario of every input kind, with planted patterns and truth.

    Parameters
    ----------
    out_dir : Path
        Folder to write to (created if missing; existing scenario files are
        overwritten).
    seed : int
        Seed of the random generator; the output is a function of
        ``(seed, scale)`` only.
    scale : {"small", "force", "national"}
        ``small``: 30 areas, 2 years, seconds to generate (tests); ``force``:
        300 areas, about 570,000 people, 10 years; ``national``: 12,000
        areas, about 23 million people, 10 years (benchmarks).
    progress : callable, optional
        Called with a short message as each step starts.

    Returns
    -------
    ScenarioResult

    Raises
    ------
    HarmWatchError
        When ``scale`` is unknown or ``out_dir`` cannot be written.
    """
    started = time.perf_counter()
    spec = SCALES.get(scale)
    if spec is None:
        raise HarmWatchError(f"unknown scale {scale!r}: choose one of {', '.join(SCALES)}")
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HarmWatchError(
            f"{out_dir}: cannot create the output folder ({exc.strerror})"
        ) from exc
    say = progress or (lambda _message: None)
    rng = np.random.default_rng(seed)
    tf = TimeFrame(spec.start, spec.end)

    say("areas, institutions and people")
    geo = build_geography(rng, spec)
    inst = build_institutions(rng, spec, geo)
    persons = Persons(geo, build_name_book(rng), spec.weight_cap)
    persons.add_general(rng, int(spec.population * _GENERAL_POOL), tf.day0)
    night_venues = np.flatnonzero(geo.night_economy[geo.venue_area])
    hidden_venue = int(night_venues[rng.integers(0, len(night_venues))])

    say("police occurrences")
    police = build_police(rng, spec, tf, geo, persons, hidden_venue)
    patterns: dict[str, Any] = {
        "assault_series": planted.plant_assault_series(rng, spec, tf, geo, persons, police),
        "near_repeat_cluster": planted.plant_near_repeat(rng, spec, tf, geo, persons, police),
        "domestic_escalation": planted.plant_escalation(rng, spec, tf, geo, persons, police),
    }
    say("deaths")
    deaths = build_deaths(rng, spec, tf, geo, inst, persons, police)
    homes = rng.choice(inst.of_type("care_home"), size=3, replace=False)
    patterns["death_series"] = planted.plant_death_series(
        rng, spec, tf, geo, inst, persons, deaths, homes[:2]
    )
    # The two excesses: their own stream, a care home of typical size (homes[2] unused).
    excess = planted_deaths.excess_rng(rng)
    patterns["care_home_excess"] = planted_deaths.plant_care_home_excess(
        excess, spec, tf, inst, persons, deaths, planted_deaths.typical_care_home(inst, homes[:2])
    )
    patterns["practitioner_excess"] = planted_deaths.plant_practitioner_excess(
        excess, spec, tf, geo, inst, persons, deaths
    )
    say("ED attendances and council referrals")
    ed = build_ed(rng, spec, tf, geo, inst, persons, police)
    patterns["hidden_venue"] = planted.plant_hidden_venue(
        rng, spec, tf, geo, inst, persons, police, ed, hidden_venue
    )
    council = build_council(rng, spec, tf, persons, police)

    say("formatting and writing records")
    files = {kind: out_dir / name for kind, name in FILE_NAMES.items()}
    counts = {
        "areas": write_areas(files["areas"], geo),
        "institutions": write_csv(files["institutions"], frames.institutions_frame(inst, geo)),
    }
    builders: dict[str, Callable[[], frames.Built]] = {
        "police_occurrences": lambda: frames.occurrence_frame(police, geo),
        "police_people": lambda: frames.people_frame(
            rng, police, persons, ranks["police_occurrences"]
        ),
        "deaths": lambda: frames.deaths_frame(rng, deaths, persons, inst, geo),
        "ed_assaults": lambda: frames.ed_frame(rng, ed, persons, inst, geo),
        "council_referrals": lambda: frames.council_frame(rng, council, persons),
    }
    ranks: dict[str, np.ndarray[Any, Any]] = {}
    fault_list: list[dict[str, Any]] = []
    person_file, match_file = out_dir / "truth_person_ids.csv", out_dir / "truth_ed_matches.csv"
    n_links = n_matched = 0
    with person_file.open("wb") as person_fh:
        for kind, build in builders.items():
            say(f"  {FILE_NAMES[kind]}")
            b = build()  # one kind's frame at a time: memory stays bounded
            ranks[kind] = b.rank
            plan = plan_faults(rng, kind, b.frame, b.protected)
            counts[kind] = write_csv(files[kind], b.frame, plan)
            fault_list += truth.fault_entries(kind, FILE_NAMES[kind], b, plan)
            if kind != "police_occurrences":
                n_links += truth.append_person_ids(person_fh, kind, b, header=person_fh.tell() == 0)
            if kind == "ed_assaults":
                n_matched = truth.write_ed_matches(
                    match_file, b, ranks["police_occurrences"], ed.table["occ"]
                )
            del b, plan

    say("ground truth")
    venue = patterns["hidden_venue"]
    venue["area_code"] = geo.codes[venue.pop("area")]
    for pair in patterns["domestic_escalation"]["escalating"]:
        if pair["offence_groups"][-1] == "homicide":
            d = deaths.table
            hit = np.flatnonzero(
                (d["pid"] == pair["victim_person"])
                & (d["classification"] == codes.DEATH_CLASSIFICATION.index("homicide"))
            )
            pair["death_rows"] = hit.tolist()
    result_truth = {
        "schema_version": 1,
        "generator": "harmwatch.scenario",
        "seed": seed,
        "scale": spec.name,
        "period": {"start": spec.start.isoformat(), "end": spec.end.isoformat()},
        "files": {kind: FILE_NAMES[kind] for kind in FILE_NAMES},
        "counts": counts,
        "person_ids_file": person_file.name,
        "person_links": n_links,
        "persons": {
            "count": len(persons),
            "with_duplicate_police_nominal": int((persons["nominal2"] >= 0).sum()),
        },
        "ed_matches_file": match_file.name,
        "ed_matched": n_matched,
        "areas": {
            "night_time_economy": [geo.codes[i] for i in np.flatnonzero(geo.night_economy)],
            "deprivation": {
                geo.codes[i]: round(float(geo.deprivation[i]), 4) for i in range(len(geo))
            },
        },
        "venues": [
            {
                "name": geo.venue_names[v],
                "easting": float(geo.venue_xy[v, 0]),
                "northing": float(geo.venue_xy[v, 1]),
                "area_code": geo.codes[int(geo.venue_area[v])],
            }
            for v in range(len(geo.venue_names))
        ],
        "patterns": truth.resolve(patterns, ranks),
        "faults": fault_list,
    }
    truth_path = out_dir / "truth.json"
    write_json(truth_path, result_truth)
    return ScenarioResult(
        out_dir=out_dir,
        seed=seed,
        scale=spec.name,
        files=files,
        counts=counts,
        truth_path=truth_path,
        seconds=round(time.perf_counter() - started, 2),
    )
