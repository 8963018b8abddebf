"""The offence mix of background police occurrences: who, where, how, by offence group.

Tables of shares and relative weights, by offence group
(:data:`harmwatch.contract.codes.OFFENCE_GROUP`), that
:func:`harmwatch.scenario.occurrences.build_police` draws from: Home Office
codes, the domestic and night-time economy shares, the chance of a suspect,
the mix of weapons, injuries, location types, MO codes, descriptions and
relationships. Repeat domestic couples only reach the low-severity groups of
:data:`LOW_DOMESTIC`, so that the planted escalating couples stand out.
"""

from __future__ import annotations

__all__ = [
    "AGE_BANDS",
    "DESCRIPTIONS",
    "DOMESTIC_SHARE",
    "HO_CODES",
    "INJURY_MIX",
    "LOCATION_DEFAULT",
    "LOCATION_MIX",
    "LOW_DOMESTIC",
    "MO_COMBOS",
    "NIGHT_SHARE",
    "NO_VICTIM",
    "RELATION_DOMESTIC",
    "RELATION_OTHER",
    "SUBJECT_ONLY",
    "SUSPECT_SHARE",
    "WEAPON_MIX",
]

#: Home Office offence code of each offence group.
HO_CODES = {
    "homicide": "001/01",
    "attempted_murder": "002/00",
    "threats_to_kill": "003/01",
    "gbh": "005/01",
    "abh": "008/06",
    "common_assault": "105/01",
    "stalking_harassment": "008/71",
    "robbery": "034/01",
    "sexual_offence": "019/07",
    "weapon_possession": "010/01",
    "criminal_damage": "058/01",
    "other": "099/99",
}
#: Share of each offence group that is domestic (within couples or families).
DOMESTIC_SHARE = {
    "homicide": 0.3,
    "attempted_murder": 0.3,
    "threats_to_kill": 0.4,
    "gbh": 0.15,
    "abh": 0.35,
    "common_assault": 0.35,
    "stalking_harassment": 0.5,
    "sexual_offence": 0.25,
    "criminal_damage": 0.2,
    "domestic_incident": 1.0,
}
#: The low-severity groups repeat domestic couples are limited to.
LOW_DOMESTIC = ("domestic_incident", "common_assault", "stalking_harassment", "criminal_damage")
#: Share of each group that is night-time economy (of the non-domestic).
NIGHT_SHARE = {
    "homicide": 0.1,
    "gbh": 0.25,
    "abh": 0.2,
    "common_assault": 0.2,
    "robbery": 0.1,
    "weapon_possession": 0.15,
    "sexual_offence": 0.1,
}
#: Chance an occurrence of each group has a suspect.
SUSPECT_SHARE = {
    "homicide": 0.95,
    "attempted_murder": 0.9,
    "threats_to_kill": 0.85,
    "gbh": 0.65,
    "abh": 0.7,
    "common_assault": 0.65,
    "stalking_harassment": 0.9,
    "robbery": 0.35,
    "sexual_offence": 0.7,
    "weapon_possession": 1.0,
    "criminal_damage": 0.4,
    "domestic_incident": 0.95,
    "other": 0.5,
}
#: Groups recorded without a victim.
NO_VICTIM = ("weapon_possession", "concern_for_welfare", "missing_person")
#: Groups whose person is a subject ("other"), not a victim.
SUBJECT_ONLY = ("concern_for_welfare", "missing_person")
#: Weapon or method mix (relative weights) by offence group.
WEAPON_MIX = {
    "homicide": {
        "sharp": 40,
        "hitting_kicking": 25,
        "blunt": 14,
        "strangulation": 8,
        "firearm": 4,
        "poison_drugs": 3,
        "vehicle": 2,
        "burning": 1,
        "other": 3,
    },
    "attempted_murder": {
        "sharp": 50,
        "hitting_kicking": 15,
        "blunt": 12,
        "strangulation": 10,
        "firearm": 6,
        "vehicle": 3,
        "burning": 2,
        "other": 2,
    },
    "gbh": {
        "hitting_kicking": 42,
        "sharp": 28,
        "blunt": 15,
        "other": 10,
        "firearm": 1,
        "strangulation": 2,
        "burning": 2,
    },
    "abh": {"hitting_kicking": 72, "blunt": 9, "sharp": 5, "strangulation": 6, "other": 8},
    "common_assault": {"hitting_kicking": 80, "none": 12, "other": 5, "unknown": 3},
    "robbery": {"hitting_kicking": 40, "sharp": 25, "none": 25, "firearm": 2, "other": 8},
    "weapon_possession": {"sharp": 70, "firearm": 8, "blunt": 12, "other": 10},
    "threats_to_kill": {"none": 60, "sharp": 25, "firearm": 5, "other": 10},
}
#: Injury mix by offence group (default: none).
INJURY_MIX = {
    "homicide": {"fatal": 1},
    "attempted_murder": {"serious": 1},
    "gbh": {"serious": 1},
    "abh": {"minor": 80, "serious": 20},
    "common_assault": {"none": 45, "minor": 55},
    "robbery": {"none": 60, "minor": 35, "serious": 5},
    "sexual_offence": {"none": 70, "minor": 30},
}
#: Location type mix by offence group (default: :data:`LOCATION_DEFAULT`).
LOCATION_MIX = {
    "robbery": {"street": 65, "retail": 15, "public_transport": 8, "open_space": 7, "other": 5},
    "criminal_damage": {"dwelling": 45, "street": 25, "vehicle": 20, "retail": 5, "other": 5},
    "missing_person": {"dwelling": 70, "care_home": 10, "hospital": 5, "other": 15},
    "concern_for_welfare": {"dwelling": 70, "street": 20, "other": 10},
}
#: Location type mix of the groups not in :data:`LOCATION_MIX`.
LOCATION_DEFAULT = {
    "dwelling": 38,
    "street": 30,
    "retail": 8,
    "public_transport": 5,
    "open_space": 8,
    "school": 3,
    "licensed_premises": 3,
    "other": 4,
    "unknown": 1,
}
#: MO code combinations drawn for a share of each group.
MO_COMBOS = {
    "gbh": [
        "kicked_head;group_attack",
        "stabbed;single_wound",
        "bottle;glassing",
        "punched;fell_struck_head",
        "weapon_carried;dispute",
    ],
    "abh": ["punched;face", "headbutt", "pushed;fell", "kicked;ground", "bitten"],
    "common_assault": ["push;shove", "slap", "spat_at", "punched;no_injury"],
    "robbery": ["phone_snatch;bike", "knife_point;street", "group;youths", "cash_machine"],
    "domestic_incident": [
        "verbal_argument",
        "jealousy;phone_checking",
        "child_contact_dispute",
        "intoxicated",
    ],
    "stalking_harassment": ["repeated_calls", "social_media", "following", "unwanted_gifts"],
    "criminal_damage": ["window_smashed", "vehicle_keyed", "door_kicked"],
}
#: Free-text description given to a share of each group.
DESCRIPTIONS = {
    "gbh": "Victim seriously injured in an assault; enquiries ongoing.",
    "abh": "Victim assaulted causing injury.",
    "common_assault": "Victim assaulted, no significant injury.",
    "domestic_incident": "Verbal argument between partners; no offences disclosed.",
    "robbery": "Victim robbed of personal property.",
    "missing_person": "Reported missing from home address.",
    "concern_for_welfare": "Caller concerned for the welfare of a neighbour.",
}
#: Victim-suspect relationship mix, domestic and otherwise.
RELATION_DOMESTIC = {"partner": 45, "ex_partner": 35, "other_family": 10, "parent": 5, "child": 5}
RELATION_OTHER = {"stranger": 45, "friend_acquaintance": 35, "other": 5, "unknown": 15}
#: Age bands of suspects whose identity is not recorded.
AGE_BANDS = ("0-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")
