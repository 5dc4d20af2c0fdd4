"""Supervision's tables equal plain pandas over the open cases, on DuckDB and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from metrics import Selection, ageing, overdue_counts, red_cards, yellow_cards
from metrics.cohort import AGE_EDGES_DAYS
from metrics.supervision import AGE_BUCKETS
from tests.metrics.metrics_factory import insert, make_case

AS_OF = datetime(2025, 6, 30, 12, 0)
DEPARTMENTS = ("城管委", "水务局", "住建委", None)
STREETS = (("东城区", "东华门街道"), ("东城区", "景山街道"), ("西城区", "西长安街街道"))


def _cases(n: int = 400) -> list[dict]:
    """Cases of every age and state: open, closed, cancelled, deadlines past and near,
    extended, suspended (and resumed), reported after as_of."""
    rng = np.random.default_rng(19)
    rows = []
    for _ in range(n):
        reported = AS_OF - timedelta(minutes=int(rng.integers(-600, 60 * 24 * 50)))
        deadline = reported + timedelta(hours=float(rng.choice([2, 24, 72, 168, 400])))
        district, street = STREETS[rng.integers(len(STREETS))]
        row = make_case(
            reported_at=reported,
            deadline=deadline,
            district=district,
            street=street,
            department=DEPARTMENTS[rng.integers(len(DEPARTMENTS))],
            status=str(
                rng.choice(["open", "dispatched", "closed", "cancelled"], p=[0.4, 0.3, 0.2, 0.1])
            ),
        )
        if row["status"] == "closed":
            row["closed_at"] = reported + timedelta(hours=5)
        if rng.random() < 0.15:
            row["extended_deadline"] = deadline + timedelta(hours=48)
        if rng.random() < 0.15:
            row["suspended_at"] = reported + timedelta(hours=1)
            if rng.random() < 0.5:
                row["resumed_at"] = reported + timedelta(hours=1 + float(rng.integers(1, 90)))
        rows.append(row)
    return rows


def _expected(rows: list[dict]) -> pd.DataFrame:
    """Each open case reported by as_of with its age bucket, deadline, and state at as_of."""
    c = pd.DataFrame(rows)
    c = c[(c["status"] != "cancelled") & c["closed_at"].isna() & (c["reported_at"] <= AS_OF)].copy()
    age = (AS_OF - c["reported_at"]).dt.total_seconds() / 86400
    c["bucket"] = pd.cut(age, [-np.inf, *AGE_EDGES_DAYS, np.inf], right=False, labels=AGE_BUCKETS)
    due = pd.to_datetime(c["extended_deadline"]).fillna(pd.to_datetime(c["deadline"]))
    paused = pd.to_datetime(c["resumed_at"]) - pd.to_datetime(c["suspended_at"])
    c["due"] = due + paused.fillna(pd.Timedelta(0))
    resumed = pd.to_datetime(c["resumed_at"])
    c["held"] = pd.to_datetime(c["suspended_at"]).le(AS_OF) & (resumed.isna() | resumed.gt(AS_OF))
    c["late"] = (c["due"] < AS_OF) & ~c["held"]
    c["soon"] = (c["due"] >= AS_OF) & (c["due"] <= AS_OF + timedelta(hours=24)) & ~c["held"]
    return c


@pytest.fixture
def filled(store):
    rows = _cases()
    insert(store, rows)
    return store, _expected(rows)


def test_ageing_per_department_equals_pandas(filled):
    engine, c = filled
    got = ageing(engine, Selection.build("city", None, as_of=AS_OF), by="department")
    mine = c[c["department"].notna()]
    want = mine.groupby(["department", "bucket"], observed=False).agg(
        open_cases=("case_id", "size"), overdue=("late", "sum")
    )
    got = got.set_index(["department", "bucket"])[["open_cases", "overdue"]]
    assert got.to_dict() == want.astype("int64").to_dict()
    city = ageing(engine, Selection.build("city", None, as_of=AS_OF)).set_index("bucket")
    counts = c.groupby("bucket", observed=False).agg(n=("case_id", "size"), late=("late", "sum"))
    assert city["open_cases"].to_dict() == counts["n"].to_dict()
    assert city["overdue"].to_dict() == counts["late"].to_dict()
    assert 0 < city["overdue"].sum() < city["open_cases"].sum() == len(c)


def test_overdue_counts_and_cards_equal_pandas(filled):
    engine, c = filled
    sel = Selection.build("street", None, as_of=AS_OF)
    got = overdue_counts(engine, sel).set_index(["district", "street"])
    want = c.groupby(["district", "street"]).agg(
        open_cases=("case_id", "size"), overdue=("late", "sum"), due_soon=("soon", "sum")
    )
    assert got[["open_cases", "overdue", "due_soon"]].to_dict() == want.to_dict()
    over = (AS_OF - c["due"]).dt.total_seconds().where(c["late"]) / 3600
    most = over.groupby([c["district"], c["street"]]).max()
    assert got["max_hours_overdue"].to_dict() == pytest.approx(most.to_dict())
    red = red_cards(engine, sel, limit=None)
    late = c[c["late"]]
    assert sorted(red["case_id"]) == sorted(late["case_id"])
    hours = ((AS_OF - late.set_index("case_id")["due"]).dt.total_seconds() / 3600).to_dict()
    assert red.set_index("case_id")["hours_overdue"].to_dict() == pytest.approx(hours)
    yellow = yellow_cards(engine, sel, limit=None)
    assert sorted(yellow["case_id"]) == sorted(c.loc[c["soon"], "case_id"])
