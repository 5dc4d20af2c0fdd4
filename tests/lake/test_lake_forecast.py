"""What ``forecast --engine`` plans to fit on Spark, the settings the lake carries, its error lines."""

from __future__ import annotations

from datetime import date

import numpy as np

from caselog import open_store
from forecasting.series import Panel
from forecasting.tuning import save_setting
from lake.export import export_lake
from lake.forecast import _plan, _reason
from tests.metrics.metrics_factory import insert
from tests.metrics.test_metrics_golden import golden_grids, golden_ratings, golden_rows


def _panels(**units: int) -> dict[str, Panel]:
    return {
        level: Panel(
            np.array([f"u{i}" for i in range(n)], dtype=object), date(2025, 1, 1), np.zeros((n, 9))
        )
        for level, n in units.items()
    }


def test_auto_fits_the_level_and_the_coarser_level_it_shares_down_from():
    panels = _panels(grid=500, community=80, street=12, district=2, city=1)
    params = {"ensemble": {"holidays": True, "country": "CN"}}
    jobs = _plan(panels, "grid", "auto", params, max_units=60)
    # 500 grids: the fast candidates only (TSB); 80 communities are too many for Prophet,
    # so the twelve streets are forecast with every candidate and shared down
    assert jobs == {
        "grid": [("tsb", {})],
        "street": [
            ("tsb", {}),
            ("ets", {}),
            ("prophet", {}),
            ("prophet", {"holidays": True, "country": "CN"}),
        ],
    }
    assert _plan(panels, "district", "ets", params, max_units=60) == {"district": [("ets", {})]}
    assert _plan(panels, "grid", "wmean", params, max_units=60) == {"grid": []}
    assert list(_plan(panels, "city", "auto", params, max_units=60)) == ["city"]


def test_the_lake_carries_the_units_saved_forecast_settings(tmp_path):
    engine = open_store(f"duckdb:///{tmp_path / 'store.duckdb'}")
    insert(engine, golden_rows(), golden_ratings(), golden_grids())
    save_setting(engine, "street", "东城区/东华门街道", "ets", {"trend": "N"})
    manifest = export_lake(engine, tmp_path / "lake")
    engine.dispose()
    assert manifest.tuned == {
        "street": {"东城区/东华门街道": {"model": "ets", "params": {"trend": "N"}}}
    }


def test_an_executors_python_error_is_its_last_line():
    worker = (
        "\n  An exception was thrown from the Python worker. Please see the stack trace below.\n"
        "[PYTHON_EXCEPTION] An exception was thrown from the Python worker: Traceback (most "
        'recent call last):\n  File "/w/forecasting/alerts.py", line 20, in <module>\n'
        "    import pandas as pd\nModuleNotFoundError: No module named 'pandas'\n SQLSTATE: 38000"
    )
    assert _reason(Exception(worker)) == "ModuleNotFoundError: No module named 'pandas'"
    assert _reason(Exception("[INTERNAL] the session is gone\n at org.apache")) == (
        "[INTERNAL] the session is gone"
    )


def test_a_forecast_by_category_on_spark_is_one_sentence(tmp_path, capsys):
    from gridpulse.cli import main

    argv = ["forecast", "--level", "district", "--by", "category", "--horizon", "7"]
    argv += ["--out", str(tmp_path / "f.csv"), "--engine", "sc://127.0.0.1:1", "--lake", "x"]
    assert main(["--db", f"duckdb:///{tmp_path / 's.duckdb'}", *argv]) != 0
    err = capsys.readouterr().err.strip()
    assert err.splitlines() == [err.splitlines()[-1]] and "not on Spark" in err
    assert not (tmp_path / "f.csv").exists()
