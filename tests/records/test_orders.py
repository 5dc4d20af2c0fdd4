"""Supervision orders (督办单): issued on overdue cases within the issuer's scope, answered by
the receiver, listed and counted per unit with open, answered and late orders.

Of records_helpers' six cases only A4 is open and overdue (deadline 03-05 08:00; the store's
latest timestamp, the as_of the supervision page judges at, is 03-08 10:00); 城管局 is its
primary department, 水务局 and 交通委 assist.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

import accounts
from caselog import open_store
from metrics.selection import Selection
from records import orders
from records.scope import RecordError
from records.tables import supervision_orders
from tests.records.records_helpers import A, cli, department_account, make_city

T0 = datetime(2030, 1, 1, 10, 0)
DUE = T0 + timedelta(days=1)
CITY = accounts.Account("city", "city")
EAST = accounts.Account("dc", "district", "东城区")
WEST = accounts.Account("xc", "district", "西城区")
STREET = accounts.Account("dh", "street", "东城区", "东华门街道")
OTHER_STREET = accounts.Account("js", "street", "东城区", "景山街道")


@pytest.fixture
def store(tmp_path):
    db = make_city(tmp_path)
    engine = open_store(db)
    yield engine, db
    engine.dispose()


def _issue(engine, case_id="A4", kind="street", unit=A, *, account=CITY, at=T0, due=DUE):
    sel = Selection.build("street", None)
    return orders.issue_order(
        engine,
        sel,
        case_id,
        kind,
        unit,
        due,
        "限期整改",
        by=account.username,
        account=account,
        at=at,
    )


def _count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(supervision_orders)).scalar_one()


@pytest.mark.parametrize(
    ("kwargs", "said"),
    [
        ({"case_id": "NOPE"}, "there is no case 'NOPE'"),
        ({"case_id": "A1"}, "not open and overdue"),
        ({"unit": "东城区/景山街道"}, "not the street of case A4"),
        ({"kind": "department", "unit": "房管局"}, "neither the primary nor an assisting"),
        ({"account": WEST}, "东城区/东华门街道 is outside your scope"),
        ({"account": WEST, "kind": "department", "unit": "城管局"}, "case A4 is outside"),
        ({"account": STREET}, "only a city or district account"),
        ({"kind": "grid"}, "a department or a street"),
        ({"due": T0}, "is not after now"),
    ],
)
def test_refused_orders_write_nothing(store, kwargs, said):
    engine, _ = store
    with pytest.raises(RecordError, match=said):
        _issue(engine, **kwargs)
    assert _count(engine) == 0


def test_orders_go_to_the_cases_street_or_any_of_its_departments(store):
    engine, _ = store
    ids = [
        _issue(engine, account=EAST),
        _issue(engine, kind="department", unit="城管局"),
        _issue(engine, kind="department", unit="交通委", account=EAST),
    ]
    listed = orders.list_orders(engine, now=T0)
    assert list(listed["id"]) == ids[::-1]
    assert list(listed["to_unit"]) == ["交通委", "城管局", A]
    assert set(listed["state"]) == {"open"} and set(listed["issued_by"]) == {"city", "dc"}


def test_only_the_receiver_answers_and_only_once(store):
    engine, _ = store
    to_street = _issue(engine)
    to_water = _issue(engine, kind="department", unit="水务局")
    for account, order in (
        (OTHER_STREET, to_street),
        (EAST, to_street),
        (department_account("城管局"), to_water),
    ):
        with pytest.raises(RecordError, match="not to you"):
            orders.answer_order(engine, order, "已办", by=account.username, account=account)
    orders.answer_order(engine, to_street, "已清理", by="dh", account=STREET, at=T0)
    orders.answer_order(
        engine, to_water, "已疏通", by="水务局", account=department_account("水务局"), at=T0
    )
    with pytest.raises(RecordError, match="answered already by dh"):
        orders.answer_order(engine, to_street, "again", by="dh", account=STREET)
    with pytest.raises(RecordError, match="there is no supervision order 99"):
        orders.answer_order(engine, 99, "x", by="dh")
    with pytest.raises(RecordError, match="give an answer"):
        orders.answer_order(engine, to_street, " ", by="dh", account=STREET)
    listed = orders.list_orders(engine, now=T0).set_index("id")
    assert listed.loc[to_street, ["answer", "answered_by"]].tolist() == ["已清理", "dh"]
    assert listed.loc[to_water, "answer"] == "已疏通"


def test_late_orders_are_open_past_due_or_answered_after_it(store):
    engine, _ = store
    # 东华门街道: one answered on time, one answered late, one open past due at NOW;
    # 城管局: one open, not yet due at NOW, one answered late.
    now = DUE + timedelta(hours=5)
    on_time, answered_late, overdue = _issue(engine), _issue(engine), _issue(engine)
    waiting = _issue(engine, kind="department", unit="城管局", due=now + timedelta(days=1))
    late_dept = _issue(engine, kind="department", unit="城管局")
    orders.answer_order(engine, on_time, "ok", by="dh", at=DUE)  # at the due time: on time
    orders.answer_order(engine, answered_late, "ok", by="dh", at=DUE + timedelta(seconds=1))
    orders.answer_order(engine, late_dept, "ok", by="城管局", at=now)
    states = orders.list_orders(engine, now=now).set_index("id")["state"].to_dict()
    assert states == {
        on_time: "answered",
        answered_late: "answered_late",
        overdue: "late",
        waiting: "open",
        late_dept: "answered_late",
    }
    counts = orders.order_counts(engine, now=now)
    rows = {r.to_unit: (r.orders, r.open, r.answered, r.late) for r in counts.itertuples()}
    assert rows == {A: (3, 1, 2, 2), "城管局": (2, 1, 1, 1)}
    assert list(counts["to_unit"]) == [A, "城管局"]  # most late first


def test_each_account_sees_the_orders_on_its_cases_and_to_itsdepartment_account(store):
    engine, _ = store
    street_order = _issue(engine)
    dept_order = _issue(engine, kind="department", unit="交通委")
    seen = {
        name: sorted(orders.list_orders(engine, account, now=T0)["id"])
        for name, account in {
            "city": CITY,
            "east": EAST,
            "west": WEST,
            "street": STREET,
            "other": OTHER_STREET,
            "traffic": department_account("交通委"),
            "housing": department_account("房管局"),
        }.items()
    }
    both = sorted([street_order, dept_order])
    assert seen == {
        "city": both,
        "east": both,
        "west": [],
        "street": both,  # both orders are on a case of its street
        "other": [],
        "traffic": both,  # A4 is a case it assists on
        "housing": [],
    }
    assert orders.order_counts(engine, WEST).empty


def test_the_order_verb_issues_answers_lists_and_audits(store, capsys):
    engine, db = store
    engine.dispose()
    args = ["A4", "--street", A, "--due", "2099-01-01 12:00", "--note", "限期整改"]
    assert cli(db, "--as", "市督查室", "order", "add", *args, "--no-warm") == 0
    assert "issued supervision order 1 on case A4" in capsys.readouterr().out
    assert (
        cli(
            db, "order", "add", "A1", "--department", "城管局", "--due", "2099-01-01", "--note", "x"
        )
        == 1
    )
    assert "not open and overdue" in capsys.readouterr().err
    assert cli(db, "--as", "dh", "order", "answer", "1", "--answer", "已清理", "--no-warm") == 0
    assert cli(db, "order", "answer", "1", "--answer", "again") == 1
    capsys.readouterr()
    assert cli(db, "order", "list", "--counts", "--json") == 0
    counts = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert counts == [
        {"to_kind": "street", "to_unit": A, "orders": 1, "open": 0, "answered": 1, "late": 0}
    ]
    log = accounts.recent(accounts.open_accounts(accounts.accounts_url(db)))
    entries = log[log["action"] == "order"]
    assert list(entries["username"]) == ["dh", "市督查室"]
    assert json.loads(entries["detail"].iloc[1])["to"] == A
