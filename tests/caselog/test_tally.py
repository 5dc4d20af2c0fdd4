"""The counts kept after a PostgreSQL load (caselog.tally) give what plain pandas gives over the cases."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import text

import forecasting
from caselog import tally
from caselog.ingest import ingest_files
from caselog.overview import store_overview
from forecasting import tallied
from forecasting.series import day_range, extract_panel, hierarchy
from metrics.query import TIMESTAMP_COLUMNS, latest_timestamp
from sample_data import generate_city
from services.afterload import after_load

pytestmark = pytest.mark.postgres

#: Untidy rows beside the sample city: no street, no grid, a cancelled case, one grid named
#: under two communities, dates without a time of day, a time in the future (flagged).
UNTIDY = """case_id,reported_at,category,district,street,community,grid_id,status,closed_at,source
U1,2025-03-01 08:00,市容环境,孤区,,,,open,,hotline
U2,2025-03-01 09:00,市容环境,孤区,孤街,,,cancelled,,
U3,2025-03-02,街面秩序,孤区,孤街,甲社区,GX,closed,2025-03-03,app
U4,2025-03-02 10:00,街面秩序,孤区,孤街,甲社区,GX,open,,app
U5,2025-03-02 11:00,街面秩序,孤区,孤街,乙社区,GX,open,,
U6,2099-01-01 00:00,街面秩序,孤区,孤街,乙社区,GY,open,,video
"""

#: Ratings of a department that is neither the case's primary nor an assisting one.
UNTIDY_RATINGS = """case_id,department,score,rated_at
U3,水务局,80,
U4,城管委,60,
"""
#: The day_precision bit of each timestamp column (caselog.columns).
BITS = {"reported_at": 1, "accepted_at": 2, "dispatched_at": 4, "responded_at": 8}
BITS |= {"resolved_at": 16, "closed_at": 32, "deadline": 64, "extended_deadline": 128}


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tally")
    generate_city(folder, grids=40, years=1, cases_per_year=4000)
    (folder / "untidy.csv").write_text(UNTIDY, encoding="utf-8")
    (folder / "untidy_ratings.csv").write_text(UNTIDY_RATINGS, encoding="utf-8")
    return folder


@pytest.fixture
def loaded(pg_store, city):
    ingest_files(
        pg_store,
        [city / "cases.csv", city / "untidy.csv"],
        ratings=[city / "ratings.csv", city / "untidy_ratings.csv"],
        grids=[city / "grids.csv"],
    )
    # the tally is recounted after the load, with the KPI cube (services.afterload)
    assert after_load(pg_store.url.render_as_string(hide_password=False)).error is None
    return pg_store


def _cases(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(text("SELECT * FROM cases"), conn)


def _expected_overview(engine) -> dict:
    c = _cases(engine)
    month = c["reported_at"].dt.to_period("M").dt.to_timestamp()
    flags: dict[str, int] = {}
    for value in c["quality_flags"].dropna():
        for flag in value.split(";"):
            flags[flag] = flags.get(flag, 0) + 1
    return {
        "cases": len(c),
        "flagged": int(c["quality_flags"].notna().sum()),
        "span": (c["reported_at"].min(), c["reported_at"].max()),
        "month": month.value_counts().sort_index().to_dict(),
        **{key: sorted(c[key].fillna("").value_counts().items()) for key in ("category", "status")},
        "source": sorted(_grouped(c["source"])),
        "district": sorted(_grouped(c["district"])),
        "flags": flags,
        "precision": {col: int((c["day_precision"] & bit != 0).sum()) for col, bit in BITS.items()},
    }


def _grouped(values: pd.Series) -> list[tuple[str, int]]:
    """GROUP BY value, labelled coalesce(value, ''): NULL and '' stay apart."""
    nulls = int(values.isna().sum())
    found = list(values.dropna().value_counts().items())
    return found + ([("", nulls)] if nulls else [])


def _seen(ov) -> dict:
    def pairs(frame):
        return sorted(map(tuple, frame.itertuples(index=False)))

    return {
        "cases": ov.totals["cases"],
        "flagged": ov.totals["flagged"],
        "span": (pd.Timestamp(ov.first_reported), pd.Timestamp(ov.last_reported)),
        "month": {pd.Timestamp(m): n for m, n in ov.by_month.itertuples(index=False)},
        "category": pairs(ov.by_category),
        "status": pairs(ov.by_status),
        "source": pairs(ov.by_source),
        "district": pairs(ov.by_district),
        "flags": dict(ov.quality.itertuples(index=False)),
        "precision": {
            **dict.fromkeys(BITS, 0),
            **dict(ov.day_precision.itertuples(index=False)),
        },
    }


def _off_department(engine) -> int:
    c = _cases(engine).set_index("case_id")
    with engine.connect() as conn:
        r = pd.read_sql(text("SELECT case_id, department FROM ratings"), conn)
    r = r[r["case_id"].isin(c.index)]
    primary = c.loc[r["case_id"], "department"].fillna("").to_numpy()
    assisting = c.loc[r["case_id"], "assist_departments"].fillna("").to_numpy()
    off = [
        d != p and d not in a.split(";")
        for d, p, a in zip(r["department"], primary, assisting, strict=True)
    ]
    return sum(off)


def test_the_load_keeps_a_fresh_tally_that_a_write_makes_stale(loaded):
    with loaded.connect() as conn:
        assert tally.fresh(conn)
        parts = set(conn.execute(text("SELECT DISTINCT part FROM case_tally")).scalars())
    assert {"area", "street_day", "month", "category", "quality", "off_department"} <= parts
    with loaded.begin() as conn:  # any other program's write to the cases
        conn.execute(text("UPDATE cases SET status = 'cancelled' WHERE case_id = 'U4'"))
    with loaded.connect() as conn:
        assert not tally.fresh(conn)
    assert not tallied.usable(loaded)


@pytest.mark.parametrize("stale", [False, True], ids=["tally", "cases"])
def test_the_data_overview_equals_pandas_over_the_cases(loaded, stale):
    if stale:
        with loaded.begin() as conn:
            conn.execute(text("UPDATE cases SET source = NULL WHERE case_id = 'U3'"))
    assert tallied.usable(loaded) is not stale
    ov = store_overview(loaded)
    assert _seen(ov) == _expected_overview(loaded)
    off = dict(ov.rating_quality.itertuples(index=False)).get("off_case_department", 0)
    assert off == _off_department(loaded) > 0


def _expected_tree(engine, level: str) -> pd.DataFrame:
    """forecasting.hierarchy by hand: each unit under the parents most of its live cases name."""
    c = _cases(engine)
    c = c[c["status"] != "cancelled"]

    def path(*cols):
        parts = c[list(cols)].apply(lambda r: "/".join(v for v in r if isinstance(v, str)), axis=1)
        return parts.where(parts != "", None)

    ids = {
        "grid": c["grid_id"].fillna(c["community"]).fillna(c["street"]).fillna(c["district"]),
        "community": path("district", "street", "community"),
        "street": path("district", "street"),
        "district": c["district"],
    }
    names = list(forecasting.LEVELS[forecasting.LEVELS.index(level) : -1])
    frame = pd.DataFrame({n: ids[n] for n in names}).dropna(subset=[level])
    n = frame.fillna("\0").value_counts().rename("n").reset_index().replace("\0", None)
    n = n.sort_values(["n", *names], ascending=[False] + [True] * len(names))
    tree = n.drop_duplicates(level).drop(columns="n").assign(city="city")
    return tree.sort_values(level).reset_index(drop=True)


@pytest.mark.parametrize("level", ["grid", "community", "street", "district"])
def test_the_unit_tree_equals_pandas_over_the_cases(loaded, level):
    assert tallied.usable(loaded)
    got = hierarchy(loaded, level)
    pd.testing.assert_frame_equal(got, _expected_tree(loaded, level), check_dtype=False)
    inside = forecasting.units_within(loaded, level, {"district": "孤区"})
    assert sorted(inside) == sorted(
        _expected_tree(loaded, level).query("district == '孤区'")[level]
    )


@pytest.mark.parametrize("stale", [False, True], ids=["tally", "cases"])
def test_the_latest_timestamp_equals_pandas_over_the_cases(loaded, stale):
    if stale:
        with loaded.begin() as conn:
            conn.execute(text("UPDATE cases SET closed_at = NULL WHERE case_id = 'U3'"))
    with loaded.connect() as conn:
        assert (tally.latest(conn) is None) is stale
    c = _cases(loaded)
    assert latest_timestamp(loaded) == max(c[col].max() for col in TIMESTAMP_COLUMNS)


def test_a_street_history_equals_pandas_over_the_cases(loaded):
    assert tallied.usable(loaded)
    c = _cases(loaded)
    first, last = c["reported_at"].dt.date.min(), c["reported_at"].dt.date.max()
    assert day_range(loaded) == (first, last)
    live = c[c["status"] != "cancelled"]
    for district, street in [("孤区", "孤街"), tuple(live[["district", "street"]].iloc[0])]:
        unit = f"{district}/{street}"
        panel = extract_panel(loaded, "street", unit=unit, scope={"district": district})
        got = panel.to_long().set_index("ds")["y"]
        mine = live[(live["district"] == district) & (live["street"] == street)]
        want = mine.groupby(mine["reported_at"].dt.normalize()).size()
        want = want.reindex(pd.date_range(first, last), fill_value=0).astype(float)
        assert list(panel.ids) == [unit]
        assert got.to_dict() == want.to_dict()
    city = extract_panel(loaded, "city").to_long().set_index("ds")["y"]
    per_day = live.groupby(live["reported_at"].dt.normalize()).size()
    assert city.to_dict() == per_day.reindex(pd.date_range(first, last), fill_value=0).to_dict()
