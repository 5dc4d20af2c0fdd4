"""The nested (out-of-sample) evaluation: choices made on earlier windows, never on scored ones."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from forecast_factories import case_rows, insert_rows, poisson_counts

from forecasting.evaluation import attainable, evaluate_hierarchy, evaluate_panel, nested_choice
from forecasting.forecaster import forecast_hierarchy
from forecasting.runs import load_run, save_run
from forecasting.series import Panel

H = 28


def _weekday_panel(units: int, days: int, rate: float, seed: int) -> Panel:
    rng = np.random.default_rng(seed)
    weekly = np.array([1.3, 1.1, 1.0, 1.0, 1.0, 0.7, 0.6])
    y = rng.poisson(rate * np.resize(weekly, days), (units, days)).astype(float)
    return Panel(np.array([f"u{i}" for i in range(units)], dtype=object), date(2024, 1, 1), y)


def _by_hand(y: np.ndarray, t: int) -> dict[str, np.ndarray]:
    """The seasonal naive and the 4-week weekday mean made at cutoff ``t``, in plain numpy."""
    last = y[:, t - 7 : t]
    weeks = y[:, t - 28 : t].reshape(len(y), 4, 7).mean(axis=1)
    return {"snaive": np.tile(last, 4)[:, :H], "wmean": np.tile(weeks, 4)[:, :H]}


def test_nested_choice_uses_only_the_windows_before_each_one():
    # Candidate 1 is better on windows 0–1, candidate 0 on window 2 (errors 0 against 3).
    errors = np.array([[[5.0, 5.0, 0.0, 0.0]], [[1.0, 1.0, 3.0, 0.0]]])
    assert nested_choice(errors, n_select=1).tolist() == [[0, 1, 1, 0]]
    assert nested_choice(errors, n_select=2).tolist() == [[0, 1, 1, 1]]  # 5 + 0 > 1 + 3
    # Window 3's own errors (0 against 0) never count; ties go to candidate 0.
    assert nested_choice(errors[:, :, [0, 3]], n_select=3).tolist() == [[0, 1]]
    assert nested_choice(np.zeros((2, 1, 3)), n_select=2).tolist() == [[0, 0, 0]]


def test_the_scoring_window_cannot_change_the_choice():
    days = 56 + 3 * H + 14
    panel = _weekday_panel(12, days, 50.0, seed=4)
    cutoffs = [days - H - k * H for k in (2, 1, 0)]
    hand = [_by_hand(panel.y, t) for t in cutoffs]
    # Rewrite the last (scored) window so that the seasonal naive is far better there: had the
    # choice seen it, it would pick the naive for most units.
    y = panel.y.copy()
    last = cutoffs[-1]
    naive, mean = hand[-1]["snaive"], hand[-1]["wmean"]
    y[:, last:] = np.clip(np.round(3 * naive - 2 * mean), 0, None)
    rigged = Panel(panel.ids, panel.start, y)

    def squared(model: str, windows: range, values: np.ndarray) -> np.ndarray:
        return sum(
            ((values[:, cutoffs[j] : cutoffs[j] + H] - hand[j][model]) ** 2).sum(axis=1)
            for j in windows
        )

    honest = {m: squared(m, range(2), y) for m in ("snaive", "wmean")}
    seen = {m: squared(m, range(3), y) for m in ("snaive", "wmean")}
    want = np.where(honest["wmean"] < honest["snaive"], "wmean", "snaive")
    in_sample = np.where(seen["wmean"] < seen["snaive"], "wmean", "snaive")
    assert (want == "wmean").sum() >= 10  # the 4-week mean wins the earlier windows …
    assert (in_sample != want).sum() >= 6  # … and the scored window would flip most units

    for data in (panel, rigged):
        result, _ = evaluate_panel(data, H, ("snaive", "wmean"), n_select=2, n_score=1)
        assert result.chosen[:, 0].tolist() == want.tolist()
        expected = np.where((want == "wmean")[:, None], hand[-1]["wmean"], hand[-1]["snaive"])
        np.testing.assert_allclose(result.yhat[:, 0], expected, atol=1e-9)
        np.testing.assert_array_equal(result.y[:, 0], data.y[:, last:])
        np.testing.assert_allclose(result.baselines["snaive"][:, 0], hand[-1]["snaive"])
        np.testing.assert_allclose(result.baselines["wmean"][:, 0], hand[-1]["wmean"])


def test_intervals_are_calibrated_without_the_scored_window():
    days = 56 + 4 * H
    panel = _weekday_panel(6, days, 8.0, seed=9)
    result, _ = evaluate_panel(panel, H, ("snaive", "wmean"), n_select=2, n_score=2)
    y = panel.y.copy()
    y[:, -H:] = 0  # the last window's actuals do not move its interval
    again, _ = evaluate_panel(
        Panel(panel.ids, panel.start, y), H, ("snaive", "wmean"), n_select=2, n_score=2
    )
    np.testing.assert_array_equal(result.lo[:, 1], again.lo[:, 1])
    np.testing.assert_array_equal(result.hi[:, 1], again.hi[:, 1])
    assert np.all(result.lo <= result.yhat) and np.all(result.yhat <= result.hi)


def test_summary_scores_by_hand():
    days = 56 + 4 * H
    panel = _weekday_panel(3, days, 5.0, seed=2)
    result, _ = evaluate_panel(panel, H, ("snaive", "wmean"), n_select=2, n_score=2)
    s = result.summary()
    y = panel.y[:, -2 * H :].reshape(3, 2, H)
    assert s["auto WAPE"] == pytest.approx(np.abs(y - result.yhat).sum() / y.sum())
    naive = np.stack([_by_hand(panel.y, days - H - k * H)["snaive"] for k in (1, 0)], axis=1)
    assert s["snaive WAPE"] == pytest.approx(np.abs(y - naive).sum() / y.sum())
    assert s["auto / snaive"] == pytest.approx(s["auto WAPE"] / s["snaive WAPE"])
    inside = (y >= result.lo) & (y <= result.hi)
    assert s["cov80"] == pytest.approx(inside.mean())
    flat = y.mean(axis=2, keepdims=True)
    assert s["level oracle"] == pytest.approx(np.abs(y - flat).sum() / y.sum())


def test_poisson_floor_by_hand():
    # E|Y − μ| for Y ~ Poisson(1) is 2/e; for a large μ it is √(2μ/π).
    got = attainable(np.ones((1, 1, 2)), np.array([[[1.0, 1.0]]]))["Poisson floor"]
    assert got == pytest.approx(2 / np.e)
    big = attainable(np.ones((1, 1, 1)), np.array([[[10_000.0]]]))["Poisson floor"]
    assert big == pytest.approx(np.sqrt(2 * 10_000 / np.pi) / 10_000, rel=1e-3)


def test_a_store_is_evaluated_at_its_level_and_summed_above(duck_store):
    rates = {"g1": 3.0, "g2": 1.0, "g3": 0.3, "g4": 5.0, "g5": 2.0, "g6": 0.1}
    insert_rows(duck_store, case_rows(poisson_counts(120, rates, seed=3), date(2025, 1, 6)))
    result = evaluate_hierarchy(duck_store, "street", 7, n_select=3, n_score=2)
    assert list(result) == ["street", "district", "city"]
    street, city = result["street"], result["city"]
    assert street.yhat.shape == (3, 2, 7) and city.yhat.shape == (1, 2, 7)
    np.testing.assert_allclose(city.yhat[0], street.yhat.sum(axis=0))
    np.testing.assert_array_equal(city.y[0], street.y.sum(axis=0))
    for ev in result.values():
        s = ev.summary()
        assert 0 <= s["cov80"] <= 1 and s["auto WAPE"] > 0
        assert np.all(ev.lo <= ev.yhat) and np.all(ev.yhat <= ev.hi)


def test_a_run_stores_the_out_of_sample_scores_of_its_last_window(duck_store):
    rates = {"g1": 3.0, "g2": 1.0, "g3": 0.3, "g4": 5.0, "g5": 2.0, "g6": 0.1}
    insert_rows(duck_store, case_rows(poisson_counts(100, rates, seed=8), date(2025, 1, 6)))
    forecast = forecast_hierarchy(duck_store, "street", 7)
    nested = evaluate_hierarchy(duck_store, "street", 7, n_select=2, n_score=1)
    assert set(forecast.out_of_sample) == {"street", "district", "city"}
    for level, scores in forecast.out_of_sample.items():
        ev = nested[level]
        assert scores["window"] == "2025-04-09..2025-04-15"
        y, last = ev.y[:, 0], forecast.levels[level].backtest.y[:, -1]
        np.testing.assert_array_equal(y, last)  # the run's own last window
        assert scores["wape"] == pytest.approx(np.abs(y - ev.yhat[:, 0]).sum() / y.sum(), abs=1e-6)
        assert scores["ratio_snaive"] == pytest.approx(
            scores["wape"] / scores["snaive_wape"], abs=1e-5
        )
        assert scores["cov80"] == pytest.approx(ev.summary()["cov80"], abs=1e-6)
    saved = save_run(duck_store, forecast)
    assert load_run(duck_store, saved.id).scores["out_of_sample"] == forecast.out_of_sample
