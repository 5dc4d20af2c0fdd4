"""Per-series fits made elsewhere: built from daily counts as the store's series, used by predict."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from forecasting.fits import Fits, fit_group, per_series_jobs, use_fits
from forecasting.models import predict
from forecasting.series import Panel

START = date(2025, 1, 1)


def _counts() -> pd.DataFrame:
    """Two units' daily counts over 70 days with the empty days left out (as SQL returns
    them), and one count before the start (a history cut after a gap leaves it out)."""
    rng = np.random.default_rng(3)
    rows = [("street", "A", pd.Timestamp(START) - pd.Timedelta(days=1), 9)]
    for unit, mean in (("A", 3.0), ("B", 0.4)):
        for day, n in enumerate(rng.poisson(mean, 70)):
            if n:
                rows.append(("street", unit, pd.Timestamp(START) + pd.Timedelta(days=day), n))
    frame = pd.DataFrame(rows, columns=["level", "unit", "ds", "n"])
    frame["ds"] = pd.to_datetime(frame["ds"]).dt.date
    return frame


def _by_hand(frame: pd.DataFrame) -> Panel:
    """The same series zero-filled with plain pandas: 70 days from START."""
    inside = frame[pd.to_datetime(frame["ds"]) >= pd.Timestamp(START)]
    wide = inside.pivot_table(index="unit", columns="ds", values="n", aggfunc="sum")
    days = pd.date_range(START, periods=70).date
    wide = wide.reindex(columns=days, fill_value=0).fillna(0)
    return Panel(np.asarray(wide.index, dtype=object), START, wide.to_numpy(dtype=float))


def test_a_group_forecasts_each_series_as_predict_does_on_the_whole_panel():
    counts = _counts()
    jobs = {"street": [("tsb", {}), ("croston", {})]}
    out = fit_group(counts, start=START, days=70, lengths=[63, 70], horizon=7, jobs=jobs)
    panel = _by_hand(counts)
    assert len(out) == 2 * 2 * 2  # units x models x lengths
    for name in ("tsb", "croston"):
        for t in (63, 70):
            want = predict(name, panel.head(t), 7)
            rows = out[(out["model"] == name) & (out["days"] == t)].set_index("unit")
            got = np.vstack(rows.loc[list(panel.ids), "yhat"].to_list())
            np.testing.assert_allclose(got, want, rtol=1e-12)


def test_predict_takes_the_fits_it_holds_and_fits_what_it_lacks():
    counts = _counts()
    panel = _by_hand(counts)
    made = fit_group(
        counts, start=START, days=70, lengths=[70], horizon=7, jobs={"street": [("tsb", {})]}
    )
    marked = made.index[made["unit"] == "A"][0]
    made.at[marked, "yhat"] = [100.0] * 7  # marked: taken from the fits, not refitted
    fits = Fits.from_frame(made, START)
    with use_fits(fits):
        taken = predict("tsb", panel, 7)
        refit = predict("tsb", panel.head(63), 7)  # another history: not held
    assert taken[0].tolist() == [100.0] * 7
    np.testing.assert_allclose(refit, predict("tsb", panel.head(63), 7))
    np.testing.assert_allclose(taken[1], predict("tsb", panel, 7)[1])  # outside: fitted here
    assert fits.used == 2 and fits.missed == ["tsb"]


def test_only_per_series_models_are_sent_and_the_ensemble_sends_its_prophet():
    params = {"ensemble": {"holidays": True, "country": "US"}, "prophet": {"holidays": False}}
    jobs = per_series_jobs(("snaive", "wmean", "ymean", "tsb", "share", "ensemble"), params)
    assert jobs == [("tsb", {}), ("prophet", {"holidays": True, "country": "US"})]
    both = per_series_jobs(("prophet", "ensemble"), {"ensemble": {"holidays": False}})
    assert both == [("prophet", {}), ("prophet", {"holidays": False, "country": "CN"})]
