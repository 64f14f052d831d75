"""Period grids and the panel: many demand series on one grid, as a matrix.

Everything downstream works on a matrix `Y` (series × periods) because batching is
what makes a catalogue of thousands of SKUs cheap to forecast. A series' history
starts at its first sale ("launch"): leading zeros say nothing about demand, only
that the product was not on sale yet, and counting them would drag levels down
and make every young product look intermittent.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

FREQS = ("D", "W", "M")
PANDAS_FREQ = {"D": "D", "W": "W-MON", "M": "MS"}
PERIOD_FREQ = {"D": "D", "W": "W-SUN", "M": "M"}  # pandas periods whose start_time is our period start
SEASON = {"D": 7, "W": 52, "M": 12}  # the natural cycle of each grid: a week of days, a year of weeks or months
YEAR = {"D": 365, "W": 52, "M": 12}


def check_freq(freq: str) -> str:
    if freq not in FREQS:
        raise ValueError(f"freq must be one of {', '.join(FREQS)}, not {freq!r}.")
    return freq


def period_start(dates, freq: str) -> pd.DatetimeIndex:
    """The start of the period each date falls in (Monday of its week, first of its month)."""
    import pandas as pd

    return pd.DatetimeIndex(pd.PeriodIndex(pd.DatetimeIndex(dates), freq=PERIOD_FREQ[check_freq(freq)]).start_time)


def period_grid(first, count: int, freq: str) -> pd.DatetimeIndex:
    import pandas as pd

    return pd.date_range(pd.Timestamp(first), periods=count, freq=PANDAS_FREQ[check_freq(freq)])


def as_dates(index) -> list[datetime.date]:
    return [stamp.date() for stamp in index]


@dataclass
class Panel:
    """Series on a common grid: row i of Y is keys[i], column t is dates[t]."""

    keys: list[str]
    Y: np.ndarray  # float, shape (n, T), zeros where nothing sold
    dates: pd.DatetimeIndex
    freq: str

    @property
    def launch(self) -> np.ndarray:
        return first_sale(self.Y)


def first_sale(Y: np.ndarray) -> np.ndarray:
    """Index of each row's first non-zero value; the row length where there is none."""
    sold = Y > 0
    return np.where(sold.any(axis=1), sold.argmax(axis=1), Y.shape[1])


def panel_from_series(series: dict, freq: str) -> Panel:
    """Line up {key: pandas Series indexed by period start} on one grid ending at the latest date.

    Dates are floored to their period start and duplicates summed, so daily dates
    given to a weekly forecast still land in the right week. Missing periods are
    zeros; a series that stops early is taken to have sold nothing since.
    """
    import pandas as pd

    check_freq(freq)
    keys = [str(key) for key in series]
    cleaned = []
    for key, values in series.items():
        values = pd.Series(values, dtype=float)
        if len(values) and not isinstance(values.index, pd.DatetimeIndex):
            values.index = pd.DatetimeIndex(pd.to_datetime(values.index))
        if values.isna().any():
            raise ValueError(f"series {key!r} has missing values; give zeros for periods without sales.")
        if (values < 0).any():
            raise ValueError(f"series {key!r} has negative quantities; net returns out before forecasting.")
        if len(values):
            values = values.groupby(period_start(values.index, freq)).sum()
        cleaned.append(values)
    stamps = [v.index for v in cleaned if len(v)]
    if not stamps:
        raise ValueError("no series has any period; give at least one dated value.")
    first = min(index.min() for index in stamps)
    last = max(index.max() for index in stamps)
    dates = pd.date_range(first, last, freq=PANDAS_FREQ[freq])
    position = {stamp: t for t, stamp in enumerate(dates)}
    Y = np.zeros((len(keys), len(dates)))
    for i, values in enumerate(cleaned):
        if len(values):
            Y[i, [position[stamp] for stamp in values.index]] = values.to_numpy()
    return Panel(keys=keys, Y=Y, dates=dates, freq=freq)
