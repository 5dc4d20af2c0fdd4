"""Assessments split by a case column (category, source, urgency, request_type) within a scope,
compared with plain pandas on a small log."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import openpyxl
import pandas as pd
import pytest

from metrics import write_assessment
from metrics.selection import Selection
from tests.metrics.metrics_factory import insert, make_case

AS_OF = "2025-04-10 00:00"
START = datetime(2025, 3, 3, 8, 0)  # general urgency: due a week later, before AS_OF


def _rows() -> list[dict]:
    """Cases in two streets of 东城区 and one of 西城区, of three categories, closed on time,
    late or not at all."""
    rng = np.random.default_rng(7)
    rows = []
    places = [("东城区", "东华门街道"), ("东城区", "景山街道"), ("西城区", "西长安街街道")]
    for i in range(60):
        district, street = places[i % 3]
        closed_after = [None, 24, 200][rng.integers(3)]  # open, on time, late (168 h limit)
        reported = START + timedelta(hours=int(rng.integers(0, 400)))
        closed = reported + timedelta(hours=closed_after) if closed_after else None
        rows.append(
            make_case(
                reported_at=reported,
                district=district,
                street=street,
                category=["市容环境", "街面秩序", "设施管理"][rng.integers(3)],
                source=["patrol", "hotline", "video"][rng.integers(3)],
                urgency=["general", "general", "utility"][rng.integers(3)],
                request_type=["complaint", "request"][rng.integers(2)],
                closed_at=closed,
                resolved_at=closed,
                status="closed" if closed else "open",
            )
        )
    return rows


@pytest.fixture
def log(store):
    rows = _rows()
    insert(store, rows)
    return store, pd.DataFrame(rows)


def _by_hand(frame: pd.DataFrame, by: str, as_of: datetime) -> pd.DataFrame:
    """cases, closure_rate, on_time_rate and proactive_rate per value of ``by``, in March."""
    march = frame[(frame["reported_at"] >= "2025-03-01") & (frame["reported_at"] < "2025-04-01")]
    limit = march["urgency"].map({"general": 168, "utility": 24})
    deadline = march["reported_at"] + pd.to_timedelta(limit, unit="h")
    closed = march["closed_at"].notna()
    on_time = closed & (march["closed_at"] <= deadline)
    due = closed | (deadline < as_of)
    out = pd.DataFrame(
        {
            "key": march[by],
            "closed": closed,
            "on_time": on_time,
            "due": due,
            "proactive": march["source"].isin(["patrol", "video"]),
        }
    ).groupby("key")
    return pd.DataFrame(
        {
            "cases": out.size(),
            "closure_rate": out["closed"].mean(),
            "on_time_rate": out["on_time"].sum() / out["due"].sum(),
            "proactive_rate": out["proactive"].mean(),
        }
    )


@pytest.mark.parametrize("by", ["category", "source", "urgency", "request_type"])
@pytest.mark.parametrize("scope", ["", "东城区", "东城区/景山街道"])
def test_the_csv_per_column_equals_pandas(log, tmp_path, by, scope):
    engine, frame = log
    inside = frame
    for key, value in zip(("district", "street"), scope.split("/") if scope else [], strict=False):
        inside = inside[inside[key] == value]
    sel = Selection.build(by, "2025-03", scope=scope, as_of=AS_OF)
    out = tmp_path / "split.csv"
    write_assessment(engine, sel, out)
    got = pd.read_csv(out, encoding="utf-8-sig").set_index(by).sort_index()
    assert list(got.reset_index().columns[:2]) == [by, "cases"]  # the key column first
    want = _by_hand(inside, by, datetime(2025, 4, 10))
    assert sorted(got.index) == sorted(want.index)  # stored codes, one row per value
    for col in want.columns:
        assert got[col].to_numpy() == pytest.approx(want.loc[got.index, col].to_numpy()), col


def test_the_xlsx_labels_the_codes(log, tmp_path):
    engine, _ = log
    out = tmp_path / "split.xlsx"
    write_assessment(engine, Selection.build("source", "2025-03", as_of=AS_OF), out)
    sheet = openpyxl.load_workbook(out)["考核结果"]
    header = [c.value for c in sheet[3]]
    column = header.index("来源")
    assert {row[column].value for row in sheet.iter_rows(min_row=4, max_row=6)} == {
        "网格员巡查",
        "12345热线",
        "视频智能发现",
    }
