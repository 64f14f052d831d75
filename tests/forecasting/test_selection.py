"""The selection rule (issue 13): chosen on holdouts inside the history, shrunk to simple methods, said per series."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from django.utils import timezone

from forecasting.engine import forecast_many
from forecasting.engine.seasonal import seasonal_indices
from forecasting.engine.select import MEMBERS, SINGLES, forecast_matrix
from forecasting.engine.simulate import KINDS, simulated_sales
from tests.factories import ProductFactory, SaleFactory, VariantFactory


def monthly(values, start="2019-01-01") -> pd.Series:
    return pd.Series(np.asarray(values, dtype=float), index=pd.date_range(start, periods=len(values), freq="MS"))


def wide(sales: pd.DataFrame) -> dict[str, pd.Series]:
    table = sales.pivot_table(index="sku", columns="date", values="quantity", aggfunc="sum").fillna(0.0)
    table = table.reindex(columns=pd.date_range(table.columns.min(), table.columns.max(), freq="W-MON"), fill_value=0)
    return {sku: table.loc[sku] for sku in table.index}


def test_a_series_with_its_own_season_keeps_it_against_its_group():
    months = pd.date_range("2019-01-01", periods=60, freq="MS")
    july = np.where(months.month == 7, 3.0, 1.0)
    december = np.where(months.month == 12, 3.0, 1.0)
    rng = np.random.default_rng(5)
    series = {f"JULY{k}": monthly(rng.poisson(30 * july)) for k in range(8)}
    series["DEC"] = monthly(rng.poisson(30 * december))
    result = forecast_many(series, freq="M", horizon=12, groups=dict.fromkeys(series, "garden"), use_prophet=False)
    mine = result["DEC"]
    peak = mine.dates[int(np.argmax(mine.mean))]
    assert peak.month == 12, f"the December seller's forecast peaks in {peak:%B}"
    assert "TopDown" not in mine.method
    assert "own season" in mine.rule or "shape" not in mine.rule


def test_a_simulated_croston_catalogue_gets_intermittent_methods():
    series = wide(simulated_sales("croston", series=60, weeks=104, seed=3))
    result = forecast_many(series, freq="W", horizon=8, use_prophet=False)
    sparse = [f for f in result.values() if f.demand_class in ("intermittent", "lumpy")]
    assert len(sparse) > 40
    allowed = set(SINGLES["intermittent"])
    for forecast in sparse:
        name = forecast.method.split("+TopDown")[0]
        if name.startswith(("Ensemble(", "MeanEnsemble(")):
            assert set(name[name.index("(") + 1 : -1].split("+")) <= set(MEMBERS["intermittent"])
        else:
            assert name in allowed, forecast.method
        smooth_only = {"ETS", "Theta", "Prophet", "SeasonalNaive", "SES", "WA", "WAs", "Naive"}
        assert not smooth_only & set(name.replace("(", "+").replace(")", "").split("+")), forecast.method


def test_every_series_says_which_rule_chose_its_method():
    series = wide(simulated_sales("tsb", series=40, weeks=80, seed=4))
    series["NEW"] = pd.Series([0.0] * 77 + [2.0, 1.0, 3.0], index=next(iter(series.values())).index)
    series["NEVER"] = pd.Series(0.0, index=next(iter(series.values())).index)
    result = forecast_many(series, freq="W", horizon=8, use_prophet=False)
    assert all(forecast.rule for forecast in result.values())
    assert result["NEW"].rule.startswith("new:")
    assert result["NEVER"].rule == "never sold: zeros"
    pooled = [f.rule for f in result.values() if "pool" in f.rule.split(";")[0]]
    assert pooled and all("holdouts" in rule or "too few" in rule for rule in pooled)


def test_the_choice_uses_only_the_history_it_is_given():
    """The holdouts sit inside the history: what comes after the cut cannot change the choice."""
    Y = np.stack([np.asarray(v, dtype=float) for v in wide(simulated_sales("croston", series=30, weeks=90)).values()])
    Y = Y[:, -90:]
    cut = 70
    changed = Y.copy()
    changed[:, cut:] = 500.0
    a = forecast_matrix(Y[:, :cut], freq="W", horizon=8, use_prophet=False)
    b = forecast_matrix(changed[:, :cut], freq="W", horizon=8, use_prophet=False)
    assert a.methods == b.methods and a.rules == b.rules
    np.testing.assert_allclose(a.mean, b.mean)


def test_prophet_is_never_a_member_of_an_ensemble():
    assert all("Prophet" not in members for members in MEMBERS.values())


def test_a_group_total_shows_its_season_from_a_cycle_and_a_half():
    """A weekly category total with two years less a week still carries its December peak."""
    weeks = np.arange(103)
    rng = np.random.default_rng(1)
    total = rng.poisson(60 * (1 + 1.5 * np.exp(-(((weeks - 49) % 52) ** 2) / 8)) * (1 + weeks / 200)).astype(float)
    assert seasonal_indices(total, 0, 52) is None  # per series, two full cycles are needed
    index = seasonal_indices(total, 0, 52, min_cycles=1.5)
    assert index is not None and int(np.argmax(index)) in range(47, 52)


@pytest.mark.parametrize("kind", KINDS)
def test_simulated_sets_are_fixed_by_their_seed(kind):
    first = simulated_sales(kind, series=5, weeks=30, seed=9)
    assert first.equals(simulated_sales(kind, series=5, weeks=30, seed=9))
    assert not first.equals(simulated_sales(kind, series=5, weeks=30, seed=10))
    assert (first["quantity"] > 0).all() and set(first.columns) == {"date", "sku", "quantity"}


@pytest.mark.django_db
def test_the_stored_forecast_records_its_rule(artisan, settings):
    from forecasting.demand import forecasts_fit

    settings.ATELIER_FORECAST_PROPHET = False
    today = timezone.localdate()
    variant = VariantFactory(product=ProductFactory(maker=artisan), sku="MUG-R")
    for week in range(1, 30):
        SaleFactory(variant=variant, date=today - dt.timedelta(weeks=week), quantity=3 + week % 4)
    (forecast,) = forecasts_fit(variant_ids=[variant.pk], today=today)
    forecast.refresh_from_db()
    assert forecast.values["rule"]
    assert "pool" in forecast.values["rule"] or "own holdouts" in forecast.values["rule"]


def demo_weekly(products, today=dt.date(2026, 12, 6)) -> dict[str, pd.Series]:
    """The demo studio's weekly sales of `products` (as `seed_demo` makes them) up to the week before `today`."""
    from demo.sales import generate_sales
    from demo.seed import HISTORY_DAYS, demand_for

    end = today - dt.timedelta(days=1)
    lines = generate_sales(
        demand=demand_for(products, end=end), start=end - dt.timedelta(days=HISTORY_DAYS - 1), end=end, seed=7
    )
    sales = pd.DataFrame({"sku": [s.sku for s in lines], "quantity": [float(s.quantity) for s in lines]})
    sales["date"] = pd.DatetimeIndex([s.date for s in lines]).to_period("W-SUN").start_time
    sales = sales[sales["date"] < pd.Timestamp(today - dt.timedelta(days=today.weekday()))]
    return {sku: values.clip(lower=0) for sku, values in wide(sales).items()}


def test_the_demo_mugs_are_forecast_into_the_christmas_rush():
    """Issue 13's demo question: with 103 weeks of history the Ceramics total still gives December its peak,
    to the Everyday Mug (which sold through last December) and to the Big Latte Mug (launched 30 weeks ago)."""
    from demo.catalogue import PRODUCTS

    series = demo_weekly([p for p in PRODUCTS if p.category == "Ceramics"])
    result = forecast_many(series, freq="W", horizon=12, groups=dict.fromkeys(series, "Ceramics"), use_prophet=False)
    for product in ("CER-MUG", "CER-LAT"):
        skus = [sku for sku in series if sku.startswith(product + "-")]
        history = np.sum([series[sku].to_numpy() for sku in skus], axis=0)
        forecast = np.sum([result[sku].mean for sku in skus], axis=0)
        ordinary = history[-8:-2].mean()  # the weeks before the rush began
        assert forecast[:3].mean() > 1.5 * ordinary, (product, forecast[:3], ordinary)


# ---- the selection rules, one at a time ---------------------------------------------------------


def test_shrinkage_keeps_the_simpler_method_when_the_gain_is_not_significant():
    """_choose: the best on the holdouts wins only by more than chance; otherwise the simplest as good."""
    from forecasting.engine.select import _choose

    rng = np.random.default_rng(11)
    rows = np.arange(60)
    noise = rng.normal(0, 0.3, 60)
    base = 1.0 + rng.gamma(2.0, 0.2, 60)
    names = (*SINGLES["smooth"], "Ensemble", "MeanEnsemble")
    errors = {name: base + 0.5 for name in names}  # everything else clearly worse
    errors["WA"] = base.copy()
    errors["ETS"] = base - 0.01 + noise  # a hair better on average, and noisy: not significant
    choice, rule = _choose("smooth", rows, errors)
    assert choice == "WA" and "simplest not significantly worse than ETS" in rule
    errors["ETS"] = base - 0.3 + rng.normal(0, 0.02, 60)  # better on nearly every series: significant
    choice, rule = _choose("smooth", rows, errors)
    assert choice == "ETS" and "best on the holdouts" in rule


def test_a_clearly_intermittent_series_gets_an_intermittent_method():
    rng = np.random.default_rng(3)
    series = {f"S{k}": pd.Series(rng.poisson(20, 80).astype(float)) for k in range(12)}
    spare = np.zeros(80)
    spare[rng.choice(80, 14, replace=False)] = rng.integers(1, 6, 14)  # ADI about 5.7
    series["SPARE"] = pd.Series(spare)
    dates = pd.date_range("2022-01-03", periods=80, freq="W-MON")
    series = {key: values.set_axis(dates) for key, values in series.items()}
    result = forecast_many(series, freq="W", horizon=8, use_prophet=False)["SPARE"]
    assert result.demand_class in ("intermittent", "lumpy") and result.adi > 1.32
    name = result.method.split("+")[0]
    if name.startswith(("Ensemble(", "MeanEnsemble(")):
        assert set(result.method[result.method.index("(") + 1 : result.method.index(")")].split("+")) <= set(
            MEMBERS["intermittent"]
        )
    else:
        assert name in SINGLES[result.demand_class], result.method
    assert result.rule  # and it says which rule chose it


def test_a_sparse_series_fits_from_one_usual_gap_before_its_first_sale():
    """A history cut at the first sale opens with a sale for certain; a sparse one starts a usual gap earlier."""
    from forecasting.engine.classify import classify
    from forecasting.engine.panel import first_sale
    from forecasting.engine.select import fit_start

    Y = np.zeros((2, 40))
    Y[0, 10::4] = 3.0  # launched at 10, sells every 4th period
    Y[1, 10:] = 5.0  # launched at 10, sells every period
    launch = first_sale(Y)
    classes, adi, _ = classify(Y, launch)
    assert list(classes) == ["intermittent", "smooth"]
    assert list(fit_start(launch, classes, adi)) == [10 - 3, 10]


def test_a_sparse_summer_seller_does_not_take_its_christmas_groups_shape():
    """_takes_shape: a member whose own sales run against the group's season keeps its own history."""
    from forecasting.engine.panel import first_sale
    from forecasting.engine.select import _Runner, _takes_shape

    rng = np.random.default_rng(8)
    months = np.arange(48)
    christmas = 1 + 2.5 * (months % 12 == 11) + 1.0 * (months % 12 == 10)
    summer = 1 + 2.5 * (months % 12 == 6) + 1.0 * (months % 12 == 7)
    Y = np.stack([rng.poisson(1.5 * christmas) for _ in range(9)] + [rng.poisson(1.5 * summer)]).astype(float)
    young = np.zeros(48)
    young[42:] = rng.poisson(1.5 * summer[42:]) + 1  # six months of its own: no season to disagree with yet
    Y = np.vstack([Y, young])
    launch = first_sale(Y)
    run = _Runner(Y, launch, freq="M", season=12, horizon=6, dates=None, n_jobs=1)
    takes = _takes_shape(Y, launch, np.arange(len(Y)), 48, run)
    assert takes[:9].all()  # the Christmas sellers agree with their group
    assert not takes[9]  # the summer seller runs against it
    assert takes[10]  # a product younger than a season has no history to disagree with


def _rmsse_after(Y: np.ndarray, cut: int, horizon: int, forecast: np.ndarray) -> float:
    scale = (np.diff(Y[:, :cut], axis=1) ** 2).mean(axis=1)
    error = ((forecast - Y[:, cut : cut + horizon]) ** 2).mean(axis=1)
    scored = scale > 0
    return float(np.sqrt(error[scored] / scale[scored]).mean())


def test_a_sparse_catalogues_point_forecast_sits_under_its_mean_and_scores_better_on_weeks_it_never_saw():
    """RMSSE's square root over a short window favours a point under the mean of skewed demand; the share
    is chosen on the holdouts inside the history and must hold on the weeks after it."""
    sales = simulated_sales("croston", series=400, weeks=130, seed=11)
    Y = np.stack([np.asarray(v, dtype=float) for v in wide(sales).values()])[:, -130:]
    point_scores, mean_scores = [], []
    for cut in (106, 114, 122):
        result = forecast_matrix(Y[:, :cut], freq="W", horizon=8, use_prophet=False)
        sparse = np.isin(result.classes, ("intermittent", "lumpy"))
        assert (result.point[sparse] < result.mean[sparse]).all()
        assert all("point forecast" in result.rules[i] for i in np.flatnonzero(sparse))
        point_scores.append(_rmsse_after(Y, cut, 8, result.point))
        mean_scores.append(_rmsse_after(Y, cut, 8, result.mean))
    assert np.mean(point_scores) < np.mean(mean_scores)


def test_a_steady_sellers_point_forecast_is_its_mean():
    rng = np.random.default_rng(8)
    Y = rng.poisson(60.0, size=(40, 104)).astype(float)
    result = forecast_matrix(Y, freq="W", horizon=8, use_prophet=False)
    np.testing.assert_allclose(result.point, result.mean)
    assert not any("point forecast" in rule for rule in result.rules)


def test_new_products_that_sell_little_are_not_pulled_up_to_their_groups_typical_rate():
    """How much a new product borrows is chosen on the products that were new at the holdouts: in a catalogue
    whose new products sell a trickle (a route that flew once), its own sales stand."""
    rng = np.random.default_rng(21)
    weeks = 80
    established = rng.poisson(20.0, size=(40, weeks)).astype(float)
    trickles = np.zeros((40, weeks))
    for k, start in enumerate(np.linspace(52, weeks - 3, 40).astype(int)):
        trickles[k, start:] = rng.poisson(1.0, weeks - start)
        trickles[k, start] = 1.0
    Y = np.vstack([established, trickles])
    result = forecast_matrix(Y, freq="W", horizon=8, use_prophet=False)
    new = np.flatnonzero(result.classes == "new")
    assert len(new) >= 3
    assert (result.mean[new].mean(axis=1) < 3).all(), result.mean[new].mean(axis=1)
    assert all("holdouts" in result.rules[i] and "own rate" in result.rules[i] for i in new)


# ---- the studio-wide check: the whole selection against one simple method for every series -----------


def _holdouts(errors_sd: dict[str, float], chosen_sd, *, series=60, seed=2, cuts=(32, 28), horizon=8):
    """Y, held rows and two holdout windows where each single method (and the per-series selection) forecasts
    the actuals plus noise of its own size; `chosen_sd` may be an array (one size per series)."""
    from forecasting.engine.select import STUDIO_SINGLES, _scale, _Window

    rng = np.random.default_rng(seed)
    Y = rng.poisson(20, (series, 40)).astype(float)
    windows = []
    for cut in cuts:
        actual = Y[:, cut : cut + horizon]

        def noisy(sd, actual=actual):
            return actual + rng.normal(0, 1, actual.shape) * np.broadcast_to(np.asarray(sd, float), (series,))[:, None]

        forecasts = {name: noisy(errors_sd.get(name, 4.0)) for name in STUDIO_SINGLES}
        window = _Window(cut, np.arange(series), forecasts, _scale(Y, cut))
        window.chosen = noisy(chosen_sd)
        windows.append(window)
    return Y, np.arange(series), windows


def test_one_simple_method_that_dominates_is_chosen_for_every_series():
    from forecasting.engine.select import studio_wide

    Y, held, windows = _holdouts({"ADIDA": 0.5}, 3.0)
    name, rule = studio_wide(windows, held, np.full(len(held), "smooth", dtype=object), None, Y, 8)
    assert name == "ADIDA"
    assert rule.startswith("studio-wide: ADIDA for every series (on 2 holdout windows of 60 series, ")
    assert "better than choosing per series" in rule


def test_a_heterogeneous_panel_keeps_its_per_series_selection():
    """Each simple method is right for half the series and wrong for the rest; choosing per series is right for all."""
    from forecasting.engine.select import STUDIO_SINGLES, studio_wide

    half = np.arange(60) < 30
    sizes = {name: np.where(half if k % 2 else ~half, 0.5, 6.0) for k, name in enumerate(STUDIO_SINGLES)}
    Y, held, windows = _holdouts(sizes, 0.5)
    assert studio_wide(windows, held, np.full(60, "smooth", dtype=object), None, Y, 8) is None


def test_a_gain_within_chance_keeps_the_per_series_selection():
    """The burden of proof is on the switch: on 12 series a slightly better single method is not enough."""
    from forecasting.engine.select import studio_wide

    Y, held, windows = _holdouts({"SES": 2.8}, 3.0, series=12)
    assert studio_wide(windows, held, np.full(12, "smooth", dtype=object), None, Y, 8) is None


def test_of_the_methods_that_beat_the_selection_the_simplest_as_good_as_the_best_is_chosen():
    from forecasting.engine.select import studio_wide

    Y, held, windows = _holdouts({"IMAPA": 0.5}, 3.0)
    for w in windows:
        w.forecasts["Naive"] = w.forecasts["IMAPA"].copy()
        w.forecasts["Naive"][0] += 0.3  # a hair worse than IMAPA, on one series: not significantly
    name, rule = studio_wide(windows, held, np.full(60, "smooth", dtype=object), None, Y, 8)
    assert name == "Naive" and "the simplest as good as IMAPA" in rule


def test_a_studio_wide_choice_forecasts_every_series_with_it_and_says_so(monkeypatch):
    """forecast_matrix applies the studio-wide method to every series with history and puts its rule first."""
    from forecasting.engine import select
    from forecasting.engine.methods import forecast_methods

    rng = np.random.default_rng(8)
    Y = rng.poisson(12, (20, 60)).astype(float)
    Y[19, :56] = 0.0  # new: it keeps the new-product rule
    real = select.studio_wide

    def adida(*args):
        real(*args)  # fits the single methods' holdout forecasts, whatever it decides
        return "ADIDA", "studio-wide: ADIDA for every series (test)"

    monkeypatch.setattr(select, "studio_wide", adida)
    alone = [f"G{i}" for i in range(20)]  # groups of one: no group shape on top of the method
    result = forecast_matrix(Y, freq="W", horizon=8, groups=alone, use_prophet=False)
    assert result.methods[:19] == ["ADIDA"] * 19
    assert all(rule.startswith("studio-wide: ADIDA for every series") for rule in result.rules[:19])
    assert result.rules[19].startswith("new:")
    launch = np.zeros(19, dtype=int)
    expected = forecast_methods(Y[:19], launch, np.arange(19), 60, 8, ["ADIDA"], freq="W")["ADIDA"]
    np.testing.assert_allclose(result.mean[:19], expected, rtol=1e-6)


def test_the_studio_wide_check_looks_further_back_than_the_pools(monkeypatch):
    """The pools choose on the latest two holdout windows; the studio-wide check, one decision for every series,
    meets the selection on four (two more, each half a horizon earlier), where each series' chosen method is
    fitted at that cut as it was chosen."""
    from forecasting.engine import select
    from forecasting.engine.methods import forecast_methods

    rng = np.random.default_rng(5)
    Y = rng.poisson(12, (20, 60)).astype(float)
    seen = {}
    real = select.studio_wide

    def spy(windows, *args):
        seen["windows"] = list(windows)
        return real(windows, *args)

    monkeypatch.setattr(select, "studio_wide", spy)
    result = forecast_matrix(Y, freq="W", horizon=8, groups=[f"G{i}" for i in range(20)], use_prophet=False)
    assert select.holdout_cuts(60, 8) == [52, 48]
    assert [w.cut for w in seen["windows"]] == [52, 48, 44, 40]
    assert not any(rule.startswith("studio-wide") for rule in result.rules)  # the selection stood: its labels
    plain = [i for i, label in enumerate(result.methods) if label in ("WA", "WAs", "SES", "IMAPA", "TSB", "Theta")]
    assert plain
    for w in seen["windows"][2:]:
        assert np.isfinite(w.chosen[w.held]).all()
        for i in plain:
            expected = forecast_methods(
                Y, np.zeros(20, dtype=int), np.array([i]), w.cut, 8, [result.methods[i]], freq="W"
            )
            np.testing.assert_allclose(w.chosen[i], expected[result.methods[i]][0], rtol=1e-6)


def test_more_holdout_windows_give_the_studio_wide_check_the_power_two_lack():
    """A single method a little better than the selection on every series (noise 2.75 against 3): over 20
    seeded panels of 30 series the check on the windows it now uses finds it more often than on two."""
    from forecasting.engine.select import STUDIO_HOLDOUTS, holdout_cuts, studio_wide

    cuts = holdout_cuts(40, 8, STUDIO_HOLDOUTS)
    found = {2: 0, len(cuts): 0}
    for seed in range(20):
        for count in found:
            Y, held, windows = _holdouts({"SES": 2.75}, 3.0, series=30, seed=seed, cuts=cuts[:count])
            chosen = studio_wide(windows, held, np.full(30, "smooth", dtype=object), None, Y, 8)
            found[count] += chosen is not None and chosen[0] == "SES"
    assert found[len(cuts)] >= found[2] + 5, found


# ---- regime changes: a relaunch, a stop, and the season that is neither --------------------------------


def test_a_final_run_its_earlier_rate_cannot_explain_is_a_new_regime():
    from forecasting.engine.select import RESTARTED, STOPPED, regime_changes

    sparse_then_busy = [0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 4, 11, 11, 12]
    busy_then_none = [5, 6, 5, 5, 6, 5, 5, 6, 5, 5, 5, 5, 1, 0, 0, 0, 0, 0, 0, 0]
    sparse_all_along = [1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 1, 1, 0]
    too_young_to_say = [0] * 12 + [3, 0, 0, 0, 5, 6, 6, 6]
    Y = np.array([sparse_then_busy, busy_then_none, sparse_all_along, too_young_to_say], dtype=float)
    launch = (Y > 0).argmax(axis=1)
    found = regime_changes(Y, launch, Y.shape[1])
    assert found[RESTARTED].tolist() == [True, False, False, False]
    assert found[STOPPED].tolist() == [False, True, False, False]
    assert found["start"][0] == 16 and found["start"][1] == 13


def test_a_lull_the_same_weeks_had_a_season_ago_is_no_stop():
    from forecasting.engine.select import STOPPED, regime_changes

    season = 13
    year = [6] * 10 + [0, 0, 0]  # sells ten periods of each cycle of thirteen
    Y = np.array([year * 4], dtype=float)
    launch = np.zeros(1, dtype=int)
    assert not regime_changes(Y, launch, Y.shape[1], season)[STOPPED][0]
    assert regime_changes(Y, launch, Y.shape[1])[STOPPED][0]  # without the season it would look like one


def _catalogue_that_stops(rng, *, comes_back: bool, weeks=60, series=60):
    """Busy series, a third of which go quiet for good at times spread over the history (or, with
    `comes_back`, for four weeks, then sell as before)."""
    Y = rng.poisson(8.0, size=(series, weeks)).astype(float)
    for k, stop in enumerate(np.linspace(20, weeks - 3, series // 3).astype(int)):
        Y[k, stop : stop + 4 if comes_back else weeks] = 0.0
    return Y


def test_series_that_stopped_selling_are_forecast_at_zero_when_the_holdouts_say_stops_last():
    rng = np.random.default_rng(31)
    Y = _catalogue_that_stops(rng, comes_back=False)
    result = forecast_matrix(Y, freq="W", horizon=8, use_prophet=False)
    stopped = [i for i in range(20) if Y[i, -3:].sum() == 0 and Y[i, :-8].sum() > 0]
    assert len(stopped) >= 3
    for i in stopped:
        assert result.methods[i] == "Stopped", (i, result.methods[i], result.rules[i])
        assert result.rules[i].startswith("stopped: no sales for longer than its earlier rate explains")
        assert (result.mean[i] == 0).all() and (result.point[i] == 0).all()
    assert all(result.mean[i].mean() > 4 for i in range(20, 60))


def test_stops_that_came_back_on_the_holdouts_keep_their_forecast():
    rng = np.random.default_rng(31)
    Y = _catalogue_that_stops(rng, comes_back=True)
    Y[:5, -3:] = 0.0  # quiet right now, like the others were before they came back
    result = forecast_matrix(Y, freq="W", horizon=8, use_prophet=False)
    assert "Stopped" not in result.methods
    assert all(result.mean[i].mean() > 2 for i in range(5)), result.mean[:5].mean(axis=1)


def test_a_relaunched_series_is_forecast_from_its_relaunch_as_a_new_product():
    rng = np.random.default_rng(41)
    Y = rng.poisson(8.0, size=(30, 40)).astype(float)
    Y[0] = 0.0
    Y[0, [2, 9, 15]] = 1.0  # a trickle, then nothing, then back at the scale of the busy ones
    Y[0, -4:] = [4, 11, 11, 12]
    result = forecast_matrix(Y, freq="W", horizon=8, use_prophet=False)
    assert result.classes[0] == "new"
    assert result.rules[0].startswith("new (relaunched: sales again after a pause its earlier rate cannot explain)")
    assert result.mean[0].mean() > 7, result.mean[0]


def test_a_new_products_launch_order_is_left_out_of_its_rate_when_the_holdouts_say_so():
    """A first sale is the one period sure to have sold (here a launch order of 6, then about one a week): where
    the holdouts' new products sold like that, a new product's own rate leaves out its first sale's period."""
    rng = np.random.default_rng(51)
    weeks = 70
    Y = np.vstack([rng.poisson(10.0, size=(30, weeks)), np.zeros((40, weeks))]).astype(float)
    for k, start in enumerate(np.linspace(44, weeks - 3, 40).astype(int)):
        Y[30 + k, start] = 6.0
        Y[30 + k, start + 1 :] = rng.poisson(1.0, weeks - start - 1)
    result = forecast_matrix(Y, freq="W", horizon=8, use_prophet=False)
    new = np.flatnonzero(result.classes == "new")
    assert len(new) >= 3
    assert all("after its first sale's period" in result.rules[i] for i in new), result.rules[new[0]]
    assert (result.mean[new].mean(axis=1) < 2).all(), result.mean[new].mean(axis=1)


def test_new_products_that_ramp_up_are_forecast_at_their_latest_rate():
    """Where the holdouts' new products were still climbing (a route flying a few days of its first week, then
    more), their latest period beats any average since launch."""
    rng = np.random.default_rng(61)
    weeks = 70
    Y = np.vstack([rng.poisson(10.0, size=(30, weeks)), np.zeros((40, weeks))]).astype(float)
    ramp = np.array([2.0, 5.0, 8.0, 11.0, 14.0, 16.0, 17.0, 17.0])
    for k, start in enumerate(np.linspace(44, weeks - 4, 40).astype(int)):
        length = min(len(ramp), weeks - start)
        Y[30 + k, start : start + length] = ramp[:length]
        Y[30 + k, start + length :] = 17.0
    result = forecast_matrix(Y, freq="W", horizon=8, use_prophet=False)
    new = np.flatnonzero(result.classes == "new")
    assert len(new) >= 3
    assert all("its own rate in its latest period" in result.rules[i] for i in new), result.rules[new[0]]
    for i in new:
        assert abs(result.mean[i].mean() - Y[i, -1]) < 0.15 * Y[i, -1], (Y[i, -6:], result.mean[i])


# ---- Prophet only where it beats the pool on the whole; fits reused across a backtest's origins --------


class _ProphetRunner:
    """Stands in for select._Runner: Prophet's holdout forecasts are given, and every fit is counted."""

    def __init__(self, forecasts: dict[int, np.ndarray]):
        self.forecasts, self.fitted = forecasts, []

    def candidates(self, rows, pool, cut, wanted):
        self.fitted.append((cut, sorted(int(r) for r in rows)))
        return {"Prophet": self.forecasts[cut]}


def _prophet_holdouts(prophet_sd: np.ndarray, *, series=40, cuts=(32, 28), horizon=8, seed=3):
    """Two holdout windows of `series` smooth+prophet series whose pool chose WA (noise of size 3 around the
    actuals); Prophet's noise has the size given per series."""
    from forecasting.engine.select import SMOOTH_PROPHET, _scale, _Window

    rng = np.random.default_rng(seed)
    Y = rng.poisson(20, (series, 40)).astype(float)
    windows, prophet = [], {}
    for cut in cuts:
        actual = Y[:, cut : cut + horizon]
        noise = rng.normal(0, 1, actual.shape)
        windows.append(_Window(cut, np.arange(series), {"WA": actual + 3.0 * noise}, _scale(Y, cut)))
        prophet[cut] = actual + prophet_sd[:, None] * rng.normal(0, 1, actual.shape)
    pool = np.full(series, SMOOTH_PROPHET, dtype=object)
    return Y, windows, prophet, pool, np.full(series, "WA", dtype=object)


def test_prophet_that_does_worse_than_the_pool_on_the_whole_is_left_out_where_it_won_a_few_series():
    """Prophet wins 5 of 40 series by far and loses the rest: those wins are luck, it is not fitted again."""
    from forecasting.engine.select import _prophet_where_promising

    sd = np.where(np.arange(40) < 5, 0.5, 6.0)
    Y, windows, prophet, pool, choice = _prophet_holdouts(sd)
    run = _ProphetRunner(prophet)
    rule = _prophet_where_promising(windows, pool, choice, run, Y, 8)
    assert rule.startswith("; Prophet left out: on the latest holdout it was ")
    assert "worse than the pool's choice over its 40 series" in rule
    assert all("Prophet" not in w.forecasts for w in windows)
    assert run.fitted == [(32, list(range(40)))]  # the latest holdout only


def test_prophet_that_beats_the_pool_on_the_whole_stays_and_is_fitted_again_where_it_won():
    from forecasting.engine.select import _prophet_where_promising

    sd = np.where(np.arange(40) < 30, 0.5, 6.0)
    Y, windows, prophet, pool, choice = _prophet_holdouts(sd)
    run = _ProphetRunner(prophet)
    assert _prophet_where_promising(windows, pool, choice, run, Y, 8) == ""
    assert all("Prophet" in w.forecasts for w in windows)
    cut, refitted = run.fitted[1]
    assert cut == 28 and set(refitted) <= set(range(30)) and len(refitted) >= 25


def test_a_backtest_reuses_a_fit_only_for_the_same_history(monkeypatch):
    """Inside reuse_fits a method fitted on the same values is not fitted again, and gives what a new fit
    gives; a history that differs by one value is fitted."""
    from forecasting.engine import methods

    calls = []
    real = methods._fit_chunk

    def counted(args):
        calls.append(args[0]["unique_id"].nunique())
        return real(args)

    monkeypatch.setattr(methods, "_fit_chunk", counted)
    rng = np.random.default_rng(4)
    Y = rng.poisson(6, (5, 40)).astype(float)
    launch = np.zeros(5, dtype=int)
    fresh = methods.forecast_methods(Y, launch, np.arange(5), 30, 6, ["ETS", "SES"], freq="W")
    assert len(calls) == 2  # ETS and SES fit apart (slow and quick)
    with methods.reuse_fits():
        first = methods.forecast_methods(Y, launch, np.arange(5), 30, 6, ["ETS", "SES"], freq="W")
        calls.clear()
        again = methods.forecast_methods(Y, launch, np.arange(5), 30, 6, ["ETS", "SES"], freq="W")
        assert calls == []
        changed = Y.copy()
        changed[2, 10] += 5
        other = methods.forecast_methods(changed, launch, np.arange(5), 30, 6, ["ETS", "SES"], freq="W")
        assert calls == [1, 1]  # only the changed series, once per family
    for name in ("ETS", "SES"):
        np.testing.assert_allclose(first[name], fresh[name])
        np.testing.assert_allclose(again[name], fresh[name])
        np.testing.assert_allclose(np.delete(other[name], 2, axis=0), np.delete(fresh[name], 2, axis=0))
    calls.clear()
    methods.forecast_methods(Y, launch, np.arange(5), 30, 6, ["SES"], freq="W")
    assert calls == [5]  # outside the block nothing is kept


# ---- a group's seasonal wave for sparse series ---------------------------------------------------------


def _christmas_group(rng, *, series=40, weeks=70, summer_every=0):
    """Sparse weekly sellers whose chance of an order follows a yearly cosine peaking in week 49 (or 23)."""
    rows = []
    for k in range(series):
        peak = 23 if summer_every and k % summer_every == summer_every - 1 else 49
        chance = 0.25 * (1 + 0.9 * np.cos(2 * np.pi * ((np.arange(weeks) - peak) % 52) / 52))
        rows.append((rng.random(weeks) < chance) * (1 + rng.poisson(3, weeks)))
    return np.array(rows, dtype=float)


def test_a_groups_yearly_wave_is_found_from_little_more_than_a_year_of_sparse_sales():
    from forecasting.engine.panel import first_sale
    from forecasting.engine.seasonal import group_profile

    Y = _christmas_group(np.random.default_rng(11), weeks=60)
    launch = first_sale(Y)
    assert seasonal_indices(Y.sum(axis=0), 0, 52, min_cycles=1.1) is None  # the ACF test can't see it yet
    index = group_profile(Y, launch, np.arange(len(Y)), 60, 52)
    assert index is not None and int(np.argmax(index)) in range(46, 53)
    assert index[49] > 1.5 and index[23] < 0.5
    assert group_profile(Y, launch, np.arange(len(Y)), 50, 52) is None  # under a full cycle: never


def test_a_group_without_a_season_gets_no_wave_from_its_noise():
    from forecasting.engine.panel import first_sale
    from forecasting.engine.seasonal import group_profile

    found = 0
    for seed in range(20):
        Y = simulated_sales("croston", series=40, weeks=80, seed=seed)
        Y = np.stack(list(wide(Y).values())).astype(float)
        found += group_profile(Y, first_sale(Y), np.arange(len(Y)), Y.shape[1], 52) is not None
    assert found <= 3  # a 5 % test: about one in twenty by chance


def test_sparse_sellers_on_their_groups_wave_are_forecast_into_its_peak_and_say_so():
    """The pool's SeasonalMean: the mean since launch on the group's wave, chosen on the holdouts; the summer
    sellers, which run against the wave, keep a flat level."""
    rng = np.random.default_rng(12)
    Y = _christmas_group(rng, series=60, weeks=88, summer_every=5)  # ends in week 36 of the second year
    result = forecast_matrix(Y, freq="W", horizon=12, use_prophet=False)
    christmas = [i for i in range(60) if i % 5 != 4]
    summer = [i for i in range(60) if i % 5 == 4]
    on_wave = [i for i in christmas if result.methods[i].startswith("SeasonalMean")]
    assert len(on_wave) > len(christmas) // 2, result.methods
    for i in on_wave:
        assert "seasonal wave" in result.rules[i]
        assert result.mean[i, -1] > 1.5 * result.mean[i, 0]  # week 47 against week 36: the rise ahead
    for i in summer:
        assert result.mean[i, -1] <= result.mean[i, 0] * 1.01, (result.methods[i], result.mean[i])
    truth = 0.25 * (1 + 0.9 * np.cos(2 * np.pi * ((np.arange(88, 100) - 49) % 52) / 52)) * 4
    flat = Y[christmas].sum(axis=1) / 88
    wave_error = np.abs(result.mean[on_wave] - truth).mean()
    flat_error = np.abs(flat[[christmas.index(i) for i in on_wave], None] - truth).mean()
    assert wave_error < 0.7 * flat_error


def test_the_trough_of_a_groups_wave_is_no_stop():
    from forecasting.engine.select import STOPPED, regime_changes

    season = 52
    wave = np.ones((2, season))
    wave[0] = 1 + 0.95 * np.cos(2 * np.pi * (np.arange(season) - 49) / season)
    history = np.zeros(80)
    history[[*range(0, 13, 2), 20, *range(36, 65, 2)]] = 3  # busy around Christmas, nothing since week 65
    Y = np.array([history, history])
    launch = np.zeros(2, dtype=int)
    found = regime_changes(Y, launch, 80, season, wave)[STOPPED]
    assert not found[0]  # the wave's trough (week 23 of the year) explains fourteen quiet weeks
    assert found[1]  # without a wave the same run is a stop


def test_in_the_demo_studio_members_on_their_categorys_wave_leave_the_others_its_shape():
    """A member on its category's wave keeps it; the category's shape for the other members is the aggregate's
    against its members' levels, not against the wave some of them have (which flattened it to nothing)."""
    from demo.catalogue import PRODUCTS

    series = demo_weekly(PRODUCTS)
    category = {sku: next(p.category for p in PRODUCTS if sku.startswith(p.sku + "-")) for sku in series}
    result = forecast_many(series, freq="W", horizon=12, groups=category, use_prophet=False)
    ceramics = [result[sku] for sku in series if category[sku] == "Ceramics"]
    on_wave = [f for f in ceramics if f.method == "SeasonalMean"]
    shaped = [f for f in ceramics if f.method.endswith("+TopDown")]
    assert on_wave and all("Ceramics's seasonal wave" in f.rule for f in on_wave)
    assert len(shaped) >= len(ceramics) // 2, [f.method for f in ceramics]
    for f in on_wave:
        assert "shape" not in f.rule  # the wave is its season: it takes no second one


def test_a_product_whose_own_season_is_sharper_than_its_groups_takes_its_own_wave():
    """OwnSeasonalMean: a winter candle that sells only from October to January, in a group whose wave is
    broad, is forecast into its season from its own year where its own holdouts say so."""
    rng = np.random.default_rng(21)
    weeks = 100  # ends in week 48 of the second year: ten weeks into the candle's season
    Y = _christmas_group(rng, series=30, weeks=weeks)
    position = np.arange(weeks) % 52
    in_season = (position >= 38) | (position <= 2)
    candle = np.where(in_season, rng.poisson(12.0, weeks), 0).astype(float)
    Y = np.vstack([Y, candle])
    result = forecast_matrix(Y, freq="W", horizon=12, use_prophet=False)
    assert result.methods[-1] == "OwnSeasonalMean", (result.methods[-1], result.rules[-1])
    assert "on its own seasonal wave" in result.rules[-1]
    assert result.mean[-1, :4].mean() > 8  # it sells 12 a week in season; its group's wave gave it about 6
    assert result.mean[-1, -3:].mean() < 2  # and nothing from February
