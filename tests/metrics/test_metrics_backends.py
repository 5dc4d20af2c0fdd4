"""DuckDB and PostgreSQL give the same tables on the same random data."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from metrics_factory import insert, make_case, make_grid, make_rating

from metrics import (
    ageing,
    assess,
    cooperation_table,
    explain_counts,
    km_handling,
    kpi_series,
    overdue_counts,
    parse_rules,
    red_cards,
    yellow_cards,
)
from metrics.selection import Selection

pytestmark = pytest.mark.postgres


def random_city(seed: int = 7, n: int = 400):
    rng = np.random.default_rng(seed)
    streets = [("东城区", "东华门街道"), ("东城区", "景山街道"), ("西城区", "西长安街街道")]
    grids = [
        make_grid(
            f"G{i}",
            int(rng.integers(100, 500)),
            district=streets[i % 3][0],
            street=streets[i % 3][1],
            community=f"社区{i % 5}",
        )
        for i in range(12)
    ]
    rows, rates = [], []
    t0 = datetime(2025, 2, 20)
    for i in range(n):
        g = grids[int(rng.integers(0, 12))]
        rep = t0 + timedelta(minutes=int(rng.integers(0, 60 * 24 * 50)))
        disp = rep + timedelta(minutes=int(rng.integers(-30, 600))) if rng.random() < 0.9 else None

        def after(base, scale, p=0.8):
            if base is None or rng.random() > p:
                return None
            return base + timedelta(minutes=int(rng.integers(-20, scale)))

        row = make_case(
            case_id=f"R{i:05d}",
            reported_at=rep,
            district=g["district"],
            street=g["street"],
            community=g["community"],
            grid_id=g["grid_id"],
            category=["市容环境", "街面秩序", "设施管理"][i % 3],
            source=["patrol", "hotline", "whistle", None][int(rng.integers(0, 4))],
            urgency=["emergency", "utility", "general", "complex"][int(rng.integers(0, 4))],
            department=["城管", "住建", "水务", None][int(rng.integers(0, 4))],
            assist_departments=["住建;公安", None, "水务", None][int(rng.integers(0, 4))],
            dispatched_at=disp,
            responded_at=after(disp, 200),
            resolved_at=after(disp, 9000),
            closed_at=after(rep, 12000, 0.6),
            deadline=rep + timedelta(hours=48) if rng.random() < 0.2 else None,
            status="cancelled" if rng.random() < 0.05 else "open",
            solved=[True, False, None][int(rng.integers(0, 3))],
            satisfaction=["satisfied", "basic", "dissatisfied", None][int(rng.integers(0, 4))],
            reopened=int(rng.integers(0, 2)),
            reassigned=int(rng.integers(0, 2)),
        )
        rows.append(row)
        if row["department"] and rng.random() < 0.5:
            rates.append(
                make_rating(row["case_id"], row["department"], float(rng.integers(50, 101)))
            )
    return rows, rates, grids


KEYS = ("district", "street", "community", "grid_id", "department", "category", "source")


def _same(a: pd.DataFrame, b: pd.DataFrame, keys=None) -> None:
    """Equal up to row order (string collation differs between the databases)."""
    keys = list(keys or [c for c in a.columns if c in KEYS])
    if keys:
        a = a.sort_values(keys).reset_index(drop=True)
        b = b.sort_values(keys).reset_index(drop=True)
    assert len(a) > 0
    pd.testing.assert_frame_equal(
        a, b, check_dtype=False, check_exact=False, rtol=1e-9, check_categorical=False
    )


@pytest.fixture
def both(duck_store, pg_store):
    data = random_city()
    for engine in (duck_store, pg_store):
        insert(engine, *data)
    return duck_store, pg_store


def test_assessments_equal(both):
    duck, pg = both
    wd = parse_rules(
        'name = "wd"\ncalendar = "working_days"\n[deadline_working_days]\n'
        "general = 3\ncomplex = 10\n"
    )
    for by in (
        "city",
        "district",
        "street",
        "community",
        "grid",
        "department",
        "category",
        "source",
    ):
        for period in ("2025-03", "2025Q1", "2025-W11"):
            _same(
                assess(duck, Selection.build(by, period)), assess(pg, Selection.build(by, period))
            )
        at = "2025-03-20 12:00"
        _same(
            assess(duck, Selection.build(by, "2025-03", rules=wd, as_of=at)),
            assess(pg, Selection.build(by, "2025-03", rules=wd, as_of=at)),
        )


def test_other_views_equal(both):
    duck, pg = both
    _same(
        red_cards(duck, Selection.build("city", None)),
        red_cards(pg, Selection.build("city", None)),
        ["case_id"],
    )
    _same(
        yellow_cards(duck, Selection.build("city", None), within_hours=72),
        yellow_cards(pg, Selection.build("city", None), within_hours=72),
        ["case_id"],
    )
    _same(
        overdue_counts(duck, Selection.build("street", None)),
        overdue_counts(pg, Selection.build("street", None)),
        ["district", "street"],
    )
    _same(
        ageing(duck, Selection.build("city", None), by="district"),
        ageing(pg, Selection.build("city", None), by="district"),
        ["district", "bucket"],
    )
    _same(
        cooperation_table(duck, Selection.build("department", "2025-03")),
        cooperation_table(pg, Selection.build("department", "2025-03")),
        ["department"],
    )
    _same(
        km_handling(duck, Selection.build("street", "2025-03")),
        km_handling(pg, Selection.build("street", "2025-03")),
        ["district", "street"],
    )
    for freq in ("day", "week", "month"):
        _same(
            kpi_series(
                duck,
                Selection.build("district", "2025Q1"),
                ["cases", "response_rate", "composite_score"],
                freq=freq,
            ),
            kpi_series(
                pg,
                Selection.build("district", "2025Q1"),
                ["cases", "response_rate", "composite_score"],
                freq=freq,
            ),
            ["district", "ds"],
        )
    for kid in (
        "response_rate",
        "on_time_rate",
        "median_handling_h",
        "overdue_open",
        "satisfaction_rate",
    ):
        args = (Selection.build("street", "2025-03"), "东城区/东华门街道", kid)
        assert explain_counts(duck, *args) == explain_counts(pg, *args)
