"""Accounts: hashed passwords, sign-in with lock-out, roles and scopes, the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

import accounts
from accounts.tables import accounts as accounts_table
from accounts.tables import audit_log
from tests.conftest import _pg_database

PASSWORD = "correct horse 1"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def directory(request, tmp_path):
    """An empty accounts database: a SQLite file, and the PostgreSQL store's own database."""
    if request.param == "sqlite":
        engine = accounts.open_accounts(f"sqlite:///{tmp_path / 'accounts.sqlite'}")
        yield engine
        engine.dispose()
    else:
        for store in _pg_database():
            engine = accounts.open_accounts(store.url.render_as_string(hide_password=False))
            yield engine
            engine.dispose()


def test_password_is_stored_as_an_argon2id_hash(directory):
    accounts.add_account(directory, "dh", "street", "东澜区/丹塘街道", PASSWORD)
    with directory.connect() as conn:
        stored = conn.execute(select(accounts_table.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_sign_in_right_wrong_unknown_and_disabled(directory):
    accounts.add_account(directory, "DH", "street", "东澜区/丹塘街道", PASSWORD, "丹塘街道办")
    account = accounts.authenticate(directory, "dh", PASSWORD)  # names are case-insensitive
    assert (account.username, account.role, account.district, account.street) == (
        "DH",
        "street",
        "东澜区",
        "丹塘街道",
    )
    assert account.scope == (("district", "东澜区"), ("street", "丹塘街道"))
    for name, password in (("dh", "wrong password"), ("nobody", PASSWORD), ("dh", "")):
        with pytest.raises(accounts.SignInRefused, match="username or password is not right"):
            accounts.authenticate(directory, name, password)
    accounts.set_disabled(directory, "dh")
    with pytest.raises(accounts.SignInRefused):
        accounts.authenticate(directory, "dh", PASSWORD)
    assert accounts.has_accounts(directory)  # a disabled last account locks, never opens
    accounts.set_disabled(directory, "dh", False)
    assert accounts.authenticate(directory, "dh", PASSWORD).username == "DH"
    log = accounts.recent(directory)
    assert list(log["ok"])[::-1] == [True, False, False, False, False, True]
    assert set(log["action"]) == {"sign_in"}


def test_five_failures_lock_the_name_for_fifteen_minutes(directory):
    accounts.add_account(directory, "dh", "street", "东澜区/丹塘街道", PASSWORD)
    for _ in range(accounts.MAX_FAILURES):
        with pytest.raises(accounts.SignInRefused, match="not right"):
            accounts.authenticate(directory, "dh", "guess")
    with pytest.raises(accounts.SignInRefused, match="Too many failed sign-ins"):
        accounts.authenticate(directory, "dh", PASSWORD)  # even the right one
    # the window passes: move the failures 16 minutes back
    with directory.begin() as conn:
        conn.execute(update(audit_log).values(at=audit_log.c.at - timedelta(minutes=16)))
    assert accounts.authenticate(directory, "dh", PASSWORD).username == "dh"


def test_a_success_resets_the_failure_count(directory):
    accounts.add_account(directory, "dh", "street", "东澜区/丹塘街道", PASSWORD)
    for _ in range(accounts.MAX_FAILURES - 1):
        with pytest.raises(accounts.SignInRefused):
            accounts.authenticate(directory, "dh", "guess")
    accounts.authenticate(directory, "dh", PASSWORD)
    with pytest.raises(accounts.SignInRefused, match="not right"):
        accounts.authenticate(directory, "dh", "guess")  # one failure since, not five


def test_password_change_and_oidc_only_accounts(directory):
    accounts.add_account(directory, "ops@city.gov.cn", "city", "", None, "指挥中心")
    with pytest.raises(accounts.SignInRefused):
        accounts.authenticate(directory, "ops@city.gov.cn", "")  # no password: provider only
    assert accounts.find_account(directory, "OPS@city.gov.cn").role == "city"
    accounts.set_password(directory, "ops@city.gov.cn", PASSWORD)
    assert accounts.authenticate(directory, "ops@city.gov.cn", PASSWORD).display_name == "指挥中心"
    listed = accounts.list_accounts(directory)
    assert list(listed["username"]) == ["ops@city.gov.cn"]
    assert "password_hash" not in listed.columns and bool(listed["password"].iloc[0])
    assert listed["last_sign_in"].notna().all()


@pytest.mark.parametrize(
    ("role", "scope", "message"),
    [
        ("street", "东澜区", "street account's scope is district/street"),
        ("city", "东澜区", "city account's scope is nothing"),
        ("community", "东澜区/丹塘街道", "district/street/community"),
        ("mayor", "", "not one of"),
    ],
)
def test_scope_must_fit_the_role(directory, role, scope, message):
    with pytest.raises(ValueError, match=message):
        accounts.add_account(directory, "x", role, scope, PASSWORD)


def test_bad_names_short_passwords_and_duplicates_are_refused(directory):
    with pytest.raises(ValueError, match="at least 8"):
        accounts.add_account(directory, "dh", "city", "", "short")
    with pytest.raises(ValueError, match="without spaces"):
        accounts.add_account(directory, "d h", "city", "", PASSWORD)
    accounts.add_account(directory, "dh", "city", "", PASSWORD)
    with pytest.raises(ValueError, match="exists already"):
        accounts.add_account(directory, "DH", "city", "", PASSWORD)
    with pytest.raises(ValueError, match="no account"):
        accounts.set_password(directory, "nobody", PASSWORD)


def test_injection_strings_are_names_not_sql(directory):
    evil = "x'; DROP TABLE gp_accounts; --"
    with pytest.raises(accounts.SignInRefused):
        accounts.authenticate(directory, evil, "' OR '1'='1")
    accounts.add_account(directory, "dh", "city", "", PASSWORD)
    with directory.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM gp_accounts")).scalar_one() == 1
    assert accounts.recent(directory)["username"].iloc[0] == evil


def test_confine_keeps_narrower_widens_to_own_and_refuses_others():
    street = accounts.Account("dh", "street", "东澜区", "丹塘街道").scope
    own = (("district", "东澜区"), ("street", "丹塘街道"))
    assert accounts.confine(street, ()) == own
    assert accounts.confine(street, (("district", "东澜区"),)) == own
    inner = (*own, ("community", "月兴社区"))
    assert accounts.confine(street, inner) == inner
    for other in (
        (("district", "西岭区"),),
        (("district", "东澜区"), ("street", "兴台街道")),
        (("district", "西岭区"), ("street", "丹塘街道")),  # same street name, other district
    ):
        with pytest.raises(accounts.AccessDenied, match="outside your scope"):
            accounts.confine(street, other)
    with pytest.raises(accounts.AccessDenied):
        accounts.confine(street, (("grid_id", "G1"),))
    with pytest.raises(accounts.AccessDenied, match="names its district"):
        accounts.confine((), (("street", "丹塘街道"),))
    assert accounts.confine((), (("district", "西岭区"),)) == (("district", "西岭区"),)


def test_accounts_live_beside_a_duckdb_file_and_inside_postgresql(monkeypatch):
    monkeypatch.delenv("GRIDPULSE_ACCOUNTS_DB", raising=False)
    assert accounts.accounts_url("duckdb:////srv/gp/city.duckdb") == (
        "sqlite:////srv/gp/city.accounts.sqlite"
    )
    pg = "postgresql+psycopg://gp:pw@db/city"
    assert accounts.accounts_url(pg) == pg
    monkeypatch.setenv("GRIDPULSE_ACCOUNTS_DB", "sqlite:////elsewhere.sqlite")
    assert accounts.accounts_url(pg) == "sqlite:////elsewhere.sqlite"
