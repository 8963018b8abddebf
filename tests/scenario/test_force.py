"""Yearly volumes and time profiles at the default ("force") scale."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from harmwatch.scenario import generate_scenario

#: Yearly targets of the reference force (the brief), before noise.
TARGETS = {
    "homicide": 12,
    "attempted_murder": 25,
    "gbh": 1_000,
    "abh": 3_000,
    "common_assault": 6_000,
    "domestic_incident": 2_500,
}


@pytest.fixture(scope="module")
def force(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_scenario(tmp_path_factory.mktemp("force"), seed=11, scale="force").out_dir


def test_yearly_volumes(force: Path) -> None:
    occ = pl.read_csv(force / "police_occurrences.csv", infer_schema=False)
    counts = dict(occ.group_by("offence_group").len().iter_rows())
    for group, per_year in TARGETS.items():
        assert counts[group] / 10 == pytest.approx(per_year, rel=0.25), group
    assert set(occ.filter(pl.col("offence_group") == "domestic_incident")["kind"]) <= {
        "incident",
        None,
    }
    yearly = {
        "deaths.csv": 1_500,
        "ed_assaults.csv": 3_000,
        "council_referrals.csv": 5_000,
    }
    for name, per_year in yearly.items():
        rows = pl.read_csv(force / name, infer_schema=False).height
        assert rows / 10 == pytest.approx(per_year, rel=0.25), name
    areas = pl.read_csv(force / "institutions.csv", infer_schema=False)
    assert dict(areas.group_by("type").len().iter_rows()) == {
        "care_home": 40,
        "hospital": 3,
        "gp_practice": 60,
    }


def test_time_profiles(force: Path) -> None:
    occ = pl.read_csv(force / "police_occurrences.csv", infer_schema=False).with_columns(
        t=pl.col("occurred_from").str.to_datetime("%Y-%m-%dT%H:%M:%S", strict=False)
    )
    violence = occ.filter(pl.col("offence_group").is_in(["gbh", "abh", "common_assault"]))
    by_day = dict(violence.group_by(pl.col("t").dt.weekday()).len().iter_rows())
    assert by_day[6] > 1.2 * by_day[2]  # Saturday (incl. early hours) above Tuesday
    by_hour = dict(violence.group_by(pl.col("t").dt.hour()).len().iter_rows())
    assert by_hour[22] > 3 * by_hour[6]
    summer = violence.filter(pl.col("t").dt.month().is_in([6, 7, 8])).height
    winter = violence.filter(pl.col("t").dt.month().is_in([12, 1, 2])).height
    assert summer > winter
    deaths = pl.read_csv(force / "deaths.csv", infer_schema=False).with_columns(
        d=pl.col("date_of_death").str.to_date(strict=False)
    )
    d_summer = deaths.filter(pl.col("d").dt.month().is_in([6, 7, 8])).height
    d_winter = deaths.filter(pl.col("d").dt.month().is_in([12, 1, 2])).height
    assert d_winter > 1.15 * d_summer


def test_concentration(force: Path) -> None:
    occ = pl.read_csv(force / "police_occurrences.csv", infer_schema=False)
    per_area = occ.filter(pl.col("offence_group").is_in(["gbh", "abh"])).group_by("area_code").len()
    top = per_area.sort("len", descending=True)["len"].to_list()
    assert sum(top[: len(top) // 20]) > 0.15 * sum(top)  # top 5% of areas: over 15% of assaults
    people = pl.read_csv(force / "police_people.csv", infer_schema=False)
    victims = people.filter(pl.col("role") == "victim").group_by("person_ref").len()
    assert max(victims["len"].to_list()) >= 10  # heavy-tailed repeat victimisation


def test_repeat_persons_are_concentrated_but_bounded(force: Path) -> None:
    """The busiest true persons: many records, but not thousands (issue 4).

    Untruncated latent weights gave one person 6,967 records in ten years at this scale
    (two a day); real police data has repeat victims and prolific offenders with tens to
    a few hundred records, and the top 1% of people still hold a large share.
    """
    truth = pl.read_csv(force / "truth_person_ids.csv", infer_schema=False)
    sizes = truth.group_by("person_id").len()["len"].sort(descending=True).to_list()
    assert 100 <= sizes[0] <= 500
    top_1pct = sum(sizes[: len(sizes) // 100]) / sum(sizes)
    assert 0.12 < top_1pct < 0.3
