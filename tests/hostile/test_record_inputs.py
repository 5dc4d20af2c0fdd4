"""Appeals and orders fed injection strings as case ids, reasons, notes, units and answers:
an unknown case is refused and nothing written; text is stored as typed (without NUL) and
read back unchanged; no other table changes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from caselog import open_store
from metrics.selection import Selection
from records import appeals, orders
from records.scope import RecordError
from tests.hostile.hostile_helpers import INJECTIONS, assert_tables_intact, clean, table_counts
from tests.records.records_helpers import make_city


@pytest.fixture
def engine(tmp_path):
    engine = open_store(make_city(tmp_path))
    yield engine
    engine.dispose()


def test_hostile_text_is_refused_or_kept_verbatim(engine):
    before = table_counts(engine)
    t0 = datetime(2030, 1, 1)
    sel = Selection.build("street", None)
    for value in INJECTIONS:
        with pytest.raises(RecordError, match="there is no case"):
            appeals.file_appeal(engine, value, "exclude", "x", by="dh")
        with pytest.raises(RecordError, match="is not the street"):
            orders.issue_order(engine, sel, "A4", "street", value, t0, "x", by="shi")
        with pytest.raises(RecordError, match="neither the primary"):
            orders.issue_order(engine, sel, "A4", "department", value, t0, "x", by="shi")
    assert_tables_intact(engine, before)
    for i, value in enumerate(INJECTIONS):
        new = appeals.file_appeal(engine, "A1", "exclude", value, by=value, at=t0)
        appeals.decide(engine, new, "reject", by=value, note=value, at=t0)
        order = orders.issue_order(
            engine,
            sel,
            "A4",
            "department",
            "城管局",
            t0 + timedelta(days=1),
            value,
            by=value,
            at=t0,
        )
        orders.answer_order(engine, order, value, by=value, at=t0)
        row = appeals.list_appeals(engine).iloc[0]
        assert [row["reason"], row["filed_by"], row["note"]] == [clean(value).strip()] * 3, i
        listed = orders.list_orders(engine, now=t0).iloc[0]
        assert [listed["note"], listed["answer"]] == [clean(value).strip()] * 2, i
    after = table_counts(engine)
    assert after.pop("appeals") == after.pop("supervision_orders") == len(INJECTIONS)
    assert after == {k: v for k, v in before.items() if k not in ("appeals", "supervision_orders")}
