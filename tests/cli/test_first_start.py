"""What scripts/start.sh runs after loading the sample city: a forecast run and surge alerts, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

import forecasting
from caselog import open_store
from tests.cli.test_cli import gridpulse


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("first_start")
    db = f"duckdb:///{folder / 'start.duckdb'}"
    city = ["--grids", "30", "--years", "2", "--cases-per-year", "3000", "--seed", "7"]
    done = gridpulse("sample", "--load", "--if-empty", "--out", str(folder / "city"), *city, db=db)
    assert done.returncode == 0, done.stderr
    # a surge in one grid over the last three days, so that the alerts (false-discovery
    # controlled) have something real to find
    engine = open_store(db, read_only=True)
    with engine.connect() as conn:
        last, grid = conn.execute(
            text("SELECT max(reported_at), min(grid_id) FROM cases WHERE grid_id IS NOT NULL")
        ).one()
    engine.dispose()
    surge = folder / "surge.csv"
    rows = [
        f"S{i},{(last - timedelta(days=i % 3)):%Y-%m-%d} 08:00,市容环境,{grid}" for i in range(60)
    ]
    surge.write_text("case_id,reported_at,category,grid_id\n" + "\n".join(rows), "utf-8")
    done = gridpulse("ingest", str(surge), db=db)
    assert done.returncode == 0, done.stderr
    return folder, db


def _stored(db: str) -> tuple[int, int]:
    engine = open_store(db, read_only=True)
    try:
        return len(forecasting.list_runs(engine)), len(forecasting.load_alerts(engine))
    finally:
        engine.dispose()


def test_forecast_and_alerts_are_made_once(loaded):
    folder, db = loaded
    out = str(folder / "forecast.csv")
    forecast = ["forecast", "--level", "grid", "--horizon", "14", "--out", out, "--if-none"]
    done = gridpulse(*forecast, db=db)
    assert done.returncode == 0, done.stderr
    # the injected surge is found: the second call must then keep the alerts
    done = gridpulse("alerts", "--level-pct", "50", "--if-none", db=db)
    assert done.returncode == 0, done.stderr
    runs, alerts = _stored(db)
    assert runs == 1 and alerts > 0
    assert done.stdout.strip() == f"saved {alerts:,} surge alerts of the last 7 days"

    again = gridpulse(*forecast, db=db)
    assert again.returncode == 0 and "already holds a forecast run" in again.stdout
    again = gridpulse("alerts", "--if-none", db=db)
    assert again.returncode == 0 and f"already holds {alerts:,} alerts" in again.stdout
    assert _stored(db) == (1, alerts)

    done = gridpulse("alerts", "--days", "3", db=db)  # without --if-none: a new window is saved
    assert done.returncode == 0, done.stderr
    saved = int(done.stdout.split()[1].replace(",", ""))
    assert _stored(db) == (1, alerts + saved)


def test_the_district_by_category_run_is_made_once_beside_the_grid_run(loaded):
    folder, db = loaded
    out = str(folder / "forecast_category.csv")
    step = ["forecast", "--level", "district", "--by", "category", "--horizon", "14"]
    done = gridpulse(*step, "--out", out, "--if-none", db=db)
    assert done.returncode == 0, done.stderr
    again = gridpulse(*step, "--out", out, "--if-none", db=db)
    assert again.stdout.strip() == "the store already holds a forecast run by category; none made."
    engine = open_store(db, read_only=True)
    try:
        assert len(forecasting.list_runs(engine, by="category")) == 1
        plain = forecasting.list_runs(engine)
    finally:
        engine.dispose()
    assert plain.empty or set(plain["level"]) == {"grid"}  # a run by category is not one of units


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["alerts", "--days", "0"], "--days must be a positive number"),
        (["alerts", "--level-pct", "100"], "--level-pct must be a percentage"),
    ],
)
def test_alert_errors_are_one_plain_sentence(loaded, args, words):
    _, db = loaded
    done = gridpulse(*args, db=db)
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0]


def test_alerts_on_a_missing_store_is_one_sentence(tmp_path):
    done = gridpulse("alerts", db=f"duckdb:///{tmp_path / 'none.duckdb'}")
    assert done.returncode == 1 and "there is no store at" in done.stderr
    assert not (tmp_path / "none.duckdb").exists()
