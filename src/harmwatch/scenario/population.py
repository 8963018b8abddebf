"""Synthetic people with identities, and how each agency records them.

A :class:`Persons` table holds the true identity of everyone who appears in
any record: sex, date of birth, ethnicity, names drawn from frequency lists,
a current and a previous home (area and unit postcode), an NHS number with a
valid modulus-11 check digit, police nominal ids (about 3% of people have two:
a duplicate nominal record) and a council person id. Latent weights make some
people far more likely than others to be victims or offenders (heavy-tailed,
higher in deprived areas and at young-adult ages), which yields repeat victims
and offenders. The weights are drawn from a Pareto (Lomax) law truncated at
the scale's ``weight_cap`` (about 12 times its mean): untruncated, its tail
(index 1.6, 1.23 for offending) gives single people thousands of records in
ten years (6,967 at force scale, 9,092 at national scale), which real police
data does not show; truncated, the busiest person holds about 250 records in
ten years and the top 1% of people still hold about a fifth of all records
(Farrell and Pease, 1993, on repeat victimisation; Wolfgang et al., 1972, on
chronic offenders).

:func:`render` writes one record's view of a person with the noise of real
data: nicknames, keying errors, day and month of birth transposed, an old
postcode, a missing NHS number (police rarely record one; the NHS and
councils usually do), missing values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from harmwatch.contract import codes
from harmwatch.scenario._table import Array, Table, date_series, enum_series, format_ids
from harmwatch.scenario.geography import Geography
from harmwatch.scenario.names import ETHNICITY_NAME_GROUPS, NameBook

__all__ = ["NEVER", "NOISE", "Noise", "Persons", "nhs_check_digit", "render"]

_NAME_GROUPS = ("british", "south_asian", "african_caribbean", "east_european")
#: ``death_day`` of people who do not die in the period.
NEVER = 10**7
_COHORT_SPLIT_DAY = -1826  # 1965-01-01 in epoch days
_AGE_BANDS = np.array(
    [0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95]
)
_AGE_WEIGHTS = np.array(
    [
        5.6,
        6.0,
        5.9,
        5.6,
        6.0,
        6.6,
        6.9,
        6.6,
        6.4,
        6.1,
        6.8,
        6.7,
        5.9,
        5.1,
        5.0,
        3.7,
        2.6,
        1.6,
        0.8,
        0.2,
    ]
)


def nhs_check_digit(first9: Array) -> Array:
    """Modulus-11 check digit of 9-digit NHS number stems (10 means invalid stem)."""
    rest = np.asarray(first9, dtype=np.int64).copy()
    total = np.zeros(len(rest), dtype=np.int64)
    for weight in range(2, 11):  # last digit has weight 2, first weight 10
        total += (rest % 10) * weight
        rest //= 10
    check = 11 - total % 11
    return np.asarray(np.where(check == 11, 0, check))


@dataclass(frozen=True)
class Noise:
    """How an agency records people: probabilities of each kind of noise."""

    nhs: float
    dob_missing: float
    age_when_no_dob: float
    nickname: float
    forename_typo: float
    surname_typo: float
    dob_transposed: float
    dob_year_off: float
    old_postcode: float
    postcode_missing: float
    ethnicity_unknown: float


#: Noise by agency.
NOISE: dict[str, Noise] = {
    "police": Noise(0.04, 0.07, 0.6, 0.08, 0.03, 0.03, 0.02, 0.01, 0.15, 0.1, 0.1),
    "deaths": Noise(0.88, 0.02, 1.0, 0.01, 0.01, 0.01, 0.005, 0.002, 0.05, 0.02, 0.2),
    "council": Noise(0.8, 0.03, 0.8, 0.05, 0.02, 0.02, 0.02, 0.005, 0.2, 0.05, 0.15),
}


class Persons:
    """The people of a scenario (a table of true identities; row = person id).

    Columns: ``sex`` (0 male, 1 female), ``dob`` (epoch days), ``ethnicity``
    (index into the contract codes), ``forename``/``surname`` (name codes),
    ``area``/``prev_area``, ``postcode``/``prev_postcode`` (postcode codes),
    ``nhs`` (10-digit int), ``nominal``/``nominal2`` (police nominal numbers;
    -1 when none), ``council`` (council person number), ``victim_w``/
    ``offender_w`` (latent weights).
    """

    def __init__(self, geo: Geography, names: NameBook, weight_cap: float | None = None) -> None:
        self.geo = geo
        self.names = names
        self.weight_cap = weight_cap
        self.table = Table()
        self._serial = 0
        self._stem = 0

    def __len__(self) -> int:
        return len(self.table)

    def __getitem__(self, name: str) -> Array:
        return self.table[name]

    def add_general(self, rng: np.random.Generator, n: int, ref_day: int) -> Array:
        """Create ``n`` residents of all ages (on ``ref_day``), spread by area population."""
        geo = self.geo
        area = rng.choice(len(geo), size=n, p=geo.population / geo.population.sum())
        band = rng.choice(len(_AGE_BANDS), size=n, p=_AGE_WEIGHTS / _AGE_WEIGHTS.sum())
        age_days = (_AGE_BANDS[band] + rng.random(n) * 5) * 365.25
        sex = (rng.random(n) < 0.51).astype(np.int64)
        return self.add(rng, area, sex, (ref_day - age_days).astype(np.int64), ref_day)

    def add(
        self, rng: np.random.Generator, area: Array, sex: Array, dob: Array, ref_day: int
    ) -> Array:
        """Create people living in ``area`` with the given sex and dob; return their ids."""
        n = len(area)
        geo, names = self.geo, self.names
        dep = geo.deprivation[area]
        eth_p = np.c_[
            0.04 + 0.12 * dep,
            0.015 + 0.06 * dep,
            0.015 + 0.03 * dep,
            0.93 - 0.23 * dep,
            0.01 + 0.02 * dep,
        ]
        eth_codes = np.array(
            [codes.ETHNICITY.index(e) for e in ("asian", "black", "mixed", "white", "other")]
        )
        u = rng.random(n)[:, None]
        eth = eth_codes[
            (u > np.cumsum(eth_p / eth_p.sum(axis=1, keepdims=True), axis=1)).sum(axis=1)
        ]
        group = np.zeros(n, dtype=np.int64)
        for e, groups in ETHNICITY_NAME_GROUPS.items():
            m = eth == codes.ETHNICITY.index(e)
            codes_ = [_NAME_GROUPS.index(g) for g in groups]
            group[m] = rng.choice(codes_, size=int(m.sum()), p=list(groups.values()))
        forename = np.empty(n, dtype=np.int64)
        surname = np.empty(n, dtype=np.int64)
        old = dob < _COHORT_SPLIT_DAY
        for key, (pool, p) in names.forename_pools.items():
            g, s, cohort = key
            m = (group == _NAME_GROUPS.index(g)) & (sex == ("male", "female").index(s))
            if cohort != "any":
                m &= old if cohort == "old" else ~old
            forename[m] = pool[rng.choice(len(pool), size=int(m.sum()), p=p)]
        for g, (pool, p) in names.surname_pools.items():
            m = group == _NAME_GROUPS.index(g)
            surname[m] = pool[rng.choice(len(pool), size=int(m.sum()), p=p)]

        moved = rng.random(n) < 0.3
        prev_area = np.where(moved, rng.integers(0, len(geo), n), area)
        postcode = geo.pc_start[area] + rng.integers(0, geo.pc_count[area])
        prev_postcode = geo.pc_start[prev_area] + rng.integers(0, geo.pc_count[prev_area])
        prev_postcode = np.where(
            prev_postcode == postcode,
            geo.pc_start[area] + (postcode - geo.pc_start[area] + 1) % geo.pc_count[area],
            prev_postcode,
        )

        serial = np.arange(self._serial, self._serial + n)
        self._serial += n
        age = (ref_day - dob) / 365.25
        age_v = np.interp(
            age, [0, 12, 16, 22, 35, 50, 70, 100], [0.05, 0.15, 0.8, 1.0, 0.8, 0.4, 0.15, 0.1]
        )
        age_o = np.interp(
            age, [0, 10, 14, 19, 30, 45, 60, 100], [0.0, 0.0, 0.5, 1.0, 0.7, 0.3, 0.05, 0.01]
        )
        latent = rng.pareto(1.6, n)
        if self.weight_cap is not None:
            latent = np.minimum(latent, self.weight_cap)
        cols = {
            "sex": sex.astype(np.int8),
            "dob": dob.astype(np.int32),
            "ethnicity": eth.astype(np.int8),
            "forename": forename,
            "surname": surname,
            "area": area.astype(np.int64),
            "prev_area": prev_area.astype(np.int64),
            "postcode": postcode.astype(np.int64),
            "prev_postcode": prev_postcode.astype(np.int64),
            "nhs": self._nhs_numbers(n),
            "nominal": (serial * 7_919 + 13) % 70_000_000 + 10_000_000,
            "nominal2": np.where(
                rng.random(n) < 0.03, (serial * 6_271 + 7) % 19_000_000 + 80_000_000, -1
            ),
            "council": (serial * 3_571 + 5) % 89_000_000 + 10_000_000,
            "victim_w": np.where(dob < ref_day, latent * age_v * (0.3 + dep), 0.0),
            "offender_w": latent**1.3 * age_o * np.where(sex == 0, 1.0, 0.2) * (0.2 + dep),
            "death_day": np.full(n, NEVER, dtype=np.int64),
        }
        ids = np.arange(len(self.table), len(self.table) + n)
        if len(self.table) == 0:
            self.table = Table(cols)
        else:
            self.table.append(Table(cols))
        return ids

    def _nhs_numbers(self, n: int) -> Array:
        """Unique valid NHS numbers: the valid stems of a permutation of 400000000-799999999."""
        out = np.empty(0, dtype=np.int64)
        while len(out) < n:
            k = np.arange(self._stem, self._stem + int((n - len(out)) * 1.15) + 50, dtype=np.int64)
            stems = (k * 48_271 + 12_345) % 400_000_000 + 400_000_000
            check = nhs_check_digit(stems)
            ok = np.flatnonzero(check < 10)[: n - len(out)]
            out = np.concatenate([out, stems[ok] * 10 + check[ok]])
            self._stem = int(k[ok[-1]]) + 1 if len(ok) else int(k[-1]) + 1
        return out


def sample_people(
    rng: np.random.Generator, weights: Array, n: int, candidates: Array | None = None
) -> Array:
    """Draw ``n`` person ids in proportion to ``weights`` (optionally among ``candidates``)."""
    if candidates is None:
        candidates = np.arange(len(weights))
        w = weights
    else:
        w = weights[candidates]
    cdf = np.cumsum(w)
    # Sorted queries make searchsorted cache-friendly; a permutation restores random order.
    hits = np.searchsorted(cdf, np.sort(rng.random(n)) * cdf[-1], side="right").clip(
        0, len(cdf) - 1
    )
    return np.asarray(candidates[rng.permutation(hits)])


def _alt(rng: np.random.Generator, alt: Array, code: Array, mask: Array, cols: slice) -> Array:
    choices = alt[code, cols]
    pick = choices[np.arange(len(code)), rng.integers(0, choices.shape[1], len(code))]
    return np.where(mask & (pick >= 0), pick, code)


def render(
    rng: np.random.Generator,
    persons: Persons,
    pid: Array,
    day: Array,
    agency: str,
    anonymous: Array | None = None,
) -> dict[str, pl.Series]:
    """One agency's recorded identity of people ``pid`` at epoch days ``day``.

    Returns the columns forename, surname, date_of_birth, age, sex, ethnicity,
    postcode and nhs_number; ``anonymous`` rows keep only sex, ethnicity and age.
    """
    noise = NOISE[agency]
    n = len(pid)
    names = persons.names
    anon = np.zeros(n, dtype=bool) if anonymous is None else anonymous

    def u() -> Array:
        return rng.random(n)

    fore = persons["forename"][pid]
    fore = _alt(rng, names.forename_alt, fore, u() < noise.nickname, slice(0, 2))
    fore = _alt(rng, names.forename_alt, fore, u() < noise.forename_typo, slice(2, 4))
    sur = _alt(
        rng, names.surname_alt, persons["surname"][pid], u() < noise.surname_typo, slice(2, 4)
    )

    dob = persons["dob"][pid].astype(np.int64)
    d64 = dob.astype("datetime64[D]")
    months = d64.astype("datetime64[M]")
    dd = (d64 - months).astype(np.int64) + 1
    mm = months.astype(np.int64) % 12 + 1
    years = months.astype("datetime64[Y]")
    swap = (u() < noise.dob_transposed) & (dd <= 12) & (dd != mm)
    swapped = (
        (years + (dd - 1).astype("timedelta64[M]")).astype("datetime64[D]") + (mm - 1)
    ).astype(np.int64)
    rec_dob = np.where(swap, swapped, dob)
    rec_dob = np.where(u() < noise.dob_year_off, rec_dob + rng.choice([-365, 365], n), rec_dob)
    rec_dob = np.minimum(rec_dob, day - 1)
    no_dob = (u() < noise.dob_missing) | anon
    age = ((day - dob) / 365.25).astype(np.int64)
    show_age = no_dob & ((u() < noise.age_when_no_dob) | anon)

    postcode = np.where(
        u() < noise.old_postcode, persons["prev_postcode"][pid], persons["postcode"][pid]
    )
    postcode = np.where((u() < noise.postcode_missing) | anon, -1, postcode)
    nhs = persons["nhs"][pid]
    has_nhs = (u() < noise.nhs) & ~anon
    eth = np.where(
        u() < noise.ethnicity_unknown, codes.ETHNICITY.index("unknown"), persons["ethnicity"][pid]
    )
    sex = persons["sex"][pid].astype(np.int64)

    return {
        "forename": enum_series("forename", names.forenames.values, np.where(anon, -1, fore)),
        "surname": enum_series("surname", names.surnames.values, np.where(anon, -1, sur)),
        "date_of_birth": date_series("date_of_birth", rec_dob, missing=no_dob),
        "age": pl.Series("age", np.where(show_age, age, 0), dtype=pl.Int32).scatter(
            np.flatnonzero(~show_age), None
        ),
        "sex": enum_series("sex", codes.SEX, sex),
        "ethnicity": enum_series("ethnicity", codes.ETHNICITY, eth),
        "postcode": enum_series("postcode", persons.geo.postcodes.values, postcode),
        "nhs_number": pl.Series("nhs_number", nhs, dtype=pl.Int64).scatter(
            np.flatnonzero(~has_nhs), None
        ),
    }


def person_refs(name: str, prefix: str, numbers: Array, width: int) -> pl.Series:
    """Person reference strings, null where ``numbers`` < 0."""
    s = format_ids(name, prefix, np.maximum(numbers, 0), width)
    missing = np.flatnonzero(np.asarray(numbers) < 0)
    return s.scatter(missing, None) if len(missing) else s
