"""Files read in chunks load exactly as a file read whole: counts, rows, versions, refusals.

Each test loads with chunks of a few records and with one chunk for the whole file, and
checks both against what a plain walk over the rows says should happen."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import datetime

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from ingest_helpers import cli_json, counts, ingest, rows, run_cli, write_lines
from sqlalchemy import text

from caselog import open_store, stream
from caselog.ingest import ingest_files
from caselog.merge import Target
from caselog.reader import RefusedFile, detect_encoding

HEADER = ["case_id", "reported_at", "category", "district", "closed_at"]
SIZES = [1, 7, 10**6]  # one record a chunk, chunks cutting duplicates apart, one chunk


def _first_run() -> list[list[str] | str]:
    """60 data lines: cases C01..C40, then newer versions of cases of earlier chunks, invalid
    rows and malformed lines spread over the file (a str is a malformed line)."""
    lines: list[list[str] | str] = []
    for i in range(1, 41):
        lines.append([f"C{i:02d}", f"2025-03-{i % 28 + 1:02d} 08:00", "市容环境", "东城区", ""])
    lines[4][2] = ""  # line 5: missing category
    lines[16][1] = "someday"  # line 17: unparseable reported_at
    lines[32][3] = ""  # line 33: missing location
    lines[11] = "C12,2025-03-13 08:00,市容环境,东城区,,extra"  # line 12: malformed
    later = [
        ["C03", "2025-03-04 08:00", "市容环境", "东城区", "2025-03-05 10:00"],  # closes C03
        ["C09", "2025-03-10 08:00", "街面秩序", "东城区", ""],  # C09 recategorised
        ["C03", "2025-03-04 08:00", "市容环境", "东城区", "2025-03-06 10:00"],  # C03 again
        ["C20", "2025-03-21 08:00", "", "东城区", "2025-03-22 10:00"],  # invalid: C20 stays
        "C21,2025-03-22 08:00,市容环境",  # malformed (too few fields)
        ["C05", "2025-03-06 08:00", "市容环境", "东城区", ""],  # C05 now valid
        ["C41", "2025-03-15 08:00", "宣传广告", "西城区", ""],
        ["C09", "2025-03-10 08:00", "街面秩序", "西城区", "2025-03-11 09:00"],
        ["C17", "2025-03-18 08:00", "市容环境", "东城区", ""],  # C17 now valid
        ["C42", "2025-03-16 08:00", "宣传广告", "西城区", ""],
        ["C41", "2025-03-15 08:00", "宣传广告", "西城区", ""],  # the same row again
    ]
    lines += later
    lines += [[f"C{i:02d}", "2025-03-20 08:00", "设施管理", "朝阳区", ""] for i in range(43, 52)]
    assert len(lines) == 60
    return lines


def _text(lines: list[list[str] | str]) -> list[str]:
    out = [",".join(HEADER)]
    for line in lines:
        if isinstance(line, str):
            out.append(line)
        else:
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="").writerow(line)
            out.append(buffer.getvalue())
    return out


def _reason(row: list[str]) -> str | None:
    case_id, reported, category, district, _ = row
    if not case_id:
        return "missing case_id"
    if not reported:
        return "missing reported_at"
    try:
        datetime.strptime(reported, "%Y-%m-%d %H:%M")
    except ValueError:
        return "unparseable reported_at"
    if not category:
        return "missing category"
    if not district:
        return "missing location"
    return None


def _expected(lines, stored: dict[str, tuple] | None = None):
    """What one run over ``lines`` should do to a store holding ``stored`` (case_id ->
    (reported_at, category, district, closed_at) text): counts, rejected (line, reason),
    the cases afterwards, and the stored versions it replaces."""
    stored = dict(stored or {})
    rejected, last, valid = [], {}, 0
    for number, line in enumerate(lines, start=1):
        if isinstance(line, str):
            rejected.append((number, "malformed row"))
            continue
        reason = _reason(line)
        if reason:
            rejected.append((number, reason))
            continue
        valid += 1
        last[line[0]] = (line[1] + ":00", line[2], line[3], line[4] + ":00" if line[4] else None)
    inserted = sum(1 for k in last if k not in stored)
    unchanged = sum(1 for k, v in last.items() if stored.get(k) == v)
    replaced = {k: stored[k] for k, v in last.items() if k in stored and stored[k] != v}
    updated = valid - inserted - unchanged
    after = stored | last
    return (len(lines), inserted, updated, unchanged, len(rejected)), rejected, after, replaced


def _stored(engine, table: str = "cases") -> dict[str, tuple]:
    with engine.connect() as conn:
        result = conn.execute(
            text(f"SELECT case_id, reported_at, category, district, closed_at FROM {table}")
        )
        return {r[0]: (str(r[1]), r[2], r[3], None if r[4] is None else str(r[4])) for r in result}


def _history(engine) -> dict[str, tuple]:
    with engine.connect() as conn:
        found = conn.execute(
            text(
                "SELECT h.case_id, h.reported_at, h.category, h.district, h.closed_at, "
                "l.file FROM case_history h JOIN ingest_log l ON l.id = h.superseded_by"
            )
        )
        return {
            r[0]: (str(r[1]), r[2], r[3], None if r[4] is None else str(r[4]), r[5]) for r in found
        }


def _second_run(first) -> list[list[str] | str]:
    """A later file: some cases changed (in several chunks), some as stored, some new."""
    lines: list[list[str] | str] = [
        ["C01", "2025-03-02 08:00", "市容环境", "东城区", "2025-03-07 10:00"],
        first[1],  # C02 as stored
        ["C30", "2025-03-03 08:00", "街面秩序", "东城区", ""],
        "broken line",
        ["C60", "2025-04-01 08:00", "市容环境", "东城区", ""],
        ["C09", "2025-03-10 08:00", "街面秩序", "西城区", "2025-03-11 09:00"],  # as stored
        ["C30", "2025-03-03 08:00", "街面秩序", "东城区", "2025-03-04 10:00"],
        ["C44", "2025-03-20 08:00", "", "朝阳区", ""],  # invalid: C44 stays
        ["C44", "2025-03-20 08:00", "设施管理", "海淀区", ""],
    ]
    return lines


@pytest.mark.parametrize("size", SIZES)
def test_a_run_across_chunks_counts_and_keeps_what_a_walk_over_the_rows_says(store, tmp_path, size):
    first = _first_run()
    path = write_lines(tmp_path / "first.csv", _text(first))
    summary = ingest(store, [path], chunk_rows=size)
    want_counts, want_rejected, want_cases, _ = _expected(first)
    assert counts(summary) == want_counts == (60, 49, 5, 0, 6)
    assert summary["reasons"] == dict(Counter(reason for _, reason in want_rejected))
    kept = [(r["line"], r["reason"]) for r in rows(store, "rejected_rows")]
    assert kept == want_rejected
    assert _stored(store) == want_cases

    second = _second_run(first)
    path = write_lines(tmp_path / "second.csv", _text(second))
    summary = ingest(store, [path], chunk_rows=size)
    want_counts, want_rejected, after, replaced = _expected(second, want_cases)
    assert counts(summary) == want_counts == (9, 1, 4, 2, 2)
    assert _stored(store) == after
    # The stored versions the load replaces are kept once each, naming the load (C30 comes
    # twice in the file: its first row there is counted, never kept); C44's invalid row
    # replaced nothing, its valid one did.
    assert _history(store) == {k: (*v, "second.csv") for k, v in replaced.items()}
    assert set(replaced) == {"C01", "C30", "C44"}


@pytest.mark.parametrize("size", [2, 10**6])
def test_a_file_refused_in_a_later_chunk_leaves_the_store_as_it_was(
    store, tmp_path, monkeypatch, size
):
    monkeypatch.setattr(stream, "_BLOCK", 128)  # several blocks: chunks are staged before it
    ingest(store, [write_lines(tmp_path / "first.csv", _text(_first_run()))], chunk_rows=size)
    before = _everything(store)
    lines = _text(_second_run(_first_run()))
    lines.insert(8, 'C70,"2025-03-01 08:00,市容环境,东城区,')  # a quote that never closes
    with pytest.raises(RefusedFile, match="never closes"):
        ingest_files(store, [write_lines(tmp_path / "open.csv", lines)], chunk_rows=size)
    assert _everything(store) == before


@pytest.mark.parametrize("size", [3, 10**6])
def test_a_load_failing_after_its_chunks_leaves_no_half_version(store, tmp_path, monkeypatch, size):
    first = _first_run()
    ingest(store, [write_lines(tmp_path / "first.csv", _text(first))], chunk_rows=size)
    before = _everything(store)
    run = Target.sql

    def failing(self, statement: str):
        if statement.startswith("INSERT INTO cases"):
            raise RuntimeError("disk full")
        return run(self, statement)

    second = write_lines(tmp_path / "second.csv", _text(_second_run(first)))
    with monkeypatch.context() as patched:
        patched.setattr(Target, "sql", failing)
        with pytest.raises(RuntimeError):
            ingest_files(store, [second], chunk_rows=size)
    assert _everything(store) == before
    summary = ingest(store, [second], chunk_rows=size)  # the same load again, now whole
    assert counts(summary) == (9, 1, 4, 2, 2)


def _everything(engine) -> dict[str, list[tuple]]:
    names = ("cases", "case_history", "rejected_rows", "ingest_log", "grids", "ratings")
    with engine.connect() as conn:
        return {
            n: sorted((tuple(r) for r in conn.execute(text(f"SELECT * FROM {n}"))), key=repr)
            for n in names
        }


def test_a_file_not_utf8_past_its_head_is_read_again_whole(duck_store, tmp_path, monkeypatch):
    """UTF-8 is sniffed from the head of a file; GB18030 bytes further on (in a later block
    and chunk) mean the file is read again from the start as GB18030, nothing counted twice."""
    monkeypatch.setattr(stream, "detect_encoding", lambda path: detect_encoding(path, 64))
    monkeypatch.setattr(stream, "_BLOCK", 256)
    lines = [",".join(HEADER)]
    lines += [f"A{i:02d},2025-03-{i:02d} 08:00,roads,east," for i in range(1, 21)]
    lines += [f"B{i:02d},2025-03-{i:02d} 08:00,市容环境,东城区," for i in range(1, 11)]
    lines.insert(5, f"A{3:02d},2025-03-03 08:00,roads,west,")
    path = tmp_path / "late.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gb18030"))
    assert detect_encoding(path, 64) == "utf-8" and detect_encoding(path) == "gb18030"
    summary = ingest(duck_store, [path], chunk_rows=3)
    assert counts(summary) == (31, 30, 1, 0, 0)
    assert summary["files"][0]["encoding"] == "gb18030"
    cases = _stored(duck_store)
    assert cases["A03"][2] == "west"
    assert cases["B07"] == ("2025-03-07 08:00:00", "市容环境", "东城区", None)


def test_parquet_row_groups_load_in_chunks_like_the_csv(tmp_path):
    first = [line for line in _first_run() if not isinstance(line, str)]
    table = pa.table({name: [row[i] for row in first] for i, name in enumerate(HEADER)})
    parquet = tmp_path / "first.parquet"
    pq.write_table(table, parquet, row_group_size=4)
    stores = {}
    for name, size in (("whole", 10**6), ("chunks", 5)):
        engine = open_store(f"duckdb:///{tmp_path / name}.duckdb")
        summary = ingest(engine, [parquet], chunk_rows=size)
        assert counts(summary) == _expected(first)[0]
        stores[name] = _stored(engine)
        engine.dispose()
    assert stores["chunks"] == stores["whole"] == _expected(first)[2]


def test_the_command_line_reads_the_chunk_size_from_the_environment(tmp_path, monkeypatch):
    path = write_lines(tmp_path / "first.csv", _text(_first_run()))
    monkeypatch.setenv("GRIDPULSE_INGEST_CHUNK_ROWS", "4")
    assert stream.chunk_rows() == 4 and stream.chunk_rows(9) == 9
    summary = cli_json(
        run_cli("ingest", path, "--json", "--no-warm", db=f"duckdb:///{tmp_path / 's.duckdb'}")
    )
    assert counts(summary) == _expected(_first_run())[0]


def test_a_load_gives_the_store_duckdbs_own_settings_back(duck_store, tmp_path):
    """The load runs under a memory limit and without insertion order; afterwards the store's
    connection has a fresh DuckDB's settings again, after a load and after a refused one."""
    names = "current_setting('memory_limit'), current_setting('preserve_insertion_order')"
    fresh = duckdb.connect().execute(f"SELECT {names}").fetchone()
    ingest(duck_store, [write_lines(tmp_path / "first.csv", _text(_first_run()))], chunk_rows=7)
    with duck_store.connect() as conn:
        assert tuple(conn.execute(text(f"SELECT {names}")).one()) == fresh
    lines = _text(_first_run())
    lines.insert(30, 'C70,"2025-03-01 08:00,市容环境,东城区,')  # a quote that never closes
    with pytest.raises(RefusedFile, match="never closes"):
        ingest_files(duck_store, [write_lines(tmp_path / "open.csv", lines)], chunk_rows=7)
    with duck_store.connect() as conn:
        assert tuple(conn.execute(text(f"SELECT {names}")).one()) == fresh
