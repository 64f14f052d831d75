"""Quantiles around a mean forecast, from a count distribution fitted to each series' dispersion.

Most methods that suit sparse demand (Croston/SBA, TSB, ADIDA, IMAPA, moving
averages) give only a mean, and a median ensemble gives no distribution at all, so
every forecast gets its quantiles the same way: demand in a period is negative
binomial with the forecast mean and a variance-to-mean ratio measured on the
series (Poisson when the series is no more dispersed than that), or a gamma with
the same two moments when quantities are not whole numbers. The ratio is measured
on first differences, which take out slow changes of level, so the spread is the
period-to-period noise a safety stock has to cover.
"""

from __future__ import annotations

import numpy as np

QUANTILES = (0.1, 0.5, 0.9)
DISPERSION_WINDOW = {"D": 91, "W": 52, "M": 24}


def dispersion(Y: np.ndarray, launch: np.ndarray, cut: int, *, freq: str) -> np.ndarray:
    """Variance-to-mean ratio of each row's recent history (NaN where it cannot be measured)."""
    window = np.minimum(cut - launch, DISPERSION_WINDOW[freq])
    t = np.arange(cut)[None, :]
    inside = t >= (cut - window)[:, None]
    count = inside.sum(axis=1)
    past = Y[:, :cut]
    mean = np.where(inside, past, 0.0).sum(axis=1) / np.maximum(count, 1)
    steps = np.diff(past, axis=1)
    both = inside[:, 1:] & inside[:, :-1]
    pairs = both.sum(axis=1)
    noise = np.where(both, steps**2, 0.0).sum(axis=1) / np.maximum(pairs, 1) / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where((pairs >= 2) & (mean > 0), noise / mean, np.nan)
    return ratio


def whole_numbers(Y: np.ndarray) -> np.ndarray:
    return np.all(np.isclose(Y, np.round(Y)), axis=1)


def quantiles(mean: np.ndarray, ratio: np.ndarray, counts: np.ndarray, qs=QUANTILES) -> list[np.ndarray]:
    """[(n, h) per q]: per-period quantiles for means (n, h), variance-to-mean ratios (n,), count rows (n,)."""
    from scipy import stats

    mean = np.clip(np.asarray(mean, dtype=float), 0.0, None)
    ratio = np.nan_to_num(np.asarray(ratio, dtype=float), nan=1.0)[:, None] * np.ones_like(mean)
    counts = np.asarray(counts, dtype=bool)[:, None] * np.ones(mean.shape, dtype=bool)
    out = []
    for q in qs:
        value = np.zeros_like(mean)
        live = mean > 0
        poisson = live & counts & (ratio <= 1.0 + 1e-9)
        negbin = live & counts & ~poisson
        gamma = live & ~counts & (ratio > 1e-12)
        flat = live & ~counts & ~gamma
        if poisson.any():
            value[poisson] = stats.poisson.ppf(q, mean[poisson])
        if negbin.any():
            r = ratio[negbin]
            value[negbin] = stats.nbinom.ppf(q, mean[negbin] / (r - 1.0), 1.0 / r)
        if gamma.any():
            value[gamma] = stats.gamma.ppf(q, mean[gamma] / ratio[gamma], scale=ratio[gamma])
        value[flat] = mean[flat]
        out.append(np.nan_to_num(value).clip(min=0.0))
    for lower, upper in zip(out, out[1:]):  # ppf is monotone in q; this only guards rounding
        np.maximum(upper, lower, out=upper)
    return out
