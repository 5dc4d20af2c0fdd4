"""The KPI cube (metrics.cube) gives the tables computed from the cases, cell for cell."""

from __future__ import annotations

import dataclasses
import re
import threading
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from metrics_factory import insert, make_case, make_grid, make_rating
from sqlalchemy import event

from caselog import open_store
from caselog.columns import DAY_PRECISION_COLUMNS, day_bit
from metrics import (
    ageing,
    assess,
    cooperation_table,
    default_rules,
    km_handling,
    kpi_series,
    kpi_table,
    overdue_counts,
    parse_rules,
    red_cards,
    write_assessment,
    yellow_cards,
)
from metrics.cube import build as cubebuild
from metrics.cube import query as cubequery
from metrics.cube import store as cube
from metrics.cube.query import measures, split
from metrics.period import parse_period
from metrics.registry import LEVELS
from metrics.selection import Selection

PLACES = [
    ("东城区", "东华门街道", "社区A", "G1"),
    ("东城区", "东华门街道", "社区A", "G2"),
    ("东城区", "东华门街道", "社区B", "G3"),
    ("东城区", "景山街道", "社区C", "G4"),
    ("西城区", "西长安街街道", "社区D", "G5"),
    ("西城区", "西长安街街道", None, None),  # a street without community or grid
    ("西城区", None, None, None),  # a district only, as in Boston's log
]
DEPARTMENTS = [None, "城管委", "水务局", "住建委", "交通委"]
CATEGORIES = ["市容环境", "街面秩序", "设施管理"]
SOURCES = [None, "patrol", "hotline", "whistle", "app"]
URGENCIES = ["emergency", "utility", "general", "complex"]
REQUEST_TYPES = [None, "request", "complaint", "consultation"]


def random_city(seed: int, n: int = 700) -> tuple[list[dict], list[dict], list[dict]]:
    """Cases from 2025-01-20 to 2025-04-20 with every kind of gap and contradiction, values
    known to the day only (stored as midnight, with their day_precision bit), ratings of
    primary, assisting (园林局 only ever assists) and uninvolved departments (环保局 is never
    on a case; its ratings count for it), some departments rated twice on one case, and
    grids with households."""
    rng = np.random.default_rng(seed)
    handling = np.random.default_rng(seed + 1000)  # its own stream: the other columns stay
    # A second stream for what came later, so the first draws the same city as before.
    more = np.random.default_rng(seed + 1000)
    kinds = np.random.default_rng(seed + 2000)  # request types and self-handling, added last
    t0 = datetime(2025, 1, 20)
    rows, rates = [], []
    for i in range(n):
        district, street, community, grid = PLACES[rng.integers(len(PLACES))]
        rep = t0 + timedelta(minutes=int(rng.integers(0, 90 * 24 * 60)))

        def later(base, lo=-60, hi=20 * 24 * 60):
            if base is None or rng.random() < 0.25:
                return None
            return base + timedelta(minutes=int(rng.integers(lo, hi)))

        disp = later(rep, 0, 600)
        dept = DEPARTMENTS[rng.integers(len(DEPARTMENTS))] if disp else None
        helpers = [d for d in [*DEPARTMENTS[1:], "园林局"] if d != dept and rng.random() < 0.2]
        row = make_case(
            case_id=f"R{seed}-{i:04d}",
            reported_at=rep,
            district=district,
            street=street,
            community=community,
            grid_id=grid,
            category=CATEGORIES[rng.integers(len(CATEGORIES))],
            source=SOURCES[rng.integers(len(SOURCES))],
            urgency=URGENCIES[rng.integers(len(URGENCIES))],
            department=dept,
            assist_departments=";".join(helpers) or None,
            dispatched_at=disp,
            responded_at=later(disp, -20, 240),
            resolved_at=later(disp),
            closed_at=later(rep, -120),
            deadline=later(rep, 60, 14 * 24 * 60) if rng.random() < 0.5 else None,
            status="cancelled" if rng.random() < 0.05 else "open",
            solved=[None, True, False][rng.integers(3)],
            satisfaction=[None, "satisfied", "basic", "dissatisfied"][rng.integers(4)],
            reopened=[None, 0, 1, 2][rng.integers(4)],
            reassigned=[None, 0, 1][rng.integers(3)],
        )
        row |= _handling(handling, rep, row["deadline"])
        row["request_type"] = REQUEST_TYPES[kinds.integers(len(REQUEST_TYPES))]
        row["self_handled"] = [None, True, False][kinds.integers(3)]
        for column in DAY_PRECISION_COLUMNS:
            if row[column] is not None and more.random() < 0.15:
                row[column] = datetime.combine(row[column].date(), datetime.min.time())
                row["day_precision"] |= day_bit(column)
        rows.append(row)
        for rated in {d for d in [dept, *helpers, "环保局"] if d and rng.random() < 0.3}:
            rates.append(make_rating(row["case_id"], rated, float(rng.integers(40, 101))))
            if more.random() < 0.3:
                again = rep + timedelta(days=int(more.integers(1, 30)))
                score = float(more.integers(0, 101))
                rates.append(make_rating(row["case_id"], rated, score, rated_at=again))
    grids = [
        make_grid(g, 100 + 7 * k, district=d, street=s, community=c)
        for k, (d, s, c, g) in enumerate(PLACES)
        if g
    ]
    grids.append(make_grid("G9", 80, district="东城区", street="景山街道", community="社区C"))
    return rows, rates, grids


def _handling(rng: np.random.Generator, rep: datetime, deadline: datetime | None) -> dict:
    """Extensions (some before the deadline), suspensions resumed, still suspended or closed
    while suspended (the cube's as_of falls inside some), resumptions before the suspension
    or without one."""

    def hours(lo: float, hi: float) -> timedelta:
        return timedelta(hours=float(rng.uniform(lo, hi)))

    out: dict = {"extended_deadline": None, "suspended_at": None, "resumed_at": None}
    if rng.random() < 0.15:
        out["extended_deadline"] = (deadline or rep) + hours(-48, 20 * 24)
    draw = rng.random()
    if draw < 0.15:
        out["suspended_at"] = rep + hours(-5, 15 * 24)
        if rng.random() < 0.6:
            out["resumed_at"] = out["suspended_at"] + hours(-24, 12 * 24)
    elif draw < 0.18:
        out["resumed_at"] = rep + hours(0, 10 * 24)
    return out


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """A writer and a read-only reader on one DuckDB file holding a random city; the reader
    has the cube for the default rules."""
    url = f"duckdb:///{tmp_path_factory.mktemp('cube') / 'store.duckdb'}"
    writer = open_store(url)
    insert(writer, *random_city(1))
    reader = open_store(url, read_only=True)
    assert cubebuild.build(reader) is not None
    yield writer, reader
    reader.dispose()
    writer.dispose()


def same(call, used: list[str]) -> pd.DataFrame:
    """``call()`` from the cube equals ``call()`` from the cases; the cube's frame."""
    used.clear()
    fast = call()
    assert used, "not answered from the cube"
    with cube.bypassed():
        used.clear()
        slow = call()
        assert not used
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    return fast


PERIODS = ["2025-02", "2025Q1", "2025", "2025-W07", "2025-01-25..2025-03-03", "2025-03-03"]
SCOPES = [
    None,
    {"district": "东城区"},
    {"district": "东城区", "street": "东华门街道"},
    {"street": "东华门街道", "community": "社区A"},
    {"grid_id": "G2"},
    {"department": "水务局"},
    {"category": "街面秩序", "district": "西城区"},
    {"source": "whistle"},
    {"urgency": "emergency"},
    {"district": "北城区"},  # no such district: empty tables, not an error
]


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("by", [lv for lv in LEVELS if cube.covers(lv)])
def test_kpi_tables_from_the_cube_equal_those_from_the_cases(city, attached, by, period):
    _, reader = city
    table = same(lambda: kpi_table(reader, Selection.build(by, period)), attached)
    if by != "city" and period == "2025":
        assert len(table) >= 2 and table["cases"].sum() > 0


@pytest.mark.parametrize("scope", [None, {"district": "东城区", "street": "东华门街道"}], ids=str)
@pytest.mark.parametrize("by", ["category", "urgency"])
def test_splits_within_a_scope_from_the_cube(city, attached, by, scope):
    _, reader = city
    same(lambda: kpi_table(reader, Selection.build(by, "2025Q1", scope=scope)), attached)


def test_a_split_by_request_type_reads_the_cases(city, attached):
    _, reader = city
    attached.clear()
    table = kpi_table(reader, Selection.build("request_type", "2025"))
    assert not attached  # the cube has no request_type dimension
    assert table["cases"].sum() > 0


@pytest.mark.parametrize("scope", SCOPES, ids=str)
@pytest.mark.parametrize("by", ["city", "district", "street", "grid", "department"])
def test_scoped_tables_from_the_cube_equal_those_from_the_cases(city, attached, by, scope):
    _, reader = city
    for period in (
        "2025Q1",
        "2025-02-10..2025-03-20",
        "2025",
        "2025-02",
    ):  # kept medians: a year, a month
        same(lambda p=period: kpi_table(reader, Selection.build(by, p, scope=scope)), attached)


def test_assessments_with_rank_change_from_the_cube(city, attached):
    _, reader = city
    for by in ("street", "grid", "department"):
        ranked = same(lambda b=by: assess(reader, Selection.build(b, "2025-03")), attached)
        assert ranked["rank_change"].notna().any()


@pytest.mark.parametrize("freq", ["day", "week", "month"])
@pytest.mark.parametrize("by", ["city", "district", "category", "grid"])
def test_series_from_the_cube_equal_those_from_the_cases(city, attached, freq, by):
    _, reader = city
    kpis = ["cases", "response_rate", "satisfaction_rate", "median_handling_h", "composite_score"]
    frame = same(
        lambda: kpi_series(reader, Selection.build(by, "2025-01-27..2025-03-16"), kpis, freq=freq),
        attached,
    )
    assert frame["cases"].sum() > 0
    scoped = {"district": "东城区"}
    same(
        lambda: kpi_series(reader, Selection.build(by, "2025Q1", scope=scoped), kpis, freq=freq),
        attached,
    )


@pytest.mark.parametrize("scope", [None, {"district": "东城区"}, {"source": "whistle"}], ids=str)
def test_cooperation_from_the_cube(city, attached, scope):
    _, reader = city
    table = same(
        lambda: cooperation_table(reader, Selection.build("department", "2025Q1", scope=scope)),
        attached,
    )
    if scope is None:
        assert table["assist_cases"].sum() > 0 and table["whistle_cases"].sum() > 0
        assert "园林局" in set(table["department"])  # assisting, never primary
        # Never on a case, yet its ratings count for it (contract §1).
        off = table.set_index("department").loc["环保局"]
        assert off["cases"] == 0 and off["assist_cases"] == 0 and off["rating_count"] > 0


@pytest.mark.parametrize("period", ["2025", "2025Q1", "2025-02", "2025-02-10..2025-03-20"])
def test_cooperation_of_whole_months_adds_the_kept_month_sums(city, attached, period, monkeypatch):
    """Whistle cases and assists of whole months (a month, a quarter, a year) add up the
    cube's per-department month sums; other periods read its per-case tables; both equal
    the cases' figures."""
    _, reader = city
    per_case = []
    original = cubequery._per_department

    def counted(cube_, table, *args, **kwargs):
        per_case.append(table.name)
        return original(cube_, table, *args, **kwargs)

    monkeypatch.setattr(cubequery, "_per_department", counted)
    table = same(lambda: cooperation_table(reader, Selection.build("department", period)), attached)
    assert table["whistle_cases"].sum() > 0 and table["assist_cases"].sum() > 0
    whole = ".." not in period
    assert sorted(per_case) == (["ratings_f"] if whole else ["assist_f", "facts", "ratings_f"])


@pytest.mark.parametrize("by", ["city", "district", "street", "grid", "department"])
def test_kaplan_meier_from_the_cube(city, attached, by):
    _, reader = city
    table = same(lambda: km_handling(reader, Selection.build(by, "2025Q1")), attached)
    assert (table["censored"] > 0).any()
    same(
        lambda: km_handling(reader, Selection.build(by, "2025-02", scope={"district": "东城区"})),
        attached,
    )


@pytest.mark.parametrize("period", ["2025", "2025-02", "2025-03"])
def test_kaplan_meier_of_a_year_or_month_from_the_kept_figures(city, attached, period, monkeypatch):
    """A calendar year's or a whole month's Kaplan–Meier table by department comes from
    the figures the cube keeps (no per-case row read), equal to the cases' bit for bit."""
    _, reader = city

    def per_case(*args, **kwargs):
        raise AssertionError("the per-case rows were read")

    monkeypatch.setattr(cubequery, "km_rows", per_case)
    table = same(lambda: km_handling(reader, Selection.build("department", period)), attached)
    assert len(table) >= 3 and table["resolved"].sum() > 0
    if period != "2025-03":
        assert (table["censored"] > 0).any()


def test_weights_grades_and_basic_satisfaction_share_the_cube(city, attached):
    _, reader = city
    softer = dataclasses.replace(
        default_rules(),
        basically_satisfied=0.5,
        weights={"response": 0.3, "solved": 0.3, "satisfaction": 0.4},
    )
    assert cube.fingerprint(softer, datetime(2025, 4, 1)) == cube.fingerprint(
        default_rules(), datetime(2025, 4, 1)
    )
    got = same(lambda: assess(reader, Selection.build("street", "2025Q1", rules=softer)), attached)
    base = assess(reader, Selection.build("street", "2025Q1"))
    assert (got["satisfaction_rate"] <= base["satisfaction_rate"] + 1e-12).all()


def test_other_time_limits_need_their_own_cube(city, attached):
    _, reader = city
    quick = parse_rules(
        'name = "quick"\n[response_sla_minutes]\ndefault = 30\nwhistle = 10\n', "quick"
    )
    attached.clear()
    before = kpi_table(reader, Selection.build("street", "2025Q1", rules=quick))
    assert not attached  # no cube for these limits yet: computed from the cases
    assert cubebuild.build(reader, quick) is not None
    after = same(
        lambda: kpi_table(reader, Selection.build("street", "2025Q1", rules=quick)), attached
    )
    pd.testing.assert_frame_equal(before, after, check_exact=False, rtol=1e-12)
    default = kpi_table(reader, Selection.build("street", "2025Q1"))
    assert (after["response_rate"] <= default["response_rate"] + 1e-12).all()


def test_excluded_request_types_need_their_own_cube(city, attached):
    _, reader = city
    base = kpi_table(reader, Selection.build("street", "2025Q1"))
    most = int(base["cases"].max())  # every street but the biggest is a small sample
    text = f'name = "no-consult"\nmin_cases = {most}\n[request_types]\nexclude = ["consultation"]\n'
    scheme = parse_rules(text + "[[deduct]]\nkpi = 'suspended_open'\nper = 1\npoints = 1\n")
    assert cube.fingerprint(scheme, datetime(2025, 4, 1)) != cube.fingerprint(
        default_rules(), datetime(2025, 4, 1)
    )
    assert cubebuild.build(reader, scheme) is not None
    sel = Selection.build("street", "2025Q1", rules=scheme)
    got = same(lambda: kpi_table(reader, sel), attached)
    assert got["cases"].sum() == base["cases"].sum()  # excluded types still count in cases
    assert got["closure_rate_den"].sum() < base["closure_rate_den"].sum()
    ranked = same(lambda: assess(reader, sel), attached)
    assert ranked["small_sample"].any() and ranked["rank"].notna().any()
    assert ranked.loc[ranked["small_sample"], "rank"].isna().all()


def test_working_day_deadlines_in_the_cube(city, attached):
    _, reader = city
    text = (
        'name = "workdays"\ncalendar = "working_days"\n[deadline_working_days]\n'
        "emergency = 1\nutility = 1\ngeneral = 3\ncomplex = 10\n"
    )
    rules = parse_rules(text, "workdays")
    assert cubebuild.build(reader, rules) is not None
    for by in ("street", "grid"):
        same(
            lambda b=by: kpi_table(
                reader, Selection.build(b, "2025-01-25..2025-03-20", rules=rules)
            ),
            attached,
        )
    for scope in (None, {"district": "东城区"}):
        same_supervision(reader, attached, scope=scope, rules=rules)


def test_the_cube_keeps_the_calendar_of_a_year_without_published_make_up_days(tmp_path, attached):
    """2031: statutory holidays only, then a city's notice for it; the cube's deadline rows
    equal the cases' under each, and a cube built for one calendar is not read for the other."""
    shift = datetime(2031, 1, 6) - datetime(2025, 1, 20)  # Monday to Monday, over 春节 2031
    rows, rates, grids = random_city(3, 400)
    for row in rows:
        row.update({k: v + shift for k, v in row.items() if isinstance(v, datetime)})
    url = f"duckdb:///{tmp_path / 'store.duckdb'}"
    writer = open_store(url)
    insert(writer, rows, rates, grids)
    reader = open_store(url, read_only=True)
    text = (
        'name = "workdays"\ncalendar = "working_days"\n[deadline_working_days]\n'
        "emergency = 1\nutility = 1\ngeneral = 3\ncomplex = 10\n"
    )
    # a made-up notice with a long break, so that many deadlines move
    notice = '[workdays]\nholidays = ["2031-01-20..2031-02-07"]\nworking = ["2031-01-18"]\n'
    plain, city = parse_rules(text), parse_rules(text + notice)
    period = "2031-01-10..2031-02-20"
    try:
        assert cubebuild.build(reader, plain) is not None
        tables = {}
        for rules in (plain, city):
            for by in ("street", "department"):
                sel = Selection.build(by, period, rules=rules)
                tables[rules.hash, by] = same(lambda s=sel: kpi_table(reader, s), attached)
            if rules is plain:
                attached.clear()
                kpi_table(reader, Selection.build("street", period, rules=city))
                assert not attached  # the plain calendar's cube is not the city's
                assert cubebuild.build(reader, city) is not None
        a, b = tables[plain.hash, "street"], tables[city.hash, "street"]
        assert b["on_time_rate_num"].sum() > a["on_time_rate_num"].sum()  # the calendar mattered
        assert a.attrs["calendar_note"] and not b.attrs["calendar_note"]
    finally:
        reader.dispose()
        writer.dispose()


def supervision(engine, scope=None, rules=None, as_of=None) -> list[pd.DataFrame]:
    """The supervision page's tables (metrics.supervision) within ``scope``: ageing of the
    whole scope and per unit, open and overdue counts per unit, red and yellow cards."""
    sel = Selection.build("city", None, scope=scope, rules=rules, as_of=as_of)
    frames = [ageing(engine, sel)]
    for by in ("district", "street", "grid", "department", "urgency"):
        frames += [ageing(engine, sel, by=by), overdue_counts(engine, sel.by(by))]
    frames += [
        overdue_counts(engine, sel.by("city")),
        overdue_counts(engine, sel.by("street"), within_hours=72),  # the open cases, not counts
        overdue_counts(engine, sel.by("request_type")),  # not in the cube: read from the cases
        red_cards(engine, sel, limit=None),
        red_cards(engine, sel, limit=7, offset=3),
        yellow_cards(engine, sel, within_hours=24 * 5, limit=None),
    ]
    return frames


def same_supervision(engine, attached, **how) -> list[pd.DataFrame]:
    """supervision(engine, **how) from the cube equals it from the cases, notes included."""
    # the cube of these rules and as_of (built again if other tests' cubes took its room)
    assert cubebuild.build(engine, how.get("rules"), as_of=how.get("as_of")) is not None
    attached.clear()
    found = supervision(engine, **how)
    assert attached, "not answered from the cube"
    with cube.bypassed():
        attached.clear()
        slow = supervision(engine, **how)
        assert not attached
    for fast, cases in zip(found, slow, strict=True):
        pd.testing.assert_frame_equal(fast, cases, check_exact=True)
        assert fast.attrs == cases.attrs
    return found


@pytest.mark.parametrize("scope", SCOPES, ids=str)
def test_supervision_from_the_cube(city, attached, scope):
    _, reader = city
    frames = same_supervision(reader, attached, scope=scope)
    if scope is None:  # at the latest timestamp, every open case is weeks old
        buckets, red = frames[0], frames[-3]
        assert buckets["overdue"].sum() > 0 and len(red) == buckets["overdue"].sum()


def test_the_supervision_pages_tables_read_the_counts_per_unit(city):
    """The whole city's or a district's ageing and counts per street or department read the
    cube's counts per street, department and age bucket; cards and grids its open cases."""
    _, reader = city
    read: list[str] = []

    def spy(conn, cursor, statement, *args):
        read.append(statement)

    event.listen(reader, "before_cursor_execute", spy)
    try:
        for scope in (None, {"district": "东城区"}):
            sel = Selection.build("department", None, scope=scope)
            for call, table in (
                (lambda s=sel: ageing(reader, s), cube.OPEN_UNITS),
                (lambda s=sel: overdue_counts(reader, s), cube.OPEN_UNITS),
                (lambda s=sel: overdue_counts(reader, s.by("street")), cube.OPEN_UNITS),
                (lambda s=sel: overdue_counts(reader, s.by("grid")), cube.OPEN),
                (lambda s=sel: red_cards(reader, s), cube.OPEN),
            ):
                read.clear()
                call()
                tables = {n for q in read for n in re.findall(r"gp_cube_\w+\.(\w+)", q)}
                found = tables & {cube.OPEN_UNITS, cube.OPEN}
                assert found == {table}
    finally:
        event.remove(reader, "before_cursor_execute", spy)


def test_an_explicit_as_of_uses_a_cube_built_for_it(city, attached):
    _, reader = city
    moment = datetime(2025, 3, 1, 12)
    attached.clear()
    kpi_table(reader, Selection.build("street", "2025-02", as_of=moment))
    assert not attached
    assert cubebuild.build(reader, as_of=moment) is not None
    table = same(
        lambda: kpi_table(reader, Selection.build("street", "2025-02", as_of=moment)), attached
    )
    assert table["overdue_open"].sum() > 0
    frames = same_supervision(reader, attached, as_of=moment)
    buckets, red, yellow = frames[0], frames[-3], frames[-1]  # cases of every age open then
    assert (buckets["open_cases"] > 0).all() and len(red) == buckets["overdue"].sum() > 0
    assert len(yellow) > 0 and (red["reported_at"] <= moment).all()


def test_a_write_makes_the_cube_stale(tmp_path, attached):
    url = f"duckdb:///{tmp_path / 'store.duckdb'}"
    writer = open_store(url)
    rows, rates, grids = random_city(2, 120)
    insert(writer, rows, rates, grids)
    reader = open_store(url, read_only=True)
    try:
        path = cubebuild.build(reader)
        before = same(lambda: kpi_table(reader, Selection.build("city", "2025")), attached)
        insert(writer, [make_case(reported_at=datetime(2025, 2, 2, 9))])
        attached.clear()
        after = kpi_table(reader, Selection.build("city", "2025"))
        assert not attached  # the cube was for the data before the write
        assert after["cases"].iloc[0] == before["cases"].iloc[0] + 1
        again = cubebuild.build(reader)
        assert again != path and again.exists() and not path.exists()
        same(lambda: kpi_table(reader, Selection.build("city", "2025")), attached)
    finally:
        reader.dispose()
        writer.dispose()


def test_no_cube_without_a_result_folder(city, tmp_path):
    writer, _ = city
    assert cubebuild.build(writer) is None  # a writing engine keeps nothing beside the store
    empty = open_store(f"duckdb:///{tmp_path / 'empty.duckdb'}")
    empty.dispose()
    reader = open_store(f"duckdb:///{tmp_path / 'empty.duckdb'}", read_only=True)
    try:
        assert cubebuild.build(reader) is None  # nothing to summarise
    finally:
        reader.dispose()


@pytest.mark.parametrize(
    ("period", "kept"),
    [
        ("2025", "year_street"),
        ("2025Q1", "qdur_street"),
        ("2025-02", "mdur_street"),
        ("2025-02-01..2025-04-30", None),  # three whole months, not a calendar quarter
        ("2025-W07", None),
    ],
)
def test_whole_months_and_years_read_the_kept_medians(period, kept):
    """A calendar year's, quarter's or a whole month's medians and means come from the
    per-unit tables the cube keeps; other periods' from the durations (equal either way:
    the tests above)."""
    rules = Selection.build("street", period).rules
    names = ["handling_hours", "response_minutes_mean"]
    stub = cube.Cube(Path("cube-x.duckdb"), "x")
    sql = str(measures(stub, "street", parse_period(period), None, names, rules))
    read = set(re.findall(r"FROM gp_cube_x\.(\w+)", sql))
    kept_tables = {"year_street", "qdur_street", "mdur_street"}
    durations = kept_tables | {"val_handling_hours", "val_response_minutes"}
    assert read & durations == ({kept} if kept else durations - kept_tables)


@pytest.mark.parametrize(
    ("period", "sums"),
    [
        ("2025", "ysum_street"),
        ("2025Q1", "qsum_street"),
        ("2025-02", "month_street"),
        ("2025-02-01..2025-04-30", "month_street"),  # three whole months, not a quarter
        ("2025-02-10..2025-04-20", "month_street"),  # March, and the edge days from facts
    ],
)
def test_calendar_years_and_quarters_read_their_kept_sums(period, sums):
    """A calendar year's or quarter's counts come from the sums the cube keeps per unit and
    span (one row per unit), other whole months from the monthly sums."""
    rules = Selection.build("street", period).rules
    stub = cube.Cube(Path("cube-x.duckdb"), "x")
    sql = str(measures(stub, "street", parse_period(period), None, ["cases"], rules))
    read = set(re.findall(r"FROM gp_cube_x\.(\w+)", sql))
    assert read & {"ysum_street", "qsum_street", "month_street"} == {sums}
    assert ("facts" in read) == (period == "2025-02-10..2025-04-20")


@pytest.mark.parametrize(
    ("period", "months", "edges"),
    [
        ("2025", ("2025-01-01", "2025-12-01"), []),
        ("2025-03", ("2025-03-01", "2025-03-01"), []),
        ("2025-02-10..2025-04-30", ("2025-03-01", "2025-04-01"), [("2025-02-10", "2025-02-28")]),
        ("2025-01-01..2025-03-15", ("2025-01-01", "2025-02-01"), [("2025-03-01", "2025-03-15")]),
        ("2025-02-10..2025-03-15", None, [("2025-02-10", "2025-03-15")]),
        ("2025-W09", None, [("2025-02-24", "2025-03-02")]),
        (
            "2024-12-31..2025-02-01",
            ("2025-01-01", "2025-01-01"),
            [("2024-12-31", "2024-12-31"), ("2025-02-01", "2025-02-01")],
        ),
    ],
)
def test_periods_split_into_whole_months_and_edge_days(period, months, edges):
    def day(text):
        return (datetime.fromisoformat(text) - datetime(1970, 1, 1)).days

    got_months, got_edges = split(parse_period(period))
    assert got_months == (None if months is None else (day(months[0]), day(months[1])))
    assert got_edges == [(day(a), day(b)) for a, b in edges]


def test_many_threads_read_the_cube_at_once(city, attached):
    """Connections of one database share its attached cube: an ATTACH undone by another
    connection's rollback once made concurrent queries fail (\"catalog does not exist\")."""
    _, reader = city
    assert cubebuild.build(reader) is not None  # (kept: the three cubes built above may evict it)
    expected = {
        by: kpi_table(reader, Selection.build(by, "2025Q1"))
        for by in ("district", "street", "grid")
    }
    errors: list[BaseException] = []

    def browse(i: int) -> None:
        for j in range(12):
            by = ("district", "street", "grid")[(i + j) % 3]
            try:
                got = kpi_table(reader, Selection.build(by, "2025Q1"))
                pd.testing.assert_frame_equal(got, expected[by])
            except BaseException as exc:  # every failure fails the test
                errors.append(exc)

    threads = [threading.Thread(target=browse, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, [f"{type(e).__name__}: {e}"[:200] for e in errors[:3]]
    assert len(attached) >= 100


@pytest.mark.parametrize("by", ["street", "grid", "department"])
def test_the_apps_export_is_the_command_lines_byte_for_byte(city, attached, tmp_path, by):
    """The app exports through the cube, `gridpulse assess` from the cases: the same file."""
    writer, reader = city
    assert cubebuild.build(reader) is not None
    attached.clear()
    write_assessment(reader, Selection.build(by, "2025Q1"), tmp_path / "app.csv")
    assert attached
    write_assessment(writer, Selection.build(by, "2025Q1"), tmp_path / "cli.csv")
    assert (tmp_path / "app.csv").read_bytes() == (tmp_path / "cli.csv").read_bytes()
