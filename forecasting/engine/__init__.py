"""Demand forecasting engine: pure computation on sales series, no Django models.

    forecast_many({"MUG-L": weekly_sales, ...}, freq="W", horizon=12) -> {"MUG-L": SeriesForecast, ...}

Each series is classified (smooth, erratic, intermittent, lumpy after Syntetos &
Boylan; new; none), each demand class picks its method on rolling holdouts inside
the history among intermittent-demand methods (TSB, Croston/SBA, ADIDA, IMAPA),
ETS, Theta, moving averages and their median ensemble, shrinking toward the
simplest that is not significantly worse; a series overrules its class only on
strong evidence of its own (Prophet competes only there, for busy series with a
year of history); the whole selection gives way to one classic method for every
series when that does significantly better on the same holdouts (studio-wide); a
sparse series may take its group's seasonal wave (SeasonalMean); a group's
aggregate may reshape members that show no season of their own, new products
borrow from their group. `rule` says which rule chose what. Forecasts are means (never negative) with per-period p10/p50/p90.

statsforecast and prophet are imported inside the functions that use them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from forecasting.engine.classify import ADI_CUTOFF, CV2_CUTOFF, classify_series
from forecasting.engine.panel import FREQS

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ADI_CUTOFF",
    "CV2_CUTOFF",
    "FREQS",
    "SeriesForecast",
    "backtest",
    "backtest_origins",
    "classify_series",
    "forecast_many",
]


@dataclass(frozen=True)
class SeriesForecast:
    key: str
    method: str  # e.g. "TSB", "ETS", "Ensemble(TSB+IMAPA+ADIDA+SES+WA)+TopDown", "Category(mugs)", "Stopped", "Zero"
    demand_class: str  # "smooth" | "erratic" | "intermittent" | "lumpy" | "new" | "none"
    adi: float | None
    cv2: float | None
    dates: list[datetime.date]  # the start of each forecast period
    p10: list[float]
    p50: list[float]
    p90: list[float]
    mean: list[float]
    validation_error: float | None  # RMSSE of the chosen method on the holdout it was chosen on
    rule: str = ""  # which rule chose the method (the pool's, the series' own holdouts) and its shape


def forecast_many(
    series: dict[str, pd.Series],
    *,
    freq: str = "W",
    horizon: int = 12,
    groups: dict[str, str] | None = None,
    use_prophet: bool = True,
    n_jobs: int = 1,
) -> dict[str, SeriesForecast]:
    """Forecast each series for the `horizon` periods after the latest date of all of them.

    series: {key: quantities indexed by period start} (Monday weeks for "W", days
    for "D", month starts for "M"; other dates are moved to their period's start);
    zeros count, missing periods are zeros. groups: {key: group} (a category, say);
    new products borrow from their group, and a group's aggregate may reshape its
    members. use_prophet=False keeps Prophet out (it is the slow part).
    """
    import numpy as np

    from forecasting.engine.panel import as_dates, panel_from_series, period_grid
    from forecasting.engine.select import forecast_matrix

    if not series:
        return {}
    panel = panel_from_series(series, freq)
    labels = [str((groups or {}).get(key, "all")) for key in series] if groups else None
    result = forecast_matrix(
        panel.Y, freq=freq, horizon=horizon, dates=panel.dates, groups=labels, use_prophet=use_prophet, n_jobs=n_jobs
    )
    future = as_dates(period_grid(panel.dates[-1], horizon + 1, freq)[1:])

    def number(value) -> float | None:
        return None if value is None or not np.isfinite(value) else float(value)

    return {
        key: SeriesForecast(
            key=key,
            method=result.methods[i],
            demand_class=str(result.classes[i]),
            adi=number(result.adi[i]),
            cv2=number(result.cv2[i]),
            dates=list(future),
            p10=result.p10[i].tolist(),
            p50=result.p50[i].tolist(),
            p90=result.p90[i].tolist(),
            mean=result.mean[i].tolist(),
            validation_error=number(result.validation_error[i]),
            rule=result.rules[i],
        )
        for i, key in enumerate(panel.keys)
    }


def backtest(*args, **kwargs):
    """See forecasting.engine.backtest.backtest."""
    from forecasting.engine.backtest import backtest as run

    return run(*args, **kwargs)


def backtest_origins(periods: int, horizon: int, origins: int) -> list[int]:
    """See forecasting.engine.backtest.backtest_origins."""
    from forecasting.engine.backtest import backtest_origins as run

    return run(periods, horizon, origins)
