"""When things happen: day-by-hour weights for each kind of event, and sampling.

Each profile is a weight for every hour of the period: a seasonal curve times
a day-of-week-by-hour-of-day pattern times a holiday factor. Events are drawn
from the hours in proportion to the weights, then placed uniformly within the
hour. The shapes follow published patterns: violence peaks late on Friday and
Saturday nights and in summer (night-time economy); domestic abuse peaks in the
evening, at weekends and over Christmas, New Year and bank holidays; deaths
peak in winter; council referrals arrive in office hours on weekdays.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

import numpy as np

from harmwatch.scenario._table import Array

__all__ = ["Profile", "TimeFrame", "sample_days", "sample_seconds"]

Profile = Literal["violence", "night_economy", "domestic", "deaths", "office", "flat"]

_EPOCH = date(1970, 1, 1)

# Relative weight of each hour of the day, for a weekday (Mon-Thu).
_HOURLY = {
    "violence": [
        5,
        4,
        3,
        2,
        1.5,
        1,
        1,
        1.5,
        2,
        2.5,
        3,
        3.5,
        4,
        4.5,
        5,
        6,
        6.5,
        7,
        7,
        7.5,
        8,
        8.5,
        8,
        7,
    ],
    "night_economy": [
        10,
        8,
        6,
        3,
        1,
        0.5,
        0.3,
        0.3,
        0.3,
        0.3,
        0.3,
        0.5,
        0.8,
        1,
        1,
        1.2,
        1.5,
        2,
        3,
        4,
        5,
        7,
        9,
        10,
    ],
    "domestic": [
        4,
        3,
        2,
        1.5,
        1,
        1,
        1,
        1.5,
        2,
        2.5,
        3,
        3.5,
        4,
        4,
        4.5,
        5,
        6,
        7,
        8,
        9,
        9.5,
        9,
        8,
        6,
    ],
    "deaths": [3, 3, 3, 3, 3, 3, 3, 4, 5, 6, 6, 6, 6, 6, 6, 6, 5, 5, 5, 4, 4, 4, 3, 3],
    "office": [0, 0, 0, 0, 0, 0, 0, 0.2, 1, 4, 5, 5, 4, 4, 5, 5, 4, 2, 0.5, 0.2, 0.1, 0.1, 0, 0],
    "flat": [1.0] * 24,
}
# Multiplier by day of week (Mon=0 ... Sun=6) and hour, as (day, hours, factor).
_WEEKLY: dict[str, list[tuple[int, range, float]]] = {
    "violence": [
        (4, range(18, 24), 1.8),
        (5, range(0, 6), 2.2),
        (5, range(12, 24), 1.8),
        (6, range(0, 6), 2.2),
    ],
    "night_economy": [
        (4, range(19, 24), 3.0),
        (5, range(0, 6), 4.0),
        (5, range(19, 24), 3.5),
        (6, range(0, 6), 4.5),
        (3, range(21, 24), 1.4),
    ],
    "domestic": [(4, range(17, 24), 1.3), (5, range(0, 24), 1.4), (6, range(0, 24), 1.4)],
    "deaths": [],
    "office": [(5, range(0, 24), 0.03), (6, range(0, 24), 0.02)],
    "flat": [],
}
# Seasonal amplitude and day of year of the peak.
_SEASON = {
    "violence": (0.15, 190),
    "night_economy": (0.12, 200),
    "domestic": (0.08, 180),
    "deaths": (0.22, 15),
    "office": (0.05, 60),
    "flat": (0.0, 0),
}
_HOLIDAY = {
    "violence": 1.3,
    "night_economy": 1.6,
    "domestic": 1.8,
    "deaths": 1.0,
    "office": 0.1,
    "flat": 1.0,
}


class TimeFrame:
    """The period of a scenario and its calendar.

    Parameters
    ----------
    start, end : date
        First and last day (inclusive).
    """

    def __init__(self, start: date, end: date) -> None:
        self.start = start
        self.end = end
        self.n_days = (end - start).days + 1
        self.day0 = (start - _EPOCH).days
        days = np.arange(self.n_days) + self.day0
        self.weekday = (days + 3) % 7  # 1970-01-01 was a Thursday
        self.doy = np.array(
            (
                days.astype("datetime64[D]") - days.astype("datetime64[D]").astype("datetime64[Y]")
            ).astype(int)
        )
        self.holiday = self._holidays()

    @property
    def start_second(self) -> int:
        """Epoch second of the period's first instant."""
        return self.day0 * 86_400

    @property
    def end_second(self) -> int:
        """Epoch second just after the period."""
        return (self.day0 + self.n_days) * 86_400

    def _holidays(self) -> Array:
        flags = np.zeros(self.n_days, dtype=bool)
        for year in range(self.start.year, self.end.year + 1):
            days = [
                date(year, 1, 1),
                date(year, 12, 24),
                date(year, 12, 25),
                date(year, 12, 26),
                date(year, 12, 31),
            ]
            for month in (5, 8):  # last Monday of May and of August
                d = date(year, month, 31)
                days.append(d - timedelta(days=d.weekday()))
            d = date(year, 5, 1)  # first Monday of May
            days.append(d + timedelta(days=(7 - d.weekday()) % 7))
            for d in days:
                i = (d - self.start).days
                if 0 <= i < self.n_days:
                    flags[i] = True
        return flags

    def hour_weights(self, profile: Profile) -> Array:
        """Weight of every hour of the period, shape ``(n_days * 24,)``, summing to 1."""
        week = np.tile(np.asarray(_HOURLY[profile], dtype=float), (7, 1))
        for day, hours, factor in _WEEKLY[profile]:
            week[day, list(hours)] *= factor
        amp, peak = _SEASON[profile]
        season = 1.0 + amp * np.cos(2 * np.pi * (self.doy - peak) / 365.25)
        holiday = np.where(self.holiday, _HOLIDAY[profile], 1.0)
        w = (season * holiday)[:, None] * week[self.weekday]
        flat = w.ravel()
        return np.asarray(flat / flat.sum())


def sample_seconds(rng: np.random.Generator, frame: TimeFrame, profile: Profile, n: int) -> Array:
    """Draw ``n`` instants (epoch seconds, naive UK local time) from a profile."""
    hours = rng.choice(frame.n_days * 24, size=n, p=frame.hour_weights(profile))
    seconds = rng.integers(0, 3600, size=n)
    return np.asarray(frame.start_second + hours.astype(np.int64) * 3600 + seconds, dtype=np.int64)


def sample_days(rng: np.random.Generator, frame: TimeFrame, profile: Profile, n: int) -> Array:
    """Draw ``n`` days (epoch days) from a profile's daily totals."""
    w = frame.hour_weights(profile).reshape(frame.n_days, 24).sum(axis=1)
    days = rng.choice(frame.n_days, size=n, p=w / w.sum())
    return np.asarray(frame.day0 + days, dtype=np.int64)
