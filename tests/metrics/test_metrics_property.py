"""Each SQL KPI against a naive pure-Python loop over random case logs (DuckDB)."""

from __future__ import annotations

import math
import statistics
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from metrics_factory import insert, make_case
from sqlalchemy import delete

from caselog import open_store
from caselog.schema import cases
from metrics import default_rules, kpi_table
from metrics.cube import build as cubebuild
from metrics.cube import store as cube
from metrics.selection import Selection

T0 = datetime(2025, 3, 1)
RULES = default_rules()
minutes = st.one_of(
    st.sampled_from([-30, 0, 30, 31, 119, 120, 121, 24 * 60, 168 * 60]),
    st.integers(-600, 40 * 24 * 60),
)


@st.composite
def case_rows(draw):
    rep = T0 + timedelta(minutes=draw(st.integers(-3 * 24 * 60, 33 * 24 * 60)))

    def maybe(base):
        if base is None or draw(st.booleans()) is False:
            return None
        return base + timedelta(minutes=draw(minutes))

    disp = maybe(rep)
    return make_case(
        street=draw(st.sampled_from(["甲街道", "乙街道", "丙街道"])),
        department=draw(st.sampled_from([None, "城管", "住建"])),
        reported_at=rep,
        status=draw(st.sampled_from(["open", "closed", "dispatched", "cancelled"])),
        source=draw(st.sampled_from([None, "patrol", "whistle"])),
        urgency=draw(st.sampled_from(["emergency", "utility", "general", "complex"])),
        dispatched_at=disp,
        responded_at=maybe(disp),
        resolved_at=maybe(disp),
        closed_at=maybe(rep),
        deadline=maybe(rep),
        solved=draw(st.sampled_from([None, True, False])),
        satisfaction=draw(st.sampled_from([None, "satisfied", "basic", "dissatisfied"])),
        reopened=draw(st.sampled_from([None, 0, 1, 2])),
        reassigned=draw(st.sampled_from([None, 0, 1])),
    )


def naive(rows, as_of, lo=T0, hi=datetime(2025, 4, 1)):
    """The contract's §4 read literally, one case at a time (reported in [lo, hi))."""
    out = {}
    for c in rows:
        if not (lo <= c["reported_at"] < hi) or c["status"] == "cancelled":
            continue
        u = out.setdefault(
            c["street"],
            {
                k: 0
                for k in (
                    "cases",
                    "r_ok",
                    "r_due",
                    "closed",
                    "ot_ok",
                    "ot_due",
                    "overdue",
                    "s_yes",
                    "s_n",
                    "sat",
                    "sat_n",
                    "rw",
                    "res",
                    "h_ok",
                    "h_due",
                    "disp",
                    "reas",
                )
            }
            | {"rm": [], "hh": []},
        )
        u["cases"] += 1
        due = c["deadline"] or c["reported_at"] + timedelta(
            hours=RULES.deadline_hours[c["urgency"]]
        )
        sla = timedelta(
            minutes=RULES.response_sla_minutes["whistle" if c["source"] == "whistle" else "default"]
        )
        d, r, s, cl = c["dispatched_at"], c["responded_at"], c["resolved_at"], c["closed_at"]
        if d is not None:
            u["disp"] += 1
            u["reas"] += (c["reassigned"] or 0) > 0
            if r is not None and r >= d:
                u["r_due"] += 1
                u["r_ok"] += r - d <= sla
                u["rm"].append((r - d).total_seconds() / 60)
            elif r is None and d + sla < as_of:
                u["r_due"] += 1
            if s is not None and s >= d:
                u["hh"].append((s - d).total_seconds() / 3600)
        if cl is not None:
            u["closed"] += 1
            if cl >= c["reported_at"]:
                u["ot_due"] += 1
                u["ot_ok"] += cl <= due
        elif due < as_of:
            u["ot_due"] += 1
            u["overdue"] += 1
        if s is not None:
            u["res"] += 1
            u["rw"] += (c["reopened"] or 0) > 0
            if s >= c["reported_at"]:
                u["h_due"] += 1
                u["h_ok"] += s <= due
        elif due < as_of:
            u["h_due"] += 1
        if c["solved"] is not None:
            u["s_n"] += 1
            u["s_yes"] += c["solved"]
        if c["satisfaction"] is not None:
            u["sat_n"] += 1
            u["sat"] += {"satisfied": 1.0, "basic": 0.9, "dissatisfied": 0.0}[c["satisfaction"]]
    return out


def _rate(n, d):
    return n / d if d else math.nan


def _same(got, want):
    if isinstance(want, float) and math.isnan(want):
        return got is None or (isinstance(got, float) and math.isnan(got))
    return got == pytest.approx(want, rel=1e-9, abs=1e-9)


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    e = open_store(f"duckdb:///{tmp_path_factory.mktemp('prop') / 'store.duckdb'}")
    yield e
    e.dispose()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(case_rows(), min_size=1, max_size=25), as_of_min=st.integers(0, 40 * 24 * 60))
def test_sql_matches_naive_loop(engine, rows, as_of_min):
    _load(engine, rows, "P")
    as_of = T0 + timedelta(minutes=as_of_min)
    dept, want = _check(engine, rows, as_of, "2025-03", T0, datetime(2025, 4, 1))
    for name, u in want.items():  # department units also have push-backs
        assert _same(dept.loc[name, "reassign_rate"], _rate(u["reas"], u["disp"]))


def _load(engine, rows, prefix: str) -> None:
    """The store holds exactly ``rows`` (case ids renumbered with ``prefix``)."""
    with engine.begin() as conn:
        conn.execute(delete(cases))
    for i, r in enumerate(rows):
        r["case_id"] = f"{prefix}{i:04d}"
    insert(engine, rows)


def _check(engine, rows, as_of, period, lo, hi):
    """Street and department tables of ``period`` against the naive loop over [lo, hi);
    returns the department table and the loop's department figures."""
    table = kpi_table(engine, Selection.build("street", period, as_of=as_of)).set_index("street")
    _compare(table, naive(rows, as_of, lo, hi))
    # Department units: the same loop keyed by the primary department.
    by_dept = [dict(r, street=r["department"]) for r in rows if r["department"]]
    dept = kpi_table(engine, Selection.build("department", period, as_of=as_of)).set_index(
        "department"
    )
    want = naive(by_dept, as_of, lo, hi)
    _compare(dept, want)
    return dept, want


@pytest.fixture(scope="module")
def cube_stores(tmp_path_factory):
    """A writer and a read-only reader on one DuckDB file: the reader answers from the KPI
    cube (metrics.cube) once one is built for its data."""
    url = f"duckdb:///{tmp_path_factory.mktemp('cube') / 'store.duckdb'}"
    writer = open_store(url)
    reader = open_store(url, read_only=True)
    yield writer, reader
    reader.dispose()
    writer.dispose()


PERIODS = {  # whole months from the monthly sums, edge days and ranges from the cases' facts
    "2025-03": (T0, datetime(2025, 4, 1)),
    "2025Q1": (datetime(2025, 1, 1), datetime(2025, 4, 1)),
    "2025-02-01..2025-03-19": (datetime(2025, 2, 1), datetime(2025, 3, 20)),
    "2025-02-27..2025-03-31": (datetime(2025, 2, 27), datetime(2025, 4, 1)),
    "2025-03-05..2025-03-20": (datetime(2025, 3, 5), datetime(2025, 3, 21)),
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(case_rows(), min_size=1, max_size=25), as_of_min=st.integers(0, 40 * 24 * 60))
def test_the_kpi_cube_matches_naive_loop(cube_stores, cube_attached, rows, as_of_min):
    writer, reader = cube_stores
    _load(writer, rows, "Q")
    as_of = T0 + timedelta(minutes=as_of_min)
    assert cubebuild.build(reader, as_of=as_of) is not None
    used = cube_attached
    for period, (lo, hi) in PERIODS.items():
        used.clear()
        _check(reader, rows, as_of, period, lo, hi)
        assert used, "the tables were not answered from the cube"


@pytest.fixture(scope="module")
def cube_attached():
    """The cubes attached from now on (one entry per query answered from a cube)."""
    used: list[str] = []
    real = cube.attach

    def spy(conn, found):
        real(conn, found)
        used.append(found.alias)

    mp = pytest.MonkeyPatch()
    mp.setattr(cube, "attach", spy)
    yield used
    mp.undo()


def _compare(table, want):
    assert set(table.index) == set(want)
    for street, u in want.items():
        row = table.loc[street]
        expect = {
            "cases": u["cases"],
            "response_rate": _rate(u["r_ok"], u["r_due"]),
            "median_response_min": statistics.median(u["rm"]) if u["rm"] else math.nan,
            "closure_rate": _rate(u["closed"], u["cases"]),
            "on_time_rate": _rate(u["ot_ok"], u["ot_due"]),
            "overdue_open": u["overdue"],
            "solved_rate": _rate(u["s_yes"], u["s_n"]),
            "satisfaction_rate": _rate(u["sat"], u["sat_n"]),
            "rework_rate": _rate(u["rw"], u["res"]),
            "median_handling_h": statistics.median(u["hh"]) if u["hh"] else math.nan,
            "handling_rate": _rate(u["res"], u["cases"]),
            "on_time_handling_rate": _rate(u["h_ok"], u["h_due"]),
        }
        for col, value in expect.items():
            assert _same(row[col], value), (street, col, row[col], value)
