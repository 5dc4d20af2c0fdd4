"""Access by level in the app: sign-in, and a street account on every page and export.

The street account tries every other street (by the scope box's session value, and by
the level a street user may not rank); nothing of another street may reach the page.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

import accounts
import forecasting
import metrics
from caselog import open_store
from metrics.selection import Selection
from tests.dashboard.conftest import PERIOD, ROOT, open_page

PASSWORD = "street-pass-1"
FIGURES = {
    "departments": (
        "受理量",
        lambda e, scope: metrics.cooperation_table(
            e, Selection.build("department", PERIOD, scope=scope)
        )["cases"].sum(),
    ),
    "trends": (
        "本期",
        lambda e, scope: metrics.kpi_table(e, Selection.build("street", PERIOD, scope=scope))[
            "cases"
        ].sum(),
    ),
}
PAGES = ("overview", "assessment", "supervision", "departments", "trends", "grid_map", "forecasts")


@pytest.fixture(scope="module")
def tree(forecast_city):
    """The grid → community → street → district tree of the test city."""
    engine = open_store(forecast_city, read_only=True)
    yield forecasting.hierarchy(engine, "grid")
    engine.dispose()


@pytest.fixture
def directory(tmp_path, monkeypatch):
    """An accounts database of its own (the city's store is shared by other tests)."""
    url = f"sqlite:///{tmp_path / 'accounts.sqlite'}"
    monkeypatch.setenv("GRIDPULSE_ACCOUNTS_DB", url)
    engine = accounts.open_accounts(url)
    yield engine
    engine.dispose()


@pytest.fixture
def downloads(monkeypatch) -> list[tuple[str, bytes]]:
    """(file name, bytes) of every download button a page run offers."""
    saved: list[tuple[str, bytes]] = []
    original = MemoryMediaFileStorage.load_and_get_id

    def keep(self, path_or_data, mimetype, kind, filename=None):
        if kind.name == "DOWNLOADABLE":
            saved.append((filename, path_or_data))
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    return saved


def _mine(tree: pd.DataFrame) -> tuple[str, str]:
    district, street = tree["street"].iloc[0].split("/")
    return district, street


def _street_account(directory, tree) -> accounts.Account:
    district, street = _mine(tree)
    return accounts.add_account(directory, "dh", "street", f"{district}/{street}", PASSWORD)


def page_text(at: AppTest) -> str:
    """Everything a user can read on the page: text, tables, options and chart data."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning"):
        parts += [str(x.value) for x in getattr(at, kind)]
    parts += [str(x.value) for x in at.error] + [f"{m.label} {m.value}" for m in at.metric]
    for box in (*at.selectbox, *at.radio, *at.multiselect):
        parts += [str(o) for o in box.options]
    for frame in at.dataframe:
        parts.append(frame.value.to_csv())
    for chart in at.get("plotly_chart"):
        parts.append(json.dumps(json.loads(chart.proto.spec), ensure_ascii=False))
    return "\n".join(parts)


def _others(tree: pd.DataFrame) -> tuple[set[str], set[str]]:
    """Street names and grid ids outside my street."""
    district, street = _mine(tree)
    outside = tree[tree["street"] != f"{district}/{street}"]
    names = {s.split("/")[1] for s in outside["street"]} - {street}
    return names, set(outside["grid"])


@pytest.mark.parametrize("page", PAGES)
def test_a_street_account_sees_only_its_street_on_every_page(
    forecast_city, monkeypatch, directory, tree, page
):
    account = _street_account(directory, tree)
    other_names, other_grids = _others(tree)
    engine = open_store(forecast_city, read_only=True)
    want = FIGURES[page][1](engine, dict(account.scope)) if page in FIGURES else None
    engine.dispose()
    # a session that asks for each other street in turn (and a level it may not rank)
    for other in sorted(set(tree["street"]) - {account.scope_path}):
        at = open_page(
            forecast_city,
            monkeypatch,
            page,
            account=account,
            scope=other,
            level="district",
            period=PERIOD,
            map_measure="map_cases",
        )
        assert not at.exception, at.exception
        text = page_text(at)
        assert account.scope_path in text  # the caption names the scope shown
        if want is not None:  # pages that name no street: their figures are the street's
            assert at.dataframe[0].value[FIGURES[page][0]].sum() == want > 0
        leaked = [n for n in other_names if n in text]
        leaked += [g for g in other_grids if re.search(rf"(?<![\w-]){re.escape(g)}(?![\w-])", text)]
        assert not leaked, f"{page} asked for {other} shows {leaked[:5]}"
        assert at.session_state["scope"] == account.scope_path
        assert at.selectbox(key="_level_zh").options == ["社区(村)", "网格", "部门"]


def test_grid_map_draws_only_the_accounts_grids(forecast_city, monkeypatch, directory, tree):
    account = _street_account(directory, tree)
    at = open_page(forecast_city, monkeypatch, "grid_map", account=account, period=PERIOD)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    drawn = {f["properties"]["grid_id"] for f in spec["data"][0]["geojson"]["features"]}
    mine = set(tree.loc[tree["street"] == account.scope_path, "grid"])
    assert drawn == mine and drawn


def test_forecast_page_offers_only_levels_and_units_inside(
    forecast_city, monkeypatch, directory, tree
):
    account = _street_account(directory, tree)
    at = open_page(forecast_city, monkeypatch, "forecasts", account=account, fc_level="grid")
    assert at.selectbox(key="fc_level").options == ["网格", "社区(村)", "街道(乡镇)"]
    mine = set(tree.loc[tree["street"] == account.scope_path, "grid"])
    assert set(at.selectbox(key="fc_unit").options) == mine


def test_data_page_and_sample_build_are_for_city_accounts_only(
    forecast_city, monkeypatch, directory, tree
):
    account = _street_account(directory, tree)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        open_page(forecast_city, monkeypatch, "data_overview", account=account)
    for page in ("data_overview", "welcome"):  # run on their own, they refuse too
        at = AppTest.from_file(str(ROOT / "dashboard" / "pages" / f"{page}.py"))
        at.session_state["db_url"] = forecast_city
        at.session_state["account"] = account
        at.run()
        assert [e.value for e in at.error] == ["此页面仅对市级账户开放。"]
        assert not at.dataframe and not at.metric and not at.button


def test_exports_hold_only_the_street_and_are_audited(
    forecast_city, monkeypatch, directory, tree, downloads
):
    account = _street_account(directory, tree)
    at = open_page(
        forecast_city, monkeypatch, "assessment", account=account, level="grid", period=PERIOD
    )
    files = dict(downloads)
    csv = pd.read_csv(pd.io.common.BytesIO(files[f"assessment_grid_{PERIOD}.csv"]))
    mine = set(tree.loc[tree["street"] == account.scope_path, "grid"])
    assert set(csv["grid_id"]) <= mine and len(csv) > 0
    assert set(csv["street"]) == {account.street}
    xlsx = pd.read_excel(pd.io.common.BytesIO(files[f"assessment_grid_{PERIOD}.xlsx"]))
    assert len(xlsx) == len(csv)
    at.download_button(key="dl_csv").click().run()
    log = accounts.recent(directory)
    export = log[log["action"] == "export"]
    assert list(export["username"]) == ["dh"]
    detail = json.loads(export["detail"].iloc[0])
    assert detail == {
        "by": "grid",
        "period": PERIOD,
        "scope": account.scope_path,
        "file": f"assessment_grid_{PERIOD}.csv",
    }


def _app(url: str, monkeypatch) -> AppTest:
    monkeypatch.setenv("GRIDPULSE_DB", url)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.session_state["db_url"] = url
    return at


def test_sign_in_form_refuses_then_admits_and_sign_out_ends_it(
    forecast_city, monkeypatch, directory, tree
):
    account = _street_account(directory, tree)
    at = _app(forecast_city, monkeypatch).run()
    assert [x.value for x in at.title] == ["登录网格治理绩效看板"]
    assert not at.dataframe and not at.metric  # nothing of the city before signing in
    at.text_input(key="sign_in_user").input("dh")
    at.text_input(key="sign_in_password").input("wrong password")
    at.button[0].click().run()
    assert "登录失败" in at.error[0].value
    assert "account" not in at.session_state
    at.text_input(key="sign_in_password").input(PASSWORD)
    at.button[0].click().run()
    assert at.session_state["account"] == account
    assert [x.value for x in at.title] == ["城市总览"]
    assert any(account.scope_path in c.value for c in at.caption)
    at.button(key="sign_out").click().run()
    assert "account" not in at.session_state
    assert [x.value for x in at.title] == ["登录网格治理绩效看板"]
    log = accounts.recent(directory)
    assert list(zip(log["action"], log["ok"], strict=True))[::-1] == [
        ("sign_in", False),
        ("sign_in", True),
        ("sign_out", True),
    ]


def test_without_accounts_the_app_is_open_and_says_so(forecast_city, monkeypatch, directory):
    at = _app(forecast_city, monkeypatch).run()
    assert [x.value for x in at.title] == ["城市总览"]
    assert any("未设账户" in c.value for c in at.sidebar.caption)


OIDC = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "a-test-secret-of-enough-length",
        "client_id": "gridpulse",
        "client_secret": "secret",
        "server_metadata_url": "http://localhost:9/.well-known/openid-configuration",
    }
}


def test_identity_provider_users_map_onto_accounts(forecast_city, monkeypatch, directory, tree):
    district, street = _mine(tree)
    accounts.add_account(directory, "li@city.gov.cn", "street", f"{district}/{street}")
    at = _app(forecast_city, monkeypatch)
    at.secrets.update(OIDC)
    at.run()
    assert [b.label for b in at.button] == ["登录", "通过统一身份认证登录"]
    at.user = {"is_logged_in": True, "email": "LI@city.gov.cn", "name": "李"}
    at.run()
    assert at.session_state["account"].username == "li@city.gov.cn"
    assert at.session_state["account"].scope_path == f"{district}/{street}"
    assert [x.value for x in at.title] == ["城市总览"]

    stranger = _app(forecast_city, monkeypatch)
    stranger.secrets.update(OIDC)
    stranger.user = {"is_logged_in": True, "email": "someone@else.org"}
    stranger.run()
    assert "someone@else.org 没有看板账户" in stranger.error[0].value
    assert not stranger.dataframe and not stranger.metric
    log = accounts.recent(directory)
    assert list(zip(log["username"], log["ok"], log["detail"], strict=True))[::-1] == [
        ("li@city.gov.cn", True, "oidc"),
        ("someone@else.org", False, "oidc"),
    ]


def test_disabling_an_account_ends_its_sessions_at_the_next_click(
    forecast_city, monkeypatch, directory, tree
):
    account = _street_account(directory, tree)
    at = open_page(forecast_city, monkeypatch, "overview", account=account, period=PERIOD)
    assert [x.value for x in at.title] == ["城市总览"]
    accounts.set_disabled(directory, "dh")
    at.run()
    assert "account" not in at.session_state
    assert [x.value for x in at.title] == ["登录网格治理绩效看板"]
    assert not at.metric and not at.dataframe


def test_open_sessions_must_sign_in_once_the_first_account_exists(
    forecast_city, monkeypatch, directory, tree
):
    at = _app(forecast_city, monkeypatch).run()
    assert [x.value for x in at.title] == ["城市总览"]
    _street_account(directory, tree)
    at.run()
    assert [x.value for x in at.title] == ["登录网格治理绩效看板"]
    assert not at.metric and not at.dataframe


def test_supervision_lists_download_only_the_street_and_are_audited(
    forecast_city, monkeypatch, directory, tree, downloads
):
    account = _street_account(directory, tree)
    at = open_page(forecast_city, monkeypatch, "supervision", account=account)
    files = dict(downloads)
    assert "overdue_street.csv" in files
    by_street = pd.read_csv(pd.io.common.BytesIO(files["overdue_street.csv"]))
    assert set(by_street["street"]) == {account.street}
    for name in ("red_cards.csv", "yellow_cards.csv"):
        if name in files:
            cards = pd.read_csv(pd.io.common.BytesIO(files[name]))
            assert set(cards["street"]) <= {account.street}
    at.download_button(key="dl_overdue_street").click().run()
    export = accounts.recent(directory).query("action == 'export'")
    assert list(export["username"]) == ["dh"]
    assert json.loads(export["detail"].iloc[0]) == {
        "list": "overdue_by_street",
        "scope": account.scope_path,
        "file": "overdue_street.csv",
    }
