"""The command line end to end: sample → ingest → assess → forecast, and its plain errors."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ASSESS_STREET = [
    "district",
    "street",
    "cases",
    "response_rate",
    "median_response_min",
    "closure_rate",
    "on_time_rate",
    "overdue_open",
    "solved_rate",
    "satisfaction_rate",
    "rework_rate",
    "median_handling_h",
    "composite_score",
    "grade",
    "rank",
]


def gridpulse(*args: str, db: str | None = None) -> subprocess.CompletedProcess:
    prefix = ["--db", db] if db else []
    return subprocess.run(
        [sys.executable, "-m", "gridpulse", *prefix, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    db = f"duckdb:///{folder / 'cli.duckdb'}"
    done = gridpulse(
        "sample",
        "--out",
        str(folder / "city"),
        "--grids",
        "40",
        "--years",
        "2",
        "--cases-per-year",
        "4000",
        "--seed",
        "5",
    )
    assert done.returncode == 0, done.stderr
    city = folder / "city"
    done = gridpulse(
        "ingest",
        str(city / "cases.csv"),
        "--ratings",
        str(city / "ratings.csv"),
        "--grids",
        str(city / "grids.csv"),
        "--json",
        db=db,
    )
    assert done.returncode == 0, done.stderr
    return folder, db, json.loads(done.stdout.strip().splitlines()[-1])


def test_sample_writes_the_contract_files(city):
    folder, _, summary = city
    for name in ("cases.csv", "ratings.csv", "grids.csv", "grids.geojson"):
        assert (folder / "city" / name).stat().st_size > 0
    assert (
        summary["read"]
        == summary["inserted"] + summary["updated"] + summary["unchanged"] + summary["rejected"]
    )
    assert summary["grids"]["inserted"] == 40
    assert summary["ratings"]["inserted"] > 0


def assessed(db: str, out: Path, *args: str) -> tuple[subprocess.CompletedProcess, list[dict]]:
    """Run ``assess --by street --period 2025 --out OUT ARGS`` and read the CSV it wrote."""
    done = gridpulse(
        "assess", "--by", "street", "--period", "2025", "--out", str(out), *args, db=db
    )
    assert done.returncode == 0, done.stderr
    with out.open(encoding="utf-8-sig") as handle:
        return done, list(csv.DictReader(handle))


def test_assess_writes_the_contract_columns(city):
    folder, db, _ = city
    done, rows = assessed(db, folder / "streets.csv")
    assert list(rows[0])[: len(ASSESS_STREET)] == ASSESS_STREET
    assert sum(int(r["cases"]) for r in rows) > 3000
    assert {r["rank"] for r in rows} >= {"1"}
    assert "note:" not in done.stderr


def test_assess_notes_an_earlier_as_of_and_an_empty_table(city):
    folder, db, _ = city
    out = folder / "past.csv"
    args = ["assess", "--by", "street", "--out", str(out)]
    done = gridpulse(*args, "--period", "2025-06", "--as-of", "2025-07-03 12:00", db=db)
    assert done.returncode == 0, done.stderr
    assert "note: --as-of 2025-07-03 12:00:00 is before the store's latest timestamp" in (
        done.stderr
    )
    assert "a case closed after the as-of counts as closed" in done.stderr
    done = gridpulse(*args, "--period", "2019", db=db)
    assert done.returncode == 0, done.stderr
    assert "note: no case of 2019 names a street; the table holds no case." in done.stderr


def test_assess_notes_deadlines_in_a_year_without_published_make_up_days(city):
    folder, db, _ = city
    rules = ROOT / "sample_data" / "rules" / "working-days-2026.toml"
    args = ["assess", "--by", "street", "--rules", str(rules), "--out", str(folder / "wd.csv")]
    done = gridpulse(*args, "--period", "2026-12", db=db)  # deadlines reach into 2027
    assert done.returncode == 0, done.stderr
    assert "note: 2027: statutory holidays only; 调休 make-up days not yet published" in (
        done.stderr
    )
    done = gridpulse(*args, "--period", "2026-11", db=db)
    assert done.returncode == 0 and "调休" not in done.stderr, done.stderr


@pytest.mark.parametrize(
    ("named", "spelled"),
    [
        ("2025-03", "2025-03-01..2025-03-31"),
        ("2025Q2", "2025-04-01..2025-06-30"),
        ("2025-03", "2025年3月"),
    ],
)
def test_a_range_that_is_a_named_period_writes_the_same_bytes(city, named, spelled):
    folder, db, _ = city
    files = []
    for i, period in enumerate((named, spelled)):
        out = folder / f"same_{named}_{i}.csv"
        done = gridpulse("assess", "--by", "street", "--period", period, "--out", str(out), db=db)
        assert done.returncode == 0, done.stderr
        assert f"rows for {named} to" in done.stdout
        files.append(out.read_bytes())
    assert files[0] == files[1]
    with (folder / f"same_{named}_0.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["period"] for r in rows} == {named}
    assert any(r["rank_change"] for r in rows)  # compared with the named previous period


def test_assess_within_a_scope_and_an_unknown_scope(city, tmp_path):
    folder, db, _ = city
    _, rows = assessed(db, folder / "whole.csv")
    district = rows[0]["district"]
    _, scoped = assessed(db, folder / "scoped.csv", "--scope", district)
    args = ["assess", "--by", "street", "--period", "2025", "--out", "x.csv"]
    assert {r["district"] for r in scoped} == {district}
    assert sorted(int(r["cases"]) for r in scoped) == sorted(
        int(r["cases"]) for r in rows if r["district"] == district
    )
    gone = tmp_path / "nothing.csv"
    done = gridpulse(*args[:-1], str(gone), "--scope", "无此区/无此街道", db=db)
    assert done.returncode == 1 and not gone.exists()
    assert done.stderr.strip() == "error: The scope '无此区/无此街道' is not an area of this store."
    bad = tmp_path / "bad.toml"
    for text, words in (
        ('name = "x"\ncolour = 1\n', "unknown key 'colour'"),
        (
            'name = "x"\n[weights]\nresponse = "a lot"\nsolved = 1\nsatisfaction = 1\n',
            "must be a number",
        ),
    ):
        bad.write_text(text, encoding="utf-8")
        done = gridpulse(*args[:-1], str(gone), "--rules", str(bad), db=db)
        assert done.returncode == 1 and not gone.exists(), done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0], lines


def test_assess_split_by_a_case_column_within_a_scope(city):
    folder, db, _ = city
    _, rows = assessed(db, folder / "whole_streets.csv")
    district = rows[0]["district"]
    done, split = assessed(db, folder / "urgency.csv", "--scope", district, "--by", "urgency")
    assert done.returncode == 0, done.stderr
    assert list(split[0])[:2] == ["urgency", "cases"]
    assert {r["urgency"] for r in split} <= {"emergency", "utility", "general", "complex"}
    assert sum(int(r["cases"]) for r in split) == sum(
        int(r["cases"]) for r in rows if r["district"] == district
    )
    bad = gridpulse("assess", "--by", "colour", "--period", "2025", "--out", "x.csv", db=db)
    lines = bad.stderr.strip().splitlines()
    assert bad.returncode == 2 and len(lines) == 1 and "request_type" in lines[0]


def test_forecast_writes_one_row_per_unit_and_day(city):
    folder, db, _ = city
    out = folder / "districts.csv"
    done = gridpulse("forecast", "--level", "district", "--horizon", "7", "--out", str(out), db=db)
    assert done.returncode == 0, done.stderr
    with out.open(encoding="utf-8-sig") as handle:  # a BOM, as the assess CSV
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["unique_id", "ds", "model", "yhat", "yhat_lo", "yhat_hi"]
    days = sorted({r["ds"] for r in rows})
    assert days[0] == "2026-01-01" and len(days) == 7
    units = {r["unique_id"] for r in rows}
    assert len(rows) == 7 * len(units)
    assert all(float(r["yhat_lo"]) <= float(r["yhat"]) <= float(r["yhat_hi"]) for r in rows)


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["assess", "--by", "street", "--period", "2025-13", "--out", "x.csv"], 1, "period"),
        (
            ["assess", "--by", "street", "--period", "2025-02-30..2025-03-31", "--out", "x.csv"],
            1,
            "2025-02-30 does not exist",
        ),
        (["assess", "--by", "street", "--period", "2025Q5", "--out", "x.csv"], 1, "2025Q5"),
        (
            ["assess", "--by", "street", "--period", "2025-03-09..2025-03-01", "--out", "x.csv"],
            1,
            "ends before it starts",
        ),
        (["assess", "--by", "planet", "--period", "2025", "--out", "x.csv"], 2, "invalid choice"),
        (["forecast", "--level", "grid", "--horizon", "0", "--out", "x.csv"], 1, "horizon"),
        (
            ["forecast", "--level", "city", "--horizon", "7", "--holidays", "XX", "--out", "x.csv"],
            2,
            "invalid choice",
        ),
        (["ingest", "/no/such/file.csv"], 2, "does not exist"),
        (["ingest", "x.csv", "--mapping", "/no/such/mapping.toml"], 2, "does not exist"),
        ([], 2, "required"),
    ],
)
def test_errors_are_one_plain_sentence(city, args, code, words):
    _, db, _ = city
    done = gridpulse(*args, db=db)
    assert done.returncode == code
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0]


def test_forecast_holiday_calendar_is_recorded_with_the_run(city):
    folder, db, _ = city
    out = folder / "city_none.csv"
    done = gridpulse(
        "forecast",
        "--level",
        "city",
        "--horizon",
        "7",
        "--holidays",
        "none",
        "--out",
        str(out),
        db=db,
    )
    assert done.returncode == 0, done.stderr
    from caselog import open_store
    from forecasting import load_run

    engine = open_store(db, read_only=True)
    run = load_run(engine)
    engine.dispose()
    assert "holidays" in run.versions
    assert run.parameters["params"]["prophet"]["holidays"] is False
    assert run.parameters["params"]["ymean"]["holidays"] is False


def test_ingest_warms_the_pages_tables_unless_told_not_to(city):
    folder, db, _ = city
    cases = str(folder / "city" / "cases.csv")
    done = gridpulse("ingest", cases, "--json", db=db)
    assert done.returncode == 0, done.stderr
    assert "pages' tables for 2025-12, 2025 computed in" in done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1])["unchanged"] > 0
    quiet = gridpulse("ingest", cases, "--json", "--no-warm", db=db)
    assert quiet.returncode == 0 and "pages' tables" not in quiet.stderr


def test_db_may_follow_the_verb_and_a_missing_store_is_not_created(city, tmp_path):
    folder, db, _ = city
    out = folder / "after.csv"
    done = gridpulse(
        "assess", "--by", "district", "--period", "2025", "--out", str(out), "--db", db
    )
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 0
    typo = tmp_path / "typo" / "store.duckdb"
    for verb in (
        ["assess", "--by", "district", "--period", "2025"],
        ["forecast", "--level", "city", "--horizon", "7"],
    ):
        done = gridpulse(*verb, "--out", str(tmp_path / "x.csv"), db=f"duckdb:///{typo}")
        assert done.returncode == 1
        assert done.stderr.strip() == (
            f"error: there is no store at {typo}; load a case log first (gridpulse ingest)."
        )
    assert not typo.parent.exists() and not (tmp_path / "x.csv").exists()


def test_a_header_only_file_reports_zero_rows_and_a_negative_seed_is_refused(tmp_path):
    header_only = tmp_path / "h.csv"
    header_only.write_text("case_id,reported_at,category,district\n", encoding="utf-8")
    done = gridpulse(
        "ingest", str(header_only), "--no-warm", db=f"duckdb:///{tmp_path / 's.duckdb'}"
    )
    assert done.returncode == 0, done.stderr
    assert "cases: read 0, inserted 0, updated 0, unchanged 0, rejected 0" in done.stdout
    done = gridpulse("sample", "--out", str(tmp_path / "city"), "--seed", "-5")
    assert done.returncode == 1
    assert done.stderr.strip() == "error: --seed must be zero or a positive number."
    assert not (tmp_path / "city").exists()


def test_sample_load_equals_sample_then_ingest_and_if_empty_keeps_the_store(city, tmp_path):
    _, db, _ = city
    loaded = f"duckdb:///{tmp_path / 'loaded.duckdb'}"
    small = ["--grids", "40", "--years", "2", "--cases-per-year", "4000", "--seed", "5"]
    done = gridpulse("sample", "--load", "--out", str(tmp_path / "city"), *small, db=loaded)
    assert done.returncode == 0, done.stderr
    assert "dirty rows quarantined" in done.stdout
    assert "pages' tables for 2025-12, 2025 computed in" in done.stderr
    tables = []
    for store in (db, loaded):
        out = tmp_path / f"{len(tables)}.csv"
        done = gridpulse("assess", "--by", "grid", "--period", "2025", "--out", str(out), db=store)
        assert done.returncode == 0, done.stderr
        with out.open(encoding="utf-8-sig", newline="") as handle:
            # every figure and column but when each store was loaded
            tables.append([{**r, "data_loaded_at": ""} for r in csv.DictReader(handle)])
    assert tables[0] == tables[1]  # the same city as `sample` then `ingest` loads
    again = gridpulse("sample", "--load", "--if-empty", "--out", str(tmp_path / "b"), db=loaded)
    assert again.returncode == 0, again.stderr
    assert "the sample city is not loaded" in again.stdout
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sample", "--if-empty", "--out", "x"], "error: --if-empty goes with --load."),
        (
            ["sample", "--grids", "3"],
            "error: name the output folder with --out (or load the city with --load).",
        ),
    ],
)
def test_sample_options_that_do_not_go_together(args, message, tmp_path):
    done = gridpulse(*args, db=f"duckdb:///{tmp_path / 's.duckdb'}")
    assert done.returncode == 1 and done.stderr.strip() == message
    assert not (tmp_path / "s.duckdb").exists()
