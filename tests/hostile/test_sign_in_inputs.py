"""Injection strings typed into the sign-in form and the account tools: data, never SQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

import accounts
from accounts.tables import accounts as accounts_table
from tests.accounts.test_accounts import PASSWORD, directory  # noqa: F401
from tests.dashboard.conftest import ROOT
from tests.hostile.hostile_helpers import INJECTIONS


def test_injection_strings_as_names_and_passwords_are_refused(directory):  # noqa: F811
    accounts.add_account(directory, "dh", "city", "", PASSWORD)
    for value in INJECTIONS:
        for name, password in ((value, PASSWORD), ("dh", value), (value, value)):
            with pytest.raises(accounts.SignInRefused):
                accounts.authenticate(directory, name, password)
        assert accounts.find_account(directory, value) is None
    # the failures locked 'dh' (every injection was a wrong password), nothing else changed
    with directory.connect() as conn:
        assert conn.execute(select(func.count()).select_from(accounts_table)).scalar_one() == 1
    log = accounts.recent(directory, 10_000)
    assert len(log) == 3 * len(INJECTIONS)
    assert {v.replace("\x00", "").strip() or "?" for v in INJECTIONS} <= set(log["username"])


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_strings_in_account_scopes_are_data(directory, value):  # noqa: F811
    path = f"{value}/{value}".replace("\x00", "")
    if "/" in value.replace("\x00", "") or not value.replace("\x00", "").strip():
        with pytest.raises(ValueError):
            accounts.add_account(directory, "x", "street", path, PASSWORD)
        return
    account = accounts.add_account(directory, "x", "street", path, PASSWORD)
    assert accounts.authenticate(directory, "x", PASSWORD) == account


def test_sign_in_form_with_injection_strings(tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDPULSE_ACCOUNTS_DB", f"sqlite:///{tmp_path / 'a.sqlite'}")
    url = f"duckdb:///{tmp_path / 'empty.duckdb'}"
    monkeypatch.setenv("GRIDPULSE_DB", url)
    monkeypatch.chdir(ROOT)
    engine = accounts.open_accounts(f"sqlite:///{tmp_path / 'a.sqlite'}")
    accounts.add_account(engine, "dh", "city", "", PASSWORD)
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.session_state["db_url"] = url
    at.run()
    for value in INJECTIONS[:6]:
        at.text_input(key="sign_in_user").input(value)
        at.text_input(key="sign_in_password").input(value)
        at.button[0].click().run()
        assert not at.exception
        assert "account" not in at.session_state
        assert at.error[0].value.startswith("登录失败")
    assert accounts.find_account(engine, "dh") is not None
    engine.dispose()
