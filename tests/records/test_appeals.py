"""Appeals (申诉) end to end: filed and decided on the command line, applied by the KPIs.

The six cases of records_helpers, at 2025-03-31 00:00: 东华门街道 has A1 closed on time,
A2 and A3 closed late, A4 open past its deadline, so on_time_rate = closed on time / (closed
+ overdue open) = 1/4; 景山街道 has B1 on time and B2 late, 1/2.
"""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
import pytest
from sqlalchemy import func, select

import accounts
from caselog import open_store
from metrics import assess
from metrics.selection import Selection
from records import appeals as records
from records.scope import RecordError
from records.tables import appeals
from tests.records.records_helpers import (
    AS_OF,
    EXTEND_A3,
    PERIOD,
    A,
    B,
    assess_csv,
    cli,
    make_city,
)


@pytest.fixture
def city(tmp_path):
    return make_city(tmp_path), tmp_path


def _count(db: str) -> int:
    engine = open_store(db, read_only=True)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(appeals)).scalar_one()
    finally:
        engine.dispose()


def _changed(before: pd.DataFrame, after: pd.DataFrame) -> dict[str, set[str]]:
    """The columns whose value differs, per unit (NaN equal to NaN; load stamps ignored)."""
    out = {}
    for unit in before.index:
        a, b = before.loc[unit], after.loc[unit]
        diff = {
            c for c in before.columns if not (a[c] == b[c] or (pd.isna(a[c]) and pd.isna(b[c])))
        }
        out[unit] = diff - {"data_loaded_at"}
    return out


def test_an_approved_exclusion_changes_exactly_its_units_kpis(city, capsys):
    db, folder = city
    before = assess_csv(db, folder, "before")
    assert before.loc[A, "on_time_rate"] == 0.25 and before.loc[B, "on_time_rate"] == 0.5
    assert cli(db, "appeal", "add", "A2", "--kind", "exclude", "--reason", "错派", "--no-warm") == 0
    assert "filed appeal 1 on case A2" in capsys.readouterr().out
    assert assess_csv(db, folder, "pending").equals(before)  # filed is not decided
    assert (
        cli(db, "--as", "市级", "appeal", "decide", "1", "approve", "--note", "属实", "--no-warm")
        == 0
    )
    after = assess_csv(db, folder, "after")
    changed = _changed(before, after)
    assert changed[B] == set()
    # A2 (closed late) leaves on-time's numerator (it was not in it) and its denominator:
    # 1 on time of A1, A3 closed and A4 overdue = 1/3; the cases received stay 4.
    assert after.loc[A, "on_time_rate"] == pytest.approx(1 / 3)
    assert after.loc[A, "cases"] == before.loc[A, "cases"] == 4
    assert after.loc[A, "overdue_open"] == 1
    assert "on_time_rate" in changed[A] and "cases" not in changed[A]
    # Closure counts over the cases no appeal excludes: A1, A2, A3 closed of 4 = 3/4 before,
    # A1 and A3 of the 3 left after (an excluded case leaves numerator and denominator).
    assert before.loc[A, "closure_rate"] == 0.75
    assert after.loc[A, "closure_rate"] == pytest.approx(2 / 3)


def test_an_approved_extension_changes_on_time_as_computed_by_hand(city):
    db, folder = city
    before = assess_csv(db, folder, "before")
    # A3 closed 03-06 10:00, a day late; extended to 03-06 12:00 it closed on time
    assert cli(db, "appeal", "add", "A3", *EXTEND_A3, "--no-warm") == 0
    assert cli(db, "appeal", "decide", "1", "approve", "--no-warm") == 0
    after = assess_csv(db, folder, "after")
    assert after.loc[A, "on_time_rate"] == 0.5  # A1 and A3 on time of 4 due
    assert _changed(before, after)[B] == set()
    assert after.loc[A, "cases"] == 4
    # an extension to before the case was closed leaves it late
    assert (
        cli(
            db,
            "appeal",
            "add",
            "B2",
            "--kind",
            "extend",
            "--until",
            "2025-03-07 12:00",
            "--reason",
            "x",
            "--no-warm",
        )
        == 0
    )
    assert cli(db, "appeal", "decide", "2", "approve", "--no-warm") == 0
    assert assess_csv(db, folder, "later").loc[B, "on_time_rate"] == 0.5


def test_a_rejected_appeal_changes_nothing(city):
    db, folder = city
    before = assess_csv(db, folder, "before")
    assert cli(db, "appeal", "add", "A2", "--kind", "exclude", "--reason", "x", "--no-warm") == 0
    assert cli(db, "appeal", "decide", "1", "reject", "--note", "理由不足", "--no-warm") == 0
    assert _changed(before, assess_csv(db, folder, "after")) == {A: set(), B: set()}


def test_an_appeal_applies_only_as_known_after_its_decision(city):
    db, _ = city
    engine = open_store(db)
    decided = datetime(2030, 1, 1, 12, 0)
    new = records.file_appeal(engine, "A2", "exclude", "错派", by="dh", at=datetime(2030, 1, 1))
    records.decide(engine, new, "approve", by="city", at=decided)

    def on_time(known: datetime | None) -> float:
        table = assess(engine, Selection.build("street", PERIOD, as_of=AS_OF, as_known_at=known))
        return table.set_index("street").loc["东华门街道", "on_time_rate"]

    assert on_time(datetime(2030, 1, 1, 11, 59, 59)) == 0.25
    assert on_time(decided) == pytest.approx(1 / 3)
    assert on_time(None) == pytest.approx(1 / 3)
    engine.dispose()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["add", "NOPE", "--kind", "exclude", "--reason", "x"], "there is no case 'NOPE'"),
        (["add", "A1", "--kind", "extend", "--reason", "x"], "needs the new deadline"),
        (["add", "A1", "--kind", "exclude", "--until", "2025-04-01", "--reason", "x"], "--until"),
        (["add", "A1", "--kind", "extend", "--until", "2025-03-01", "--reason", "x"], "not after"),
        (["add", "A1", "--kind", "extend", "--until", "soon", "--reason", "x"], "not a timestamp"),
        (["add", "A1", "--kind", "exclude", "--reason", "  "], "give a reason"),
        (["decide", "7", "approve"], "there is no appeal 7"),
    ],
)
def test_bad_input_is_one_sentence_and_writes_nothing(city, capsys, args, said):
    db, _ = city
    assert cli(db, "appeal", *args) == 1
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1 and "Traceback" not in err
    assert _count(db) == 0


def test_a_decided_appeal_cannot_be_decided_again_nor_a_second_one_filed(city, capsys):
    db, _ = city
    assert cli(db, "appeal", "add", "A2", "--kind", "exclude", "--reason", "x", "--no-warm") == 0
    assert cli(db, "appeal", "add", "A2", "--kind", "exclude", "--reason", "y") == 1
    assert "pending appeal already (appeal 1)" in capsys.readouterr().err
    assert cli(db, "appeal", "decide", "1", "reject", "--no-warm") == 0
    engine = open_store(db, read_only=True)
    row = records.list_appeals(engine).iloc[0].to_dict()
    engine.dispose()
    assert cli(db, "appeal", "decide", "1", "approve") == 1
    assert "was rejected already by local-admin" in capsys.readouterr().err
    engine = open_store(db, read_only=True)
    again = records.list_appeals(engine).iloc[0].to_dict()
    engine.dispose()
    assert again == row and _count(db) == 1


def test_list_shows_who_decided_when_and_why_and_the_audit_log_has_each_action(city, capsys):
    db, _ = city
    cli(db, "--as", "东华门街道办", "appeal", "add", "A3", *EXTEND_A3, "--no-warm")
    cli(
        db,
        "--as",
        "市城管委",
        "appeal",
        "decide",
        "1",
        "approve",
        "--note",
        "同意延期",
        "--no-warm",
    )
    capsys.readouterr()
    assert cli(db, "appeal", "list", "--json") == 0
    (row,) = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert row["case_id"] == "A3" and row["status"] == "approved"
    assert (row["filed_by"], row["decided_by"], row["note"]) == (
        "东华门街道办",
        "市城管委",
        "同意延期",
    )
    assert row["until"].startswith("2025-03-06T12:00") and row["decided_at"]
    assert (row["district"], row["street"], row["department"]) == ("东城区", "东华门街道", "房管局")
    log = accounts.recent(accounts.open_accounts(accounts.accounts_url(db)))
    entries = log[log["action"] == "appeal"]
    assert list(entries["username"]) == ["市城管委", "东华门街道办"]
    decided = json.loads(entries["detail"].iloc[0])
    assert decided == {
        "do": "decide",
        "id": 1,
        "case_id": "A3",
        "status": "approved",
        "note": "同意延期",
    }


def test_scope_of_the_filer_and_the_decider(city):
    db, _ = city
    engine = open_store(db)
    street = accounts.Account("dh", "street", "东城区", "东华门街道")
    other = accounts.Account("js", "street", "东城区", "景山街道")
    district = accounts.Account("dc", "district", "东城区")
    new = records.file_appeal(engine, "A1", "exclude", "x", by="dh", account=street)
    assert records.list_appeals(engine).loc[0, "filed_unit"] == A
    with pytest.raises(RecordError, match="outside your scope"):
        records.file_appeal(engine, "A2", "exclude", "x", by="js", account=other)
    with pytest.raises(RecordError, match="only a street, community or department"):
        records.file_appeal(engine, "A2", "exclude", "x", by="dc", account=district)
    with pytest.raises(RecordError, match="only a city account"):
        records.decide(engine, new, "approve", by="dc", account=district)
    assert list(records.list_appeals(engine, other)["id"]) == []
    assert list(records.list_appeals(engine, street)["id"]) == [new]
    engine.dispose()
    assert _count(db) == 1


def test_a_department_account_acts_on_the_cases_it_is_primary_or_assisting_on(city):
    from records.scope import case_in_scope
    from tests.records.records_helpers import department_account

    db, _ = city
    engine = open_store(db)
    water = department_account("水务局")
    assert [c for c in ("A1", "A2", "A3", "A4", "B1", "B2") if case_in_scope(engine, c, water)] == [
        "A4"
    ]
    housing = department_account("房管局")
    assert [c for c in ("A3", "A4", "B2") if case_in_scope(engine, c, housing)] == ["A3", "B2"]
    with pytest.raises(RecordError, match="outside your scope"):
        records.file_appeal(engine, "A3", "exclude", "x", by="水务局", account=water)
    new = records.file_appeal(engine, "A4", "exclude", "不属本部门", by="水务局", account=water)
    assert records.list_appeals(engine).loc[0, "filed_unit"] == "水务局"
    assert list(records.list_appeals(engine, water)["id"]) == [new]
    assert list(records.list_appeals(engine, housing)["id"]) == []
    engine.dispose()
