"""The cube-backed assessment equals the contract's §4 definitions computed in plain pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from caselog import open_store
from metrics import assess
from metrics.cube import build as cubebuild
from metrics.cube import store as cube
from metrics.selection import Selection
from tests.conftest import sample_store

AS_OF = pd.Timestamp("2025-12-31 23:59:59")
KEYS = ["district", "street"]
# The built-in rule set of contract §3, written out here rather than read from the code.
RESPONSE_SLA_MIN = {"whistle": 30}  # every other source: 120
DEADLINE_HOURS = {"emergency": 2, "utility": 24, "general": 168, "complex": 360}
SATISFACTION_POINTS = {"satisfied": 1.0, "basic": 0.9, "dissatisfied": 0.0}
WEIGHTS = {"response_rate": 0.1, "solved_rate": 0.5, "satisfaction_rate": 0.4}


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """A generated 40-grid city with one year (2025) of 4,000 cases, loaded as `ingest` does:
    a read-only engine holding the KPI cube for the default rules at AS_OF, and the rows of
    the cases table as pandas reads them."""
    folder = tmp_path_factory.mktemp("pandas_city")
    url = sample_store(folder, grids=40, years=1, cases_per_year=4000, seed=11)
    reader = open_store(url, read_only=True)
    assert cubebuild.build(reader, as_of=AS_OF.to_pydatetime()) is not None
    with reader.connect() as conn:
        rows = pd.read_sql(text("SELECT * FROM cases"), conn)
    yield reader, rows
    reader.dispose()


def by_pandas(cases: pd.DataFrame, first: str, last: str, as_of: pd.Timestamp) -> pd.DataFrame:
    """cases, response/on-time/solved/satisfaction rates, composite score and rank per street,
    straight from the case rows by the contract's §4 words."""
    day = cases["reported_at"].dt.normalize()
    v = cases[(day >= first) & (day <= last) & (cases["status"] != "cancelled")].copy()
    # Response: dispatched cases answered within the SLA, over those that answered or whose
    # SLA window ended by as_of; an answer before the dispatch is left out entirely.
    sla = pd.to_timedelta(v["source"].map(RESPONSE_SLA_MIN).fillna(120), unit="min")
    took = v["responded_at"] - v["dispatched_at"]
    answered = took.notna() & (took >= pd.Timedelta(0))
    waited_out = (
        v["dispatched_at"].notna() & v["responded_at"].isna() & (v["dispatched_at"] + sla <= as_of)
    )
    v["response_den"] = answered | waited_out
    v["response_num"] = answered & (took <= sla)
    # On time: closed at or before the deadline, over cases closed or whose deadline is
    # before as_of. The deadline (§1): the extended one, else the given one, else reported_at
    # + the urgency's hours; plus the time suspended (to resumed_at, or to closed_at for a
    # case closed while suspended); a case suspended at as_of is not overdue. A case closed
    # before it was reported has a negative duration and is left out of the KPI entirely.
    hours = pd.to_timedelta(v["urgency"].map(DEADLINE_HOURS), unit="h")
    deadline = v["extended_deadline"].fillna(v["deadline"]).fillna(v["reported_at"] + hours)
    paused = v["resumed_at"].fillna(v["closed_at"]) - v["suspended_at"]
    deadline = deadline + paused.where(paused >= pd.Timedelta(0)).fillna(pd.Timedelta(0))
    held = (v["suspended_at"] <= as_of) & ~(v["resumed_at"] <= as_of)
    closed = v["closed_at"].notna()
    closed_ok = closed & (v["closed_at"] >= v["reported_at"])
    v["on_time_den"] = closed_ok | (~closed & ~held & (deadline < as_of))
    v["on_time_num"] = closed_ok & (v["closed_at"] <= deadline)
    v["solved_den"] = v["solved"].notna()
    v["solved_num"] = v["solved"].eq(True)
    points = v["satisfaction"].map(SATISFACTION_POINTS)
    v["satisfaction_den"] = points.notna()
    v["satisfaction_num"] = points.fillna(0.0)
    parts = [
        f"{k}_{s}"
        for k in ("response", "on_time", "solved", "satisfaction")
        for s in ("num", "den")
    ]
    sums = v.groupby(KEYS)[parts].sum()
    out = pd.DataFrame({"cases": v.groupby(KEYS).size()})
    for kpi in ("response", "on_time", "solved", "satisfaction"):
        den = sums[f"{kpi}_den"].astype(float)
        out[f"{kpi}_rate"] = sums[f"{kpi}_num"].astype(float) / den.where(den > 0)
    out["due_cases"] = sums["on_time_den"]  # 应结案数: on_time_rate's denominator
    # Composite: the weights of empty rates left out and the rest renormalised.
    rates = out[list(WEIGHTS)]
    weights = rates.notna() * pd.Series(WEIGHTS)
    out["composite_score"] = 100 * (rates.fillna(0) * weights).sum(axis=1) / weights.sum(axis=1)
    out.loc[weights.sum(axis=1) == 0, "composite_score"] = np.nan
    # Rank: 1 = highest; ties share the best rank; no score, no rank.
    out["rank"] = out["composite_score"].rank(method="min", ascending=False).astype("Int64")
    return out


COMPARED = [
    "response_rate",
    "on_time_rate",
    "solved_rate",
    "satisfaction_rate",
    "composite_score",
]


@pytest.mark.parametrize(
    ("period", "first", "last"),
    [("2025-06", "2025-06-01", "2025-06-30"), ("2025", "2025-01-01", "2025-12-31")],
)
def test_street_assessment_equals_plain_pandas(city, period, first, last, monkeypatch):
    engine, rows = city
    want = by_pandas(rows, first, last, AS_OF)
    assert len(want) >= 5 and want["rank"].notna().sum() >= 5  # enough streets to mean something
    used: list[str] = []
    attach = cube.attach
    monkeypatch.setattr(cube, "attach", lambda conn, found: (attach(conn, found), used.append(1)))
    got = assess(
        engine, Selection.build("street", period, as_of=AS_OF), rank_change=False
    ).set_index(KEYS)
    assert used, "not answered from the KPI cube"
    # Streets without cases in the period (known from the grids table) show 0 and no rates.
    empty = got[got["cases"] == 0]
    assert set(empty.index).isdisjoint(want.index)
    assert empty[COMPARED].isna().all().all() and empty["rank"].isna().all()
    got = got[got["cases"] > 0]
    assert sorted(got.index) == sorted(want.index)
    got = got.loc[want.index]
    assert got["cases"].tolist() == want["cases"].tolist()
    for kpi in COMPARED:
        np.testing.assert_allclose(
            got[kpi].astype(float), want[kpi], rtol=1e-12, atol=1e-12, err_msg=kpi
        )
    assert got["rank"].astype("Int64").tolist() == want["rank"].tolist()


def handling_by_pandas(cases: pd.DataFrame, first: str, last: str, as_of: pd.Timestamp):
    """The handling-level KPIs of contract §4 per street, straight from the case rows."""
    day = cases["reported_at"].dt.normalize()
    v = cases[(day >= first) & (day <= last) & (cases["status"] != "cancelled")].copy()
    closed = v["closed_at"].notna()
    held = (v["suspended_at"] <= as_of) & ~(v["resumed_at"] <= as_of)
    v["proactive"] = v["source"].isin(["patrol", "video"])
    v["self_handled_closed"] = closed & v["self_handled"].eq(True)
    v["closed"] = closed
    v["extended"] = v["extended_deadline"].notna()
    v["suspended_open"] = held & ~closed
    took_min = (v["responded_at"] - v["dispatched_at"]).dt.total_seconds() / 60
    took_h = (v["resolved_at"] - v["dispatched_at"]).dt.total_seconds() / 3600
    v["resp_min"] = took_min.where(took_min >= 0)  # negative durations left out entirely
    v["hand_h"] = took_h.where(took_h >= 0)
    g = v.groupby(KEYS)
    n = g.size().astype(float)
    out = pd.DataFrame(index=n.index)
    out["proactive_rate"] = g["proactive"].sum() / n
    den = g["closed"].sum().astype(float)
    out["self_handled_rate"] = g["self_handled_closed"].sum() / den.where(den > 0)
    out["extension_rate"] = g["extended"].sum() / n
    out["suspended_open"] = g["suspended_open"].sum().astype(float)
    out["mean_response_min"] = g["resp_min"].mean()
    out["mean_handling_h"] = g["hand_h"].mean()
    return out


def test_handling_level_kpis_equal_plain_pandas(city):
    engine, rows = city
    assert not rows["day_precision"].any()  # every duration of this city has its time of day
    want = handling_by_pandas(rows, "2025-01-01", "2025-12-31", AS_OF)
    on_time = by_pandas(rows, "2025-01-01", "2025-12-31", AS_OF).loc[want.index]
    got = assess(engine, Selection.build("street", "2025", as_of=AS_OF), rank_change=False)
    got = got[got["cases"] > 0].set_index(KEYS).loc[want.index]
    for kpi in want.columns:
        assert want[kpi].notna().any() and (want[kpi] > 0).any(), kpi  # a test that can fail
        np.testing.assert_allclose(
            got[kpi].astype(float), want[kpi], rtol=1e-9, atol=1e-9, err_msg=kpi
        )
    assert got["due_cases"].tolist() == on_time["due_cases"].tolist()
    assert not got["small_sample"].any()  # min_cases 0: never a small sample
