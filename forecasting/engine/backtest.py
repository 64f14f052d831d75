"""Rolling-origin backtest on a long sales file, without the database.

The contract (what forecast_eval.py scores): with T periods, the last origin is
period T − H and each earlier one H // 2 periods before it; at each origin the
engine sees only the periods before it and forecasts the H periods from it, for
every sku of the file (a sku with nothing sold before the origin gets zeros). Each
row also says which method forecast its sku at that origin and which rule chose it.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from forecasting.engine.panel import PANDAS_FREQ, check_freq, period_start

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = ("date", "sku", "quantity")
OUTPUT_COLUMNS = [
    "sku",
    "origin",
    "date",
    "yhat",
    "p10",
    "p50",
    "p90",
    "mean",
    "method",
    "rule",
]  # the scorer reads the first 4


class SalesFileError(ValueError):
    """A sales file the backtest cannot use; the message says what to fix."""


@dataclass
class BacktestRun:
    forecasts: pd.DataFrame
    skus: int
    periods: int
    origins: list
    seconds: float
    methods: Counter = field(default_factory=Counter)  # method per sku at the last origin
    rules: Counter = field(default_factory=Counter)  # the rule that chose it (its first clause), at the last origin
    notes: list[str] = field(default_factory=list)


def backtest_origins(periods: int, horizon: int, origins: int) -> list[int]:
    """Origin indices, oldest first: periods − horizon, then back by horizon // 2 (at least 1) each."""
    if horizon < 1 or origins < 1:
        raise ValueError("horizon and origins must be at least 1.")
    step = max(horizon // 2, 1)
    found = [periods - horizon - k * step for k in range(origins)][::-1]
    if found[0] < 1:
        raise ValueError(
            f"{periods} periods are too few for {origins} origins of horizon {horizon}: "
            f"the first origin would be period {found[0]} (it needs at least one period before it)."
        )
    return found


def read_sales_csv(path) -> pd.DataFrame:
    """date, sku, quantity from a CSV file, checked: dates parsed, quantities numeric."""
    import pandas as pd

    try:
        frame = pd.read_csv(path, dtype={"sku": str}, skipinitialspace=True)
    except FileNotFoundError:
        raise SalesFileError(f"{path}: no such file.") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise SalesFileError(f"{path}: not a readable CSV file ({error}).") from None
    return clean_sales(frame)


def clean_sales(frame: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    frame = frame.rename(columns=lambda name: str(name).strip().lower())
    missing = [column for column in COLUMNS if column not in frame.columns]
    if missing:
        raise SalesFileError(
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"(the file needs a header row: {','.join(COLUMNS)})."
        )
    frame = frame[list(COLUMNS)].copy()
    if frame.empty:
        raise SalesFileError("the file has no rows of sales.")
    frame["sku"] = frame["sku"].astype(str).str.strip()
    if (frame["sku"].isin(["", "nan"])).any():
        raise SalesFileError(f"row {_row(frame['sku'].isin(['', 'nan']))}: the sku is empty.")
    dates = pd.to_datetime(frame["date"].astype(str).str.strip(), errors="coerce", format="mixed")
    if dates.isna().any():
        bad = dates.isna()
        raise SalesFileError(f"row {_row(bad)}: {frame['date'][bad].iloc[0]!r} is not a date (use YYYY-MM-DD).")
    frame["date"] = dates.dt.normalize()
    quantity = pd.to_numeric(frame["quantity"], errors="coerce")
    if quantity.isna().any() or not np.isfinite(quantity).all():
        bad = quantity.isna() | ~np.isfinite(quantity.fillna(0))
        raise SalesFileError(f"row {_row(bad)}: quantity {frame['quantity'][bad].iloc[0]!r} is not a number.")
    frame["quantity"] = quantity.astype(float)
    return frame


def _row(mask) -> int:
    return int(np.flatnonzero(np.asarray(mask))[0]) + 2  # 1-based, after the header row


def sales_matrix(frame: pd.DataFrame, freq: str) -> tuple[list[str], np.ndarray, pd.DatetimeIndex, list[str]]:
    """(skus, Y, dates, notes): one row per sku on the grid from the first to the last date; missing rows are zeros."""
    import pandas as pd

    check_freq(freq)
    notes = []
    starts = period_start(frame["date"], freq)
    off_grid = frame["date"].to_numpy() != starts.to_numpy()
    if off_grid.any():
        what = {"W": "a Monday", "M": "the first of a month", "D": "a day"}[freq]
        raise SalesFileError(
            f"row {_row(off_grid)}: {frame['date'].iloc[int(np.flatnonzero(off_grid)[0])].date()} "
            f"is not {what}; with --freq {freq} every date must be the start of its period."
        )
    negative = frame["quantity"] < 0
    if negative.any():
        notes.append(f"{int(negative.sum())} negative quantities (returns) counted as zero.")
    repeated = int(frame.duplicated(["sku", "date"]).sum())
    if repeated:
        notes.append(f"{repeated} rows repeat a sku and period already in the file: their quantities are added.")
    dates = pd.date_range(frame["date"].min(), frame["date"].max(), freq=PANDAS_FREQ[freq])
    wide = (
        frame.assign(quantity=frame["quantity"].clip(lower=0))
        .pivot_table(index="sku", columns="date", values="quantity", aggfunc="sum")
        .reindex(columns=dates)
        .fillna(0.0)
    )
    return [str(sku) for sku in wide.index], wide.to_numpy(dtype=float), dates, notes


def backtest(
    sales: pd.DataFrame,
    *,
    freq: str = "W",
    horizon: int = 12,
    origins: int = 3,
    use_prophet: bool = True,
    n_jobs: int = 1,
) -> BacktestRun:
    """Forecast every sku at each origin from the periods before it; see the module docstring."""
    import pandas as pd

    from forecasting.engine.methods import reuse_fits
    from forecasting.engine.select import forecast_matrix

    started = time.perf_counter()
    skus, Y, dates, notes = sales_matrix(clean_sales(sales), freq)
    cuts = backtest_origins(len(dates), horizon, origins)
    parts, methods, rules = [], Counter(), Counter()
    n = len(skus)
    with reuse_fits():  # the origins step by half a horizon: their holdouts share cuts
        results = [
            forecast_matrix(
                Y[:, :cut], freq=freq, horizon=horizon, dates=dates[:cut], use_prophet=use_prophet, n_jobs=n_jobs
            )
            for cut in cuts
        ]
    for cut, result in zip(cuts, results, strict=True):
        future = pd.date_range(dates[cut], periods=horizon, freq=PANDAS_FREQ[freq])
        parts.append(
            pd.DataFrame(
                {
                    "sku": np.repeat(skus, horizon),
                    "origin": np.repeat(dates[cut].date(), n * horizon),
                    "date": np.tile(future.date, n),
                    "yhat": result.point.reshape(-1),
                    "p10": result.p10.reshape(-1),
                    "p50": result.p50.reshape(-1),
                    "p90": result.p90.reshape(-1),
                    "mean": result.mean.reshape(-1),  # expected demand; yhat is the point forecast
                    "method": np.repeat(result.methods, horizon),  # what forecast each sku at this origin
                    "rule": np.repeat(result.rules, horizon),  # and which rule chose it
                }
            )
        )
        methods = Counter(result.methods)
        rules = Counter(rule.split(";")[0] for rule in result.rules)
    forecasts = pd.concat(parts, ignore_index=True)[OUTPUT_COLUMNS]
    return BacktestRun(
        forecasts=forecasts,
        skus=n,
        periods=len(dates),
        origins=[dates[c].date() for c in cuts],
        seconds=time.perf_counter() - started,
        methods=methods,
        rules=rules,
        notes=notes,
    )
