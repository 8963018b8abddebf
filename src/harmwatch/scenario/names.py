"""Name frequency lists for the synthetic population, with nicknames and typos.

Lists are ordered from most to least common (after ONS baby-name and surname
frequency tables, abridged); draws use Zipf-like weights over that order. Five
naming groups stand in for the population's diversity; ONS ethnic groups map
onto them in :data:`ETHNICITY_NAME_GROUPS`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harmwatch.scenario._table import Array, Vocab

__all__ = ["ETHNICITY_NAME_GROUPS", "NICKNAMES", "NameBook", "build_name_book"]


def _words(text: str) -> list[str]:
    return text.split()


#: Forenames by naming group, sex and birth cohort ("old": born before 1965).
FORENAMES: dict[tuple[str, str, str], list[str]] = {
    ("british", "male", "old"): _words(
        "John David Michael Peter Robert Paul William James Brian Anthony Alan Stephen "
        "Richard Kenneth Ronald George Keith Christopher Thomas Colin Roger Derek Dennis "
        "Raymond Barry Frederick Geoffrey Graham Terence Leslie Arthur Albert Harold Eric "
        "Norman Stanley Malcolm Trevor Clive Roy Ernest Walter Donald Gordon Philip Martin "
        "Ian Andrew Kevin Gary Mark Edward"
    ),
    ("british", "male", "young"): _words(
        "Oliver Jack Harry George Charlie Jacob Thomas Noah James William Joshua Daniel "
        "Samuel Alexander Joseph Benjamin Ryan Liam Lewis Callum Connor Kyle Jordan Luke "
        "Adam Nathan Matthew Jake Dylan Tyler Ethan Mason Logan Lucas Leo Alfie Freddie "
        "Archie Henry Max Jamie Craig Lee Scott Dean Darren Wayne Jason Carl Shaun Michael "
        "David Christopher Andrew"
    ),
    ("british", "female", "old"): _words(
        "Margaret Patricia Susan Mary Elizabeth Joan Jean Barbara Dorothy Christine Linda "
        "Sandra Janet Pauline Carol Ann Kathleen Doris Irene Sheila Brenda Valerie Maureen "
        "Shirley Sylvia Gillian Jennifer Elaine Pamela Marjorie Joyce Eileen Hilda Edna "
        "Audrey Betty Vera Beryl Lilian Winifred Gladys June Rita Josephine Hazel Wendy "
        "Lesley Diane Julie Karen Deborah"
    ),
    ("british", "female", "young"): _words(
        "Olivia Amelia Isla Ava Emily Sophia Grace Mia Poppy Ella Lily Jessica Chloe "
        "Charlotte Sophie Lucy Hannah Megan Lauren Rebecca Emma Katie Amy Laura Sarah "
        "Rachel Gemma Kirsty Leanne Danielle Jade Shannon Chelsea Courtney Bethany Abigail "
        "Holly Ellie Evie Freya Millie Daisy Ruby Scarlett Phoebe Zoe Natalie Stacey Kelly "
        "Nicola Victoria Samantha Katherine"
    ),
    ("south_asian", "male", "any"): _words(
        "Mohammed Muhammad Ahmed Ali Hassan Imran Tariq Asif Amir Bilal Zain Ibrahim Omar "
        "Yusuf Arjun Rahul Sanjay Rajesh Vikram Harpreet Gurpreet Sukhdev Amrit Kamran "
        "Faisal Shahid Nadeem Waqas Adnan Usman"
    ),
    ("south_asian", "female", "any"): _words(
        "Fatima Aisha Ayesha Zainab Maryam Khadija Amina Saima Nadia Rukhsana Shazia "
        "Nasreen Sana Hina Priya Anjali Sunita Pooja Neha Simran Harjit Manjit Jaspreet "
        "Kiran Parveen Shabana Samina Yasmin Farah Mehreen"
    ),
    ("african_caribbean", "male", "any"): _words(
        "Kwame Kofi Emmanuel Daniel Samuel Joseph David Michael Tyrone Jermaine Marcus "
        "Andre Delroy Winston Leroy Chidi Oluwaseun Tunde Femi Abdi Mohamed Isaac Elijah "
        "Joshua Nathaniel Kelvin Devon Malachi Courtney Clifton"
    ),
    ("african_caribbean", "female", "any"): _words(
        "Grace Blessing Abena Ama Chioma Ngozi Funmilayo Adaeze Precious Faith Joy "
        "Patience Marcia Sharon Beverley Donna Yvonne Michelle Candice Aaliyah Amara Imani "
        "Nia Zara Hodan Fadumo Sagal Amina Kemi Tola"
    ),
    ("east_european", "male", "any"): _words(
        "Piotr Tomasz Krzysztof Pawel Marek Andrzej Jakub Michal Lukasz Kamil Adrian "
        "Marius Ionut Andrei Florin Vasile Darius Aleksander Dmitri Ivan"
    ),
    ("east_european", "female", "any"): _words(
        "Anna Katarzyna Agnieszka Magdalena Joanna Monika Ewa Karolina Natalia Aleksandra "
        "Maria Elena Ioana Andreea Daria Olga Irina Viktoria Alina Marta"
    ),
}

#: Surnames by naming group.
SURNAMES: dict[str, list[str]] = {
    "british": _words(
        "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts "
        "Robinson Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke "
        "Jackson Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker "
        "Harrison Morgan Allen James Scott Phillips Watson Davis Parker Price Bennett Young "
        "Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy "
        "Miller Cox Richards Marshall Anderson Simpson Ellis Adams Wilkinson Foster Chapman "
        "Powell Webb Rogers Gray Mason Hunt Campbell Matthews Owen Palmer Holmes Mills "
        "Barnes Knight Lloyd Butler Russell Barker Fisher Stevens Jenkins Murray Dixon "
        "Harvey Graham Pearson Fletcher Walsh Gibson Howard Andrews Stewart Elliott Reynolds "
        "Saunders Payne Fox Ford Pearce Day Brooks West Lawrence Cole Atkinson Bradley "
        "Spencer Dawson Ball Burton O'Brien Watts Rose Booth Perry Ryan Grant Wells "
        "Armstrong Francis Rees Hayes Hart Hudson Newman Barrett Webster Hunter Gregory Carr "
        "Lowe Page Marsh Riley Dunn Woods Parsons Berry Stone Reid Holland Hawkins Harding "
        "Porter Robertson Newton Oliver Reed Kennedy Williamson Bird Gardner Dean Lane Cooke "
        "Bates Henderson Parry Burgess Bishop Walton Burns Nicholson Shepherd Ross Cross "
        "Long Freeman Warren Nicholls Hamilton Byrne Sutton McDonald Yates Hodgson Robson "
        "Curtis Hopkins O'Connor Harper Coleman Watkins Moss McCarthy Chambers O'Neill "
        "Griffin Sharp Hardy Wheeler Potter Osborne Johnston Gordon Doyle Wallace Jordan "
        "Hutchinson Rowe Burke May Pritchard Gilbert Willis Higgins Read Miles Stevenson "
        "Stephenson Hammond Arnold Buckley Walters Hewitt Barber Nelson Slater Austin "
        "Sullivan Whitehead Mann Frost Lambert Stephens Blake Lynch Goodwin Barton Woodward "
        "Thomson Cunningham Quinn Barnett Baxter Clayton Nash Greenwood Jennings Holt Kemp "
        "Poole Gallagher Bond Stokes Tucker Davidson Fowler Heath Norman Middleton Lawson "
        "Banks French Stanley Jarvis Gibbs Ferguson Hayward Carroll Douglas Hicks Dickinson "
        "Howe Todd Naylor Pope Hodges Bolton Smith-Jones"
    ),
    "south_asian": _words(
        "Khan Patel Singh Begum Ali Hussain Ahmed Shah Akhtar Kaur Bibi Mahmood Iqbal "
        "Rahman Malik Mirza Chaudhry Sharma Kumar Gill Sandhu Sidhu Dhillon Bains Mistry "
        "Parmar Chauhan Islam Miah Uddin Aziz Bashir Rashid Saleem Javed Nawaz Qureshi Butt "
        "Anwar Hassan"
    ),
    "african_caribbean": _words(
        "Okafor Adeyemi Mensah Osei Boateng Okoro Adebayo Eze Nwosu Asante Owusu Appiah "
        "Bello Afolabi Ogunleye Mohamed Abdi Farah Warsame Jama Francis Grant Campbell "
        "Edwards Clarke Williams Johnson Thomas Robinson Henry"
    ),
    "east_european": _words(
        "Nowak Kowalski Wisniewski Wojcik Kowalczyk Kaminski Lewandowski Zielinski "
        "Szymanski Wozniak Dabrowski Kozlowski Popescu Ionescu Popa Pop Radu Dumitru Stan "
        "Stoica Kazlauskas Petrov Ivanov Silva Santos Ferreira Rossi Russo"
    ),
}

#: Naming groups by ONS ethnic group, with probabilities.
ETHNICITY_NAME_GROUPS: dict[str, dict[str, float]] = {
    "white": {"british": 0.9, "east_european": 0.1},
    "asian": {"south_asian": 1.0},
    "black": {"african_caribbean": 0.7, "british": 0.3},
    "mixed": {"british": 0.6, "african_caribbean": 0.4},
    "other": {"east_european": 0.4, "south_asian": 0.3, "british": 0.3},
}

#: Informal forms and spelling variants by which a forename is also recorded.
NICKNAMES: dict[str, list[str]] = {
    "William": ["Bill", "Will", "Billy"],
    "Robert": ["Bob", "Rob", "Bobby"],
    "Richard": ["Rich", "Dick", "Ricky"],
    "James": ["Jim", "Jimmy", "Jamie"],
    "John": ["Jack", "Johnny"],
    "Michael": ["Mike", "Mick"],
    "Christopher": ["Chris"],
    "Anthony": ["Tony"],
    "Stephen": ["Steve", "Steven"],
    "Thomas": ["Tom", "Tommy"],
    "Daniel": ["Dan", "Danny"],
    "Joseph": ["Joe"],
    "Samuel": ["Sam"],
    "Benjamin": ["Ben"],
    "Alexander": ["Alex"],
    "Matthew": ["Matt"],
    "Andrew": ["Andy"],
    "David": ["Dave"],
    "Peter": ["Pete"],
    "Kenneth": ["Ken", "Kenny"],
    "Ronald": ["Ron", "Ronnie"],
    "Terence": ["Terry"],
    "Frederick": ["Fred", "Freddie"],
    "Albert": ["Bert"],
    "Edward": ["Ted", "Eddie"],
    "Joshua": ["Josh"],
    "Nathan": ["Nate"],
    "Elizabeth": ["Liz", "Beth", "Betty"],
    "Margaret": ["Maggie", "Peggy"],
    "Patricia": ["Pat", "Trish"],
    "Susan": ["Sue"],
    "Kathleen": ["Kath"],
    "Jennifer": ["Jenny"],
    "Christine": ["Chris", "Chrissie"],
    "Rebecca": ["Becky"],
    "Jessica": ["Jess"],
    "Charlotte": ["Lottie"],
    "Victoria": ["Vicky"],
    "Samantha": ["Sam"],
    "Deborah": ["Debbie"],
    "Pamela": ["Pam"],
    "Dorothy": ["Dot"],
    "Katherine": ["Kate", "Kathryn"],
    "Abigail": ["Abbie"],
    "Natalie": ["Nat"],
    "Nicola": ["Nicky"],
    "Gillian": ["Gill"],
    "Josephine": ["Jo", "Josie"],
    "Valerie": ["Val"],
    "Mohammed": ["Mohammad", "Muhammad", "Mohamed"],
    "Muhammad": ["Mohammed", "Mohammad"],
    "Aleksander": ["Alex"],
    "Katarzyna": ["Kasia"],
}

_KEYBOARD_NEIGHBOURS = {
    "a": "sq",
    "b": "vn",
    "c": "xv",
    "d": "sf",
    "e": "wr",
    "f": "dg",
    "g": "fh",
    "h": "gj",
    "i": "uo",
    "j": "hk",
    "k": "jl",
    "l": "k",
    "m": "n",
    "n": "bm",
    "o": "ip",
    "p": "o",
    "q": "w",
    "r": "et",
    "s": "ad",
    "t": "ry",
    "u": "yi",
    "v": "cb",
    "w": "qe",
    "x": "zc",
    "y": "tu",
    "z": "x",
}


@dataclass
class NameBook:
    """Name vocabularies and the per-name alternatives used for identity noise.

    Attributes
    ----------
    forenames, surnames : Vocab
        Every spelling that can appear (true names, nicknames, typos).
    forename_pools, surname_pools : dict
        Per (group, sex, cohort) or group: codes of true names and their
        Zipf-like draw probabilities.
    forename_alt, surname_alt : ndarray
        ``(len(vocab), 4)`` codes of alternative spellings; -1 pads.
        Columns 0-1 are nicknames/variants, 2-3 typos.
    """

    forenames: Vocab
    surnames: Vocab
    forename_pools: dict[tuple[str, str, str], tuple[Array, Array]]
    surname_pools: dict[str, tuple[Array, Array]]
    forename_alt: Array
    surname_alt: Array


def _typos(rng: np.random.Generator, name: str) -> list[str]:
    """Two plausible mis-keyings of ``name`` (substitution, transposition or dropped letter)."""
    out: list[str] = []
    letters = name.lower()
    for kind in ("substitute", "transpose"):
        if len(name) < 3:
            break
        pos = int(rng.integers(1, len(name) - 1))
        ch = letters[pos]
        if kind == "substitute" and ch in _KEYBOARD_NEIGHBOURS:
            nbrs = _KEYBOARD_NEIGHBOURS[ch]
            new = nbrs[int(rng.integers(0, len(nbrs)))]
            typo = name[:pos] + new + name[pos + 1 :]
        elif name[pos] == name[pos + 1] or not name[pos + 1].isalpha():
            typo = name[:pos] + name[pos + 1 :]
        else:
            typo = name[:pos] + name[pos + 1] + name[pos] + name[pos + 2 :]
        if typo != name:
            out.append(typo)
    return out


def _zipf(n: int) -> Array:
    w = 1.0 / (np.arange(n) + 4.0) ** 0.9
    return np.asarray(w / w.sum())


def build_name_book(rng: np.random.Generator) -> NameBook:
    """Build the vocabularies, draw pools and alternative spellings."""
    forenames, surnames = Vocab(), Vocab()
    f_pools = {
        key: (np.array([forenames.add(n) for n in names]), _zipf(len(names)))
        for key, names in FORENAMES.items()
    }
    s_pools = {
        key: (np.array([surnames.add(n) for n in names]), _zipf(len(names)))
        for key, names in SURNAMES.items()
    }
    f_alt = _alternatives(rng, forenames, NICKNAMES)
    s_alt = _alternatives(rng, surnames, {})
    return NameBook(forenames, surnames, f_pools, s_pools, f_alt, s_alt)


def _alternatives(rng: np.random.Generator, vocab: Vocab, nicknames: dict[str, list[str]]) -> Array:
    true_names = list(vocab.values)
    alt = np.full((len(true_names), 4), -1, dtype=np.int64)
    for code, name in enumerate(true_names):
        for j, nick in enumerate(nicknames.get(name, [])[:2]):
            alt[code, j] = vocab.add(nick)
        for j, typo in enumerate(_typos(rng, name)):
            alt[code, 2 + j] = vocab.add(typo)
    pad = np.full((len(vocab) - len(true_names), 4), -1, dtype=np.int64)
    return np.vstack([alt, pad])
