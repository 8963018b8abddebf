"""Synthetic scenarios: every input kind, with planted patterns and ground truth.

``generate_scenario(out_dir, seed=0, scale="force")`` writes, in ``out_dir``,
the contract's files (exact names and columns; CSV UTF-8 with a header):
``areas.geojson`` (FeatureCollection in EPSG:27700 with a ``crs`` member),
``institutions.csv`` (plus the documented extra column ``site_code``: a
hospital's ED site code), ``police_occurrences.csv``, ``police_people.csv``,
``deaths.csv``, ``ed_assaults.csv``, ``council_referrals.csv``; and the ground
truth: ``truth.json``, ``truth_person_ids.csv`` and ``truth_ed_matches.csv``.
The output is a function of ``(seed, scale)`` only (numpy ``Generator``).

Modules: :mod:`.config` (scales, volumes), :mod:`.geography` (areas,
postcodes, venues), :mod:`.institutions`, :mod:`.names` and
:mod:`.population` (people, identities, recording noise), :mod:`.timeprofile`,
:mod:`.occurrences`, :mod:`.deaths`, :mod:`.partners` (ED, council),
:mod:`.planted` (patterns), :mod:`.faults` (malformed rows), :mod:`.frames`,
:mod:`.writer`, :mod:`.truth`, :mod:`.generate`.

truth.json (schema_version 1)
-----------------------------
Row numbers count the header as row 1 (the first data row is row 2). Dates are
``YYYY-MM-DD``; people are ``P`` + 8 digits (the true person, shared across
files); coordinates are BNG metres.

``schema_version``, ``generator``, ``seed``, ``scale``
    Provenance.
``period``
    ``{"start", "end"}``: the days covered.
``files``, ``counts``
    File name and data rows written (faulty and duplicate rows included) per kind.
``person_ids_file``, ``person_links``
    ``truth_person_ids.csv`` (columns ``kind, record_id, person_id``): the true
    person of every person-bearing record: ``police_people`` (by
    ``involvement_id``), ``deaths`` (``death_id``), ``council_referrals``
    (``referral_id``) and ``ed_assaults`` (``attendance_id``); and its row count.
    Unidentified suspects (no names recorded) still have their true person.
``persons``
    ``{"count", "with_duplicate_police_nominal"}``: people generated, and how
    many have two police nominal ids (``person_ref``).
``ed_matches_file``, ``ed_matched``
    ``truth_ed_matches.csv`` (``attendance_id, occurrence_id``): the police
    occurrence behind each ED attendance, empty when none; and how many match.
``areas``
    ``{"night_time_economy": [area_code], "deprivation": {area_code: score 0-1}}``.
``venues``
    ``[{"name", "easting", "northing", "area_code"}]``: licensed premises.
``patterns``
    ``death_series``: ``death_ids``, ``mo``, ``practitioner_id``,
    ``institution_ids`` (2 care homes), ``start``, ``end``, ``recorded_natural``
    (how many are classified natural).

    ``assault_series``: ``occurrence_ids`` (GBH), ``mo``,
    ``suspect_description`` (the occurrences' ``description``),
    ``offender_person``, ``offence_group``.

    ``care_home_excess``: ``institution_id`` (the home of median capacity
    outside the death series), ``start``, ``end`` (12 months), ``capacity``,
    ``ratio`` (planted deaths over expected), ``expected_deaths`` (in the
    window, from ``expected_deaths_per_year``), ``observed_deaths`` (in the
    window), ``death_ids`` (the planted excess).

    ``practitioner_excess``: ``practitioner_id``, ``institution_id`` (GP
    practice), ``start``, ``end``, ``ratio``, ``expected_per_year`` (the death
    monitor's expectation for the GP), ``expected_deaths`` (the same, in the
    window), ``observed_deaths`` (certified by the GP in the window),
    ``death_ids`` (planted).

    ``domestic_escalation``: ``escalating``: ``[{"victim_person",
    "suspect_person", "occurrence_ids" (time order), "offence_groups",
    "pathway" (``frequency_ladder``, ``few_contacts_markers``, ``mixed``),
    "markers" (before the serious occurrence), "death_ids" (when it ends in
    homicide)}]``; ``non_escalating``: couples with risk markers and no
    serious violence (same keys, pathway ``*_no_escalation``); ``stable``: up to 50 repeat
    couples with 3 or more occurrences, all low severity (same keys, without
    ``offence_groups``); ``stable_count``: all such couples.

    ``near_repeat_cluster``: ``occurrence_ids`` (ABH/GBH), ``centre``
    ``[easting, northing]``, ``radius_m`` (200), ``window_days`` (14),
    ``start``, ``end``.

    ``hidden_venue``: ``venue_name`` (as in ``assault_location_description``),
    ``easting``, ``northing``, ``area_code``, ``attendance_ids`` (planted ED
    attendances), ``occurrence_ids`` (the only police occurrence there),
    ``start``, ``end``.
``faults``
    ``[{"file", "kind", "row", "type", "column", "value", "record_id"}]``: each
    malformed row (about 1% per data file; types in :mod:`.faults`:
    ``unknown_category``, ``impossible_date``, ``future_date``,
    ``missing_required``, ``bad_nhs_checksum``, ``duplicate_id``), the value
    written (null: empty) and the row's id. Rows of planted patterns are never
    faulted; nothing else in the files is malformed.

Examples
--------
>>> from harmwatch.scenario import generate_scenario
>>> result = generate_scenario(tmp_path, seed=1, scale="small")  # doctest: +SKIP
>>> result.counts["police_occurrences"]  # doctest: +SKIP
3604
"""

from harmwatch.scenario.generate import FILE_NAMES, ScenarioResult, generate_scenario

__all__ = ["FILE_NAMES", "ScenarioResult", "generate_scenario"]
