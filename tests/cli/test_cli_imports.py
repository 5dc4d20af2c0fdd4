"""The command line imports only what a verb needs: help and assess stay clear of heavy modules."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import sample_store

ROOT = Path(__file__).resolve().parents[2]
#: Packages no part of ``assess … --out FILE.csv`` uses: charts, the app, forecasting models,
#: survival curves, spreadsheets and documents; under the default rule set (calendar-day
#: deadlines) the working-day calendars too. A top-level import of any verb module that
#: needs one (publish → records → …, report → bulletin) would bring it in.
NOT_FOR_ASSESS = {
    "bulletin",
    "chinese_calendar",
    "dashboard",
    "docx",
    "forecasting",
    "holidays",
    "lifelines",
    "matplotlib",
    "openpyxl",
    "plotly",
    "prophet",
    "reportlab",
    "scipy",
    "sklearn",
    "statsforecast",
    "statsmodels",
    "streamlit",
    "xlsxwriter",
}
#: What the parser (``--help``, argument errors) can do without: no store, no table.
NOT_FOR_PARSING = NOT_FOR_ASSESS | {"duckdb", "numpy", "pandas", "pyarrow", "sqlalchemy"}

_RUN = """
import json, sys
from gridpulse.cli import build_parser, main
argv = json.loads(sys.argv[1])
if argv:
    code = main(argv)
else:  # only the parser, as --help and argument errors use it
    build_parser().parse_args(["assess", "--by", "street", "--period", "2025", "--out", "x.csv"])
    code = 0
print(json.dumps({"code": code, "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def _imported(argv: list[str]) -> tuple[int, set[str]]:
    """The exit code of ``gridpulse ARGV`` in a fresh interpreter and the top-level packages
    it had imported by then (with no ARGV: after building the parser and parsing only)."""
    done = subprocess.run(
        [sys.executable, "-c", _RUN, json.dumps(argv)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return report["code"], set(report["modules"])


def test_parsing_imports_no_store_or_table_library():
    code, modules = _imported([])
    assert code == 0
    assert "gridpulse" in modules  # the probe ran the command line's parser
    assert modules.isdisjoint(NOT_FOR_PARSING), sorted(modules & NOT_FOR_PARSING)


@pytest.fixture(scope="module")
def small_store(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("imports")
    return sample_store(folder, grids=12, years=2, cases_per_year=600, seed=3)


def test_assess_to_csv_imports_only_what_it_needs(small_store, tmp_path):
    out = tmp_path / "street.csv"
    argv = ["assess", "--by", "street", "--period", "2025", "--db", small_store, "--out", str(out)]
    code, modules = _imported(argv)
    assert code == 0
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and sum(int(r["cases"]) for r in rows) > 0  # the verb did its work
    assert {"duckdb", "sqlalchemy"} <= modules  # the probe saw the store being used
    assert modules.isdisjoint(NOT_FOR_ASSESS), sorted(modules & NOT_FOR_ASSESS)
