"""How long the forecasting engine takes to backtest a 3,000-SKU weekly catalogue, against Prophet alone.

    .venv/bin/python bench/forecast.py [--jobs 2] [--sample 100] [--csv FILE] [--skus N]

The catalogue is the online-retail data set of shared/data (3,163 products, 52
weeks), or, when that file is absent, a synthetic one of 3,000 SKUs with the
same mix of smooth, erratic, intermittent and lumpy demand. The engine runs the
backtest contract of `manage.py forecast_backtest` (horizon 8, 3 origins, every
core). No database: the engine is pure computation.

The baseline, measured in the same run with the same worker processes, is
Prophet with its defaults (what the issue asked to beat) on a random sample of
SKUs at the same origins, extrapolated to the whole catalogue. The ratio says
how many times faster the engine is; RMSSE on the sample (as shared/
forecast_eval.py computes it) says whether the speed cost any accuracy.
Target: the whole backtest under 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from forecasting.engine.backtest import backtest, backtest_origins, sales_matrix  # noqa: E402
from forecasting.engine.methods import parallel_map  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "online-retail-weekly.csv"
HORIZON, ORIGINS, SKUS = 8, 3, 3000
TARGET_SECONDS = 60


def synthetic_catalogue(skus: int = SKUS, weeks: int = 52, seed: int = 11) -> pd.DataFrame:
    """Weekly sales with the online-retail mix: ~a third steady sellers, the rest sparse, some launched late."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2023-01-02", periods=weeks, freq="W-MON")
    season = 1 + 0.4 * np.sin(2 * np.pi * (np.arange(weeks) - 30) / 52)
    frames = []
    for k in range(skus):
        kind = k % 3
        rate = rng.gamma(1.2, 6.0) * season
        if kind == 0:
            quantity = rng.poisson(rate)
        else:
            sells = rng.random(weeks) < rng.uniform(0.15, 0.6)
            quantity = sells * rng.negative_binomial(1 + kind, 0.3, weeks)
        quantity[: rng.integers(0, weeks // 3)] = 0  # launched later
        frames.append(pd.DataFrame({"date": dates, "sku": f"SKU{k:05d}", "quantity": quantity}))
    sales = pd.concat(frames)
    return sales[sales["quantity"] > 0].reset_index(drop=True)


def _prophet_plain(args) -> np.ndarray:
    values, dates, horizon = args
    for name in ("cmdstanpy", "prophet"):
        logging.getLogger(name).disabled = True
    from prophet import Prophet

    if (values != 0).sum() < 2:
        return np.zeros(horizon)
    model = Prophet(uncertainty_samples=0)
    model.fit(pd.DataFrame({"ds": dates, "y": values}))
    future = model.make_future_dataframe(periods=horizon, freq="W-MON", include_history=False)
    return model.predict(future)["yhat"].to_numpy().clip(min=0)


def rmsse(Y: np.ndarray, rows, cuts, forecast) -> float:
    scores = []
    for r in rows:
        for cut in cuts:
            scale = (np.diff(Y[r, :cut]) ** 2).mean()
            if scale > 0:
                error = forecast(r, cut) - Y[r, cut : cut + HORIZON]
                scores.append(np.sqrt((error**2).mean() / scale))
    return float(np.mean(scores))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--csv", default=str(DATA), help="weekly date,sku,quantity file (default: online retail)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--sample", type=int, default=100, help="SKUs Prophet is timed on (default 100)")
    parser.add_argument(
        "--skus", type=int, default=0, help="backtest a random subset of this many SKUs (default: the whole catalogue)"
    )
    args = parser.parse_args()
    if args.skus < 0 or args.sample < 1 or args.jobs < 1:
        parser.error("--skus must be 0 (all) or more, --sample and --jobs positive.")

    if Path(args.csv).is_file():
        sales, source = pd.read_csv(args.csv, dtype={"sku": str}), Path(args.csv).name
        if args.skus:
            every = sales["sku"].unique()
            keep = np.random.default_rng(0).choice(every, min(args.skus, len(every)), replace=False)
            sales, source = sales[sales["sku"].isin(keep)], f"{source}, a random {len(keep):,} of {len(every):,} SKUs"
    else:
        sales, source = synthetic_catalogue(args.skus or SKUS), f"synthetic ({args.csv} not found)"
    skus, Y, dates, _ = sales_matrix(sales.assign(date=pd.to_datetime(sales["date"])), "W")
    cuts = backtest_origins(len(dates), HORIZON, ORIGINS)
    print(
        f"forecast bench: {len(skus):,} skus x {len(dates)} weeks from {source}; horizon {HORIZON}, "
        f"{ORIGINS} origins, {args.jobs} worker processes"
    )

    started = time.perf_counter()
    run = backtest(sales, freq="W", horizon=HORIZON, origins=ORIGINS, use_prophet=True, n_jobs=args.jobs)
    engine_seconds = time.perf_counter() - started
    print(
        f"  engine backtest (forecast_backtest):     {engine_seconds:8.1f} s   "
        f"({engine_seconds / len(skus) / ORIGINS * 1000:.1f} ms per sku and origin)"
    )

    rows = np.sort(np.random.default_rng(0).choice(len(skus), min(args.sample, len(skus)), replace=False))
    import prophet  # noqa: F401  (loaded once, before the workers fork)

    jobs = [(Y[r, :cut], dates[:cut], HORIZON) for r in rows for cut in cuts]
    started = time.perf_counter()
    fitted = parallel_map(_prophet_plain, jobs, args.jobs)
    prophet_sample = time.perf_counter() - started
    prophet_seconds = prophet_sample * len(skus) / len(rows)
    print(
        f"  baseline: Prophet alone on {len(rows)} skus:    {prophet_sample:8.1f} s   "
        f"-> {prophet_seconds:,.0f} s for the catalogue (extrapolated)"
    )
    print(
        f"  ratio: the engine takes {engine_seconds / prophet_seconds:.3f}x Prophet's time "
        f"({prophet_seconds / engine_seconds:,.0f}x faster)"
    )

    engine = run.forecasts.pivot_table(index=["sku", "origin"], columns="date", values="yhat")
    by_key = {(sku, origin): values.dropna().to_numpy() for (sku, origin), values in engine.iterrows()}
    prophet_by_key = dict(zip([(r, cut) for r in rows for cut in cuts], fitted, strict=True))
    origin_of = {cut: dates[cut].date() for cut in cuts}
    engine_error = rmsse(Y, rows, cuts, lambda r, cut: by_key[(skus[r], origin_of[cut])])
    prophet_error = rmsse(Y, rows, cuts, lambda r, cut: prophet_by_key[(r, cut)])
    print(
        f"  RMSSE on the sample: engine {engine_error:.3f}, Prophet {prophet_error:.3f} "
        f"(engine / Prophet = {engine_error / prophet_error:.3f})"
    )
    if args.skus:
        print(f"  target: backtest under {TARGET_SECONDS} s: not judged on a subset (--skus)")
    else:
        print(f"  target: backtest under {TARGET_SECONDS} s: {'met' if engine_seconds < TARGET_SECONDS else 'NOT met'}")


if __name__ == "__main__":
    main()
