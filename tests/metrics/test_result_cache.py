"""Results kept beside a read-only DuckDB store: the same frames as computed, and never a
result from before a write."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from metrics_factory import insert, make_case, make_grid, make_rating
from sqlalchemy import select

from caselog import open_store
from caselog.schema import cases
from caselog.store import read_version
from metrics import default_rules, kpi_series, kpi_table, red_cards
from metrics.cube import cache
from metrics.query import run
from metrics.selection import Selection

ROOT = Path(__file__).resolve().parents[2]
AS_OF = datetime(2025, 4, 1)


def _rows(n: int, street: str = "东华门街道") -> list[dict]:
    out = []
    for i in range(n):
        t = datetime(2025, 3, 3 + i % 20, 8 + i % 9)
        out.append(
            make_case(
                street=street,
                grid_id=f"G{i % 3}",
                reported_at=t,
                dispatched_at=t.replace(minute=10),
                responded_at=t.replace(minute=20 + i % 30),
                resolved_at=t.replace(hour=t.hour + 1) if i % 4 else None,
                closed_at=t.replace(hour=t.hour + 2) if i % 3 else None,
                solved=bool(i % 2),
                satisfaction=("satisfied", "basic", "dissatisfied", None, "n/a")[i % 5],
                reopened=i % 2,
                department="城管委" if i % 2 else "水务局",
            )
        )
    return out


@pytest.fixture
def stores(tmp_path, monkeypatch):
    """A writer and a read-only reader on one DuckDB file holding a small city; every result
    is kept (however fast it was)."""
    monkeypatch.setattr(cache, "SLOW", 0.0)
    url = f"duckdb:///{tmp_path / 'store.duckdb'}"
    writer = open_store(url)
    rows = _rows(40)
    insert(
        writer,
        rows,
        [make_rating(rows[1]["case_id"], "城管委", 90.0)],
        [make_grid(f"G{i}", 100 + i) for i in range(3)],
    )
    reader = open_store(url, read_only=True)
    yield writer, reader, tmp_path / "store.duckdb.cache"
    reader.dispose()
    writer.dispose()


def _kept(folder: Path) -> list[Path]:
    return sorted(folder.glob("*/*.arrow"))


def test_a_kept_result_is_the_computed_frame(stores, cache_hits):
    _, reader, folder = stores
    hits = cache_hits
    calls = [
        lambda: kpi_table(reader, Selection.build("grid", "2025-03", as_of=AS_OF)),
        lambda: kpi_table(reader, Selection.build("department", "2025-03", as_of=AS_OF)),
        lambda: kpi_series(
            reader, Selection.build("city", "2025-03"), ["cases", "response_rate"], freq="day"
        ),
        lambda: red_cards(reader, Selection.build("city", None, as_of=AS_OF)),
    ]
    for call in calls:
        hits.clear()
        fresh = call()
        assert hits and not any(hits)
        hits.clear()
        again = call()
        assert hits and all(hits)
        pd.testing.assert_frame_equal(fresh, again, check_exact=True)
        assert fresh.dtypes.equals(again.dtypes)
    assert len(_kept(folder)) >= len(calls)


def test_a_write_through_open_store_makes_kept_results_stale(stores):
    writer, reader, folder = stores
    before = kpi_table(reader, Selection.build("street", "2025-03", as_of=AS_OF))
    assert _kept(folder)
    insert(writer, _rows(5, street="景山街道"))
    after = kpi_table(reader, Selection.build("street", "2025-03", as_of=AS_OF))
    assert before.cases.sum() == 40
    assert after.cases.sum() == 45
    assert "景山街道" in set(after.street)


def test_a_load_in_another_process_makes_kept_results_stale(stores):
    _, reader, _ = stores
    assert kpi_table(reader, Selection.build("city", "2025-03", as_of=AS_OF)).cases.iloc[0] == 40
    code = (
        "import sys\nsys.path.insert(0, sys.argv[2])\n"
        "from datetime import datetime\nfrom caselog import open_store\n"
        "from metrics_factory import insert, make_case\n"
        "w = open_store(sys.argv[1], create=False, wait=30)\n"
        "insert(w, [make_case(reported_at=datetime(2025, 3, 9, 9))])\nw.dispose()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(reader.url), str(ROOT / "tests" / "metrics")],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert kpi_table(reader, Selection.build("city", "2025-03", as_of=AS_OF)).cases.iloc[0] == 41


def test_other_rules_or_as_of_are_other_results(stores):
    _, reader, _ = stores
    base = kpi_table(reader, Selection.build("street", "2025-03", as_of=AS_OF))
    softer = dataclasses.replace(default_rules(), basically_satisfied=0.5)
    other = kpi_table(reader, Selection.build("street", "2025-03", rules=softer, as_of=AS_OF))
    assert other.satisfaction_rate.iloc[0] < base.satisfaction_rate.iloc[0]
    early = kpi_table(reader, Selection.build("street", "2025-03", as_of=datetime(2025, 3, 4)))
    assert early.overdue_open.iloc[0] != base.overdue_open.iloc[0]


def test_nothing_is_kept_while_a_writer_waits(stores, tmp_path):
    _, reader, _ = stores
    with reader.connect():  # opened before the writer came: its reads stay correct
        assert read_version(reader) is not None
        holder = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import fcntl, sys, time\nh = open(sys.argv[1], 'a+b')\n"
                "fcntl.flock(h, fcntl.LOCK_EX)\nprint('held', flush=True)\ntime.sleep(60)\n",
                f"{tmp_path / 'store.duckdb'}.writer",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert holder.stdout.readline().strip() == "held"
            assert read_version(reader) is None
        finally:
            holder.kill()
            holder.wait()
        assert read_version(reader) is not None


def test_only_read_only_duckdb_engines_keep_results(stores):
    writer, _, folder = stores
    with writer.connect():
        assert read_version(writer) is None
    run(writer, select(cases.c.case_id))
    assert not _kept(folder)
