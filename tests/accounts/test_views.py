"""Saved views: kept per account, replaced by name, one default, deleted, every change audited."""

from __future__ import annotations

import json

import pytest

import accounts
from tests.accounts.test_accounts import directory  # noqa: F401  (SQLite and PostgreSQL)

LINK = {"period": ["2025Q3"], "level": ["street"], "compare_units": ["东城区/甲", "东城区/乙"]}


def test_views_are_kept_per_account_and_replaced_by_name(directory):  # noqa: F811
    accounts.save_view(directory, "dh", "  周一  例会 ", "compare", LINK)
    accounts.save_view(directory, "dh", "月报", "assessment", {"period": ["2025-03"]})
    accounts.save_view(directory, "xc", "月报", "overview", {"scope": ["西城区"]})
    mine = accounts.list_views(directory, "dh")
    assert list(mine["name"]) == ["周一 例会", "月报"]  # spaces folded, sorted by name
    assert accounts.get_view(directory, "dh", "周一 例会") == ("compare", LINK)
    assert accounts.get_view(directory, "xc", "月报") == ("overview", {"scope": ["西城区"]})
    accounts.save_view(directory, "dh", "月报", "trends", {"period": ["2025-04"]})
    assert accounts.get_view(directory, "dh", "月报") == ("trends", {"period": ["2025-04"]})
    assert len(accounts.list_views(directory, "dh")) == 2
    with pytest.raises(accounts.ViewError, match="no saved view"):
        accounts.get_view(directory, "xc", "周一 例会")  # another account's view is not found
    with pytest.raises(accounts.ViewError, match="needs a name"):
        accounts.save_view(directory, "dh", "   ", "overview", {})


def test_one_default_per_account_and_deleting(directory):  # noqa: F811
    for name in ("甲", "乙"):
        accounts.save_view(directory, "dh", name, "overview", {"period": [name]})
    accounts.save_view(directory, "xc", "丙", "overview", {})
    assert accounts.default_view(directory, "dh") is None
    accounts.set_default(directory, "dh", "甲")
    accounts.set_default(directory, "xc", "丙")
    accounts.set_default(directory, "dh", "乙")
    assert accounts.default_view(directory, "dh") == ("overview", {"period": ["乙"]})
    assert list(accounts.list_views(directory, "dh")["is_default"]) == [True, False]  # 乙, 甲
    assert accounts.default_view(directory, "xc") == ("overview", {})
    with pytest.raises(accounts.ViewError):
        accounts.set_default(directory, "dh", "丙")
    accounts.delete_view(directory, "dh", "乙")
    assert accounts.default_view(directory, "dh") is None
    with pytest.raises(accounts.ViewError):
        accounts.delete_view(directory, "dh", "乙")
    accounts.set_default(directory, "dh", "甲")
    accounts.set_default(directory, "dh", None)
    assert accounts.default_view(directory, "dh") is None
    log = accounts.recent(directory, username="dh")
    ops = [json.loads(d)["op"] for d in log.loc[log["action"] == "view", "detail"]][::-1]
    assert ops == ["save", "save", "default", "default", "delete", "default", "default"]


def test_an_account_keeps_at_most_fifty_views(directory):  # noqa: F811
    for i in range(accounts.views.MAX_VIEWS):
        accounts.save_view(directory, "dh", f"v{i:02d}", "overview", {})
    with pytest.raises(accounts.ViewError, match="at most 50"):
        accounts.save_view(directory, "dh", "one more", "overview", {})
    accounts.save_view(directory, "dh", "v00", "compare", {})  # replacing one still works
    accounts.save_view(directory, "xc", "v00", "overview", {})  # and others are not counted
