"""Tests of the synthetic city: files, determinism, realism in numbers, planted dirty rows."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path

import chinese_calendar
import numpy as np
import pandas as pd
import pytest

import sample_data
from sample_data import SampleSummary, generate_city

CANONICAL = (
    "case_id,reported_at,category,subcategory,district,street,community,grid_id,source,urgency,"
    "department,assist_departments,accepted_at,dispatched_at,responded_at,resolved_at,closed_at,"
    "deadline,extended_deadline,suspended_at,resumed_at,status,solved,satisfaction,reopened,"
    "reassigned,lat,lon,request_type,self_handled"
)
SMALL = {"grids": 300, "years": 2, "cases_per_year": 60_000, "seed": 7}
TIMES = ("accepted_at", "dispatched_at", "responded_at", "resolved_at", "closed_at", "deadline")
STAGES = TIMES[:-1]
HANDLING = ("extended_deadline", "suspended_at", "resumed_at")
FORMAT = "%Y-%m-%d %H:%M:%S"


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SampleSummary]:
    out = tmp_path_factory.mktemp("city")
    return out, generate_city(out, **SMALL)


@pytest.fixture(scope="module")
def raw(city: tuple[Path, SampleSummary]) -> pd.DataFrame:
    """cases.csv as text, empty cells as empty strings."""
    return pd.read_csv(city[0] / "cases.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def cases(raw: pd.DataFrame) -> pd.DataFrame:
    """The clean rows (latest version of each case) with parsed times and numbers."""
    df = raw[(raw.case_id != "") & (raw.category != "")]
    df = df.drop_duplicates("case_id", keep="last").copy()
    df["reported"] = pd.to_datetime(df.reported_at, format=FORMAT, errors="coerce")
    df = df[df.reported.notna()]
    for column in (*TIMES, *HANDLING):
        df[column] = pd.to_datetime(df[column].replace("", None), format=FORMAT)
    df["reopened"] = df.reopened.astype(int)
    df["reassigned"] = df.reassigned.astype(int)
    df["day"] = df.reported.dt.normalize()
    return df


def _daily(cases: pd.DataFrame, source: str | None = None) -> pd.Series:
    picked = cases if source is None else cases[cases.source == source]
    days = pd.date_range(cases.day.min(), cases.day.max())
    return picked.groupby("day").size().reindex(days, fill_value=0)


def _day_kind(day: dt.date) -> str:
    off, name = chinese_calendar.get_holiday_detail(day)
    if off and name is not None:
        return "holiday"
    if day.weekday() >= 5:
        return "weekend" if off else "makeup"
    return "workday"


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    args = {"grids": 60, "years": 1, "cases_per_year": 8_000}
    first = generate_city(tmp_path / "a", seed=3, **args)
    generate_city(tmp_path / "b", seed=3, **args)
    generate_city(tmp_path / "c", seed=4, **args)
    for name in ("cases.csv", "ratings.csv", "grids.csv", "grids.geojson"):
        same = (tmp_path / "a" / name).read_bytes()
        assert same == (tmp_path / "b" / name).read_bytes(), name
        assert same != (tmp_path / "c" / name).read_bytes(), name
    assert first.cases == 8_000


def test_files_have_the_contract_columns(city: tuple[Path, SampleSummary]) -> None:
    out, _ = city
    assert (out / "cases.csv").read_text(encoding="utf-8").split("\n", 1)[0] == CANONICAL
    assert (out / "ratings.csv").open(encoding="utf-8").readline() == (
        "case_id,department,score,rated_at\n"
    )
    assert (out / "grids.csv").open(encoding="utf-8").readline() == (
        "grid_id,community,street,district,households\n"
    )


def test_counts_match_the_summary(city: tuple[Path, SampleSummary], raw: pd.DataFrame) -> None:
    out, summary = city
    assert summary.cases == SMALL["years"] * SMALL["cases_per_year"]
    assert summary.case_rows == len(raw) == summary.cases + summary.dirty.duplicate_case
    assert summary.ratings == len(pd.read_csv(out / "ratings.csv"))
    assert summary.grids == SMALL["grids"] == len(pd.read_csv(out / "grids.csv"))
    assert (summary.first_day, summary.last_day) == (dt.date(2024, 1, 1), dt.date(2025, 12, 31))
    years = pd.to_datetime(raw.reported_at, format=FORMAT, errors="coerce").dt.year
    assert set(years.dropna().astype(int)) == {2024, 2025}


def test_grids_have_polygons_households_and_a_consistent_hierarchy(
    city: tuple[Path, SampleSummary],
) -> None:
    out, _ = city
    grids = pd.read_csv(out / "grids.csv")
    features = json.loads((out / "grids.geojson").read_text(encoding="utf-8"))["features"]
    assert {f["properties"]["grid_id"] for f in features} == set(grids.grid_id)
    assert grids.grid_id.is_unique
    assert grids.households.between(150, 600).all()
    for feature in features:
        ring = feature["geometry"]["coordinates"][0]
        assert feature["geometry"]["type"] == "Polygon" and ring[0] == ring[-1] and len(ring) == 5
        assert all(116.0 <= x <= 116.8 and 39.6 <= y <= 40.2 for x, y in ring)
    assert (grids.groupby("community").street.nunique() == 1).all()
    assert (grids.groupby("street").district.nunique() == 1).all()
    assert 4 <= grids.district.nunique() <= 12
    assert grids.street.str.endswith(("街道", "镇")).all()
    assert grids.community.str.endswith(("社区", "村")).all()


def test_case_locations_lie_inside_their_grid(
    city: tuple[Path, SampleSummary], cases: pd.DataFrame
) -> None:
    features = json.loads((city[0] / "grids.geojson").read_text(encoding="utf-8"))["features"]
    rings = {
        f["properties"]["grid_id"]: np.array(f["geometry"]["coordinates"][0]) for f in features
    }
    sample = cases.sample(5_000, random_state=0)
    quads = np.stack([rings[g][:4] for g in sample.grid_id])
    x, y = sample.lon.astype(float).to_numpy(), sample.lat.astype(float).to_numpy()
    inside = np.zeros(len(sample), dtype=bool)
    for k in range(4):
        (x1, y1), (x2, y2) = quads[:, k].T, quads[:, (k + 1) % 4].T
        crosses = (y1 > y) != (y2 > y)
        inside ^= crosses & (x < (x2 - x1) * (y - y1) / np.where(y2 == y1, 1, y2 - y1) + x1)
    assert inside.all()


def test_volume_is_proportional_to_households_with_hotspots(cases: pd.DataFrame) -> None:
    per_grid = cases.groupby("grid_id").size()
    assert per_grid.max() >= 4 * per_grid.median()
    assert per_grid.max() <= 12 * per_grid.median()


def test_weekdays_are_busier_than_weekends_especially_for_patrols(cases: pd.DataFrame) -> None:
    for source, ratio in ((None, 1.4), ("patrol", 2.5)):
        daily = _daily(cases, source)
        weekend = daily.index.dayofweek >= 5
        assert daily[~weekend].mean() > ratio * daily[weekend].mean()
    hotline = _daily(cases, "hotline")
    weekend = hotline.index.dayofweek >= 5
    assert hotline[weekend].mean() > 0.7 * hotline[~weekend].mean()


def test_public_holidays_are_quiet_and_makeup_days_are_like_workdays(cases: pd.DataFrame) -> None:
    daily = _daily(cases)
    kind = pd.Series([_day_kind(d.date()) for d in daily.index], index=daily.index)
    mean = daily.groupby(kind).mean()
    assert mean["holiday"] < 0.6 * mean["workday"]
    assert abs(mean["makeup"] - mean["workday"]) < abs(mean["makeup"] - mean["weekend"])


def test_yearly_seasons_show_in_the_categories(cases: pd.DataFrame) -> None:
    month, day = cases.reported.dt.month, cases.reported.dt.day
    heating_season = (month <= 2) | (month == 12) | ((month == 3) & (day <= 15))
    heating_season |= (month == 11) & (day >= 15)
    heating = cases.category == "供暖供热"
    assert heating_season[heating].mean() > 0.85
    summer = month.between(6, 8)
    for subcategory in ("露天烧烤", "夜市摊群", "社会生活噪声"):
        assert summer[cases.subcategory == subcategory].mean() > 0.5
    assert summer[cases.subcategory == "道路积水"].mean() > 0.7
    assert month[cases.subcategory == "杨柳飞絮"].between(4, 5).mean() > 0.7


def test_night_nuisances_are_reported_at_night(cases: pd.DataFrame) -> None:
    hour = cases.reported.dt.hour
    night = (hour >= 20) | (hour < 2)
    assert night[cases.subcategory == "社会生活噪声"].mean() > 0.4
    assert night[cases.source == "patrol"].mean() < 0.05


def test_sources_urgencies_and_outcomes_have_realistic_shares(cases: pd.DataFrame) -> None:
    share = cases.source.value_counts(normalize=True)
    assert 0.02 <= share["whistle"] <= 0.03
    assert share["patrol"] > share["hotline"] > share["app"] > share["video"]
    urgency = cases.urgency.value_counts(normalize=True)
    assert 0.02 <= urgency["emergency"] <= 0.04 and 0.08 <= urgency["utility"] <= 0.12
    assert 0.04 <= urgency["complex"] <= 0.06
    assert 0.015 <= (cases.status == "cancelled").mean() <= 0.035
    closed = cases[cases.status == "closed"]
    assert 0.6 <= (closed.solved != "").mean() <= 0.7
    assert 0.03 <= (closed.reopened > 0).mean() <= 0.05
    assert 0.02 <= (cases.reassigned > 0).mean() <= 0.08
    live = cases[cases.status != "cancelled"]
    assert 0.04 <= live.deadline.isna().mean() <= 0.06


def test_departments_differ_in_speed_push_back_and_timeliness(cases: pd.DataFrame) -> None:
    dispatched = cases[cases.department != ""].copy()
    dispatched["response"] = dispatched.responded_at - dispatched.dispatched_at
    dispatched["on_time"] = dispatched.closed_at <= dispatched.deadline
    by = dispatched.groupby("department")
    response = by.response.median()
    assert response.min() <= 0.5 * response.max()
    assert 10 <= by.size().size <= 20
    reassign = by.reassigned.apply(lambda s: (s > 0).mean())
    assert reassign.max() >= 2 * reassign.min()
    closed = dispatched[dispatched.closed_at.notna() & dispatched.deadline.notna()]
    on_time = closed.groupby("department").on_time.mean()
    assert on_time.max() - on_time.min() > 0.1


def test_whistle_calls_are_answered_within_half_an_hour_and_rated(
    city: tuple[Path, SampleSummary], cases: pd.DataFrame
) -> None:
    whistle = cases[(cases.source == "whistle") & cases.responded_at.notna()]
    assert (
        (whistle.responded_at - whistle.dispatched_at) <= pd.Timedelta(minutes=30)
    ).mean() > 0.85
    assists = whistle.assist_departments.str.split(";").str.len()
    assert assists.between(1, 3).all()
    ratings = pd.read_csv(city[0] / "ratings.csv", dtype={"case_id": str})
    rated = ratings.groupby("case_id").department.apply(set)
    closed = whistle[(whistle.status == "closed") & whistle.case_id.isin(rated.index)]
    assert len(closed) > 0.8 * (whistle.status == "closed").sum()
    for row in closed.head(200).itertuples():
        assert rated[row.case_id] == {row.department, *row.assist_departments.split(";")}


def test_ratings_are_mostly_high_and_differ_by_department(
    city: tuple[Path, SampleSummary], raw: pd.DataFrame
) -> None:
    ratings = pd.read_csv(city[0] / "ratings.csv", dtype={"case_id": str})
    assert ratings.score.between(0, 100).all()
    assert ratings.score.between(85, 100).mean() > 0.7
    assert set(ratings.case_id) <= set(raw.case_id)
    means = ratings.groupby("department").score.mean()
    assert means.max() - means.min() > 5


def test_statuses_follow_the_timestamps(cases: pd.DataFrame) -> None:
    present = cases[list(STAGES)].notna()
    # Cases settled on the spot (自行处置) are never dispatched, nor responded to.
    expected = {
        "cancelled": (False, False, False, False, False),
        "open": (None, False, False, False, False),
        "dispatched": (True, True, None, False, False),
        "resolved": (True, True, True, True, False),
        "closed": (True, True, True, True, True),
    }
    spot = cases.self_handled == "是"
    assert set(cases.status) <= set(expected)
    for status, pattern in expected.items():
        for on_spot in (False, True):
            rows = present[(cases.status == status) & (spot == on_spot)]
            if on_spot:  # (dispatched, responded) never, the rest as for the others
                pattern = (pattern[0], False, False, *pattern[3:])
            for column, want in zip(STAGES, pattern, strict=True):
                if want is not None:
                    assert (rows[column] == want).all(), (status, on_spot, column)
    assert (cases[spot].department == "").all() and spot.sum() > 0
    assert not cases[spot].status.isin(["dispatched", "cancelled"]).any()
    ordered = cases[cases.status == "closed"]
    ordered = ordered[ordered.closed_at >= ordered.reported]
    stages = {False: STAGES, True: ("accepted_at", "resolved_at", "closed_at")}
    for on_spot, rows in ordered.groupby(ordered.self_handled == "是"):
        chain = [rows.reported, *(rows[c] for c in stages[on_spot])]
        for earlier, later in itertools.pairwise(chain):
            assert (earlier <= later).all()


def test_handling_columns_have_realistic_rates(cases: pd.DataFrame) -> None:
    live = cases[cases.status != "cancelled"]
    assert 0.03 <= live.extended_deadline.notna().mean() <= 0.08
    suspended = live[live.suspended_at.notna()]
    assert 0.01 <= len(suspended) / len(live) <= 0.02
    assert suspended.resumed_at.notna().mean() > 0.6  # most resumed by the export
    patrol = cases[cases.source == "patrol"]
    assert 0.30 <= (patrol.self_handled == "是").mean() <= 0.50
    hotline = cases[cases.source == "hotline"]
    assert 0.10 <= (hotline.request_type == "咨询").mean() <= 0.20
    types = cases.request_type[cases.request_type != ""].value_counts(normalize=True)
    assert set(types.index) == {"投诉", "求助", "咨询", "建议", "举报", "表扬"}
    assert types["投诉"] > types["建议"] > types["表扬"]
    assert (cases[cases.source.isin(["patrol", "video", "whistle"])].request_type == "").all()
    dispatched = live[live.department != ""]
    assert (dispatched.self_handled == "否").all()


def test_extensions_and_suspensions_are_consistent(cases: pd.DataFrame) -> None:
    both = cases[cases.extended_deadline.notna() & cases.deadline.notna()]
    assert len(both) > 0 and (both.extended_deadline > both.deadline).all()
    assert (cases[cases.extended_deadline.notna()].department != "").all()
    suspended = cases[cases.suspended_at.notna()]
    assert (suspended.suspended_at >= suspended.responded_at).all()
    resumed = suspended[suspended.resumed_at.notna()]
    assert (resumed.resumed_at > resumed.suspended_at).all()
    done = resumed[resumed.resolved_at.notna()]
    assert (done.resolved_at >= done.resumed_at).all()  # the pause delays the resolution
    assert cases[cases.suspended_at.isna()].resumed_at.isna().all()
    still = suspended[suspended.resumed_at.isna()]
    assert len(still) > 0 and still.resolved_at.isna().all()  # 挂账: parked, not resolved


def test_open_cases_are_concentrated_at_the_end(cases: pd.DataFrame) -> None:
    unfinished = cases.status.isin(["open", "dispatched", "resolved"])
    last_month = cases.reported >= pd.Timestamp("2025-12-01")
    assert unfinished[last_month].mean() > 5 * unfinished[~last_month].mean()
    assert (unfinished & ~last_month).sum() > 0  # long-pending cases exist too


def test_dirty_rows_are_those_the_summary_reports(
    city: tuple[Path, SampleSummary], raw: pd.DataFrame
) -> None:
    dirty = city[1].dirty
    reported = pd.to_datetime(raw.reported_at, format=FORMAT, errors="coerce")
    closed = pd.to_datetime(raw.closed_at.replace("", None), format=FORMAT)
    assert (raw.category == "").sum() == dirty.missing_category > 0
    assert (raw.case_id == "").sum() == dirty.empty_case_id > 0
    assert reported.isna().sum() == dirty.bad_reported_at > 0
    assert (closed < reported).sum() == dirty.closed_before_reported > 0
    valid = {"", "满意", "基本满意", "不满意"}
    assert (~raw.satisfaction.isin(valid)).sum() == dirty.junk_satisfaction > 0
    assert (raw.reopened.astype(int) < 0).sum() == dirty.negative_reopened > 0
    named = raw[raw.case_id != ""]
    twice = named[named.case_id.duplicated(keep=False)]
    assert twice.case_id.nunique() == dirty.duplicate_case > 0
    assert (twice.groupby("case_id").size() == 2).all()
    first = twice.drop_duplicates("case_id", keep="first")
    last = twice.drop_duplicates("case_id", keep="last")
    assert (first.status == "dispatched").all() and (first.closed_at == "").all()
    assert last.status.isin(["resolved", "closed"]).all()
    assert (first.index < last.index).all()
    assert 0.002 <= dirty.total / city[1].case_rows <= 0.005


def test_names_are_unique_and_chinese(city: tuple[Path, SampleSummary]) -> None:
    grids = pd.read_csv(city[0] / "grids.csv")
    places = grids.drop_duplicates("community")
    assert places.community.is_unique
    assert places.drop_duplicates("street").street.is_unique
    assert sample_data.CITY_NAME.endswith("市")


def test_large_years_are_written_in_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sample_data, "_CHUNK_CASES", 3_000)
    calls: list[tuple[int, int]] = []
    summary = generate_city(
        tmp_path,
        grids=40,
        years=1,
        cases_per_year=20_000,
        progress=lambda d, t: calls.append((d, t)),
    )
    assert len(calls) > 5
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert calls[-1] == (20_000, 20_000)
    df = pd.read_csv(tmp_path / "cases.csv", dtype=str, keep_default_na=False)
    named = df[df.case_id != ""]
    assert named.case_id.nunique() == summary.cases - summary.dirty.empty_case_id


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate_city(tmp_path, grids=0)
