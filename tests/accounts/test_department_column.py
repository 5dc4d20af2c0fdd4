"""Department accounts in the accounts database: the column, and opening an older database."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import create_engine, inspect, text

import accounts
from caselog.columns import PARTY
from tests.conftest import _pg_database

#: gp_accounts as the accounts code before department accounts made it (create_all).
OLD_TABLE = """
CREATE TABLE gp_accounts (
    username VARCHAR(200) NOT NULL,
    display_name VARCHAR(200) NOT NULL,
    role VARCHAR(20) NOT NULL,
    district VARCHAR(200),
    street VARCHAR(200),
    community VARCHAR(200),
    password_hash TEXT,
    disabled BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (username)
)
"""


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def old_url(request, tmp_path):
    """The URL of an accounts database holding a street account in the older table."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'accounts.sqlite'}"
        yield _old(url)
    else:
        for store in _pg_database():
            yield _old(store.url.render_as_string(hide_password=False))


def _old(url: str) -> str:
    engine = create_engine(url)
    stamp = datetime(2025, 1, 1)
    with engine.begin() as conn:
        conn.execute(text(OLD_TABLE))
        conn.execute(
            text(
                "INSERT INTO gp_accounts VALUES "
                "('dh', '', 'street', '东澜区', '丹塘街道', NULL, NULL, false, :t, :t)"
            ),
            {"t": stamp},
        )
    engine.dispose()
    return url


def test_an_older_accounts_database_gets_the_column_and_keeps_its_accounts(old_url):
    engine = accounts.open_accounts(old_url)
    try:
        names = {c["name"] for c in inspect(engine).get_columns("gp_accounts")}
        assert "department" in names
        kept = accounts.find_account(engine, "dh")
        assert (kept.scope_path, kept.department) == ("东澜区/丹塘街道", None)
        added = accounts.add_account(
            engine, "szsr", "department", None, "dept-pass-1", "", "水务局"
        )
        assert accounts.authenticate(engine, "szsr", "dept-pass-1") == added
        assert added.scope == ((PARTY, "水务局"),)
    finally:
        engine.dispose()
    again = accounts.open_accounts(old_url)  # opening it once more changes nothing
    try:
        assert accounts.find_account(again, "szsr").department == "水务局"
    finally:
        again.dispose()


def test_roles_and_departments_fit_together():
    with pytest.raises(ValueError, match="names its department and no area"):
        accounts.Account("a", "department")
    with pytest.raises(ValueError, match="names its department and no area"):
        accounts.Account("a", "department", district="东澜区", department="水务局")
    with pytest.raises(ValueError, match="names no department"):
        accounts.Account("a", "street", "东澜区", "丹塘街道", department="水务局")
    dept = accounts.Account("a", "department", department="水务局")
    assert dept.levels[0] == "department" and dept.scope_path == "水务局"


def test_confine_keeps_the_party_whatever_area_is_asked_for():
    mine = ((PARTY, "水务局"),)
    assert accounts.confine(mine, ()) == mine
    area = (("district", "东澜区"), ("street", "丹塘街道"))
    assert accounts.confine(mine, area) == (*area, *mine)
    assert accounts.confine(mine, (*area, *mine)) == (*area, *mine)
    with pytest.raises(accounts.AccessDenied):
        accounts.confine(mine, ((PARTY, "住建委"),))
    street = (("district", "东澜区"), ("street", "丹塘街道"))
    assert accounts.confine(street, ()) == street  # the area roles are as before
