"""A department account (条) in the app: every page, table, figure and download holds its own
cases (primary or assisting) only, never another department's cases, ratings or counts."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import accounts
from caselog import open_store
from caselog.ingest import ingest_files
from tests.conftest import sample_store
from tests.dashboard import test_access
from tests.dashboard.conftest import ROOT, open_page
from tests.dashboard.test_access import page_text

directory = test_access.directory  # an accounts database of the test's own
downloads = test_access.downloads  # (file name, bytes) of every download a run offers

PERIOD = "2025-11"
ME = "市政市容委"  # the sample city's busiest department
OTHER = "深海打捞专班"  # never on a case of ME
THIRD = "联合保障专班"  # primary on cases ME assists; its figures and ratings are not ME's
PASSWORD = "department-pass-1"
PAGES = ("overview", "assessment", "supervision", "departments", "trends", "grid_map")


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """A small sample city plus OTHER's cases (some overdue) and THIRD's cases that ME
    assists on, all rated; the cases and ratings as loaded, for plain pandas sums."""
    folder = tmp_path_factory.mktemp("dept_city")
    url = sample_store(folder, grids=20, years=1, cases_per_year=3000, seed=5)
    base = pd.read_csv(folder / "cases.csv", dtype=str, keep_default_na=False)
    month = base[base["reported_at"].str.startswith(PERIOD) & (base["status"] != "cancelled")]
    assisted = base["assist_departments"].str.split(";").map(lambda d: ME in d)
    free = month[(month["department"] != ME) & ~assisted[month.index]]
    other = free.head(40).copy()
    other["case_id"] = [f"ZZOTHER{i:05d}" for i in range(len(other))]
    other["department"], other["assist_departments"] = OTHER, ""
    opened = other.index[:15]  # open and overdue: red cards of OTHER in the city's view
    for col in ("resolved_at", "closed_at", "solved", "satisfaction"):
        other.loc[opened, col] = ""
    other.loc[opened, "status"] = "dispatched"
    shared = free.iloc[40:65].copy()
    shared["case_id"] = [f"ZZSHARED{i:04d}" for i in range(len(shared))]
    shared["department"], shared["assist_departments"] = THIRD, ME
    extra = pd.concat([other, shared])
    extra.to_csv(folder / "extra.csv", index=False)
    rated = [(cid, OTHER, 13) for cid in other["case_id"]]
    rated += [(cid, THIRD, 17) for cid in shared["case_id"]]
    rated += [(cid, ME, 88) for cid in shared["case_id"][:10]]
    ratings = pd.DataFrame(rated, columns=["case_id", "department", "score"])
    ratings["rated_at"] = "2025-11-28 10:00:00"
    ratings.to_csv(folder / "extra_ratings.csv", index=False)
    engine = open_store(url)
    ingest_files(engine, [folder / "extra.csv"], ratings=[folder / "extra_ratings.csv"])
    engine.dispose()
    every = pd.concat([base, extra])
    all_ratings = pd.concat([pd.read_csv(folder / "ratings.csv", dtype={"score": float}), ratings])
    return url, every, all_ratings


def _mine(cases: pd.DataFrame) -> pd.DataFrame:
    """ME's non-cancelled cases of PERIOD, primary or assisting, in plain pandas."""
    assisted = cases["assist_departments"].str.split(";").map(lambda d: ME in d)
    inside = cases["reported_at"].str.startswith(PERIOD) & (cases["status"] != "cancelled")
    return cases[inside & ((cases["department"] == ME) | assisted)]


@pytest.fixture
def account(directory):
    return accounts.add_account(directory, "szsr", "department", None, PASSWORD, "", ME)


def _files_text(files: list[tuple[str, bytes]]) -> str:
    """Every downloaded file as text: CSVs decoded, workbooks' every sheet as CSV."""
    parts = []
    for name, payload in files:
        if name.endswith(".xlsx"):
            sheets = pd.read_excel(io.BytesIO(payload), sheet_name=None, header=None)
            parts += [sheet.to_csv() for sheet in sheets.values()]
        else:
            parts.append(payload.decode("utf-8-sig"))
    return "\n".join(parts)


def _leaks(text: str) -> list[str]:
    return [w for w in (OTHER, "ZZOTHER") if w in text]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("level", ["department", "street", "grid"])
def test_no_page_or_download_shows_another_departments_cases(
    city,
    monkeypatch,
    account,
    downloads,
    page,
    level,
):
    url, _, _ = city
    at = open_page(
        url,
        monkeypatch,
        page,
        account=account,
        level=level,
        period=PERIOD,
        map_measure="map_overdue",
    )
    assert not at.exception, at.exception
    text = page_text(at)
    assert ME in text  # the caption names whose cases are shown
    assert "party" not in text  # the scope's key is code, not words on a Chinese page
    assert not _leaks(text), f"{page} by {level} shows {_leaks(text)}"
    assert not _leaks(_files_text(downloads)), f"a download of {page} by {level}"
    if page == "departments":  # its own row; THIRD's figures and ratings are not listed
        assert THIRD not in text
        coop = at.dataframe[0].value
        assert len(coop) == 1 and coop.iloc[0, 0] == ME
    if page == "assessment" and level == "department":
        assert THIRD not in text
        assert "排名" not in at.dataframe[0].value.columns


def test_figures_equal_plain_sums_over_its_own_cases(
    city,
    monkeypatch,
    account,
    downloads,
):
    url, cases, ratings = city
    mine = _mine(cases)
    primary = mine[mine["department"] == ME]
    at = open_page(url, monkeypatch, "overview", account=account, level="street", period=PERIOD)
    shown = {m.label: m.value for m in at.metric}
    assert shown["受理量"] == f"{len(mine):,}"
    assert len(mine) > len(primary) > 0  # assisting cases count in its own figures

    at = open_page(url, monkeypatch, "departments", account=account, period=PERIOD)
    row = at.dataframe[0].value.iloc[0]
    assert row["受理量"] == len(primary)
    assisted = len(mine) - len(primary)
    assert row["协办案件数"] == assisted
    own = ratings[(ratings["department"] == ME) & ratings["case_id"].isin(mine["case_id"])]
    assert row["评价数"] == len(own) > 0

    at = open_page(url, monkeypatch, "trends", account=account, period=PERIOD)
    assert at.dataframe[-1].value["本期"].sum() == len(mine)  # the rising categories
    at = open_page(url, monkeypatch, "grid_map", account=account, period=PERIOD)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    z = spec["data"][0]["z"]  # plotly packs numbers as typed base64 bytes
    drawn = np.frombuffer(base64.b64decode(z["bdata"]), z["dtype"]) if "bdata" in z else z
    assert np.nansum(np.asarray(drawn, float)) == len(mine)

    downloads.clear()
    open_page(url, monkeypatch, "assessment", account=account, level="street", period=PERIOD)
    files = dict(downloads)
    table = pd.read_csv(io.BytesIO(files[f"assessment_street_{PERIOD}.csv"]))
    want = mine.groupby("street").size()
    assert dict(zip(table["street"], table["cases"], strict=True)) == want.to_dict()


def test_forecasts_and_the_data_page_are_closed_to_departments(
    city,
    monkeypatch,
    account,
):
    url, _, _ = city
    for page in ("forecasts", "data_overview"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            open_page(url, monkeypatch, page, account=account)
    at = open_page(url, monkeypatch, "grid_map", account=account, period=PERIOD)
    assert at.radio(key="map_measure").options == ["受理量", "当前超期未结（全部在办）"]
    at = open_page(url, monkeypatch, "overview", account=account, period=PERIOD)
    assert any("部门账号不显示" in c.value for c in at.caption)
    assert not any(df.value.columns.size and "激增强度" in df.value.columns for df in at.dataframe)
    at = AppTest.from_file(str(ROOT / "dashboard" / "pages" / "forecasts.py"))
    at.session_state["db_url"] = url
    at.session_state["account"] = account
    at.run()
    assert [e.value for e in at.error] == ["此页面按区域统计所有部门的案件，部门账号不可用。"]
    assert not at.dataframe and not at.selectbox


def test_sign_in_and_downloads_are_audited(city, monkeypatch, directory, account):
    url, _, _ = city
    at = test_access._app(url, monkeypatch)
    at.session_state["period"] = PERIOD
    at.run()
    at.text_input(key="sign_in_user").input("szsr")
    at.text_input(key="sign_in_password").input(PASSWORD)
    at.button[0].click().run()
    assert at.session_state["account"] == account
    assert any(ME in c.value and "部门（条）" in c.value for c in at.sidebar.caption)
    at.switch_page("dashboard/pages/supervision.py").run()
    at.download_button(key="dl_overdue_department").click().run()
    log = accounts.recent(directory)
    assert list(zip(log["username"], log["action"], strict=True))[::-1] == [
        ("szsr", "sign_in"),
        ("szsr", "export"),
    ]
    detail = json.loads(log["detail"].iloc[0])
    assert detail["list"] == "overdue_by_department" and ME in detail["scope"]
