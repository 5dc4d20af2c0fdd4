"""On-time and overdue with extended deadlines and suspensions (contract §1), by hand."""

from __future__ import annotations

from datetime import datetime

import pytest
from metrics_factory import insert, make_case

from caselog import open_store
from metrics import ageing, explain_counts, kpi_table, overdue_counts, red_cards, yellow_cards
from metrics.cube import build as cubebuild
from metrics.cube import store as cube
from metrics.selection import Selection

AS_OF = datetime(2025, 3, 9, 8, 0)
REPORTED = datetime(2025, 3, 3, 8, 0)
DEADLINE = datetime(2025, 3, 5, 8, 0)  # every case's given deadline


def d(day: int, hour: int = 8) -> datetime:
    return datetime(2025, 3, day, hour, 0)


# case id -> the columns it differs in. Every case: reported 03-03 08:00, deadline 03-05 08:00,
# judged at 03-09 08:00.
CASES = {
    # closed 03-08, three days after the deadline, but within the extension to 03-10: on time
    "extended-closed": dict(extended_deadline=d(10), closed_at=d(8)),
    # suspended 03-04 to 03-07 (3 days): due 03-08 08:00; closed 03-07 20:00: on time
    "paused-closed": dict(suspended_at=d(4), resumed_at=d(7), closed_at=d(7, 20)),
    # suspended 03-04 to 03-06 (2 days): due 03-07 08:00; still open at 03-09: 48 h overdue
    "paused-open": dict(suspended_at=d(4), resumed_at=d(6)),
    # suspended 03-04, never resumed: not overdue while suspended
    "suspended-open": dict(suspended_at=d(4)),
    # suspended 03-04, resumed only after as_of: still suspended at as_of, not overdue
    "resumed-later": dict(suspended_at=d(4), resumed_at=d(11)),
    # closed 03-07 while suspended since 03-04 (before the deadline): paused until closed, on time
    "closed-suspended": dict(suspended_at=d(4), closed_at=d(7)),
    # no extension, no suspension: closed a day late, and open 96 h overdue
    "late-closed": dict(closed_at=d(6)),
    "plain-open": {},
    # extended to 03-08: 24 h overdue; extended to 03-10 00:00: due within 24 h (yellow card)
    "extended-open": dict(extended_deadline=d(8)),
    "extended-soon": dict(extended_deadline=d(10, 0)),
    # resumed before it was suspended (flagged at ingest): no pause, 96 h overdue
    "contradictory": dict(suspended_at=d(6), resumed_at=d(4)),
}
# The same by hand. Closed: 3 on time of 4. Open and past due (not suspended at as_of):
# paused-open, plain-open, extended-open, contradictory.
ON_TIME, CLOSURE_DUE = 3, 4 + 4
OVERDUE = {"plain-open": 96.0, "contradictory": 96.0, "paused-open": 48.0, "extended-open": 24.0}


def _rows() -> list[dict]:
    rows = []
    for case_id, changes in CASES.items():
        closed = changes.get("closed_at") is not None
        rows.append(
            make_case(
                case_id=case_id,
                reported_at=REPORTED,
                deadline=DEADLINE,
                department="城管委",
                dispatched_at=REPORTED,
                status="closed" if closed else "dispatched",
                **changes,
            )
        )
    return rows


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """A writer and a read-only reader with the cube built for AS_OF."""
    url = f"duckdb:///{tmp_path_factory.mktemp('handling') / 'store.duckdb'}"
    writer = open_store(url)
    insert(writer, _rows())
    reader = open_store(url, read_only=True)
    assert cubebuild.build(reader, as_of=AS_OF) is not None
    yield writer, reader
    reader.dispose()
    writer.dispose()


def _city(engine) -> dict:
    sel = Selection.build("city", "2025-03", as_of=AS_OF)
    row = kpi_table(engine, sel, kpis=["on_time_rate", "overdue_open"]).iloc[0]
    return {k: row[k] for k in ("on_time_rate_num", "on_time_rate_den", "overdue_open")}


def test_on_time_and_overdue_by_hand_from_the_cases_and_the_cube(stores, monkeypatch):
    writer, reader = stores
    expected = {
        "on_time_rate_num": ON_TIME,
        "on_time_rate_den": CLOSURE_DUE,
        "overdue_open": len(OVERDUE),
    }
    used = []
    real = cube.attach
    monkeypatch.setattr(cube, "attach", lambda conn, found: (real(conn, found), used.append(1)))
    assert _city(reader) == expected
    assert used, "not answered from the cube"
    used.clear()
    with cube.bypassed():
        assert _city(writer) == expected
    assert not used


def test_red_and_yellow_cards_use_the_same_deadline(stores):
    writer, _ = stores
    sel = Selection.build("department", "2025-03", as_of=AS_OF)
    red = red_cards(writer, sel)
    assert dict(zip(red["case_id"], red["hours_overdue"], strict=True)) == OVERDUE
    by_id = dict(zip(red["case_id"], red["deadline"], strict=True))
    assert by_id["paused-open"] == datetime(2025, 3, 7, 8)  # deadline + 2 days suspended
    assert by_id["extended-open"] == datetime(2025, 3, 8, 8)
    yellow = yellow_cards(writer, sel)
    assert yellow["case_id"].tolist() == ["extended-soon"]
    counts = overdue_counts(writer, sel).set_index("department")
    assert counts.loc["城管委", ["open_cases", "overdue", "due_soon"]].tolist() == [7, 4, 1]
    assert counts.loc["城管委", "max_hours_overdue"] == 96.0
    ages = ageing(writer, sel)  # every open case reported 6 days before as_of
    assert ages.set_index("bucket").loc["3-7d", ["open_cases", "overdue"]].tolist() == [7, 4]


def test_suspended_cases_are_explained(stores):
    writer, _ = stores
    sel = Selection.build("city", "2025-03", as_of=AS_OF)
    got = explain_counts(writer, sel, None, "on_time_rate")
    assert got["numerator"] == ON_TIME and got["denominator"] == CLOSURE_DUE
    assert got["excluded"] == {
        "open, suspended at as_of": 2,  # suspended-open, resumed-later
        "open, deadline not passed at as_of": 1,  # extended-soon
    }
