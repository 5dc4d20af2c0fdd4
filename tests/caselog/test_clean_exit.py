"""Reading a CSV hands Arrow's worker threads no Python object.

The parallel CSV reader lets go of what it holds on a worker thread, sometimes just after
read_csv has returned, and a Python object there makes that thread take the GIL. When the
interpreter is exiting by then (a refused ingest exits a few milliseconds after the read),
Python ends the thread inside Arrow's C++ code and the process aborts: "terminate called
without an active exception", exit 134 instead of 2. These checks are the deterministic part
of that: what each read_csv call is given, and that the one Python callback (the serial
re-read's invalid-row handler) is freed by the time read_table returns.
"""

from __future__ import annotations

import weakref

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from caselog import reader

HEADER = "case_id,reported_at,category,district\n"
ROWS = [f"C{i},2025-03-01 09:{i % 60:02d},市容环境,东城区\n" for i in range(300)]


@pytest.fixture
def reads(monkeypatch):
    """Facts about every pacsv.read_csv call (no reference kept to what it was given)."""
    seen: list[dict] = []
    real = pacsv.read_csv

    def spy(source, **options):
        read = options.get("read_options") or pacsv.ReadOptions()
        parse = options.get("parse_options") or pacsv.ParseOptions()
        handler = parse.invalid_row_handler
        seen.append(
            {
                "threads": read.use_threads,
                "python_source": isinstance(source, pa.PythonFile)
                or not isinstance(source, pa.NativeFile | pa.Buffer),
                "handler": handler is not None,
                "ref": None if handler is None else weakref.ref(handler),
            }
        )
        del handler, parse
        return real(source, **options)

    monkeypatch.setattr(pacsv, "read_csv", spy)
    return seen


@pytest.mark.parametrize(
    ("name", "encoding", "text"),
    [
        ("plain.csv", "utf-8", HEADER + "".join(ROWS)),
        ("bom.csv", "utf-8-sig", HEADER + "".join(ROWS)),
        ("gb.csv", "gb18030", HEADER + "".join(ROWS)),
        ("malformed.csv", "utf-8", HEADER + "".join(ROWS[:100]) + "C,x,y,z,extra\n"),
    ],
)
def test_parallel_reads_get_no_python_object(tmp_path, reads, name, encoding, text):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    raw = reader.read_table(path)
    assert raw.table.num_rows == 100 if name == "malformed.csv" else 300
    parallel = [r for r in reads if r["threads"]]
    assert parallel, "the rows are parsed on all cores"
    for r in parallel:
        assert not r["python_source"], "a Python file object or bytes reach Arrow's threads"
        assert not r["handler"], "a Python invalid-row handler reaches Arrow's threads"


def test_the_serial_reread_frees_its_handler_before_returning(tmp_path, reads):
    path = tmp_path / "malformed.csv"
    lines = list(ROWS)
    lines[10] = lines[10].rstrip("\n") + ",extra\n"
    lines[200] = lines[200].rstrip("\n") + ",extra\n"
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    raw = reader.read_table(path)
    assert [n for n, _ in raw.malformed] == [11, 201]
    assert raw.table.num_rows == 298
    serial = [r for r in reads if r["handler"]]
    assert serial and not any(r["threads"] for r in serial)
    assert all(r["ref"]() is None for r in serial), "Arrow still holds the Python callback"
