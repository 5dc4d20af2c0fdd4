"""Forecasting accuracy and speed: the figures quoted in docs/forecasting.md.

Run from the repository root:

    .venv/bin/python benchmarks/bench_forecast.py [sample] [sim] [guangzhou] [boston] [category]

* ``sample``    the synthetic city (sample_data.generate_city, 2,000 grids × 3 years),
                loaded with caselog.ingest; the whole grid run (backtest, auto choice,
                reconciliation, saving) is timed, and Prophet per grid on a subset.
* ``sim``       2,000 denser simulated grids (median 1.5 cases a day, China's holidays).
* ``guangzhou`` 25,000 simulated grids × 3 years (median 0.3 a day), the time of a run.
* ``category``  the sample city's forecasts by category (``forecast --by category``, what
                scripts/start.sh adds at first start): the district × category run written
                as the command line writes it, next to the plain district run in the same
                process (not in the default set).
* ``boston``    the real Boston 311 log (teama files, 2014–2023): neighborhoods and city;
                its store's zone is America/New_York, so the models use US federal holidays.

Horizon 28 days, three cutoffs 28 days apart. Accuracy is out of sample: the run's last
window, forecast by each unit's choice on the two windows before it (the run's own
``out_of_sample`` scores, forecasting.outofsample), next to the seasonal naive and the
4-week weekday mean on the same days; the candidates' table is each model's own backtest
(a fixed model's backtest is out of sample; only a choice among them is not).
"Poisson floor" is the WAPE a perfect expected count would still have if counts were
Poisson. "level-oracle gain" is what a forecast knowing each unit's true mean over each
window would gain: where a unit has a few cases a day or fewer, about the most any forecast
of expected counts can gain; "weekday-oracle gain" also knows the level's actual weekday
pattern in each window. "Poisson-ceiling gain" is the most any forecast could gain if the
counts were Poisson around auto's forecast.
The longer nested evaluation (three scored windows, each chosen on three before) is
``bench_forecast_eval.py``.
Prints markdown tables.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_forecast_data import load_boston, simulate_city

from caselog import open_store
from forecasting.backtest import backtest
from forecasting.forecaster import forecast_hierarchy
from forecasting.losses import evaluate
from forecasting.models import predict
from forecasting.runs import save_run
from forecasting.series import extract_panel

HORIZON = 28


def _table(rows: list[dict], title: str) -> None:
    print(f"\n### {title}\n")
    frame = pd.DataFrame(rows)

    def cell(value) -> str:
        if isinstance(value, float | np.floating):
            return f"{value:,.3f}" if abs(value) < 1000 else f"{value:,.0f}"
        return str(value)

    print("| " + " | ".join(frame.columns) + " |")
    print("|" + "---|" * len(frame.columns))
    for row in frame.itertuples(index=False):
        print("| " + " | ".join(cell(v) for v in row) + " |")
    sys.stdout.flush()


def _snaive(engine, level: str):
    panel = extract_panel(engine, level)
    return backtest(panel, lambda tr, h: predict("snaive", tr, h), HORIZON, 3, model="snaive")


def _level_oracle(y: np.ndarray) -> float:
    """WAPE of a forecast that knew each unit's actual mean over each window: a ceiling for
    any forecast of expected counts that is flat within the window (no weekday or holiday
    pattern)."""
    mean = np.broadcast_to(y.mean(axis=2, keepdims=True), y.shape)
    return float(np.abs(y - mean).sum() / max(y.sum(), 1e-9))


def _weekday_oracle(y: np.ndarray) -> float:
    """WAPE of a forecast that knew each unit's mean over each window and the level's actual
    weekday pattern in that window (the units' summed counts): a ceiling that lets a forecast
    have a weekday shape."""
    flat = y.mean(axis=2, keepdims=True)
    total = y.sum(axis=0)  # cutoffs × horizon
    yhat = np.empty(y.shape)
    for c in range(y.shape[1]):
        profile = np.array([total[c, d::7].mean() for d in range(7)])
        profile = profile / max(profile.mean(), 1e-9)
        yhat[:, c, :] = flat[:, c, :] * np.resize(profile, y.shape[2])
    return float(np.abs(y - yhat).sum() / max(y.sum(), 1e-9))


def _abs_normal(mu: np.ndarray, var: np.ndarray) -> np.ndarray:
    """E|X| for X ~ N(mu, var)."""
    from scipy import stats

    sd = np.sqrt(np.maximum(var, 1e-12))
    return sd * np.sqrt(2 / np.pi) * np.exp(-(mu**2) / (2 * sd**2)) + mu * (
        1 - 2 * stats.norm.cdf(-mu / sd)
    )


def _poisson_ceiling(lam: np.ndarray) -> float:
    """The most any forecast could gain over the weekly seasonal naive if each day's count
    were Poisson around ``lam`` (units × cutoffs × horizon; the naive's count a week before
    around the intensity a week before): E|Y − λ| against E|Y − Y₋₇|."""
    from scipy import stats

    lam = np.clip(lam, 1e-9, None)
    lag = np.concatenate([lam[:, :, :7], lam[:, :, :-7]], axis=2).reshape(-1)
    lam = lam.reshape(-1)
    small = np.maximum(lam, lag) <= 30
    ours, naive = _abs_normal(0 * lam, lam), _abs_normal(lam - lag, lam + lag)
    k, d = np.arange(0, 91), np.arange(-90, 91)
    where = np.flatnonzero(small)
    for part in np.array_split(where, max(1, len(where) // 100_000)):  # bounded memory:
        mu, mu7 = lam[part][:, None], lag[part][:, None]  # 25,000 grids need 2 M rows
        ours[part] = (stats.poisson.pmf(k[None, :], mu) * np.abs(k[None, :] - mu)).sum(axis=1)
        naive[part] = (stats.skellam.pmf(d[None, :], mu, mu7) * np.abs(d)[None, :]).sum(axis=1)
    return float(1 - ours.sum() / naive.sum())


def run_city(engine, label: str, level: str = "grid", prophet_subset: int = 0) -> None:
    """Time a full run at ``level`` and print accuracy per level against the seasonal naive."""
    started = time.perf_counter()
    forecast = forecast_hierarchy(engine, level, HORIZON)
    fitted = time.perf_counter() - started
    run = save_run(engine, forecast, 80)
    with tempfile.TemporaryDirectory() as tmp:
        run.forecasts.to_csv(os.path.join(tmp, "f.csv"), index=False)
    total = time.perf_counter() - started
    n = len(forecast.base.ids)
    print(f"\n## {label}\n")
    print(f"{n:,} {level} units, {forecast.base.backtest.y.shape[1]} cutoffs, horizon {HORIZON}.")
    print(f"Run time: {total:.1f} s in all ({fitted:.1f} s extracting, backtesting, choosing and")
    print(f"reconciling; {total - fitted:.1f} s saving the run and writing the CSV).")
    chosen = run.scores["chosen"]
    print("\nChosen models: " + ", ".join(f"{k} {v}" for k, v in sorted(chosen.items())))

    rows = []
    for name, test in forecast.base.candidates.items():
        scores = evaluate(test.to_frame(), by=None).iloc[0]
        rows.append({"model": name, **scores.to_dict()})
    _table(rows, f"{label}: each candidate alone at {level} level (3 × 28-day windows)")

    rows = []
    for lv, result in forecast.levels.items():
        snaive = _snaive(engine, lv)
        base = evaluate(snaive.to_frame(), by=None).iloc[0]
        oos = forecast.out_of_sample[lv]
        rows.append(
            {
                "level": lv,
                "units": len(result.ids),
                "cases/day/unit": result.backtest.y.mean(),
                "window (out of sample)": oos["window"],
                "snaive WAPE": oos["snaive_wape"],
                "auto WAPE": oos["wape"],
                "auto / snaive": oos["ratio_snaive"],
                "auto / wmean": oos["ratio_wmean"],
                "Poisson floor": oos["poisson_floor"],
                "auto / floor": oos["wape"] / max(oos["poisson_floor"], 1e-12),
                "level oracle": oos["level_oracle"],
                "cov80": oos["cov80"],
                "level-oracle gain (3 windows)": 1
                - _level_oracle(result.backtest.y) / base["wape"],
                "weekday-oracle gain (3 windows)": 1
                - _weekday_oracle(result.backtest.y) / base["wape"],
                "Poisson-ceiling gain (3 windows)": _poisson_ceiling(result.backtest.yhat),
            }
        )
    _table(
        rows,
        f"{label}: auto (bottom-up above {level}) vs weekly seasonal naive, out of sample "
        "(last window; models chosen on the two before)",
    )

    if prophet_subset:
        panel = extract_panel(engine, level)
        subset = panel.select(np.arange(min(prophet_subset, len(panel.ids))))
        began = time.perf_counter()
        backtest(subset, lambda tr, h: predict("prophet", tr, h), HORIZON, 3, model="prophet")
        predict("prophet", subset, HORIZON)
        per_grid = (time.perf_counter() - began) / len(subset.ids)
        ours = total / n
        _table(
            [
                {
                    "approach": f"Prophet per {level} (3 backtest fits + 1), {len(subset.ids)}",
                    "s per unit": per_grid,
                    f"projected for {n:,}": per_grid * n,
                },
                {
                    "approach": "this pipeline (whole run, all levels)",
                    "s per unit": ours,
                    f"projected for {n:,}": total,
                },
                {
                    "approach": "ratio Prophet-per-unit / pipeline",
                    "s per unit": per_grid / ours,
                    f"projected for {n:,}": per_grid * n / total,
                },
            ],
            f"{label}: Prophet on every {level} vs the pipeline",
        )


def _sample_store(store_dir: Path, name: str):
    """A store in ``store_dir`` holding the sample city (2,000 grids × 3 years, seed 42)."""
    from services.sample import build_sample_store

    engine = open_store(f"duckdb:///{store_dir / f'{name}.duckdb'}")
    began = time.perf_counter()
    summary = build_sample_store(engine, store_dir / name, grids=2000, years=3, seed=42)
    print(
        f"\nSample city generated and ingested in {time.perf_counter() - began:.0f} s "
        f"({summary.cases.inserted:,} cases)."
    )
    return engine


def sample_city(store_dir: Path) -> None:
    engine = _sample_store(store_dir, "sample")
    run_city(engine, "Synthetic sample city (sample_data, 2,000 grids × 3 years)", "grid", 60)
    engine.dispose()


def by_category(store_dir: Path) -> None:
    """Time ``forecast --by category`` at district level on the sample city next to the plain
    district run, with the runs' out-of-sample scores."""
    from forecasting.runs import write_forecast

    engine = _sample_store(store_dir, "category")
    # Untimed: the first fit in a process imports Prophet and statsforecast and compiles
    # their numba code; neither run below should carry that alone.
    forecast_hierarchy(engine, "city", HORIZON)
    rows = []
    for level in ("district",):
        for by in ("category", None):
            started = time.perf_counter()
            run = write_forecast(engine, level, HORIZON, store_dir / "f.csv", by=by)
            seconds = time.perf_counter() - started
            oos = run.scores["out_of_sample"].get(level, {})
            rows.append(
                {
                    "run": f"{level} × category" if by else f"{level} (plain)",
                    "series": run.forecasts["unique_id"].nunique(),
                    "seconds (fit, save, CSV)": seconds,
                    "auto WAPE": oos.get("wape", float("nan")),
                    "auto / snaive": oos.get("ratio_snaive", float("nan")),
                    "auto / wmean": oos.get("ratio_wmean", float("nan")),
                    "cov80": oos.get("cov80", float("nan")),
                }
            )
    _table(
        rows,
        "Sample city (2,000 grids × 3 years): forecasts by category vs the plain run, "
        "28 days, out of sample (last window)",
    )
    engine.dispose()


def simulated(store_dir: Path, grids: int, median: float, label: str, subset: int) -> None:
    engine = open_store(f"duckdb:///{store_dir / f'sim{grids}.duckdb'}")
    seconds = simulate_city(engine, grids, 3, median_rate=median)
    print(f"\nSimulated {grids:,} grids in {seconds:.0f} s.")
    run_city(engine, label, "grid", subset)
    engine.dispose()


def boston(store_dir: Path) -> None:
    engine = open_store(f"duckdb:///{store_dir / 'boston.duckdb'}")
    cases = load_boston(engine)
    print(f"\nBoston 311: {cases:,} cases loaded with sample_data/mappings/boston311.toml.")
    run_city(engine, "Boston 311 neighborhoods (real, 2014–2023)", "district")
    engine.dispose()


def main(argv: list[str]) -> int:
    wanted = set(argv) or {"sample", "sim", "guangzhou", "boston"}
    with tempfile.TemporaryDirectory() as tmp:
        store_dir = Path(tmp)
        print(
            f"# Forecasting benchmark ({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores)"
        )
        if "boston" in wanted:
            boston(store_dir)
        if "sample" in wanted:
            sample_city(store_dir)
        if "sim" in wanted:
            simulated(store_dir, 2000, 1.5, "Simulated dense city (2,000 grids, median 1.5/day)", 0)
        if "category" in wanted:
            by_category(store_dir)
        if "guangzhou" in wanted:
            simulated(store_dir, 25_000, 0.3, "Guangzhou scale (25,000 grids × 3 years)", 100)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
