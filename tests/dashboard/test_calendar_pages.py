"""Pages say when working-day deadlines rest on statutory holidays only (no 调休 known)."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

import pytest
import streamlit

from caselog import open_store
from tests.dashboard.conftest import open_page
from tests.metrics.metrics_factory import insert, make_case, make_grid

WD = 'name = "wd"\ncalendar = "working_days"\n[deadline_working_days]\ngeneral = 3\n'
NOTICE = '[workdays]\nholidays = ["2031-01-22..2031-01-28"]\nworking = ["2031-01-18"]\n'
ZH = "2031 年：仅按法定节假日计算工作日，调休上班日尚未公布"
EN = "2031: statutory holidays only; 调休 make-up days not yet published"


@pytest.fixture(scope="module")
def city_2031(tmp_path_factory):
    """Two streets' cases reported in March 2031 (no 调休 published for it), some still open;
    written directly, as loading refuses cases reported after today."""
    url = f"duckdb:///{tmp_path_factory.mktemp('city_2031') / 'city.duckdb'}"
    engine = open_store(url)
    places = [("东华门街道", "G1"), ("景山街道", "G2")]
    rows = [
        make_case(
            street=street,
            grid_id=grid,
            reported_at=datetime(2031, 3, 3 + day, 9),
            closed_at=datetime(2031, 3, 6 + day, 9) if day % 2 else None,
        )
        for day in range(20)
        for street, grid in places
    ]
    grids = [make_grid(grid, 100, street=street) for street, grid in places]
    insert(engine, rows, grid_rows=grids)
    engine.dispose()
    return url


def _upload(monkeypatch, text: str | None) -> None:
    body = text.encode() if text else b""
    file = SimpleNamespace(size=len(body), getvalue=lambda: body)
    monkeypatch.setattr(
        streamlit,
        "file_uploader",
        lambda *a, key=None, **k: file if key == "rules_file" and text else None,
    )


def _captions(at) -> list[str]:
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    return [c.value for c in at.caption]


@pytest.mark.parametrize(("lang", "note"), [("zh", ZH), ("en", EN)])
def test_the_ranking_says_its_year_has_no_published_make_up_days(
    city_2031, monkeypatch, lang, note
):
    _upload(monkeypatch, WD)
    at = open_page(city_2031, monkeypatch, "assessment", lang, period="2031-03", level="street")
    assert note in _captions(at)


def test_supervision_says_so_too(city_2031, monkeypatch):
    _upload(monkeypatch, WD)
    at = open_page(city_2031, monkeypatch, "supervision")
    notes = [c for c in _captions(at) if c.endswith("仅按法定节假日计算工作日，调休上班日尚未公布")]
    assert notes == [ZH]


@pytest.mark.parametrize("text", [None, WD + NOTICE])
def test_no_note_without_working_days_or_with_the_city_notice(city_2031, monkeypatch, text):
    _upload(monkeypatch, text)
    for page in ("assessment", "supervision"):
        at = open_page(city_2031, monkeypatch, page, period="2031-03", level="street")
        assert not [c for c in _captions(at) if "调休上班日尚未公布" in c], page
