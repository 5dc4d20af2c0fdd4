"""End to end: signing in through an OpenID Connect provider (st.login) in headless Chromium.

A fake provider (tests/e2e/oidc_provider.py) runs on localhost; `streamlit run` gets an
[auth] section pointing at it through --secrets.files. The browser clicks the sign-in
button and follows the real redirects: /auth/login → the provider's /authorize →
/oauth2callback (Authlib redeems the code at /token and checks the RS256 id_token
against /jwks, with its nonce) → the app, which maps the e-mail onto an account.
"""

from __future__ import annotations

import importlib.util
import subprocess
from types import SimpleNamespace

import pytest

import accounts
import forecasting
from caselog import open_store
from tests.dashboard.conftest import _build
from tests.e2e.conftest import free_port, serve
from tests.e2e.oidc_provider import FakeProvider

SIGN_IN = "登录网格治理绩效看板"
OIDC_BUTTON = "通过统一身份认证登录"
EMAIL = "li.wang@city.example.org"  # the account's username
SEEN_AS = "Li.Wang@City.Example.org"  # what the provider reports (case differs)
STRANGER = "stranger@elsewhere.example.org"
TIMEOUT = 60_000


@pytest.fixture(scope="module")
def provider():
    fake = FakeProvider(client_id="gridpulse-e2e", client_secret="e2e-client-secret").start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def oidc_app(tmp_path_factory, provider):
    """The sample city served with one street account that signs in through the provider."""
    if importlib.util.find_spec("httpx") is None and importlib.util.find_spec("httpx2") is None:
        pytest.fail(
            "st.login's callback needs httpx (Authlib's Starlette client): install "
            "streamlit[auth]'s httpx alongside Authlib (requirements.txt)"
        )
    folder = tmp_path_factory.mktemp("e2e_oidc")
    store = _build(folder)
    engine = open_store(store)
    streets = forecasting.hierarchy(engine, "street")["street"].tolist()
    engine.dispose()
    scope = streets[0]
    others = {s.split("/")[1] for s in streets[1:]} - {scope.split("/")[1]}
    assert others, "the test city needs more than one street"

    accounts_db = f"sqlite:///{folder / 'accounts.sqlite'}"
    directory = accounts.open_accounts(accounts_db)
    accounts.add_account(directory, EMAIL, "street", scope, display_name="王丽")

    port = free_port()
    secrets = folder / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        'cookie_secret = "an-e2e-cookie-secret-of-enough-length"\n'
        f'client_id = "{provider.client_id}"\n'
        f'client_secret = "{provider.client_secret}"\n'
        f'server_metadata_url = "{provider.metadata_url}"\n',
        encoding="utf-8",
    )
    proc, address = serve(
        store,
        env={"GRIDPULSE_ACCOUNTS_DB": accounts_db, "NO_PROXY": "127.0.0.1,localhost"},
        args=("--secrets.files", str(secrets)),
        port=port,
    )
    yield SimpleNamespace(url=address, scope=scope, others=others, directory=directory)
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=20)
    # shown by pytest only when a test failed, e.g. Authlib's reason for a refused callback
    print("".join(proc.log))
    directory.dispose()


@pytest.fixture
def new_page(browser):
    """Fresh browser contexts (no cookies), closed after the test even when it fails."""
    opened = []

    def make():
        opened.append(browser.new_page(viewport={"width": 1400, "height": 1400}))
        return opened[-1]

    yield make
    for page in opened:
        page.close()


def _sign_in_through_provider(page, app, provider, email: str):
    """Open the sign-in page and click the provider button; the provider signs ``email`` in."""
    provider.email = email
    page.goto(app.url)
    page.get_by_role("heading", name=SIGN_IN).first.wait_for(timeout=TIMEOUT)
    before = len(provider.requests)
    with page.expect_response(lambda r: "/oauth2callback" in r.url, timeout=TIMEOUT) as back:
        page.get_by_role("button", name=OIDC_BUTTON).click()
    assert back.value.status == 302  # Streamlit sets its cookie and sends the browser home
    return page, provider.requests[before:]


def _settled(page) -> str:
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=\"stSpinner\"]').length === 0", timeout=TIMEOUT
    )
    page.wait_for_timeout(2000)
    text = page.inner_text("body")
    assert page.locator("[data-testid='stException']").count() == 0
    assert "Traceback" not in text
    return text


def _flow_was_real(requests, provider, app) -> None:
    """The browser went through /authorize; the server redeemed the code and fetched keys."""
    paths = [path for _, path, _ in requests]
    assert {"/authorize", "/token", "/jwks"} <= set(paths), paths
    authorize = next(params for _, path, params in requests if path == "/authorize")
    assert authorize["client_id"] == provider.client_id
    assert authorize["redirect_uri"] == f"{app.url}/oauth2callback"
    assert authorize["response_type"] == "code"
    assert "openid" in authorize["scope"].split() and "email" in authorize["scope"].split()
    assert authorize.get("nonce") and authorize.get("state")
    token = next(params for _, path, params in requests if path == "/token")
    assert token["grant_type"] == "authorization_code"


def test_a_provider_identity_signs_in_to_its_account_scope(new_page, oidc_app, provider):
    page, requests = _sign_in_through_provider(new_page(), oidc_app, provider, SEEN_AS)
    page.get_by_role("heading", name="城市总览").first.wait_for(timeout=TIMEOUT)
    caption = page.locator("[data-testid='stSidebar']").get_by_text("已登录：").first
    caption.wait_for(timeout=TIMEOUT)
    assert caption.inner_text().strip() == f"已登录：王丽（街道 · {oidc_app.scope}）"
    text = _settled(page)
    assert page.locator("[data-testid='stMetric']").count() > 0  # the street's figures
    assert SIGN_IN not in text
    leaked = sorted(name for name in oidc_app.others if name in text)
    assert not leaked, f"the overview of {oidc_app.scope} shows other streets: {leaked[:5]}"
    _flow_was_real(requests, provider, oidc_app)
    cookies = {c["name"] for c in page.context.cookies()}
    assert "_streamlit_user" in cookies

    log = accounts.recent(oidc_app.directory, username=EMAIL)
    signed = log[log["action"] == "sign_in"]
    assert list(zip(signed["ok"], signed["detail"], strict=True)) == [(True, "oidc")]

    # signing out ends the app session and the provider's cookie: a reload stays signed out
    with page.expect_response(lambda r: "/auth/logout" in r.url, timeout=TIMEOUT):
        page.get_by_role("button", name="退出登录").click()
    page.wait_for_load_state("load", timeout=TIMEOUT)  # /auth/logout sends the browser home
    page.get_by_role("heading", name=SIGN_IN).first.wait_for(timeout=TIMEOUT)
    assert "_streamlit_user" not in {c["name"] for c in page.context.cookies()}
    page.reload()
    page.get_by_role("heading", name=SIGN_IN).first.wait_for(timeout=TIMEOUT)
    page.get_by_role("button", name=OIDC_BUTTON).wait_for(timeout=TIMEOUT)
    assert "已登录" not in page.inner_text("body")
    log = accounts.recent(oidc_app.directory, username=EMAIL)
    assert log["action"].iloc[0] == "sign_out"


def test_a_provider_identity_without_an_account_sees_nothing(new_page, oidc_app, provider):
    page, requests = _sign_in_through_provider(new_page(), oidc_app, provider, STRANGER)
    error = page.get_by_test_id("stAlertContentError").filter(has_text="没有看板账户").first
    error.wait_for(timeout=TIMEOUT)
    assert STRANGER in error.inner_text()
    text = _settled(page)
    _flow_was_real(requests, provider, oidc_app)
    assert page.get_by_role("heading", name=SIGN_IN).count() == 1
    assert page.get_by_role("heading", name="城市总览").count() == 0
    for kind in ("stMetric", "stDataFrame", "stPlotlyChart", "stSidebarNav"):
        assert page.locator(f"[data-testid='{kind}']").count() == 0, kind
    assert not [n for n in oidc_app.others if n in text]
    assert oidc_app.scope.split("/")[1] not in text

    log = accounts.recent(oidc_app.directory, username=STRANGER)
    assert list(zip(log["action"], log["ok"], log["detail"], strict=True)) == [
        ("sign_in", False, "oidc")
    ]
    # the refused identity can leave the provider's session and try the password form
    with page.expect_response(lambda r: "/auth/logout" in r.url, timeout=TIMEOUT):
        page.get_by_role("button", name="退出登录").click()
    page.wait_for_load_state("load", timeout=TIMEOUT)
    page.get_by_role("button", name=OIDC_BUTTON).wait_for(timeout=TIMEOUT)
    page.get_by_label("用户名").wait_for(timeout=TIMEOUT)
