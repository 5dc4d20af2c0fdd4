"""``forecast --engine sc://… --lake DIR`` writes the embedded forecast's file, its models run on Spark."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from caselog import open_store
from forecasting.series import extract_panel
from gridpulse.cli import main
from lake.export import export_lake
from lake.forecast import _Counted, forecast_on_spark
from lake.manifest import NAME
from tests.conftest import sample_store
from tests.spark.test_spark_assess import _refused

HORIZON = "14"


@pytest.fixture(scope="module")
def city(tmp_path_factory, open_on_spark):
    """A generated city (one district, ten streets, 30 grids, a year) and its lake on Spark."""
    folder = tmp_path_factory.mktemp("forecast-city")
    url = sample_store(folder, grids=30, years=1, cases_per_year=3000)
    engine = open_store(url, read_only=True)
    export_lake(engine, folder / "lake")
    engine.dispose()
    return url, folder / "lake", open_on_spark(folder / "lake")


def _files(city, spark_url, tmp_path: Path, *args: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The forecast file written from the store, and the one written on Spark from the lake."""
    url, folder, _ = city
    argv = ["forecast", *args, "--horizon", HORIZON]
    assert main(["--db", url, *argv, "--out", str(tmp_path / "store.csv")]) == 0
    spark = ["--engine", spark_url, "--lake", str(folder), "--out", str(tmp_path / "spark.csv")]
    assert main([*argv, *spark]) == 0
    read = {"dtype": {"unique_id": str, "ds": str, "model": str}}
    return pd.read_csv(tmp_path / "store.csv", **read), pd.read_csv(tmp_path / "spark.csv", **read)


def _same(want: pd.DataFrame, got: pd.DataFrame) -> None:
    """Units, days and models exactly; the figures to float tolerance (4 written decimals)."""
    assert len(want) > 0
    keys = ["unique_id", "ds", "model"]
    pd.testing.assert_frame_equal(got[keys], want[keys])
    for column in ("yhat", "yhat_lo", "yhat_hi"):
        np.testing.assert_allclose(got[column], want[column], rtol=1e-6, atol=2e-4)


@pytest.mark.parametrize("level", ["district", "street"])
def test_auto_on_spark_writes_the_stores_forecast(city, spark_url, tmp_path, level):
    want, got = _files(city, spark_url, tmp_path, "--level", level)
    _same(want, got)
    assert set(got["unique_id"]) == set(want["unique_id"])
    assert len(got) == got["unique_id"].nunique() * int(HORIZON)
    if level == "street":  # ten streets: the per-series candidates (Prophet, ETS) take part
        assert got["unique_id"].nunique() == 10


def test_one_per_series_model_for_every_grid_on_spark(city, spark_url, tmp_path):
    want, got = _files(city, spark_url, tmp_path, "--level", "grid", "--model", "tsb")
    _same(want, got)
    assert set(got["model"]) == {"tsb"}


def test_the_series_counted_by_spark_are_the_stores(city):
    url, _, lake = city
    engine = open_store(url, read_only=True)
    try:
        for level in ("grid", "street", "city"):
            want, got = extract_panel(engine, level), extract_panel(_Counted(lake), level)
            assert list(got.ids) == list(want.ids)
            assert got.start == want.start
            np.testing.assert_array_equal(got.y, want.y)
    finally:
        engine.dispose()


def test_the_per_series_models_ran_on_the_executors(city):
    _, _, lake = city
    made = forecast_on_spark(lake, "street", 7, "ets")
    assert made.fitted_here == 0
    # ten streets, forecast from the history before each of three cutoffs and from all of it
    assert made.fitted_on_spark == 10 * 4
    assert set(made.frame["model"]) == {"ets"}


def test_bad_engine_or_lake_is_one_sentence(city, tmp_path, capsys):
    _, folder, _ = city
    with socket.socket() as free:  # a port nothing listens on
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    out = tmp_path / "f.csv"
    argv = ["forecast", "--level", "street", "--horizon", "7", "--out", str(out)]
    err = _refused([*argv, "--engine", f"sc://127.0.0.1:{port}", "--lake", str(folder)], capsys)
    assert "cannot be reached" in err
    err = _refused([*argv, "--engine", f"sc://127.0.0.1:{port}"], capsys)
    assert "go together" in err
    assert not out.exists()


def test_a_missing_or_other_versions_lake_is_one_sentence(city, spark_url, tmp_path, capsys):
    _, folder, _ = city
    out = tmp_path / "f.csv"
    argv = ["forecast", "--level", "street", "--horizon", "7", "--out", str(out)]
    err = _refused([*argv, "--engine", spark_url, "--lake", str(tmp_path / "nowhere")], capsys)
    assert "There is no GridPulse lake at" in err
    older = tmp_path / "older"
    shutil.copytree(folder, older)
    manifest = json.loads((older / NAME).read_text(encoding="utf-8"))
    manifest["gridpulse_lake"]["format"] = 0
    (older / NAME).write_text(json.dumps(manifest), encoding="utf-8")
    err = _refused([*argv, "--engine", spark_url, "--lake", str(older)], capsys)
    assert "exported by another version of GridPulse" in err
    assert not out.exists()
