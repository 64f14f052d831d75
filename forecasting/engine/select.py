"""The engine: classify, choose methods on holdouts, take the group's shape, borrow for new products.

Per-series choice on a short holdout mostly picks noise (on sparse weekly sales
it did worse than any fixed robust method), so the choice is pooled: each demand
class chooses, over all its series and two holdout windows, among a fixed set of
candidates (intermittent and lumpy series only among methods made for sparse
demand), the simplest (fewest fitted parameters) that is not significantly worse
than the best (a paired one-sided t-test). A sparse series can't show a season of
its own, so one of its candidates is its mean on its group's seasonal wave (a smooth
curve through the members' sales, `_Runner.profiles`); another, for a series with a
full year of its own, is its mean on its own wave where its own year shows one. The whole selection then meets each
classic method applied to every series on the same holdouts and two earlier ones,
and gives way to one that beats it significantly (studio-wide). The pools' holdouts decide how much of
each group's aggregate shape (a smooth series, where season and holiday peaks
show) its members take on (top-down, shape only: each series keeps its own
level, since a group's growth rarely comes from every member); a member whose
own season, or own history, runs against the group's keeps its own. A series
whose history ends in a run its earlier rate cannot explain (at its group's seasonal
wave, where the group has one) has changed regime: a
run of sales after a sparse past is a relaunch (forecast as a new product from
it), a run without sales after a busy past a stop (forecast at zero where the
holdouts' stops lasted).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from forecasting.engine.classify import ERRATIC, INTERMITTENT, LUMPY, NEW, NEW_PERIODS, NONE, SMOOTH, classify
from forecasting.engine.distribution import dispersion, quantiles, whole_numbers
from forecasting.engine.methods import forecast_methods
from forecasting.engine.panel import SEASON, check_freq, first_sale
from forecasting.engine.seasonal import at, group_profile, runs_against, seasonal_factors, seasonal_indices

SMOOTH_PROPHET = "smooth+prophet"  # smooth series that also try Prophet
SMOOTH_FAMILY = ("ETS", "Theta", "SES", "IMAPA", "TSB", "WA", "WAs")
INTERMITTENT_FAMILY = ("TSB", "IMAPA", "ADIDA", "SES", "SBA", "WA", "WAs")
INTERMITTENT_METHODS = ("SBA", "TSB", "ADIDA", "IMAPA")  # made for intermittent demand: what a sparse series gets
SEASONAL_MEAN = "SeasonalMean"  # the mean since launch on the group's seasonal wave (_Runner.seasonal_mean)
OWN_SEASONAL_MEAN = "OwnSeasonalMean"  # ...on its own wave, where its own year shows one (else its group's)
WAVED = (SEASONAL_MEAN, OWN_SEASONAL_MEAN)
# ADI and CV² say intermittent or lumpy: methods made for sparse demand (the mean since launch is Croston's
# method for a steady rate)
SPARSE_SINGLES = ("Mean", SEASONAL_MEAN, *INTERMITTENT_METHODS, OWN_SEASONAL_MEAN)
MEMBERS = {  # the median ensemble of each pool: robust methods that fail in different ways
    SMOOTH: ("ETS", "Theta", "SES", "IMAPA", "WA", "WAs", "Naive", "SeasonalNaive"),
    ERRATIC: ("ETS", "Theta", "SES", "IMAPA", "WA", "WAs", "Naive", "SeasonalNaive"),
    SMOOTH_PROPHET: ("ETS", "Theta", "SES", "IMAPA", "WA", "WAs", "Naive", "SeasonalNaive"),
    INTERMITTENT: INTERMITTENT_METHODS,  # the combination of the intermittent-demand methods
    LUMPY: INTERMITTENT_METHODS,
}
SINGLES = {
    SMOOTH: SMOOTH_FAMILY,
    ERRATIC: SMOOTH_FAMILY,
    SMOOTH_PROPHET: (*SMOOTH_FAMILY, "Prophet"),
    INTERMITTENT: SPARSE_SINGLES,
    LUMPY: SPARSE_SINGLES,
}
AGGREGATE_MEMBERS = ("ETS", "Theta", "SES", "Naive", "WA")
AGGREGATE_CYCLES = 1.5  # a group total is smooth enough to show its season from a cycle and a half
SEASONAL_POOLS = (SMOOTH, ERRATIC, SMOOTH_PROPHET)  # sparse series show no season of their own: their group's does
MAX_SERIES_SEASON = 24  # per-series indices for cycles of up to 24 periods; 52 weekly indices are noise for one SKU
ENSEMBLE, MEAN_ENSEMBLE = "Ensemble", "MeanEnsemble"
HOLDOUTS = 2  # holdout windows the choices are made on (each half a horizon before the next)
STUDIO_HOLDOUTS = 4  # ...and the studio-wide check: one decision for every series, cheap to validate further back
# fewest fitted parameters per series first: what the choice shrinks toward (SBA and TSB smooth at a fixed 0.1;
# SeasonalMean fits one level per series, its wave is the group's; OwnSeasonalMean's wave is its own)
SIMPLICITY = (
    "Naive", "SeasonalNaive", "Mean", SEASONAL_MEAN, "WA", "WAs", "SBA", "TSB", "SES", "ADIDA", "IMAPA",
    OWN_SEASONAL_MEAN, "Theta", "ETS", ENSEMBLE, MEAN_ENSEMBLE, "Prophet",
)  # fmt: skip
SERIES_MARGIN = 0.2  # a series leaves its pool's choice only for a method 20 % better on every one of its holdouts
MIN_POOLED = 10  # series a pool needs on the holdout before it may leave the ensemble
T_CRITICAL = 1.645  # ...and the evidence a challenger needs: one-sided 5 % on the paired holdout errors
MIN_GROUP = 5  # series a group needs before its aggregate may reshape them
TOP_DOWN_WEIGHTS = (0.0, 0.5, 1.0)  # how much of the group's shape to take: chosen on the holdouts
RATIO_LIMITS = (0.25, 4.0)  # a period's aggregate-to-members ratio beyond these is a broken fit, not a shape
PRIOR_PERIODS = 2  # a new product's own sales count against this many periods of its group's typical rate...
PRIOR_CHOICES = (0.0, 0.5, PRIOR_PERIODS)  # ...unless the holdouts' new products say otherwise (own sales first)
SINCE_FIRST, AFTER_FIRST, LATEST = "since its first sale", "after its first sale's period", "in its latest period"
POINT_LEVELS = (1.0, 0.95, 0.9, 0.85, 0.8)  # the point forecast's share of the mean: chosen per pool on the holdouts
# The classic benchmark methods (the scorer's baselines that adapt to a series' level, SES standing in for
# AutoETS, which is too slow to fit for every series twice more): one of them for every series, if it beats...
STUDIO_SINGLES = ("Naive", "SES", "SBA", "TSB", "ADIDA", "IMAPA")
PER_SERIES = "per-series selection"  # ...choosing per pool and series on the holdouts
RESTART_ALPHA = 0.01  # a final run of sales this unlikely at the series' earlier rate: it relaunched (not validated)
STOP_ALPHA = 0.05  # a final run without sales this unlikely: it may have stopped (the holdouts decide)
MIN_RESTART, MIN_STOP = 3, 2  # the shortest final runs of sales, and of no sales, that can say so
RESTARTED, STOPPED = "restarted", "stopped"


@dataclass
class PanelForecast:
    mean: np.ndarray  # expected demand per period: what plans and totals are made from
    point: np.ndarray  # the point forecast a short window's RMSSE is lowest for (see point_levels)
    p10: np.ndarray
    p50: np.ndarray
    p90: np.ndarray
    methods: list[str]
    rules: list[str]  # per series: which rule chose its method (and its shape), in words
    classes: np.ndarray
    adi: np.ndarray
    cv2: np.ndarray
    validation_error: np.ndarray  # NaN where the series had no holdout


def forecast_matrix(
    Y: np.ndarray, *, freq: str, horizon: int, dates=None, groups=None, use_prophet: bool = True, n_jobs: int = 1
) -> PanelForecast:
    """Forecast every row of Y (series × periods, zeros included) for the `horizon` periods after it.

    `dates` (the grid of Y's columns) is needed only for Prophet; `groups` is one
    label per row (products of a group share a profile and new ones borrow from it).
    """
    Y = np.asarray(Y, dtype=float)
    n, T = Y.shape
    if horizon < 1:
        raise ValueError("horizon must be at least 1.")
    season = SEASON[check_freq(freq)]
    launch = first_sale(Y)
    regime = regime_changes(Y, launch, T, season)
    # A relaunch is a launch (see regime_changes). Only relaunched rows move, and their last period sold,
    # so none of them is STOPPED: regime's stops hold for the moved launches too.
    launch = np.where(regime[RESTARTED], regime["start"], launch)
    classes, adi, cv2 = classify(Y, launch)
    group = np.asarray(groups if groups is not None else ["all"] * n, dtype=object)
    demand = np.flatnonzero(np.isin(classes, (SMOOTH, ERRATIC, INTERMITTENT, LUMPY)))
    pool = classes.copy()
    cuts = holdout_cuts(T, horizon)
    if use_prophet and dates is not None and cuts:
        from forecasting.engine.prophet_fit import prophet_eligible

        pool[prophet_eligible(Y, launch, demand[classes[demand] == SMOOTH], cuts[0], freq=freq)] = SMOOTH_PROPHET
    run = _Runner(
        Y,
        fit_start(launch, classes, adi),
        freq=freq,
        season=season,
        horizon=horizon,
        dates=dates,
        n_jobs=n_jobs,
        group=group,
        members=demand,
    )

    # 1. the holdouts: every candidate of each pool, on the series with enough history before each cut
    windows = []
    for cut in cuts:
        scale = _scale(Y, cut)
        held = demand[(cut - launch[demand] >= NEW_PERIODS) & (scale[demand] > 0)]
        if len(held):
            wanted = {p: (*[m for m in SINGLES[p] if m != "Prophet"], ENSEMBLE, MEAN_ENSEMBLE) for p in SINGLES}
            forecasts = run.candidates(held, pool, cut, wanted)
            windows.append(_Window(cut, held, forecasts, scale))
    errors = _pooled_errors(windows, Y, horizon)
    held = np.unique(np.concatenate([w.held for w in windows])) if windows else demand[:0]
    pooled = {p: _choose(p, held[pool[held] == p], errors) for p in SINGLES}
    choice = np.full(n, "", dtype=object)
    rules = [""] * n
    for p, (c, rule) in pooled.items():
        for i in demand[pool[demand] == p]:
            choice[i], rules[i] = c, rule
    left_out = _prophet_where_promising(windows, pool, choice, run, Y, horizon)
    for i in demand[pool[demand] == SMOOTH_PROPHET] if left_out else ():
        rules[i] += left_out
    for p in SINGLES:
        _own_choices(held[pool[held] == p], p, choice, rules, windows, Y, horizon)

    # 2. the forecasts: each series' choice, fitted on everything
    mean = np.zeros((n, horizon))
    labels = [""] * n
    for p in SINGLES:
        for c in np.unique(choice[demand[pool[demand] == p]]):
            rows = demand[(pool[demand] == p) & (choice[demand] == c)]
            final = run.candidates(rows, pool, T, {p: (c,)})
            mean[rows] = final[c][rows]
            for i in rows:
                labels[i] = _label(c, p, final, i)
    for w in windows:
        w.chosen = np.full((n, horizon), np.nan)
        for i in w.held:
            w.chosen[i] = w.forecasts[choice[i]][i]

    # 3. the studio-wide check: where one simple method for every series beat the per-series choices on the
    # holdouts, it stands (the group shapes are chosen after, for either)
    earlier = earlier_windows(windows, demand, launch, pool, choice, run, Y) if len(held) >= MIN_POOLED else []
    studio = studio_wide(windows + earlier, held, pool, run, Y, horizon)
    if studio is not None:
        name, why = studio
        final = run.candidates(demand, pool, T, {p: (name,) for p in SINGLES})
        mean[demand] = final[name][demand]
        choice[demand] = name
        for i in demand:
            labels[i], rules[i] = name, why
        for w in windows:
            w.chosen[w.held] = w.forecasts[name][w.held]

    # 4. each group's aggregate reshapes its members where that helped on the holdouts, except members
    # whose own history shows a season (their own shape stands) or runs against the group's season
    own_season = run.factors(T, pool).std(axis=1) > 0
    # members on their group's wave keep it (its level, where the group's season puts it); where the member's
    # own sales run against the wave, SeasonalMean is its plain mean
    profiles = run.profiles(T)
    wave = profiles.copy()  # the wave each series' forecast is on (its own where it chose and has one)
    on_own = np.flatnonzero(choice == OWN_SEASONAL_MEAN)
    wave[on_own] = run.own_profiles(T, on_own)
    waved = np.isin(choice, WAVED) & (wave.std(axis=1) > 0)
    own_season |= waved
    for i in np.flatnonzero(waved):
        if not np.array_equal(wave[i], profiles[i]):
            rules[i] += "; on its own seasonal wave (its sales through its year)"
        else:
            rules[i] += f"; on {group[i]}'s seasonal wave (its members' sales through the year)"
    for i in np.flatnonzero(np.isin(choice, WAVED) & ~waved):
        labels[i] = "Mean"
        if (profiles[group == group[i]].std(axis=1) > 0).any():
            rules[i] += f"; its own sales run against {group[i]}'s seasonal wave: its plain mean"
    for g in np.unique(group[demand]) if len(demand) else ():
        rows = demand[group[demand] == g]
        if len(rows) < MIN_GROUP:
            continue
        weight = _top_down_weight(Y, launch, windows, group, g, run, own_season, waved)
        if not weight:
            continue
        taking = _takes_shape(Y, launch, rows, T, run) & ~own_season[rows]
        mean[rows[taking]] *= _aggregate_ratio(Y, launch, rows, T, mean[rows], run, waved[rows]) ** weight
        for w in windows:
            mine = w.held[group[w.held] == g]
            if len(mine) >= MIN_GROUP:
                ratio = _aggregate_ratio(Y, launch, mine, w.cut, w.chosen[mine], run, waved[mine]) ** weight
                mine = mine[_takes_shape(Y, launch, mine, w.cut, run) & ~own_season[mine]]
                w.chosen[mine] *= ratio
        for i, takes in zip(rows, taking, strict=True):
            if waved[i]:
                continue  # its rule says so already
            if own_season[i]:
                rules[i] += f"; kept its own season over {g}'s shape"
            elif not takes:
                rules[i] += f"; kept its own history, which runs against {g}'s season, over {g}'s shape"
            else:
                labels[i] += "+TopDown"
                rules[i] += f"; took {weight:g} of {g}'s shape (best on the holdouts)"

    # 5. a series whose history ends in a run without sales its earlier rate cannot explain has stopped:
    # it is forecast at zero, where that did better on the holdouts
    stopped = regime_changes(Y, launch, T, season, run.profiles(T))[STOPPED] & np.isin(np.arange(n), demand)
    stops, stop_rule = stop_switch(windows, launch, Y, horizon, run) if stopped.any() else (False, "")
    if stops:
        mean[stopped] = 0.0
        for i in np.flatnonzero(stopped):
            labels[i], rules[i] = "Stopped", stop_rule
        for w in windows:
            w.chosen[w.held[regime_changes(Y, launch, w.cut, season, run.profiles(w.cut))[STOPPED][w.held]]] = 0.0

    validation = np.full(n, np.nan)
    if windows:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # rows held in no window stay NaN
            validation = np.nanmean([_rmsse(w.chosen, Y, w.cut, horizon, w.scale) for w in windows], axis=0)
    level = np.ones(n)
    for p in SINGLES:
        level[demand[pool[demand] == p]], why = point_level(p, held[pool[held] == p], windows, Y, horizon)
        for i in demand[pool[demand] == p] if why else ():
            if not stopped[i] or not stops:
                rules[i] += f"; point forecast {why}"

    # 6. new products borrow their group's rate and profile; products that never sold get zeros
    prior, own, why = new_product_prior(Y, launch, windows, group, horizon)
    for i in np.flatnonzero(classes == NEW):
        mean[i] = _borrowed(Y, launch, i, group, demand, mean, prior, own=own)
        labels[i] = f"Category({group[i]})"
        relaunch = (
            " (relaunched: sales again after a pause its earlier rate cannot explain)" if regime[RESTARTED][i] else ""
        )
        if prior:
            rules[i] = (
                f"new{relaunch}: its own sales {own} shrunk to {group[i]}'s typical rate ({prior:g} periods' worth), on the group's profile; {why}"
            )
        else:
            rules[i] = f"new{relaunch}: its own rate {own}, on {group[i]}'s profile; {why}"
    for i in np.flatnonzero(classes == NONE):
        labels[i], rules[i] = "Zero", "never sold: zeros"

    ratio = dispersion(Y, launch, T, freq=freq)
    for g in np.unique(group):
        members = group == g
        known = ratio[members & np.isin(classes, (SMOOTH, ERRATIC, INTERMITTENT, LUMPY))]
        known = known[np.isfinite(known)]
        fill = float(np.median(known)) if len(known) else 1.0
        ratio[members & ~np.isfinite(ratio)] = fill
    mean = np.clip(np.nan_to_num(mean), 0.0, None)
    p10, p50, p90 = quantiles(mean, ratio, whole_numbers(Y))
    return PanelForecast(
        mean=mean,
        point=mean * level[:, None],
        p10=p10,
        p50=p50,
        p90=p90,
        methods=labels,
        rules=rules,
        classes=classes,
        adi=adi,
        cv2=cv2,
        validation_error=validation,
    )


def fit_start(launch: np.ndarray, classes: np.ndarray, adi: np.ndarray) -> np.ndarray:
    """Where each series' fitted history starts: its first sale, or for a sparse series one typical gap earlier.

    A history cut at its first sale opens with a sale for certain, so every rate
    estimated on it is biased up (Croston's first interval is then 1 period, and an
    average counts a sale the product's rate did not earn); a sparse series' launch
    is taken to follow a gap of its usual length (ADI − 1 empty periods) instead.
    """
    sparse = np.isin(classes, (INTERMITTENT, LUMPY)) & np.isfinite(adi)
    gap = np.where(sparse, np.round(np.nan_to_num(adi, nan=1.0)) - 1, 0).astype(int)
    return np.maximum(launch - np.maximum(gap, 0), 0)


class _Runner:
    """Runs named methods (and the ensembles of them) for rows of Y at a cut, batched by method family.

    Rows of the smooth pools that show a season are seasonally adjusted first and
    their forecasts re-seasonalised; SeasonalNaive and Prophet see the raw series.
    """

    def __init__(self, Y, launch, *, freq, season, horizon, dates, n_jobs, group=None, members=None):
        """`group`: one label per row (default: one group); `members`: the rows whose sales make each
        group's seasonal wave (default: every row)."""
        self.Y, self.launch, self.freq, self.season = Y, launch, freq, season
        self.horizon, self.dates, self.n_jobs = horizon, dates, n_jobs
        n = Y.shape[0]
        self.group = np.full(n, "all", dtype=object) if group is None else group
        self.members = np.arange(n) if members is None else members
        self._factors: dict[int, np.ndarray] = {}
        self._profiles: dict[int, np.ndarray] = {}
        self._own: dict[int, dict[int, np.ndarray | None]] = {}  # cut -> row -> its own wave (None: none)

    def profiles(self, cut: int) -> np.ndarray:
        """(n, season) each row's group seasonal wave before `cut` (seasonal.group_profile), ones where its group
        shows none, has fewer than MIN_GROUP members, or the row's own history runs against the wave.

        The wave is fitted on every member, then again on the members that don't run
        against it, so a fifth of summer sellers doesn't flatten a Christmas group's wave.
        """
        if cut not in self._profiles:
            Y, launch, season = self.Y, self.launch, self.season
            out = np.ones((Y.shape[0], max(season, 1)))
            members = self.members[self.launch[self.members] < cut]
            for g in np.unique(self.group[members]) if season >= 2 else ():
                mine = members[self.group[members] == g]
                if len(mine) < MIN_GROUP:
                    continue
                index = group_profile(Y, launch, mine, cut, season)
                if index is None:
                    continue
                agreeing = mine[~runs_against(Y, launch, mine, cut, index)]
                if len(agreeing) >= MIN_GROUP and len(agreeing) < len(mine):
                    index = group_profile(Y, launch, agreeing, cut, season)
                    if index is None:
                        continue
                rows = np.flatnonzero(self.group == g)
                out[rows[~runs_against(Y, launch, rows, cut, index)]] = index
            self._profiles[cut] = out
        return self._profiles[cut]

    def own_profiles(self, cut: int, rows: np.ndarray) -> np.ndarray:
        """(len(rows), season): each row's own wave before `cut` where it has a full cycle of its own and its
        sales show one (the same fit and test as its group's, on it alone), else its group's (`profiles`).
        A winter candle's season is sharper than its category's. Fitted only for the rows asked for."""
        rows = np.asarray(rows, dtype=int)
        out = self.profiles(cut)[rows]
        known = self._own.setdefault(cut, {})
        for k, i in enumerate(rows.tolist()):
            if i not in known:
                fits = self.season >= 2 and cut - self.launch[i] >= self.season
                known[i] = (
                    group_profile(self.Y, self.launch, np.array([i]), cut, self.season, min_alive=1) if fits else None
                )
            if known[i] is not None:
                out[k] = known[i]
        return out

    def seasonal_mean(self, rows: np.ndarray, cut: int, own: bool = False) -> np.ndarray:
        """(len(rows), horizon): each row's sales since its fit start over the sum of its wave on those periods
        (a ratio estimator: dividing each period by the wave would blow up a sale in the trough), on the wave
        ahead; the group's wave, or with `own` its own (`own_profiles`). Where the row takes no wave it is the
        Mean."""
        rows = np.asarray(rows, dtype=int)
        factors = self.own_profiles(cut, rows) if own else self.profiles(cut)[rows]
        t = np.arange(cut)
        alive = t[None, :] >= self.launch[rows][:, None]
        past = at(factors, t)
        sold = np.where(alive, self.Y[rows, :cut], 0.0).sum(axis=1)
        weight = np.where(alive, past, 0.0).sum(axis=1)
        level = np.where(weight > 0, sold / np.maximum(weight, 1e-12), 0.0)
        return level[:, None] * at(factors, np.arange(cut, cut + self.horizon))

    def factors(self, cut: int, pool: np.ndarray) -> np.ndarray:
        if cut not in self._factors:
            rows = np.flatnonzero(np.isin(pool, SEASONAL_POOLS))
            season = self.season if self.season <= MAX_SERIES_SEASON else 1
            self._factors[cut] = seasonal_factors(self.Y, self.launch, rows, cut, season)
        return self._factors[cut]

    def candidates(self, rows: np.ndarray, pool: np.ndarray, cut: int, wanted: dict) -> dict[str, np.ndarray]:
        """{name: (n, horizon)} for the rows given, NaN elsewhere; names are methods and ensembles."""
        n, h = self.Y.shape[0], self.horizon
        factors = self.factors(cut, pool)
        adjusted = self.Y[:, :cut] / at(factors, np.arange(cut))
        ahead = at(factors, np.arange(cut, cut + h))
        out: dict[str, np.ndarray] = {}
        needed: dict[str, list[int]] = {}
        for p, names in wanted.items():
            members = [name for name in names if name not in (ENSEMBLE, MEAN_ENSEMBLE)]
            if ENSEMBLE in names or MEAN_ENSEMBLE in names:
                members += MEMBERS[p]
            for name in members:
                needed.setdefault(name, []).extend(rows[pool[rows] == p].tolist())
        by_rows: dict[tuple, list[str]] = {}
        for name, picked in needed.items():
            if picked and name not in ("Prophet", *WAVED):
                by_rows.setdefault(tuple(sorted(set(picked))), []).append(name)
        for picked, names in by_rows.items():
            picked = np.array(picked, dtype=int)
            fitted = [name for name in names if name != "SeasonalNaive"]
            values = forecast_methods(adjusted, self.launch, picked, cut, h, fitted, freq=self.freq, n_jobs=self.n_jobs)
            for name in fitted:
                out.setdefault(name, np.full((n, h), np.nan))[picked] = values[name] * ahead[picked]
            if "SeasonalNaive" in names:
                values = forecast_methods(
                    self.Y, self.launch, picked, cut, h, ["SeasonalNaive"], freq=self.freq, season=self.season
                )
                out.setdefault("SeasonalNaive", np.full((n, h), np.nan))[picked] = values["SeasonalNaive"]
        for name in WAVED:
            if needed.get(name):
                picked = np.array(sorted(set(needed[name])), dtype=int)
                out[name] = np.full((n, h), np.nan)
                out[name][picked] = self.seasonal_mean(picked, cut, own=name == OWN_SEASONAL_MEAN)
        if needed.get("Prophet"):
            from forecasting.engine.prophet_fit import prophet_forecast

            picked = np.array(sorted(set(needed["Prophet"])), dtype=int)
            out["Prophet"] = np.full((n, h), np.nan)
            out["Prophet"][picked] = prophet_forecast(
                self.Y, self.launch, picked, cut, h, dates=self.dates, freq=self.freq, n_jobs=self.n_jobs
            )
        if "SeasonalNaive" in out:  # a member only where two full seasons were seen
            out["SeasonalNaive"][cut - self.launch < 2 * self.season] = np.nan
        for p, names in wanted.items():
            if ENSEMBLE not in names and MEAN_ENSEMBLE not in names:
                continue
            picked = rows[pool[rows] == p]
            if not len(picked):
                continue
            stack = np.stack([out[name][picked] for name in MEMBERS[p] if name in out])
            for name, combine in ((ENSEMBLE, np.nanmedian), (MEAN_ENSEMBLE, np.nanmean)):
                if name in names:
                    out.setdefault(name, np.full((n, h), np.nan))[picked] = combine(stack, axis=0)
        return out

    def aggregate(self, history: np.ndarray, first: int, horizon: int) -> np.ndarray:
        """A forecast of one aggregate series (starting at grid column `first`): the median of
        AGGREGATE_MEMBERS on its seasonally adjusted values, and SeasonalNaive once two seasons are there."""
        length, one = len(history), np.zeros(1, dtype=int)
        index = seasonal_indices(history, first, self.season, min_cycles=AGGREGATE_CYCLES)
        if index is None:
            index = np.ones(max(self.season, 1))
        adjusted = history / index[(first + np.arange(length)) % len(index)]
        ahead = index[(first + length + np.arange(horizon)) % len(index)]
        values = forecast_methods(adjusted[None, :], one, one, length, horizon, AGGREGATE_MEMBERS, freq=self.freq)
        stack = [value[0] * ahead for value in values.values()]
        if length >= 2 * self.season:
            stack.append(
                forecast_methods(
                    history[None, :], one, one, length, horizon, ["SeasonalNaive"], freq=self.freq, season=self.season
                )["SeasonalNaive"][0]
            )
        return np.median(np.stack(stack), axis=0)


@dataclass
class _Window:
    """One holdout: the cut, the rows scored on it, every candidate's forecasts, the RMSSE scale."""

    cut: int
    held: np.ndarray
    forecasts: dict
    scale: np.ndarray
    chosen: np.ndarray | None = None

    @property
    def rows(self) -> set:
        if not hasattr(self, "_rows"):
            self._rows = set(self.held.tolist())
        return self._rows


def holdout_cuts(periods: int, horizon: int, count: int = HOLDOUTS) -> list[int]:
    """The holdouts' cuts, latest first: the last `horizon` periods, then `count` − 1 windows each half a
    horizon earlier than the one before.

    Two overlapping windows halve the luck of one; an earlier one is kept only
    when enough history precedes it.
    """
    step = max(horizon // 2, 1)
    return [cut for cut in (periods - horizon - k * step for k in range(count)) if cut > NEW_PERIODS]


def _pooled_errors(windows: list[_Window], Y: np.ndarray, horizon: int) -> dict[str, np.ndarray]:
    """{candidate: per-row RMSSE averaged over the windows that scored the row (NaN if none did)}."""
    names = set.intersection(*(set(w.forecasts) for w in windows)) if windows else set()
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for name in names:
            out[name] = np.nanmean([_rmsse(w.forecasts[name], Y, w.cut, horizon, w.scale) for w in windows], axis=0)
    return out


def _scale(Y: np.ndarray, cut: int) -> np.ndarray:
    """RMSSE's scale: mean squared one-step change before the cut (as the scorer computes it)."""
    if cut < 2:
        return np.zeros(Y.shape[0])
    return (np.diff(Y[:, :cut], axis=1) ** 2).mean(axis=1)


def _rmsse(F: np.ndarray, Y: np.ndarray, cut: int, horizon: int, scale: np.ndarray) -> np.ndarray:
    actual = Y[:, cut : cut + horizon]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sqrt(((F - actual) ** 2).mean(axis=1) / scale)


def _first_not_worse(order, errors: dict) -> tuple:
    """(chosen, best): the first of `order` whose errors aren't significantly worse than the best's.

    `errors` maps each candidate to its errors on the same series (paired); the best is the lowest
    mean (the first such in `errors`' order). A candidate passes when its paired excess error over
    the best fails a one-sided t-test at 5 % (T_CRITICAL); the best always passes against itself.
    """
    best = min(errors, key=lambda key: errors[key].mean())
    for key in order:
        excess = errors[key] - errors[best]
        if excess.mean() <= T_CRITICAL * excess.std(ddof=1) / np.sqrt(len(excess)):
            return key, best
    return best, best


def _choose(pool: str, rows: np.ndarray, errors: dict[str, np.ndarray]) -> tuple[str, str]:
    """(choice, rule): the simplest candidate whose holdout error is not significantly worse than the best's.

    The candidates (SINGLES and the two ensembles) and this rule are fixed before
    any data is seen: the best mean error over the pool's series, then, simplest
    first (SIMPLICITY), the first candidate whose paired excess error over the
    best fails a one-sided t-test at 5 %. A method picked on holdout noise does
    worse later; a simpler one that was as good does not.
    """
    if len(rows) < MIN_POOLED or ENSEMBLE not in errors:
        return ENSEMBLE, f"{pool} pool: {len(rows)} series on the holdouts, too few to choose; the median ensemble"
    scores = {
        name: float(errors[name][rows].mean())
        for name in (*SINGLES[pool], ENSEMBLE, MEAN_ENSEMBLE)
        if name in errors and name != "Prophet" and np.isfinite(errors[name][rows]).all()
    }
    if ENSEMBLE not in scores:
        return ENSEMBLE, f"{pool} pool: holdout errors incomplete; the median ensemble"
    name, best = _first_not_worse(sorted(scores, key=SIMPLICITY.index), {name: errors[name][rows] for name in scores})
    why = "best" if name == best else f"simplest not significantly worse than {best}"
    return name, f"{pool} pool ({len(rows)} series): {why} on the holdouts"


def studio_wide(
    windows: list[_Window], held: np.ndarray, pool, run: _Runner, Y, horizon: int
) -> tuple[str, str] | None:
    """(method, rule) when one simple method for every series beats the per-series selection on the holdouts
    significantly; else None (the per-series selection stands).

    Choosing per pool and per series fits more to the holdouts than one method for
    everything does, and on some catalogues one simple method wins by far on new
    data (ADIDA for every item of a jeweller's weekly sales did 1.4× better than
    the pooled choice). So the whole selection of methods (pools and own choices:
    what `w.chosen` holds) meets each of STUDIO_SINGLES applied to every series, on
    the same holdout windows and series (paired); how much of its group's shape each
    series takes is chosen afterwards, on the same holdouts, for whichever stands. A single method replaces it when
    its mean error is lower beyond chance (paired one-sided t-test, 5 %); among
    those that are, the simplest (SIMPLICITY) not significantly worse than the best.
    The burden of proof is on the switch: with few series a paired test cannot tell
    a simple method from the selection, and dropping ETS's trend and season for
    every series on a coin flip loses more than it saves (txhousing's 26 cities).
    The selection was chosen on these holdouts, so its error there is optimistic:
    a single method that still beats it significantly does so on more than luck.
    The singles' holdout forecasts are reused where a pool computed them already;
    only the missing rows are fitted.
    """
    if not windows or len(held) < MIN_POOLED or any(w.chosen is None for w in windows):
        return None
    for w in windows:
        members = {p: w.held[pool[w.held] == p] for p in SINGLES}
        wanted = {
            p: tuple(
                name
                for name in STUDIO_SINGLES
                if name not in w.forecasts or not np.isfinite(w.forecasts[name][rows]).all()
            )
            for p, rows in members.items()
            if len(rows)
        }
        if any(wanted.values()):
            fitted = run.candidates(w.held, pool, w.cut, {p: names for p, names in wanted.items() if names})
            for p, names in wanted.items():
                rows = members[p]
                for name in names:
                    w.forecasts.setdefault(name, np.full((Y.shape[0], horizon), np.nan))[rows] = fitted[name][rows]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # rows held in no window stay NaN
        errors = {
            name: np.nanmean([_rmsse(w.forecasts[name], Y, w.cut, horizon, w.scale) for w in windows], axis=0)[held]
            for name in STUDIO_SINGLES
        }
        errors[PER_SERIES] = np.nanmean([_rmsse(w.chosen, Y, w.cut, horizon, w.scale) for w in windows], axis=0)[held]
    scored = np.isfinite(np.stack(list(errors.values()))).all(axis=0)
    if scored.sum() < MIN_POOLED:
        return None
    errors = {name: values[scored] for name, values in errors.items()}
    base = errors[PER_SERIES]
    better = [name for name in STUDIO_SINGLES if _significantly_lower(errors[name], base)]
    if not better:
        return None
    name, best = _first_not_worse(sorted(better, key=SIMPLICITY.index), {key: errors[key] for key in better})
    gain = 1 - errors[name].mean() / base.mean()
    how = f"{gain:.0%} better than choosing per series"
    if best != name:
        how += f"; the simplest as good as {best}"
    return name, (
        f"studio-wide: {name} for every series (on {len(windows)} holdout windows of {int(scored.sum())} series, {how})"
    )


def earlier_windows(windows: list[_Window], demand, launch, pool, choice, run: _Runner, Y) -> list[_Window]:
    """The studio-wide check's further holdouts: up to STUDIO_HOLDOUTS windows in all, each half a horizon
    before the last, holding the selection's forecasts (each series' chosen method, fitted at that cut).

    The check is one decision for every series, taken on paired errors whose t
    has little power on two overlapping windows (on 435 flight routes a switch
    3.4 % better on the holdouts stopped at t = 1.62); each further window
    costs only the chosen methods and the six single methods at one more cut,
    where the pools' choice would refit every candidate. The choices themselves
    are not remade there: the selection is scored as chosen on the latest
    windows, as it will forecast. Series whose chosen method is Prophet are
    scored on the latest windows only (the costliest fit).
    """
    if len(windows) < HOLDOUTS:
        return []
    n, horizon = Y.shape[0], run.horizon
    out = []
    for cut in holdout_cuts(windows[0].cut + horizon, horizon, STUDIO_HOLDOUTS)[len(windows) :]:
        scale = _scale(Y, cut)
        held = demand[(cut - launch[demand] >= NEW_PERIODS) & (scale[demand] > 0)]
        if not len(held):
            break
        window = _Window(cut, held, {}, scale, chosen=np.full((n, horizon), np.nan))
        for p in SINGLES:
            mine = held[pool[held] == p]
            for c in np.unique(choice[mine]):
                rows = mine[choice[mine] == c]
                if c != "Prophet":
                    window.chosen[rows] = run.candidates(rows, pool, cut, {p: (c,)})[c][rows]
        out.append(window)
    return out


def regime_changes(
    Y: np.ndarray, launch: np.ndarray, cut: int, season: int = 1, wave: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """{RESTARTED, STOPPED: per row, whether its history before `cut` ends in a new regime; "start": where
    that final run starts}.

    The final run is the periods since the series' last change between selling and
    not selling. A run of sales at least MIN_RESTART long after a sparse past (a
    product back in stock, a route flying again), or of no sales at least MIN_STOP
    long after a busy one (a product delisted, a route closed), is a change of
    regime when the series' own rate before the run (sales per period since its
    first sale, Laplace-smoothed, over at least NEW_PERIODS) makes a run that long
    less likely than RESTART_ALPHA or STOP_ALPHA. Demand classes and fitted methods
    average over the whole history, and so across the change. A run whose periods a
    `season` earlier did the same (sold, or sold nothing) is the season coming round,
    not a new regime. With `wave` ((n, season) factors by grid position, `_Runner.profiles`),
    a run without sales is judged at the rate the wave gives each of its periods (the
    earlier rate times the wave there over its mean before the run): the trough of a
    group's season is no stop.
    """
    n = Y.shape[0]
    empty = {RESTARTED: np.zeros(n, dtype=bool), STOPPED: np.zeros(n, dtype=bool), "start": np.full(n, cut)}
    if cut < 2:
        return empty
    sold = Y[:, :cut] > 0
    same = (sold == sold[:, -1:])[:, ::-1]
    run = np.where(same.all(axis=1), cut, same.argmin(axis=1))
    start = cut - run
    counts = np.concatenate([np.zeros((n, 1), dtype=int), np.cumsum(sold, axis=1)], axis=1)
    rows = np.arange(n)
    before = start - launch
    valid = before >= NEW_PERIODS  # a rate from fewer periods than a new product's says nothing
    rate = (counts[rows, np.clip(start, 0, cut)] - counts[rows, np.clip(launch, 0, cut)] + 1) / (
        np.maximum(before, 0) + 2
    )
    # the final period is the run's by definition: the chance is that of the run's other periods
    restarted = valid & sold[:, -1] & (run >= MIN_RESTART) & (rate ** (run - 1) < RESTART_ALPHA)
    chance = (1 - rate) ** (run - 1)
    if wave is not None and season > 1:
        waved = np.flatnonzero(wave.std(axis=1) > 0)
        t = np.arange(cut)[None, :]
        factor = at(wave[waved], np.arange(cut))
        before_run = (t >= launch[waved, None]) & (t < start[waved, None])
        usual = (factor * before_run).sum(axis=1) / np.maximum(before_run.sum(axis=1), 1)
        odds = np.clip(rate[waved, None] * factor / np.maximum(usual, 1e-12)[:, None], 0.0, 0.999)
        in_run = t > start[waved, None]
        chance[waved] = np.exp(np.where(in_run, np.log1p(-odds), 0.0).sum(axis=1))
    stopped = valid & ~sold[:, -1] & (run >= MIN_STOP) & (chance < STOP_ALPHA)
    if season > 1:
        earlier = start - season  # the run's periods a season ago, where the history reaches them
        seen = earlier >= launch
        sold_then = counts[rows, np.clip(cut - season, 0, cut)] - counts[rows, np.clip(earlier, 0, cut)]
        restarted &= ~(seen & (sold_then > 0))
        stopped &= ~(seen & (sold_then == 0))
    return {RESTARTED: restarted, STOPPED: stopped, "start": start}


def stop_switch(windows: list[_Window], launch, Y: np.ndarray, horizon: int, run: _Runner) -> tuple[bool, str]:
    """(switch, rule): whether series that had STOPPED (regime_changes) are forecast at zero.

    Decided on the holdouts, on the series that had stopped at each holdout's cut:
    zero replaces what the selection chose for them only where its errors are lower
    beyond chance (paired one-sided t, 5 %), over at least MIN_POOLED such series.
    A seasonal seller's off-season or a stock-out also makes such runs; the
    holdouts say whether, in this catalogue, they last.
    """
    chosen, regime = [], []
    for w in windows:
        if w.chosen is None:
            continue
        stopped = regime_changes(Y, launch, w.cut, run.season, run.profiles(w.cut))[STOPPED]
        rows = w.held[stopped[w.held] & np.isfinite(w.chosen[w.held]).all(axis=1)]
        if not len(rows):
            continue
        forecast = np.zeros((len(rows), horizon))
        chosen.append(_rmsse(w.chosen[rows], Y[rows], w.cut, horizon, w.scale[rows]))
        regime.append(_rmsse(forecast, Y[rows], w.cut, horizon, w.scale[rows]))
    if not chosen or sum(map(len, chosen)) < MIN_POOLED:
        return False, ""
    base, errors = np.concatenate(chosen), np.concatenate(regime)
    ok = np.isfinite(base) & np.isfinite(errors)
    if ok.sum() < MIN_POOLED or not _significantly_lower(errors[ok], base[ok]):
        return False, ""
    gain = 1 - errors[ok].mean() / base[ok].mean()
    return True, (
        f"stopped: no sales for longer than its earlier rate explains; zero "
        f"({gain:.0%} better on the holdouts' {int(ok.sum())} such series)"
    )


def _significantly_lower(errors: np.ndarray, base: np.ndarray) -> bool:
    """Whether `errors` are lower than `base` (paired, same series) beyond chance: one-sided t at 5 %."""
    gain = base - errors
    return bool(len(gain) > 1 and gain.mean() > T_CRITICAL * gain.std(ddof=1) / np.sqrt(len(gain)))


def point_level(pool: str, rows: np.ndarray, windows: list[_Window], Y: np.ndarray, horizon: int) -> tuple[float, str]:
    """(share, rule): the share of the mean that a pool's point forecasts take, and why ("" for all of it).

    RMSSE takes the square root of each window's mean squared error, and for sparse,
    skewed demand a typical window sells less than the mean (a few big orders carry
    it), so a point forecast somewhat under the mean scores better; for a steady
    seller it does not. Which share (POINT_LEVELS) is chosen on the holdouts the
    methods were chosen on, pooled over the pool's series, by the same rule: the
    closest to the whole mean that is not significantly worse than the best. The
    mean itself, which plans and totals use, is left whole.
    """
    if len(rows) < MIN_POOLED or not windows or any(w.chosen is None for w in windows):
        return 1.0, ""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # rows held in no window stay NaN
        errors = {
            share: np.nanmean(
                [_rmsse(w.chosen[rows] * share, Y[rows], w.cut, horizon, w.scale[rows]) for w in windows], axis=0
            )
            for share in POINT_LEVELS
        }
    rows_ok = np.isfinite(np.stack(list(errors.values()))).all(axis=0)
    if rows_ok.sum() < MIN_POOLED:
        return 1.0, ""
    # The whole mean first.
    share, _ = _first_not_worse(POINT_LEVELS, {share: errors[share][rows_ok] for share in POINT_LEVELS})
    if share == 1.0:
        return 1.0, ""
    return share, f"{share:.0%} of the mean (best on the {pool} pool's holdouts, {len(rows)} series)"


def _own_choices(rows, pool: str, choice: np.ndarray, rules: list[str], windows: list[_Window], Y, horizon: int):
    """Where one series' own holdouts overrule its pool's choice, put its own choice and rule in place.

    One series' holdouts are few and noisy, so the bar is high: its best single
    method must beat the pool's choice on every holdout window (HOLDOUTS of them),
    each with some sales in it, and by SERIES_MARGIN on average. Prophet competes only here, one series at a
    time, never inside an ensemble.
    """
    rows = np.asarray([i for i in rows if all(i in w.rows for w in windows)], dtype=int)
    if len(windows) < HOLDOUTS or not len(rows):
        return
    pooled = choice[rows[0]]
    names = [name for name in (*SINGLES[pool], pooled) if all(name in w.forecasts for w in windows)]
    if pooled not in names:
        return
    errors = {
        name: np.stack([_rmsse(w.forecasts[name][rows], Y[rows], w.cut, horizon, w.scale[rows]) for w in windows])
        for name in names
    }
    base = errors[pooled]
    own = [name for name in names if name != pooled]
    if not own:
        return
    stack = np.stack([errors[name] for name in own])  # (candidates, windows, rows)
    means = np.where(np.isfinite(stack).all(axis=1), stack.mean(axis=1), np.inf)
    best = means.argmin(axis=0)
    best_errors = stack[best, :, np.arange(len(rows))]  # (rows, windows)
    wins = (best_errors < base.T).all(axis=1) & (
        means[best, np.arange(len(rows))] <= (1 - SERIES_MARGIN) * base.mean(axis=0)
    )
    wins &= np.isfinite(base).all(axis=0)
    sold = np.stack([Y[rows, w.cut : w.cut + horizon].sum(axis=1) > 0 for w in windows]).all(axis=0)
    wins &= sold  # a window with no sales is matched exactly by a zero forecast: no evidence for anything
    for k in np.flatnonzero(wins):
        i, name = rows[k], own[best[k]]
        gain = 1 - best_errors[k].mean() / base[:, k].mean()
        choice[i] = name
        rules[i] = f"own holdouts: {name} beat the {pool} pool's {pooled} on all {len(windows)} windows by {gain:.0%}"


def _prophet_where_promising(windows: list[_Window], pool, choice, run: _Runner, Y, horizon: int) -> str:
    """Prophet's holdout forecasts, fitted only where they may pay; returns the rule when it was left out.

    Every Prophet candidate (the smooth+prophet pool) is fitted on the latest
    holdout. Prophet stays in the running only where, over those series, its
    errors there are lower than their pool's choice's beyond chance (paired
    one-sided t, 5 %): it is the costliest and most complex candidate, so the
    burden of proof is on it, as on the studio-wide switch. A series-by-series win
    (SERIES_MARGIN on two overlapping windows) among series where Prophet does
    worse on the whole is mostly the luck of the best of many candidates (on a
    hospital's 767 monthly series, 13 such wins over three origins scored worse on
    the test windows than the pool's choice). Where it stays, only the series it
    beat their pool's choice on by SERIES_MARGIN are fitted on the other holdouts
    (and may then win on their own holdouts, `_own_choices`). Elsewhere Prophet is NaN.
    """
    if not windows or len(windows) < HOLDOUTS:
        return ""
    first = windows[0]
    rows = first.held[pool[first.held] == SMOOTH_PROPHET]
    if not len(rows):
        return ""
    fitted = run.candidates(rows, pool, first.cut, {SMOOTH_PROPHET: ("Prophet",)})["Prophet"]
    mine = np.array([first.forecasts[choice[i]][i] for i in rows])
    errors = _rmsse(fitted[rows], Y[rows], first.cut, horizon, first.scale[rows])
    base = _rmsse(mine, Y[rows], first.cut, horizon, first.scale[rows])
    ok = np.isfinite(errors) & np.isfinite(base)
    if not _significantly_lower(errors[ok], base[ok]):
        gain = 1 - errors[ok].mean() / base[ok].mean() if ok.any() else 0.0
        return (
            f"; Prophet left out: on the latest holdout it was {abs(gain):.0%} {'better' if gain > 0 else 'worse'} "
            f"than the pool's choice over its {int(ok.sum())} series, not better beyond chance"
        )
    first.forecasts["Prophet"] = fitted
    promising = rows[errors <= (1 - SERIES_MARGIN) * base]
    for w in windows[1:]:
        picked = promising[np.isin(promising, w.held)]
        w.forecasts["Prophet"] = (
            run.candidates(picked, pool, w.cut, {SMOOTH_PROPHET: ("Prophet",)})["Prophet"]
            if len(picked)
            else np.full_like(fitted, np.nan)
        )
    return ""


def _label(choice: str, pool: str, final: dict, i: int) -> str:
    if choice not in (ENSEMBLE, MEAN_ENSEMBLE):
        return choice
    used = [name for name in MEMBERS[pool] if name in final and np.isfinite(final[name][i]).all()]
    return f"{'Ensemble' if choice == ENSEMBLE else 'MeanEnsemble'}({'+'.join(used)})"


def _aggregate_ratio(Y, launch, rows, cut, forecasts, run: _Runner, waved=None) -> np.ndarray:
    """Per period: the group aggregate's forecast over the sum of its members' forecasts, scaled to mean 1.

    Members on the group's wave (`waved`, who keep it) count at their level over the
    horizon: the shape the others take is the aggregate's against members' levels, not
    against a wave some of them already have."""
    start = int(launch[rows].min())
    total = run.aggregate(Y[rows, start:cut].sum(axis=0), start, forecasts.shape[1])
    if waved is not None and np.any(waved):
        forecasts = np.where(np.asarray(waved)[:, None], forecasts.mean(axis=1, keepdims=True), forecasts)
    bottom = forecasts.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(bottom > 0, total / bottom, 1.0)
    ratio = np.clip(np.nan_to_num(ratio, nan=1.0), *RATIO_LIMITS)
    return ratio / ratio.mean()  # the shape only: each series keeps its own level


def _takes_shape(Y, launch, rows, cut, run: _Runner) -> np.ndarray:
    """Per row: whether its own history before `cut` may take the group's shape (it does not run against it).

    The group's season is the seasonal index of its aggregate; a member with at
    least a full season of its own whose sales correlate negatively with that
    index (it peaks when the group dips: a summer seller in a Christmas group)
    keeps its own. Members with less history, or a group with no season, have
    nothing to disagree with.
    """
    rows = np.asarray(rows, dtype=int)
    agree = np.ones(len(rows), dtype=bool)
    season = run.season
    if season < 2 or not len(rows):
        return agree
    start = int(launch[rows].min())
    index = seasonal_indices(Y[rows, start:cut].sum(axis=0), start, season, min_cycles=AGGREGATE_CYCLES)
    if index is None:
        return agree
    return agree & ~runs_against(Y, launch, rows, cut, index)


def _top_down_weight(Y, launch, windows: list[_Window], group, label, run: _Runner, own_season, waved) -> float:
    """How much of the aggregate's shape to take (0, ½, 1): whichever did best over the holdouts,
    scored on every member, applied to those that would take it."""
    totals, used = np.zeros(len(TOP_DOWN_WEIGHTS)), 0
    for w in windows:
        rows = w.held[group[w.held] == label]
        forecasts = w.chosen[rows]
        if len(rows) < MIN_GROUP or not np.isfinite(forecasts).all():
            continue
        used += 1
        ratio = _aggregate_ratio(Y, launch, rows, w.cut, forecasts, run, waved[rows])
        taking = (_takes_shape(Y, launch, rows, w.cut, run) & ~own_season[rows])[:, None]
        h = forecasts.shape[1]
        totals += [
            float(
                np.nanmean(
                    _rmsse(np.where(taking, forecasts * ratio**weight, forecasts), Y[rows], w.cut, h, w.scale[rows])
                )
            )
            for weight in TOP_DOWN_WEIGHTS
        ]
    return TOP_DOWN_WEIGHTS[int(np.argmin(totals))] if used else 0.0


def new_product_prior(Y, launch, windows: list[_Window], group, horizon: int) -> tuple[float, str, str]:
    """(periods, own, rule): how many periods of its group's typical rate a new product's own sales count
    against, and which of its own sales make its rate (SINCE_FIRST, AFTER_FIRST or LATEST).

    Chosen like the methods: on the holdouts, among the products that were new at
    each holdout's cut, the simplest not significantly worse than the best: its
    latest period alone (the Naive of a new product), then the fewest periods of
    PRIOR_CHOICES (own sales first; for each, counting the first sale's period
    before leaving it out). Whether a new
    product sells like its group's typical member depends on the catalogue: a new
    mug may, a new flight route that flew once does not. The period of a first sale
    is the one period sure to have sold: a product that sold once and never since
    has a rate nearer 0 than 1 a period, and a launch in mid-period sells part of a
    period. And a product still ramping up sells at its latest rate, not its
    average since launch. Without MIN_POOLED such products, PRIOR_PERIODS.
    """
    choices = [(0.0, LATEST)] + [(prior, own) for prior in PRIOR_CHOICES for own in (SINCE_FIRST, AFTER_FIRST)]
    errors, count = {choice: [] for choice in choices}, 0
    for w in windows:
        young = np.flatnonzero((launch < w.cut) & (w.cut - launch < NEW_PERIODS) & (w.scale > 0))
        peers = w.held[np.isfinite(w.chosen[w.held]).all(axis=1)] if w.chosen is not None else w.held[:0]
        if not len(young) or not len(peers):
            continue
        count += len(young)
        past, chosen = Y[:, : w.cut], np.nan_to_num(w.chosen)
        for prior, own in choices:
            F = np.array([_borrowed(past, launch, i, group, peers, chosen, prior, own=own) for i in young])
            errors[prior, own].append(_rmsse(F, Y[young], w.cut, horizon, w.scale[young]))
    if count < MIN_POOLED:
        return (
            float(PRIOR_PERIODS),
            SINCE_FIRST,
            f"{count} new products on the holdouts, too few to choose how much to borrow",
        )
    scores = {choice: np.concatenate(errors[choice]) for choice in choices}
    (prior, own), best = _first_not_worse(choices, scores)
    how = "best" if (prior, own) == best else "the first not significantly worse than the best"
    return float(prior), own, f"{how} on the holdouts' {count} new products"


def _borrowed(Y, launch, i, group, demand, mean, prior: float = PRIOR_PERIODS, *, own: str = SINCE_FIRST) -> np.ndarray:
    """A new product's forecast: its own rate (`own`: since its first sale, after its first sale's period
    where there are periods after it, or its latest period), shrunk to its group's typical rate, on the
    group's profile."""
    peers = demand[group[demand] == group[i]]
    if not len(peers):
        peers = demand
    first = launch[i] + int(own == AFTER_FIRST and Y.shape[1] - launch[i] > 1)
    if own == LATEST:
        first = max(Y.shape[1] - 1, launch[i])
    own_periods = Y.shape[1] - first
    own_total = Y[i, first:].sum()
    if not len(peers):
        return np.full(mean.shape[1], own_total / max(own_periods, 1))
    profile = mean[peers].sum(axis=0)
    profile = profile / profile.mean() if profile.mean() > 0 else np.ones_like(profile)
    typical = float(np.median(mean[peers].mean(axis=1)))
    level = (own_total + prior * typical) / (own_periods + prior)
    return level * profile
