"""Loads from the app (upload, sample city) compute the pages' opening tables afterwards."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from streamlit.testing.v1 import AppTest

import services.sample
from caselog import open_store
from caselog.ingest import ingest_files
from dashboard import upload
from gridpulse import cli
from metrics import assess
from metrics.cube import cache
from metrics.cube.warm import WARMED_LEVELS
from metrics.selection import Selection

ROOT = Path(__file__).resolve().parents[2]
CASES = (
    "case_id,reported_at,category,district,street,grid_id,source,status,备注\n"
    + "".join(
        f"C{i},2025-{1 + i % 12:02d}-{1 + i % 28:02d} 09:00,市容环境,东城区,"
        f"{'东华门街道' if i % 2 else '景山街道'},G{i % 5},hotline,{'closed' if i % 3 else 'open'},\n"
        for i in range(48)
    )
    + "C48,2025-12-31 18:00,市容环境,东城区,景山街道,G0,app,open,\n"
)


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "SLOW", 0.0)  # keep every result, however fast
    (tmp_path / "cases.csv").write_text(CASES, encoding="utf-8")
    return f"duckdb:///{tmp_path / 'app.duckdb'}", tmp_path / "cases.csv"


def _answered_from_cache(url: str, hits: list[bool]) -> None:
    reader = open_store(url, read_only=True)
    try:
        for period in ("2025-12", "2025"):
            for by in WARMED_LEVELS:
                hits.clear()
                assess(reader, Selection.build(by, period))
                assert hits and all(hits), (by, period)
    finally:
        reader.dispose()


class _Upload(SimpleNamespace):
    def getvalue(self) -> bytes:
        return self.data


def test_an_upload_warms_the_pages_tables(store, monkeypatch, cache_hits):
    url, csv = store
    texts = []
    bar = SimpleNamespace(progress=lambda share, text=None: texts.append(text), empty=lambda: 0)
    monkeypatch.setattr(upload.st, "progress", lambda *a, **k: bar)
    for attr in ("subheader", "caption", "error", "warning", "success", "dataframe"):
        monkeypatch.setattr(upload.st, attr, lambda *a, **k: None)
    infos = []
    monkeypatch.setattr(upload.st, "info", lambda text, **k: infos.append(text))
    picked = _Upload(name="cases.csv", size=csv.stat().st_size, data=csv.read_bytes())
    cols = [
        SimpleNamespace(file_uploader=lambda *a, key, **k: picked if key == "up_cases" else None)
        for _ in range(3)
    ]
    monkeypatch.setattr(upload.st, "columns", lambda n: cols)
    monkeypatch.setattr(upload.st, "button", lambda *a, **k: True)
    open_store(url).dispose()

    upload.upload_form(url, "zhang.san")

    engine = open_store(url, read_only=True)
    with engine.connect() as conn:  # the load names the signed-in account that made it
        assert conn.exec_driver_sql("SELECT loaded_by FROM ingest_log").scalars().all() == [
            "zhang.san"
        ]
    engine.dispose()
    assert infos == ["cases.csv 中这些列未被读取（列名不在规范列中，或映射文件未引用）：备注"]
    assert "准备页面数据 · street 2025-12" in texts
    assert texts[-1] == "导入完成"
    _answered_from_cache(url, cache_hits)


def test_the_sample_city_button_warms_the_pages_tables(store, monkeypatch, cache_hits):
    url, csv = store

    def small_city(engine, *_, **__):  # the real city takes a minute; same code path
        return ingest_files(engine, [csv])

    monkeypatch.setattr(services.sample, "build_sample_store", small_city)
    monkeypatch.setenv("GRIDPULSE_DB", url)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.session_state["db_url"] = url
    at.run()
    at.button(key="build_sample").click().run()
    assert not at.exception
    _answered_from_cache(url, cache_hits)


def test_the_start_commands_sample_build_warms_the_pages_tables(
    store, monkeypatch, capsys, cache_hits
):
    url, csv = store
    monkeypatch.setattr(
        services.sample,
        "build_sample_store",
        lambda engine, *_, **__: ingest_files(engine, [csv]),
    )
    assert cli.main(["--db", url, "sample", "--load", "--if-empty"]) == 0
    assert "pages' tables for 2025-12, 2025 computed in" in capsys.readouterr().err
    _answered_from_cache(url, cache_hits)
    assert cli.main(["--db", url, "sample", "--load", "--if-empty"]) == 0  # not loaded again
    assert "already holds 49 cases" in capsys.readouterr().out
