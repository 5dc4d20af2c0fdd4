"""The forecast file and its run: intervals that hold their forecast, gaps in the data,
the output path checked before the fit, and the file's format (UTF-8 with BOM, 4 decimals)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from forecast_factories import GRIDS, case_rows, insert_rows, poisson_counts

from forecasting import ForecastError, extract_panel, forecast_hierarchy, list_runs, write_forecast
from forecasting import runs as runs_module
from forecasting.forecaster import MODEL_CHOICES
from forecasting.intervals import count_interval
from forecasting.runs import CSV_COLUMNS, load_run
from forecasting.series import data_gaps

ROOT = Path(__file__).resolve().parents[2]
START = date(2025, 1, 6)
RATES = dict(zip(GRIDS["grid_id"], [3.0, 1.0, 0.3, 5.0, 2.0, 0.1], strict=True))


def _store_with_gap(engine, before: int, gap: int, after: int, seed: int = 3) -> None:
    """``before`` days of cases, ``gap`` days with none at all, then ``after`` days."""
    counts = poisson_counts(before + gap + after, RATES, seed=seed)
    for series in counts.values():
        series[before : before + gap] = 0
    insert_rows(engine, case_rows(counts, START))


def _written(folder: Path) -> list[str]:
    """The files in ``folder`` other than the store's."""
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("store.duckdb"))


def _inside(frame: pd.DataFrame) -> bool:
    yhat = frame["yhat"]
    return bool(((frame["yhat_lo"] <= yhat) & (yhat <= frame["yhat_hi"])).all())


# --- 1. an interval always holds its own forecast ---------------------------------------------


def test_a_lopsided_distribution_still_gets_an_interval_around_its_forecast():
    # The LA city total: dispersion at its cap (5) and a calibrated factor of 50 put more
    # than 90 % of the negative binomial on 0, so its central 80 % range was [0, 0].
    yhat = np.array([[465.3704, 442.8349, 20.39, 0.3, 1.0]])
    lo, hi = count_interval(yhat, np.array([5.0]), 80, 50.0)
    assert np.all(lo <= np.floor(yhat)) and np.all(yhat <= hi)
    assert np.all(hi[0, :3] >= [465.3704, 442.8349, 20.39])


def test_below_one_case_a_day_the_interval_stays_the_distributions_own():
    # Poisson(0.1): P(0) = 0.905, so 80 % of such days see no case; the whole counts inside
    # stay {0} (honest), and the upper end reaches the forecast, 0.1, not 1: widening it to
    # [0, 1] would cover 99.5 % of days.
    lo, hi = count_interval(np.array([[0.1, 0.6]]), np.array([0.0]), 80, 1.0)
    assert lo.tolist() == [[0.0, 0.0]]
    assert hi.tolist() == [[0.1, 1.0]]
    assert np.all(lo == np.round(lo)) and np.all(lo >= 0)


def test_every_interval_holds_its_forecast():
    rng = np.random.default_rng(11)
    yhat = np.exp(rng.uniform(np.log(1e-4), np.log(20000), (300, 12)))
    yhat[::7, ::3] = 0.0
    alpha = rng.uniform(0, 5, 300)
    for level in (50, 80, 95, 99):
        for inflate in (1e-4, 0.05, 1.0, 8.0, 50.0):
            lo, hi = count_interval(yhat, alpha, level, inflate)
            assert np.all(lo <= yhat) and np.all(yhat <= hi), (level, inflate)
            assert np.all(lo == np.round(lo)), (level, inflate)
            assert np.all(lo[yhat == 0] == 0) and np.all(hi[yhat == 0] == 0)


@pytest.mark.parametrize("model", MODEL_CHOICES)
def test_every_level_and_model_keeps_yhat_inside_its_interval(duck_store, model):
    # A 30-day outage kept in the history (too few days after it) makes the backtests miss
    # badly and the calibrated intervals as wide as they get.
    _store_with_gap(duck_store, before=80, gap=30, after=20)
    result = forecast_hierarchy(duck_store, "district", 7, model)
    assert result.parameters["notes"]
    for level in result.levels.values():
        for pct in (50, 80, 95):
            frame = level.to_frame(pct)
            assert _inside(frame), (model, level.level, pct)
        lo, hi = level.backtest.interval(80)
        assert np.all(lo <= level.backtest.yhat) and np.all(level.backtest.yhat <= hi)


# --- 1b. a history that is mostly a gap in the data -------------------------------------------


def test_quiet_days_of_a_sparse_store_are_not_a_gap(duck_store):
    counts = poisson_counts(400, {"g6": 0.05}, seed=1)
    insert_rows(duck_store, case_rows(counts, START))
    panel = extract_panel(duck_store, "city")
    assert (panel.y[0] == 0).sum() > 300  # long empty stretches, as such a unit has
    assert data_gaps(panel) == []


def test_a_gap_with_enough_days_after_it_forecasts_from_those_days(duck_store, tmp_path, capsys):
    _store_with_gap(duck_store, before=100, gap=40, after=90)
    panel = extract_panel(duck_store, "city")
    (gap,) = data_gaps(panel)
    assert (gap.offset, gap.days, gap.first) == (100, 40, date(2025, 4, 16))
    run = write_forecast(duck_store, "district", 7, tmp_path / "f.csv", model="wmean")
    assert run.parameters["history_days"] == 90
    assert run.parameters["gap"] == {"first": "2025-04-16", "last": "2025-05-25", "days": 40}
    note = (
        "The store has no cases from 2025-04-16 to 2025-05-25 (40 days), a gap in the data, "
        "so the forecast uses only the 90 days after it."
    )
    assert run.parameters["notes"] == [note]
    assert load_run(duck_store, run.id).parameters["notes"] == [note]
    from gridpulse.cli import main

    url = duck_store.url.render_as_string(hide_password=False)
    args = ["forecast", "--level", "district", "--horizon", "7", "--model", "wmean"]
    assert main(["--db", url, *args, "--out", str(tmp_path / "g.csv")]) == 0
    assert f"note: {note}" in capsys.readouterr().err.splitlines()
    # The backtest windows all lie after the gap, so none of them forecasts from zeros.
    result = forecast_hierarchy(duck_store, "city", 7, "wmean")
    assert result.base.backtest.cutoffs[0] > pd.Timestamp(gap.last)
    assert result.base.yhat.min() > 5


def test_a_history_that_is_mostly_a_gap_is_refused(duck_store, tmp_path):
    # The LA 311 extracts: 5 days, two years without a case, 3 days.
    _store_with_gap(duck_store, before=5, gap=700, after=3)
    out = tmp_path / "f.csv"
    with pytest.raises(ForecastError) as caught:
        write_forecast(duck_store, "city", 7, out)
    message = str(caught.value)
    assert message.startswith("The store has no cases from 2025-01-11 to 2026-12-11 (700 days)")
    assert "holds only 8 days outside its gaps (3 after the last one)" in message
    assert message.endswith("needs at least 77 days of history.") and message.count(".") == 1
    assert not out.exists() and list_runs(duck_store).empty


LA = sorted(Path("/work/shared/data/real/la311").glob("*.csv")) or sorted(
    (ROOT.parent / "shared" / "data" / "real" / "la311").glob("*.csv")
)


@pytest.mark.skipif(len(LA) != 2, reason="the real LA 311 extracts (shared/data/real) are absent")
def test_la_311_store_is_refused_with_one_sentence_naming_the_gap(tmp_path):
    db = f"duckdb:///{tmp_path / 'la.duckdb'}"
    mapping = ROOT / "sample_data" / "mappings" / "la311.toml"

    def gridpulse(*args) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "gridpulse", "--db", db, *map(str, args)]
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)

    assert gridpulse("ingest", *LA, "--mapping", mapping, "--no-warm").returncode == 0
    out = tmp_path / "city.csv"
    for level in ("city", "district"):
        done = gridpulse("forecast", "--level", level, "--horizon", "7", "--out", out)
        assert done.returncode == 1 and "Traceback" not in done.stderr
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert len(lines) == 1
        assert lines[0].startswith("error: The store has no cases from 2018-01-01 to 2019-12-31")
    assert not out.exists()


# --- 2. the output path is checked before the fit; a failed write saves no run -----------------


@pytest.fixture
def city(duck_store):
    insert_rows(duck_store, case_rows(poisson_counts(120, RATES, seed=7), START))
    return duck_store


def test_a_bad_output_path_is_refused_before_the_fit(city, tmp_path, monkeypatch):
    def no_fit(*args, **kwargs):
        raise AssertionError("the fit ran before the output path was checked")

    monkeypatch.setattr(runs_module, "forecast_hierarchy", no_fit)
    (tmp_path / "folder.csv").mkdir()
    locked = tmp_path / "locked.csv"
    locked.write_text("old", encoding="utf-8")
    locked.chmod(0o444)
    cases = [
        (tmp_path / "f.xlsx", "must end in .csv"),
        (tmp_path / "f", "must end in .csv"),
        (tmp_path / "missing" / "f.csv", "for the output file does not exist"),
        (tmp_path / "folder.csv", "cannot be written"),
    ]
    if os.geteuid() != 0:  # root writes read-only files anyway
        cases.append((locked, "cannot be written"))
    for path, words in cases:
        with pytest.raises(ForecastError, match=words) as caught:
            write_forecast(city, "district", 7, path)
        assert str(caught.value).count(".") >= 1 and "\n" not in str(caught.value)
    assert not (tmp_path / "missing").exists() and locked.read_text(encoding="utf-8") == "old"
    assert list_runs(city).empty


def test_a_file_that_cannot_be_written_leaves_no_saved_run(city, tmp_path, monkeypatch):
    out = tmp_path / "f.csv"
    out.write_text("previous", encoding="utf-8")

    real_replace = os.replace

    def fail(src, dst):
        if Path(dst) == out:
            raise PermissionError(13, "Permission denied")
        real_replace(src, dst)  # the store's own files

    monkeypatch.setattr(runs_module.os, "replace", fail)
    with pytest.raises(ForecastError, match=r"cannot be written \(Permission denied\)"):
        write_forecast(city, "district", 7, out, model="wmean")
    assert list_runs(city).empty
    assert out.read_text(encoding="utf-8") == "previous"
    assert _written(tmp_path) == ["f.csv"]


def test_a_failed_save_leaves_no_file(city, tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("the store went away")

    monkeypatch.setattr(runs_module, "_save", fail)
    with pytest.raises(RuntimeError):
        write_forecast(city, "district", 7, tmp_path / "f.csv", model="wmean")
    assert _written(tmp_path) == []


# --- 3. the file's format ----------------------------------------------------------------------


def test_the_file_is_utf8_with_bom_and_numbers_in_their_shortest_form(city, tmp_path):
    out = tmp_path / "f.csv"
    run = write_forecast(city, "grid", 7, out, model="wmean")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # as the assessment CSV
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(CSV_COLUMNS)
    number = re.compile(r"^(0|[1-9]\d*)(\.\d{0,3}[1-9])?$")  # 1, 0.3362, 465.3704; no 1.0
    integer = re.compile(r"^(0|[1-9]\d*)$")
    cells = [line.split(",") for line in lines[1:]]
    assert len(cells) == len(GRIDS) * 7
    for _, ds, _, yhat, lo, hi in cells:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", ds)
        assert number.match(yhat), yhat
        # Whole-number ends, except an upper end that is the forecast itself (below one case).
        assert integer.match(lo) and (integer.match(hi) or hi == yhat), (lo, hi, yhat)
        assert float(lo) <= float(yhat) <= float(hi)
    back = pd.read_csv(out, encoding="utf-8-sig")
    np.testing.assert_allclose(back["yhat"], run.forecasts["yhat"].round(4), atol=0)
    assert (back["yhat"] == back["yhat"].round(4)).all()
