"""Property: random logs with duplicates, bad rows and repeated runs never lose or double-count."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ingest_helpers import count, counts, ingest, rows

from caselog import open_store

HEADER = "case_id,reported_at,category,district,solved"
IDS = [f"K{i}" for i in range(6)]
SOLVED = {"": None, "是": True, "否": False, "0": False}
BAD = ("no category", "bad time", "no location", "no id", "malformed")

valid_rows = st.builds(
    lambda case_id, pad, day, hour, category, solved: (
        "ok",
        case_id,
        f"{pad}{case_id}{pad}",
        (2025, 3, day, hour),
        category,
        solved,
    ),
    st.sampled_from(IDS),
    st.sampled_from(["", " "]),
    st.integers(1, 3),
    st.integers(0, 2),
    st.sampled_from(["市容环境", "街面秩序"]),
    st.sampled_from(list(SOLVED)),
)
bad_rows = st.builds(
    lambda kind, case_id: (kind, case_id), st.sampled_from(BAD), st.sampled_from(IDS)
)
files = st.lists(st.one_of(valid_rows, valid_rows, bad_rows), max_size=7)
scenarios = st.lists(files, min_size=1, max_size=3).flatmap(
    lambda pool: st.tuples(
        st.just(pool),
        st.lists(
            st.lists(st.integers(0, len(pool) - 1), min_size=1, max_size=2), min_size=1, max_size=4
        ),
    )
)


def _line(row) -> str:
    kind = row[0]
    if kind == "ok":
        _, _, text, (y, m, d, h), category, solved = row
        return f"{text},{y}-{m:02d}-{d:02d} {h:02d}:00,{category},东城区,{solved}"
    case_id = row[1]
    return {
        "no category": f"{case_id},2025-03-01 08:00,,东城区,",
        "bad time": f"{case_id},soon,市容环境,东城区,",
        "no location": f"{case_id},2025-03-01 08:00,市容环境,,",
        "no id": ",2025-03-01 08:00,市容环境,东城区,",
        "malformed": f"{case_id},2025-03-01 08:00,市容环境,东城区,,extra",
    }[kind]


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory) -> Path:
    """An empty store file, made once and copied for every example (saves creating tables)."""
    path = tmp_path_factory.mktemp("property") / "empty.duckdb"
    open_store(f"duckdb:///{path}").dispose()
    return path


@settings(max_examples=40, deadline=None)
@given(scenarios)
def test_no_row_is_lost_or_counted_twice(empty_store, scenario):
    pool, runs = scenario
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        paths = []
        for i, content in enumerate(pool):
            path = tmp / f"log{i}.csv"
            path.write_text("\n".join([HEADER, *map(_line, content)]) + "\n", encoding="utf-8")
            paths.append(path)
        shutil.copy(empty_store, tmp / "store.duckdb")
        engine = open_store(f"duckdb:///{tmp / 'store.duckdb'}", create=False)
        try:
            _check_runs(engine, pool, runs, paths)
        finally:
            engine.dispose()


def _check_runs(engine, pool, runs, paths) -> None:
    model: dict[str, tuple] = {}  # case_id -> (reported_at, category, solved)
    quarantined: set[tuple[str, int]] = set()  # (file hash, line)
    for run in runs:
        valid: list[tuple[str, tuple]] = []
        read = rejected = 0
        for index in run:
            digest = hashlib.sha256(paths[index].read_bytes()).hexdigest()
            for line, row in enumerate(pool[index], start=1):
                read += 1
                if row[0] == "ok":
                    _, case_id, _, (y, m, d, h), category, solved = row
                    valid.append((case_id, (datetime(y, m, d, h), category, SOLVED[solved])))
                else:
                    rejected += 1
                    quarantined.add((digest, line))
        final = dict(valid)  # the last valid version of each case in this run wins
        inserted = sum(1 for k in final if k not in model)
        unchanged = sum(1 for k, v in final.items() if model.get(k) == v)
        updated = len(valid) - inserted - unchanged
        model |= final

        summary = ingest(engine, [paths[i] for i in run])
        assert counts(summary) == (read, inserted, updated, unchanged, rejected)
        stored = rows(engine, "cases", "case_id, reported_at, category, solved")
        assert {
            r["case_id"]: (r["reported_at"], r["category"], r["solved"]) for r in stored
        } == model
        assert count(engine, "rejected_rows") == len(quarantined)
