"""A decision renews the store's data version: no cube of the data before it is read, the
after-load work (services.afterload) builds one for the data after it, and the cube and the
cases give the same tables with an approved exclusion and extension."""

from __future__ import annotations

import pytest

from caselog import open_store
from metrics import assess, default_rules, resolve_as_of
from metrics.cube import store as cubes
from metrics.selection import Selection
from services.afterload import after_load
from tests.records.records_helpers import EXTEND_A3, PERIOD, A, cli, make_city


def _assess(db: str, *, cube: bool):
    """The street table of PERIOD as the app reads it (read-only engine, latest as_of), from
    the cube when one is kept (``cube``: and it is asserted that one was) or from the cases."""
    engine = open_store(db, read_only=True)
    try:
        moment = resolve_as_of(engine, None, None)
        kept = cubes.find(engine, default_rules(), moment)
        if not cube:
            with cubes.bypassed():
                frame = assess(engine, Selection.build("street", PERIOD))
        else:
            assert kept is not None, "no KPI cube for the data after the decision"
            frame = assess(engine, Selection.build("street", PERIOD))
        frame["unit"] = frame["district"] + "/" + frame["street"]
        return frame.set_index("unit"), kept
    finally:
        engine.dispose()


@pytest.fixture
def city(tmp_path):
    db = make_city(tmp_path)
    assert after_load(db).periods  # the cube and the pages' tables, as after a load
    return db


def test_a_decision_is_followed_by_a_cube_of_the_new_data(city, monkeypatch):
    attached, attach = [], cubes.attach

    def spy(conn, cube):
        attached.append(cube)
        attach(conn, cube)

    monkeypatch.setattr(cubes, "attach", spy)
    before, old = _assess(city, cube=True)
    assert attached and before.loc[A, "on_time_rate"] == 0.25
    assert cli(city, "appeal", "add", "A2", "--kind", "exclude", "--reason", "错派") == 0
    assert cli(city, "appeal", "add", "A3", *EXTEND_A3) == 0
    assert cli(city, "appeal", "decide", "1", "approve") == 0
    assert cli(city, "appeal", "decide", "2", "approve") == 0
    attached.clear()
    cubed, new = _assess(city, cube=True)
    assert set(attached) == {new} and new.path != old.path
    plain, _ = _assess(city, cube=False)
    # A1 and A3 (extended) on time of A1, A3 closed and A4 overdue; A2 excluded
    assert cubed.loc[A, "on_time_rate"] == plain.loc[A, "on_time_rate"] == pytest.approx(2 / 3)
    assert cubed.equals(plain)


def test_without_the_warm_up_no_old_cube_is_read(city):
    assert cli(city, "appeal", "add", "A2", "--kind", "exclude", "--reason", "x", "--no-warm") == 0
    assert cli(city, "appeal", "decide", "1", "approve", "--no-warm") == 0
    engine = open_store(city, read_only=True)
    try:
        assert cubes.find(engine, default_rules(), resolve_as_of(engine, None, None)) is None
        table = assess(engine, Selection.build("street", PERIOD)).set_index("street")
    finally:
        engine.dispose()
    assert table.loc["东华门街道", "on_time_rate"] == pytest.approx(1 / 3)
