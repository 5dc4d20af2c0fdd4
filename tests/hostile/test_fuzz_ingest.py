"""Fuzzed input files: ingest refuses them whole (nothing written) or loads them with every row
accounted for and the store holding the last valid version of each case. No other exception."""

from __future__ import annotations

import csv
import io
import re
import tempfile
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from caselog.ingest import ingest_files
from caselog.reader import RefusedFile
from tests.caselog.ingest_helpers import (
    TABLES,
    accounted,
    rows,
    run_cli,
    snapshot,
)
from tests.hostile.hostile_helpers import INJECTIONS, fresh_store

FUZZ = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# A callback exception pyarrow swallows would print a traceback on the command line's stderr.
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
HEADER = ["case_id", "reported_at", "category", "district", "street", "grid_id", "department"]
IDS = ["A1", "A2", "B-3", "案件4", "5"]

# Text that survives a CSV round trip as it is: no surrounding white space (values are trimmed),
# no NUL (tested separately), but quotes, separators, newlines and any other character.
_alphabet = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r")
hostile_text = (
    st.one_of(
        st.sampled_from([clean for clean in INJECTIONS if "\x00" not in clean]),
        st.text(_alphabet, min_size=1, max_size=30),
        st.sampled_from(
            ["a,b", 'say "hi"', "line1\nline2", "\ufeffbom", "满意;基本满意", "\t tab"]
        ),
    )
    .map(str.strip)
    .filter(bool)
)


def _check_loaded_or_refused(engine, files, **options) -> dict | None:
    """Ingest; on refusal check nothing was written; on success check the accounting."""
    before = snapshot(engine, TABLES)
    try:
        summary = ingest_files(engine, files, **options).as_json()
    except RefusedFile as exc:
        message = str(exc)
        assert message and "\n" not in message and message.endswith((".", ")")), message
        assert snapshot(engine, TABLES) == before
        return None
    for part in (summary, *summary["files"]):
        accounted(part)
    ids = [r["case_id"] for r in rows(engine, "cases", "case_id")]
    assert len(ids) == len(set(ids)), "a case is stored twice"
    return summary


# --- structured CSVs with an oracle ---------------------------------------------------------

valid_row = st.tuples(
    st.sampled_from(IDS),
    st.sampled_from(["2025-03-01 08:00:00", "2025/3/2 9:05", "2025-03-03T10:00:00+08:00"]),
    hostile_text,  # category
    hostile_text,  # district
    hostile_text,  # street
    hostile_text,  # grid_id
    hostile_text,  # department
)
invalid_row = st.tuples(
    st.sampled_from(["", *IDS]),
    st.sampled_from(["", "not a time", "1/2/3", "2025-13-45 25:61:00"]),
    st.sampled_from(["", "x"]),
    st.just(""),
    hostile_text,
    st.just(""),
    hostile_text,
).filter(lambda r: not (r[0] and r[1] in ("",) and False))


def _is_valid(row) -> bool:
    case_id, reported, category, district, _, grid, _ = row
    stamp = reported in ("2025-03-01 08:00:00", "2025/3/2 9:05", "2025-03-03T10:00:00+08:00")
    return bool(case_id and stamp and category and (district or grid))


@settings(FUZZ, max_examples=30)
@given(
    data=st.lists(st.tuples(st.booleans(), valid_row, invalid_row), min_size=0, max_size=12),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
    split=st.integers(0, 12),
)
def test_structured_csv_keeps_the_last_valid_version(data, encoding, split):
    records = [v if ok else bad for ok, v, bad in data]
    # Two files in one run: the later file supersedes the earlier one, row order within one.
    with fresh_store() as engine, tempfile.TemporaryDirectory() as folder:
        files = []
        for n, part in enumerate((records[:split], records[split:])):
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(HEADER)
            writer.writerows(part)
            path = Path(folder) / f"cases{n}.csv"
            path.write_bytes(buffer.getvalue().encode(encoding))
            files.append(path)
        summary = _check_loaded_or_refused(engine, files)
        assert summary is not None, "a well-formed CSV was refused"
        expected = {}
        for row in records:
            if _is_valid(row):
                expected[row[0]] = row
        assert summary["read"] == len(records)
        assert summary["rejected"] == len(records) - sum(_is_valid(r) for r in records)
        assert summary["inserted"] == len(expected)
        stored = {r["case_id"]: r for r in rows(engine, "cases")}
        assert set(stored) == set(expected)
        for case_id, row in expected.items():
            got = stored[case_id]
            assert got["category"] == row[2]
            assert got["district"] == row[3]
            assert got["street"] == row[4]
            assert got["grid_id"] == row[5]
            assert got["department"] == row[6]
        # Loading the same files again changes nothing and reports every valid row unchanged.
        before = snapshot(engine, ("cases", "ratings", "grids", "rejected_rows"))
        again = _check_loaded_or_refused(engine, files)
        assert again["inserted"] == 0 and again["updated"] == len(records) - again[
            "rejected"
        ] - len(expected)
        assert snapshot(engine, ("cases", "ratings", "grids", "rejected_rows")) == before


# --- broken CSV bytes ----------------------------------------------------------------------

_VALID_LINE = "C1,2025-03-01 08:00:00,道路破损,东城区,东华门街道,G001,城管委"

byte_bodies = st.one_of(
    st.binary(max_size=400),  # random bytes
    st.lists(  # ragged rows
        st.lists(
            st.sampled_from(["C1", "2025-03-01 08:00", "x", "", '"', '""', "东城区"]), max_size=10
        ).map(",".join),
        max_size=10,
    ).map(lambda lines: "\n".join(lines).encode("utf-8")),
    st.sampled_from(
        [
            b"",  # only a header
            b"\n\n\n",
            (_VALID_LINE + "\n").encode("utf-8") + b"\x00\x00,\x00\n",  # NULs
            b'C2,2025-03-01 08:00:00,"unterminated\n',  # an open quote to the end
            b'C3,2025-03-01 08:00:00,"a ""quoted"" \n value",d,s,g,x\n',
            (_VALID_LINE + "\n").encode("gb18030") + "C4,2025-03-01,类,区,,,\n".encode(),
            b"C5,2025-03-01,\xff\xfe\xfa,d,s,g,x\n",  # invalid UTF-8 and GB18030
            b"C6,2025-03-01,\xed\xa0\x80,d,s,g,x\n",  # an encoded surrogate
            (_VALID_LINE + "\r\n").encode() * 3 + b"\r",
            b"C7,2025-03-01," + b"x" * 3_000_000 + b",d,s,g,x\n",  # a 3 MB field
            b'C8,2025-03-01,"' + b"y" * 500_000 + b"\n" * 50 + b'",d,s,g,x\n',
        ]
    ),
)
header_bytes = st.sampled_from(
    [
        ",".join(HEADER).encode() + b"\n",
        b"\xef\xbb\xbf" + ",".join(HEADER).encode() + b"\n",  # BOM
        b"\xef\xbb\xbf\xef\xbb\xbf" + ",".join(HEADER).encode() + b"\n",  # two BOMs
        "\t".join(HEADER).encode() + b"\n",
        ",".join(HEADER).encode("utf-16"),  # a UTF-16 file
        b"",  # no header at all
        b"case_id,case_id,reported_at,category,district\n",  # a duplicated column
        b",,,\n",
        "编号,上报时间\n".encode("gb18030"),
    ]
)


@FUZZ
@given(header=header_bytes, body=byte_bodies, suffix=st.sampled_from([".csv", ".tsv", ".txt"]))
def test_broken_csv_is_refused_or_accounted(header, body, suffix):
    with fresh_store() as engine, tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"broken{suffix}"
        path.write_bytes(header + body)
        summary = _check_loaded_or_refused(engine, [path])
        if summary is not None:
            valid = summary["read"] - summary["rejected"]
            stored = len(rows(engine, "cases", "case_id"))
            assert summary["inserted"] == stored <= valid


# --- .xlsx with any cell types -------------------------------------------------------------

cells = st.one_of(
    st.none(),
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=True, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 1, 1)),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
    # openpyxl cannot write control characters; the rest of Unicode goes in.
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20),
    st.just("x" * 32_000),  # close to Excel's cell limit
    st.sampled_from(["'=1+1", "=SUM(A1:A2)", '=HYPERLINK("http://x")', *INJECTIONS[:6]]),
    st.sampled_from(IDS),
    st.just("2025-03-01 08:00:00"),
)


@FUZZ
@given(
    header=st.lists(
        st.one_of(
            st.sampled_from(HEADER),
            st.none(),
            st.integers(0, 5),
            st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=5),
        ),
        min_size=0,
        max_size=8,
    ),
    body=st.lists(st.lists(cells, max_size=9), max_size=8),
)
def test_xlsx_with_any_cells_is_refused_or_accounted(header, body):
    with fresh_store() as engine, tempfile.TemporaryDirectory() as folder:
        book = Workbook()
        sheet = book.active
        if header:
            sheet.append(
                [f"'{h}" if isinstance(h, str) and h.startswith("=") else h for h in header]
            )
        for values in body:
            sheet.append(
                [f"'{v}" if isinstance(v, str) and v.startswith("=") else v for v in values]
            )
        path = Path(folder) / "cases.xlsx"
        book.save(path)
        _check_loaded_or_refused(engine, [path])


@FUZZ
@given(body=st.binary(max_size=600), zipped=st.booleans())
def test_damaged_xlsx_and_parquet_are_refused(body, zipped):
    with fresh_store() as engine, tempfile.TemporaryDirectory() as folder:
        for name in ("cases.xlsx", "cases.parquet"):
            path = Path(folder) / name
            path.write_bytes((b"PK\x03\x04" if zipped else b"PAR1") + body)
            before = snapshot(engine, TABLES)
            with pytest.raises(RefusedFile):
                ingest_files(engine, [path])
            assert snapshot(engine, TABLES) == before


# --- Parquet with odd types ------------------------------------------------------------------

_odd_columns = {
    "int": lambda n: pa.array(range(n), pa.int64()),
    "bool": lambda n: pa.array([i % 2 == 0 for i in range(n)]),
    "float": lambda n: pa.array([float("nan") if i % 3 else 1e300 * i for i in range(n)]),
    "decimal": lambda n: pa.array([i for i in range(n)], pa.decimal128(20, 3)),
    "binary": lambda n: pa.array([b"\xff\x00" * i for i in range(n)], pa.binary()),
    "list": lambda n: pa.array([[i, i] for i in range(n)]),
    "struct": lambda n: pa.array([{"a": i} for i in range(n)]),
    "dict": lambda n: pa.array(["东城区", "x"] * n, pa.string()).slice(0, n).dictionary_encode(),
    "date": lambda n: pa.array([date(2025, 3, 1 + i % 28) for i in range(n)]),
    "ts_ns": lambda n: pa.array(
        [datetime(2025, 3, 1, 8, i % 60) for i in range(n)], pa.timestamp("ns")
    ),
    "ts_tz": lambda n: pa.array(
        [datetime(2025, 3, 1, 8, i % 60) for i in range(n)], pa.timestamp("ms", "America/New_York")
    ),
    "null": lambda n: pa.nulls(n),
    "text": lambda n: pa.array([INJECTIONS[i % len(INJECTIONS)] for i in range(n)]),
    "large": lambda n: pa.array([f"C{i % 4}" for i in range(n)], pa.large_string()),
    "duration": lambda n: pa.array([i for i in range(n)], pa.duration("s")),
    "time": lambda n: pa.array([i for i in range(n)], pa.time32("s")),
}


@FUZZ
@given(
    types=st.lists(
        st.tuples(st.sampled_from(HEADER), st.sampled_from(sorted(_odd_columns))),
        min_size=1,
        max_size=8,
        unique_by=lambda c: c[0],
    ),
    n=st.integers(0, 12),
)
def test_parquet_with_odd_types_is_refused_or_accounted(types, n):
    with fresh_store() as engine, tempfile.TemporaryDirectory() as folder:
        table = pa.table({name: _odd_columns[kind](n) for name, kind in types})
        path = Path(folder) / "cases.parquet"
        pq.write_table(table, path)
        _check_loaded_or_refused(engine, [path])


# --- the command line never prints a traceback ---------------------------------------------

_CLI_INPUTS = [
    ("a.csv", b"\xff\xfe\x00garbage\x00\n\x01\x02"),
    ("b.csv", ",".join(HEADER).encode() + b'\nC1,"2025-03-01\n'),
    ("c.xlsx", b"PK\x03\x04not really a zip"),
    ("d.parquet", b"PAR1" + b"\x00" * 40),
    ("e.csv", b""),
    ("g.csv", ",".join(HEADER).encode() + b"\na,b\xee"),  # a ragged row, cut-off character
    ("f.json", b"{}"),
]


@pytest.mark.parametrize(("name", "content"), _CLI_INPUTS, ids=[n for n, _ in _CLI_INPUTS])
def test_cli_never_prints_a_traceback(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    db = f"duckdb:///{tmp_path / 'store.duckdb'}"
    result = run_cli("ingest", path, "--json", db=db)
    assert "Traceback" not in result.stderr + result.stdout
    if result.returncode != 0:
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1, result.stderr
        assert result.returncode == 2, result.stderr


def test_cli_hostile_mapping_never_prints_a_traceback(tmp_path):
    cases = tmp_path / "cases.csv"
    cases.write_text(",".join(HEADER) + "\n" + _VALID_LINE + "\n", encoding="utf-8")
    db = f"duckdb:///{tmp_path / 'store.duckdb'}"
    for content in (
        b"\xff\xfe not toml",
        b"[columns]\ncase_id = 5\n",
        b'timezone = "\'; DROP TABLE cases; --"\n[columns]\ncase_id = "case_id"\n',
        b'[columns]\nnot_a_column = "x"\n',
    ):
        mapping = tmp_path / "m.toml"
        mapping.write_bytes(content)
        result = run_cli("ingest", cases, "--mapping", mapping, db=db)
        assert result.returncode != 0
        assert "Traceback" not in result.stderr + result.stdout
        assert re.fullmatch(r"error: [^\n]+\n", result.stderr), result.stderr


# --- the bugs the fuzzing found, pinned ------------------------------------------------------

_HEAD = ",".join(HEADER).encode()


@pytest.mark.parametrize(
    "content",
    [
        b"case_id,case_id,reported_at,category,district\nA,B,2025-03-01,c,d\n",  # KeyError
        b"\xef\xbb\xbf" + _HEAD + b"\n\xd3",  # BOM, then a broken ragged line
        _HEAD + b"\na,b\xee",  # a cut-off character at the end of the file
    ],
    ids=["duplicate-column", "bom-invalid-utf8", "cut-off-character"],
)
def test_found_csv_bugs_are_refused_plainly(duck_store, tmp_path, content):
    path = tmp_path / "cases.csv"
    path.write_bytes(content)
    assert _check_loaded_or_refused(duck_store, [path]) is None


def test_parquet_list_column_is_refused(duck_store, tmp_path):
    path = tmp_path / "cases.parquet"
    pq.write_table(pa.table({"case_id": [[1, 2]], "reported_at": ["2025-03-01"]}), path)
    assert _check_loaded_or_refused(duck_store, [path]) is None


def test_nul_in_values_loads_on_every_store(store, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_bytes(_HEAD + b"\nN\x001,2025-03-01 08:00:00,c\x00at,d,s,g,x\n")
    summary = _check_loaded_or_refused(store, [path])
    assert summary["inserted"] == 1
    assert [(r["case_id"], r["category"]) for r in rows(store, "cases")] == [("N1", "cat")]
