"""Reading a CSV hands Arrow's worker threads no Python object.

The parallel CSV reader lets go of what it holds on a worker thread, sometimes just after
the read has returned, and a Python object there makes that thread take the GIL. When the
interpreter is exiting by then (a refused ingest exits a few milliseconds after the read),
Python ends the thread inside Arrow's C++ code and the process aborts: "terminate called
without an active exception", exit 134 instead of 2. These checks are the deterministic part
of that: what each pacsv.open_csv call is given (the records are parsed on the calling
thread, from a file Arrow opened itself), and that the one Python callback (the
invalid-row handler) is freed once the chunks are read, or the reading stops early.
"""

from __future__ import annotations

import gc
import weakref

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from caselog import stream
from caselog.reader import RefusedFile

HEADER = "case_id,reported_at,category,district\n"
ROWS = [f"C{i},2025-03-01 09:{i % 60:02d},市容环境,东城区\n" for i in range(300)]


@pytest.fixture
def reads(monkeypatch):
    """Facts about every pacsv.open_csv call (no reference kept to what it was given)."""
    seen: list[dict] = []
    real = pacsv.open_csv

    def spy(source, **options):
        read = options.get("read_options") or pacsv.ReadOptions()
        parse = options.get("parse_options") or pacsv.ParseOptions()
        handler = parse.invalid_row_handler
        seen.append(
            {
                "threads": read.use_threads,
                "python_source": isinstance(source, pa.PythonFile)
                or not isinstance(source, pa.NativeFile | pa.Buffer),
                "ref": None if handler is None else weakref.ref(handler),
            }
        )
        del handler, parse
        return real(source, **options)

    monkeypatch.setattr(pacsv, "open_csv", spy)
    return seen


def _records(path, rows=100) -> tuple[int, list[int]]:
    source = stream.open_source(path)
    chunks = list(source.chunks(rows))
    return sum(c.table.num_rows for c in chunks), [n for c in chunks for n, _ in c.malformed]


@pytest.mark.parametrize(
    ("name", "encoding", "text"),
    [
        ("plain.csv", "utf-8", HEADER + "".join(ROWS)),
        ("bom.csv", "utf-8-sig", HEADER + "".join(ROWS)),
        ("gb.csv", "gb18030", HEADER + "".join(ROWS)),
        ("malformed.csv", "utf-8", HEADER + "".join(ROWS[:100]) + "C,x,y,z,extra\n"),
    ],
)
def test_reads_give_arrow_threads_no_python_object(tmp_path, reads, name, encoding, text):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    n, _ = _records(path)
    assert n == (100 if name == "malformed.csv" else 300)
    assert reads, "the records are read through pacsv.open_csv"
    for r in reads:
        assert not r["threads"], "Arrow parses on worker threads, where a callback may be freed"
        assert not r["python_source"], "a Python file object or bytes reach Arrow"


def test_the_handler_is_freed_once_the_chunks_are_read(tmp_path, reads):
    path = tmp_path / "malformed.csv"
    lines = list(ROWS)
    lines[10] = lines[10].rstrip("\n") + ",extra\n"
    lines[200] = lines[200].rstrip("\n") + ",extra\n"
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    n, malformed = _records(path)
    assert malformed == [11, 201]
    assert n == 298
    assert reads and all(r["ref"] is not None for r in reads)
    assert all(r["ref"]() is None for r in reads), "Arrow still holds the Python callback"


def test_a_refusal_part_way_frees_the_handler(tmp_path, reads):
    path = tmp_path / "unclosed.csv"
    lines = list(ROWS)
    lines[250] = 'C250,"2025-03-01 09:10,市容环境,东城区\n'
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    source = stream.open_source(path)
    with pytest.raises(RefusedFile, match="never closes"):
        for _ in source.chunks(50):
            pass
    gc.collect()  # the traceback's frames hold the generator until collected at worst
    assert all(r["ref"]() is None for r in reads), "Arrow still holds the Python callback"
