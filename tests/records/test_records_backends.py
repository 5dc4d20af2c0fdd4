"""Appeals and orders on DuckDB and PostgreSQL alike: the writes, their refusals, the scope
filters (a department's ';'-joined assisting list included) and the KPIs they change."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

import accounts
from metrics import kpi_table
from metrics.selection import Selection
from records import appeals, orders
from records.scope import RecordError, case_in_scope
from tests.metrics.metrics_factory import insert, make_case
from tests.records.records_helpers import department_account

AS_OF = datetime(2025, 3, 31)
REPORTED = datetime(2025, 3, 3, 8, 0)
DEADLINE = datetime(2025, 3, 5, 8, 0)


def _case(case_id: str, street: str, closed: datetime | None, **extra) -> dict:
    return make_case(
        case_id=case_id,
        street=street,
        department="城管局",
        reported_at=REPORTED,
        dispatched_at=REPORTED + timedelta(hours=1),
        closed_at=closed,
        status="closed" if closed else "dispatched",
        deadline=DEADLINE,
        **extra,
    )


@pytest.fixture
def city(store):
    insert(
        store,
        [
            _case("K1", "东华门街道", datetime(2025, 3, 4)),
            _case("K2", "东华门街道", datetime(2025, 3, 7)),
            _case("K3", "东华门街道", None, assist_departments="水务局;100%局"),
            _case("K4", "景山街道", datetime(2025, 3, 8)),
        ],
    )
    return store


def _on_time(engine) -> dict[str, float]:
    sel = Selection.build("street", "2025-03", as_of=AS_OF)
    return kpi_table(engine, sel).set_index("street")["on_time_rate"].to_dict()


def test_appeals_apply_and_refuse_alike(city):
    # 东华门街道: K1 on time, K2 late, K3 overdue: 1/3; 景山街道: K4 late: 0
    assert _on_time(city) == {"东华门街道": pytest.approx(1 / 3), "景山街道": 0.0}
    street = accounts.Account("dh", "street", "东城区", "东华门街道")
    first = appeals.file_appeal(city, "K2", "exclude", "错派", by="dh", account=street)
    second = appeals.file_appeal(
        city, "K3", "extend", "暴雨", by="dh", account=street, until=datetime(2025, 4, 30)
    )
    with pytest.raises(RecordError, match="outside your scope"):
        appeals.file_appeal(city, "K4", "exclude", "x", by="dh", account=street)
    appeals.decide(city, first, "approve", by="shi", note="属实")
    appeals.decide(city, second, "approve", by="shi")
    with pytest.raises(RecordError, match="approved already"):
        appeals.decide(city, second, "reject", by="shi")
    # K2 out; K3 not overdue any more (extended past as_of): 1 on time of 1 due
    assert _on_time(city) == {"东华门街道": 1.0, "景山街道": 0.0}
    listed = appeals.list_appeals(city)
    assert list(listed["status"]) == ["approved", "approved"]
    assert listed["until"].iloc[0] == datetime(2025, 4, 30)


def test_department_scope_and_orders_alike(city):
    odd, water = department_account("100%局"), department_account("水务局")
    near = department_account("100")  # '%' in a department's name is no LIKE wildcard
    assert [case_in_scope(city, "K3", a) for a in (odd, water, near)] == [True, True, False]
    assert not case_in_scope(city, "K1", water)
    sel = Selection.build("street", None)
    t0 = datetime(2030, 1, 1)
    new = orders.issue_order(
        city, sel, "K3", "department", "水务局", t0 + timedelta(days=1), "限期", by="shi", at=t0
    )
    with pytest.raises(RecordError, match="not open and overdue"):
        orders.issue_order(city, sel, "K1", "street", "东城区/东华门街道", t0, "x", by="shi")
    assert orders.answer_order(city, new, "已疏通", by="水务局", account=water, at=t0) == new
    counts = orders.order_counts(city, water, now=t0)
    assert counts[["to_unit", "orders", "open", "answered", "late"]].values.tolist() == [
        ["水务局", 1, 0, 1, 0]
    ]
    assert orders.list_orders(city, odd, now=t0)["id"].tolist() == [new]  # K3 is on its cases
