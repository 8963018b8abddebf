"""The planted patterns are in the files, where truth.json says."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl
import pytest

SEVERITY = ["domestic_incident", "common_assault", "abh", "gbh", "attempted_murder", "homicide"]


def _by_id(frame: pl.DataFrame, column: str, ids: list[str]) -> pl.DataFrame:
    out = frame.filter(pl.col(column).is_in(ids)).unique(column, keep="first")
    assert out.height == len(ids)
    return out


def _days(frame: pl.DataFrame, column: str) -> list[date]:
    """The column's dates, skipping cells that are not valid dates (malformed rows)."""
    parsed = frame[column].str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    return [d for d in parsed.to_list() if d is not None]


def test_near_repeat_cluster(small: Any) -> None:
    truth = small.truth["patterns"]["near_repeat_cluster"]
    occ = _by_id(small.read("police_occurrences"), "occurrence_id", truth["occurrence_ids"])
    assert occ.height >= 5
    assert set(occ["offence_group"]) <= {"gbh", "abh"}
    x = occ["easting"].cast(pl.Float64).to_numpy()
    y = occ["northing"].cast(pl.Float64).to_numpy()
    cx, cy = truth["centre"]
    assert (np.hypot(x - cx, y - cy) <= truth["radius_m"]).all()
    days = _days(occ, "occurred_from")
    start, end = date.fromisoformat(truth["start"]), date.fromisoformat(truth["end"])
    assert all(start <= d <= end for d in days)
    assert (end - start).days + 1 == truth["window_days"] == 14


def test_assault_series(small: Any) -> None:
    truth = small.truth["patterns"]["assault_series"]
    occ = _by_id(small.read("police_occurrences"), "occurrence_id", truth["occurrence_ids"])
    assert occ.height >= 4
    assert set(occ["offence_group"]) == {"gbh"}
    assert set(occ["mo"]) == {truth["mo"]}
    assert set(occ["description"]) == {truth["suspect_description"]}
    people = small.read("police_people").filter(
        pl.col("occurrence_id").is_in(truth["occurrence_ids"]) & (pl.col("role") == "suspect")
    )
    assert people.height == occ.height
    assert people["forename"].is_null().all() and set(people["sex"]) == {"male"}
    other = small.read("police_occurrences").filter(pl.col("mo") == truth["mo"])
    assert other.height == occ.height


def test_death_series(small: Any) -> None:
    truth = small.truth["patterns"]["death_series"]
    deaths = _by_id(small.read("deaths"), "death_id", truth["death_ids"])
    assert set(deaths["mo"]) == {truth["mo"]}
    assert (deaths["classification"] == "natural").sum() == truth["recorded_natural"] >= 2
    assert set(deaths["institution_id"]) == set(truth["institution_ids"])
    assert len(truth["institution_ids"]) == 2
    assert set(deaths["practitioner_id"]) == {truth["practitioner_id"]}
    days = _days(deaths, "date_of_death")
    assert (max(days) - min(days)).days <= 150


def test_care_home_excess(small: Any) -> None:
    """A home of typical size (capacity nearest the median of the homes outside the death
    series), with ``ratio`` times its expected deaths over 12 months."""
    truth = small.truth["patterns"]["care_home_excess"]
    institutions = small.read("institutions")
    series = small.truth["patterns"]["death_series"]["institution_ids"]
    homes = institutions.filter(
        (pl.col("type") == "care_home") & ~pl.col("institution_id").is_in(series)
    )
    capacity = homes["capacity"].cast(pl.Int64)
    median = float(capacity.median() or 0)
    nearest = min(abs(c - median) for c in capacity.to_list())
    inst = homes.filter(pl.col("institution_id") == truth["institution_id"])
    assert inst.height == 1 and truth["capacity"] == int(inst["capacity"][0])
    assert abs(truth["capacity"] - median) == nearest
    per_year = float(inst["expected_deaths_per_year"][0])
    start, end = date.fromisoformat(truth["start"]), date.fromisoformat(truth["end"])
    window_years = ((end - start).days + 1) / 365.25
    assert (end - start).days == 364
    assert (
        truth["expected_deaths"] == round(per_year * window_years, 2)
        or abs(truth["expected_deaths"] - per_year * window_years) < 0.1
    )
    deaths = small.read("deaths").filter(pl.col("institution_id") == truth["institution_id"])
    in_window = [start <= d <= end for d in _days(deaths, "date_of_death")]
    observed = sum(in_window)
    assert observed >= truth["observed_deaths"] - 2  # a faulted row may hide a date
    assert truth["observed_deaths"] >= truth["ratio"] * truth["expected_deaths"] > 0
    assert observed >= (truth["ratio"] - 0.2) * truth["expected_deaths"]


def test_practitioner_excess(small: Any) -> None:
    """The GP certifies ``ratio`` times the deaths the monitor expects of them in each year of
    the window, and far more than each colleague at the practice."""
    truth = small.truth["patterns"]["practitioner_excess"]
    deaths = small.read("deaths")
    start, end = date.fromisoformat(truth["start"]), date.fromisoformat(truth["end"])
    ok = deaths.filter(pl.col("date_of_death").str.len_chars() == 10).with_columns(
        pl.col("date_of_death").str.to_date(strict=False).alias("day")
    )
    ok = ok.filter(pl.col("day").is_between(start, end))
    mine = ok.filter(pl.col("practitioner_id") == truth["practitioner_id"])
    assert mine.height >= truth["observed_deaths"] - 2  # a faulted row may hide a date
    per_year = truth["expected_per_year"]
    assert truth["expected_deaths"] == pytest.approx(
        per_year * ((end - start).days + 1) / 365.25, abs=0.02
    )
    first_year = mine.filter(pl.col("day") < start + timedelta(days=365)).height
    assert first_year >= truth["ratio"] * per_year - 2
    at_practice = ok.filter(pl.col("institution_id") == truth["institution_id"])
    counts = at_practice.group_by("practitioner_id").len()
    others = counts.filter(
        pl.col("practitioner_id").is_not_null()
        & (pl.col("practitioner_id") != truth["practitioner_id"])
    )["len"]
    own = counts.filter(pl.col("practitioner_id") == truth["practitioner_id"])["len"][0]
    assert own >= 2.5 * max(float(others.max() or 0), 1.0)


def test_excess_plants_draw_from_their_own_stream() -> None:
    """The excess plants' generator is derived from the seed without advancing the main one,
    and differs from it and from the escalation pathways' generator."""
    from harmwatch.scenario.escalation_pathways import pathway_rng
    from harmwatch.scenario.planted_deaths import excess_rng

    main = np.random.default_rng(7)
    first = excess_rng(main).integers(0, 2**32, 4)
    assert (excess_rng(main).integers(0, 2**32, 4) == first).all()  # reproducible
    assert (main.integers(0, 2**32, 4) == np.random.default_rng(7).integers(0, 2**32, 4)).all()
    assert not (pathway_rng(np.random.default_rng(7)).integers(0, 2**32, 4) == first).all()


def test_domestic_escalation(small: Any) -> None:
    truth = small.truth["patterns"]["domestic_escalation"]
    occ = small.read("police_occurrences")
    people = small.read("police_people")
    links = pl.read_csv(small.path(small.truth["person_ids_file"]), infer_schema=False)
    person_of = dict(zip(links["record_id"], links["person_id"], strict=True))
    assert len(truth["escalating"]) >= 3
    for pair in truth["escalating"]:
        rows = _by_id(occ, "occurrence_id", pair["occurrence_ids"]).sort("occurred_from")
        assert rows["occurrence_id"].to_list() == pair["occurrence_ids"]
        if pair["pathway"] == "frequency_ladder":  # other pathways: test_escalation_truth.py
            levels = [SEVERITY.index(g) for g in rows["offence_group"]]
            assert levels == sorted(levels) and levels[-1] >= SEVERITY.index("gbh")
        assert set(rows["domestic"]) == {"true"}
        ppl = people.filter(pl.col("occurrence_id").is_in(pair["occurrence_ids"]))
        victims = {person_of[i] for i in ppl.filter(pl.col("role") == "victim")["involvement_id"]}
        suspects = {person_of[i] for i in ppl.filter(pl.col("role") == "suspect")["involvement_id"]}
        assert victims == {pair["victim_person"]} and suspects == {pair["suspect_person"]}
        if pair["offence_groups"][-1] == "homicide":
            death = _by_id(small.read("deaths"), "death_id", pair["death_ids"])
            assert death["classification"][0] == "homicide"
    assert truth["stable_count"] >= 10
    for pair in truth["stable"]:
        rows = _by_id(occ, "occurrence_id", pair["occurrence_ids"])
        assert len(rows) >= 3
        assert set(rows["offence_group"]) <= {
            "domestic_incident",
            "common_assault",
            "stalking_harassment",
            "criminal_damage",
        }


def test_hidden_venue(small: Any) -> None:
    truth = small.truth["patterns"]["hidden_venue"]
    ed = small.read("ed_assaults")
    at_venue = ed.filter(pl.col("assault_location_description") == truth["venue_name"])
    assert at_venue.height >= 15
    assert set(truth["attendance_ids"]) <= set(at_venue["attendance_id"])
    occ = small.read("police_occurrences").filter(
        (pl.col("easting").cast(pl.Float64) == truth["easting"])
        & (pl.col("northing").cast(pl.Float64) == truth["northing"])
    )
    assert occ.height <= 2
    assert set(occ["occurrence_id"]) <= set(truth["occurrence_ids"])


def test_ed_matches(small: Any) -> None:
    matches = pl.read_csv(small.path(small.truth["ed_matches_file"]), infer_schema=False)
    ed = small.read("ed_assaults").unique("attendance_id", keep="first")
    assert matches.height == ed.height
    matched = matches.filter(pl.col("occurrence_id").is_not_null())
    assert 0.4 < matched.height / matches.height < 0.8
    occ = small.read("police_occurrences").unique("occurrence_id", keep="first")
    joined = matched.join(ed, on="attendance_id").join(occ, on="occurrence_id")
    assert joined.height >= 0.97 * matched.height  # a few faulted rows lose their id or date
    faulted = {f["value"] for f in small.truth["faults"] if f["column"] == "offence_group"}
    assert set(joined["offence_group"]) - faulted <= {"gbh", "abh", "attempted_murder"}
    fmt = "%Y-%m-%dT%H:%M:%S"
    times = joined.select(
        a=pl.col("assault_at").str.to_datetime(fmt, strict=False),
        b=pl.col("occurred_from").str.to_datetime(fmt, strict=False),
    ).filter(pl.col("a").dt.year() < 2100, pl.col("b").dt.year() < 2100)
    gaps = (times["a"] - times["b"]).dt.total_seconds().abs()
    assert max(gaps) <= 2 * 3600


def test_identity_noise(small: Any) -> None:
    links = pl.read_csv(small.path(small.truth["person_ids_file"]), infer_schema=False)
    people = small.read("police_people").join(
        links.rename({"record_id": "involvement_id"}), on="involvement_id"
    )
    named = people.filter(pl.col("forename").is_not_null())
    per_person = named.group_by("person_id").agg(
        pl.col("person_ref").n_unique().alias("refs"),
        pl.col("forename").n_unique().alias("forenames"),
        pl.col("date_of_birth").drop_nulls().n_unique().alias("dobs"),
    )
    assert (per_person["refs"] > 1).sum() > 0  # duplicate nominal records
    assert (per_person["forenames"] > 1).sum() > 0  # nicknames and typos
    assert (per_person["dobs"] > 1).sum() > 0  # transposed day and month
    assert named["nhs_number"].is_not_null().mean() < 0.1
    deaths = small.read("deaths")
    assert deaths["nhs_number"].is_not_null().mean() > 0.8
