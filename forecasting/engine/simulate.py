"""Simulated intermittent demand with known generating processes, for development and tests.

Real catalogues never say which process made them; these do, so a method choice
can be checked against the truth and the engine is not tuned to one real data set.

- Croston-type: a sale happens each period with a fixed probability, its size is
  drawn independently (Croston 1972; SBA's assumptions).
- TSB-type: the probability of a sale drifts, and some products become obsolete
  (Teunter, Syntetos & Babai 2011): the demand TSB was made for.
- Seasonal lumpy: rare, variable orders whose probability follows a yearly
  cycle; most products of a group share a Christmas peak, a few peak in summer
  instead, so a group's shape must not override a product's own.

Every generator is deterministic for a given seed and returns long sales rows
`date, sku, quantity` on a Monday-week grid (zero weeks left out), the format of
`manage.py forecast_backtest`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

START = "2021-01-04"
KINDS = ("croston", "tsb", "seasonal-lumpy")


def croston_series(rng: np.random.Generator, weeks: int) -> np.ndarray:
    probability = rng.uniform(0.1, 0.5)
    size = rng.uniform(1.5, 12.0)
    sold = rng.random(weeks) < probability
    return sold * (1 + rng.poisson(size - 1, weeks))


def tsb_series(rng: np.random.Generator, weeks: int) -> np.ndarray:
    start = rng.uniform(0.15, 0.6)
    logit = np.log(start / (1 - start)) + np.cumsum(rng.normal(0, 0.15, weeks))
    probability = 1 / (1 + np.exp(-logit))
    if rng.random() < 0.3:  # obsolete: demand fades out over some weeks from a random point
        end = int(rng.integers(weeks // 2, weeks))
        probability = probability * np.clip(1 - (np.arange(weeks) - end) / 12, 0, 1)
    sold = rng.random(weeks) < np.clip(probability, 0, 0.95)
    return sold * (1 + rng.poisson(rng.uniform(1.0, 6.0), weeks))


def seasonal_lumpy_series(rng: np.random.Generator, weeks: int, peak_week: int) -> np.ndarray:
    phase = 2 * np.pi * ((np.arange(weeks) - peak_week) % 52) / 52
    probability = np.clip(rng.uniform(0.12, 0.35) * (1 + 0.9 * np.cos(phase)), 0, 0.95)
    sold = rng.random(weeks) < probability
    sizes = rng.negative_binomial(1, 1 / rng.uniform(3.0, 15.0), weeks) + 1
    return sold * sizes


def simulated_sales(kind: str, *, series: int = 300, weeks: int = 104, seed: int = 2026) -> pd.DataFrame:
    """Long sales rows of `series` simulated products of one kind (see KINDS), the same for the same seed."""
    import pandas as pd

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}.")
    rng = np.random.default_rng([seed, KINDS.index(kind)])
    dates = pd.date_range(START, periods=weeks, freq="W-MON")
    frames = []
    for k in range(series):
        if kind == "croston":
            values = croston_series(rng, weeks)
        elif kind == "tsb":
            values = tsb_series(rng, weeks)
        else:
            summer = k % 5 == 4  # a fifth of the group peaks in summer against the group's Christmas
            values = seasonal_lumpy_series(rng, weeks, peak_week=26 if summer else 49)
        values = np.asarray(values, dtype=float)
        values[: int(rng.integers(0, weeks // 4))] = 0  # launched later
        frames.append(pd.DataFrame({"date": dates, "sku": f"{kind[:3].upper()}{k:04d}", "quantity": values}))
    sales = pd.concat(frames, ignore_index=True)
    return sales[sales["quantity"] > 0].reset_index(drop=True)
