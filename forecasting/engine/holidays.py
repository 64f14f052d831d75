"""The gifting calendar of a handmade shop, as a Prophet holidays table.

Gift demand peaks before the day, not on it, so each event carries a window of
days before it. On a weekly or monthly grid an event is moved to the start of its
period (Prophet only matches dates that are on the grid) and its window is kept in
whole periods.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

# name: (days of buying before the day, days after) on a daily grid
WINDOWS = {
    "black_friday": (0, 3),  # through Cyber Monday
    "christmas": (-21, 1),
    "mothering_sunday_uk": (-10, 0),
    "mothers_day_us": (-10, 0),
    "valentines_day": (-10, 0),
}


def easter_sunday(year: int) -> datetime.date:
    """Western Easter (the anonymous Gregorian computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 (the algorithm's own name)
    m = (a + 11 * h + 22 * l) // 451
    month = (h + l - 7 * m + 114) // 31
    day = (h + l - 7 * m + 114) % 31 + 1
    return datetime.date(year, month, day)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> datetime.date:
    first = datetime.date(year, month, 1)
    return first + datetime.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def gifting_days(year: int) -> dict[str, datetime.date]:
    thanksgiving = _nth_weekday(year, 11, 3, 4)  # fourth Thursday of November
    return {
        "black_friday": thanksgiving + datetime.timedelta(days=1),
        "christmas": datetime.date(year, 12, 25),
        "mothering_sunday_uk": easter_sunday(year) - datetime.timedelta(days=21),
        "mothers_day_us": _nth_weekday(year, 5, 6, 2),  # second Sunday of May
        "valentines_day": datetime.date(year, 2, 14),
    }


def holidays_frame(first_year: int, last_year: int, freq: str) -> pd.DataFrame:
    """Prophet's holidays table (holiday, ds, lower_window, upper_window) for the years given."""
    import pandas as pd

    from forecasting.engine.panel import period_start

    step = {"D": 1, "W": 7, "M": 0}[freq]
    rows = []
    for year in range(first_year, last_year + 1):
        for name, day in gifting_days(year).items():
            before, after = WINDOWS[name]
            if freq == "D":
                lower, upper = before, after
            elif freq == "W":  # in whole weeks: a window reaching into another week takes that week in
                lower = step * ((day.weekday() + before) // 7)
                upper = step * ((day.weekday() + after) // 7)
            else:
                lower, upper = 0, 0
            rows.append({"holiday": name, "ds": day, "lower_window": lower, "upper_window": upper})
    frame = pd.DataFrame(rows)
    frame["ds"] = period_start(frame["ds"], freq)
    return frame
