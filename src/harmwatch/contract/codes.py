"""Category codes of the input contract (docs/contract.md).

Each tuple is the complete list of codes a category column accepts. An unknown
code is a row error: it is quarantined with a message, never coerced.
"""

from __future__ import annotations

OCCURRENCE_KIND = ("crime", "incident")
OFFENCE_GROUP = (
    "homicide",
    "attempted_murder",
    "threats_to_kill",
    "gbh",
    "abh",
    "common_assault",
    "stalking_harassment",
    "robbery",
    "sexual_offence",
    "weapon_possession",
    "criminal_damage",
    "domestic_incident",
    "concern_for_welfare",
    "missing_person",
    "other",
)
LOCATION_TYPE = (
    "dwelling",
    "street",
    "licensed_premises",
    "care_home",
    "hospital",
    "prison",
    "school",
    "public_transport",
    "open_space",
    "retail",
    "vehicle",
    "other",
    "unknown",
)
WEAPON = (
    "sharp",
    "firearm",
    "blunt",
    "hitting_kicking",
    "strangulation",
    "poison_drugs",
    "burning",
    "vehicle",
    "other",
    "none",
    "unknown",
)
INJURY = ("none", "minor", "serious", "fatal")
OUTCOME = (
    "charged",
    "under_investigation",
    "no_suspect",
    "evidential_difficulties",
    "victim_declined",
    "other",
)
ROLE = ("victim", "suspect", "offender", "witness", "other")
SEX = ("male", "female", "other", "unknown")
ETHNICITY = ("asian", "black", "mixed", "white", "other", "unknown")
RELATIONSHIP = (
    "partner",
    "ex_partner",
    "parent",
    "child",
    "other_family",
    "friend_acquaintance",
    "stranger",
    "other",
    "unknown",
)
PLACE_TYPE = (
    "own_home",
    "care_home",
    "hospital",
    "hospice",
    "prison",
    "hostel",
    "public_place",
    "other",
)
DEATH_CLASSIFICATION = (
    "natural",
    "unexplained",
    "suspicious",
    "homicide",
    "suicide",
    "drug_related",
    "accidental",
    "road_traffic",
    "unknown",
)
SERVICE = ("children", "adults")
CONCERN = (
    "domestic_abuse",
    "neglect",
    "self_neglect",
    "physical_abuse",
    "sexual_abuse",
    "exploitation",
    "mental_health",
    "substance_misuse",
    "other",
)
INSTITUTION_TYPE = ("care_home", "hospital", "gp_practice", "prison", "hostel", "other")

#: Values accepted for a boolean column, lower-cased, and what they mean.
BOOLEAN_VALUES = {
    "true": True,
    "false": False,
    "yes": True,
    "no": False,
    "y": True,
    "n": False,
    "1": True,
    "0": False,
}

#: Precision of a date that a mapping derived, or that the file gave.
DATE_PRECISION = ("datetime", "date", "month", "year")
