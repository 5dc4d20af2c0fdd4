"""Real 311 logs (Boston, Los Angeles) through the command line with their mapping files.

The pinned numbers were computed once and checked against the data's README and an independent
count over the raw CSVs (the second half of each test re-derives them from the raw files).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from ingest_helpers import ROOT, cli_json, count, counts, ingest, run_cli

from caselog import open_store

# shared/ sits beside the repository (the CI clone too); /work/shared on a developer machine.
REAL = next(
    (
        p
        for p in (ROOT.parent / "shared" / "data" / "real", Path("/work/shared/data/real"))
        if p.is_dir()
    ),
    ROOT.parent / "shared" / "data" / "real",
)
BOSTON = sorted((REAL / "boston311").glob("*.csv"))
LA = sorted((REAL / "la311").glob("*.csv"))
pytestmark = pytest.mark.skipif(
    len(BOSTON) != 17 or len(LA) != 2, reason="the real 311 extracts (shared/data/real) are absent"
)


def _raw(con, files: list[Path]) -> None:
    names = ", ".join(f"'{p}'" for p in files)
    con.execute(
        f"CREATE TEMP TABLE raw AS SELECT * FROM read_csv([{names}], all_varchar = true, "
        "filename = true, union_by_name = true)"
    )


def test_boston_311(tmp_path):
    db = tmp_path / "boston.duckdb"
    mapping = ROOT / "sample_data" / "mappings" / "boston311.toml"
    summary = cli_json(
        run_cli("ingest", *BOSTON, "--mapping", mapping, "--json", db=f"duckdb:///{db}")
    )

    assert counts(summary) == (80590, 61975, 18382, 0, 233)
    assert summary["reasons"] == {"missing location": 233}
    assert counts(summary["ratings"]) == counts(summary["grids"]) == (0, 0, 0, 0, 0)
    assert len(summary["files"]) == 17
    assert {f["encoding"] for f in summary["files"]} == {"utf-8"}
    assert all(f["dropped_personal_columns"] == [] for f in summary["files"])

    con = duckdb.connect(str(db), read_only=True)
    try:
        _raw(con, BOSTON)
        # The README's numbers, and an independent count of what the store must hold.
        total, distinct = con.execute(
            "SELECT count(*), count(DISTINCT case_enquiry_id) FROM raw"
        ).fetchone()
        assert (total, distinct) == (80590, 62165)
        both = con.execute(
            "SELECT count(*) FROM (SELECT case_enquiry_id FROM raw WHERE filename LIKE '%teama%' "
            "INTERSECT SELECT case_enquiry_id FROM raw WHERE filename LIKE '%teamb%')"
        ).fetchone()[0]
        assert both == 18421
        no_place, placed_ids = con.execute(
            "SELECT count(*) FILTER (WHERE coalesce(trim(neighborhood), '') = ''), "
            "count(DISTINCT case_enquiry_id) FILTER (WHERE coalesce(trim(neighborhood), '') <> '') "
            "FROM raw"
        ).fetchone()
        assert (no_place, placed_ids) == (summary["rejected"], summary["inserted"])
        assert summary["updated"] == total - placed_ids - no_place  # superseded versions
        per_file = dict(con.execute("SELECT filename, count(*) FROM raw GROUP BY ALL").fetchall())
        assert {f["file"]: f["read"] for f in summary["files"]} == per_file

        assert con.execute("SELECT key, value FROM store_meta").fetchall() == [
            ("timezone", "America/New_York")
        ]
        assert con.execute("SELECT count(*) FROM cases").fetchone()[0] == 61975
        assert con.execute(
            "SELECT reason, count(*) FROM rejected_rows GROUP BY ALL"
        ).fetchall() == [("missing location", 233)]
        # Stored wall-clock times are Boston's own (the mapping's zone is the store's zone).
        first = con.execute(
            "SELECT reported_at, closed_at, status, source, district, grid_id, category FROM cases "
            "WHERE case_id = '101000729509'"
        ).fetchone()
        assert [str(v) for v in first] == [
            "2013-01-01 06:32:33",
            "2013-01-01 13:14:40",
            "closed",
            "hotline",
            "Greater Mattapan",
            "Greater Mattapan",
            "Street Cleaning",
        ]
        statuses = dict(con.execute("SELECT status, count(*) FROM cases GROUP BY ALL").fetchall())
        assert statuses == {"closed": 40578, "open": 21397}
        assert (
            con.execute("SELECT count(*) FROM cases WHERE closed_at IS NOT NULL").fetchone()[0]
            == 40578
        )

        # The city's own on_time flag against closed_at <= deadline, on the stored version.
        checked, agree = con.execute(
            """
            WITH v AS (
              SELECT DISTINCT c.case_id, c.closed_at <= c.deadline AS ours, r.on_time = 'ONTIME' AS city
              FROM cases c JOIN raw r ON r.case_enquiry_id = c.case_id
                AND r.closed_dt = strftime(c.closed_at, '%Y-%m-%d %H:%M:%S')
                AND r.sla_target_dt = strftime(c.deadline, '%Y-%m-%d %H:%M:%S')
              WHERE c.closed_at IS NOT NULL AND c.deadline IS NOT NULL)
            SELECT count(DISTINCT case_id), count(*) FILTER (WHERE ours = city) FROM v"""
        ).fetchone()
        closed_with_deadline = con.execute(
            "SELECT count(*) FROM cases WHERE closed_at IS NOT NULL AND deadline IS NOT NULL"
        ).fetchone()[0]
        assert checked == closed_with_deadline == 24389
        assert agree / checked >= 0.99  # measured: 24,389 of 24,389 agree

        # No personal data: nothing outside the mapped columns, e.g. no free-text address.
        addresses = {
            a
            for (a,) in con.execute(
                "SELECT DISTINCT trim(location) FROM raw WHERE trim(location) <> ''"
            ).fetchall()
        }
        assert len(addresses) > 20000
        stored_text = set()
        for (raw,) in con.execute("SELECT raw FROM rejected_rows").fetchall():
            values = json.loads(raw)
            assert set(values) <= {
                "case_id", "reported_at", "deadline", "closed_at", "status", "category",
                "subcategory", "department", "district", "source", "lat", "lon",
            }  # fmt: skip
            stored_text |= set(values.values())
        for column in (
            "case_id",
            "category",
            "subcategory",
            "district",
            "street",
            "community",
            "grid_id",
            "department",
        ):
            stored_text |= {
                v for (v,) in con.execute(f"SELECT DISTINCT {column} FROM cases").fetchall()
            }
        assert not addresses & stored_text
    finally:
        con.close()


def test_la_311_and_its_repeat(tmp_path):
    db = f"duckdb:///{tmp_path / 'la.duckdb'}"
    mapping = ROOT / "sample_data" / "mappings" / "la311.toml"
    summary = cli_json(run_cli("ingest", *LA, "--mapping", mapping, "--json", db=db))
    assert counts(summary) == (19999, 19984, 0, 0, 15)
    assert summary["reasons"] == {"missing location": 15}
    assert [(Path(f["file"]).name, f["read"], f["rejected"]) for f in summary["files"]] == [
        ("MyLA311_2017_subset.csv", 9999, 4),
        ("requests_seed_d7bc8f3.csv", 10000, 11),
    ]
    assert all(f["dropped_personal_columns"] == [] for f in summary["files"])

    con = duckdb.connect(str(tmp_path / "la.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT value FROM store_meta WHERE key = 'timezone'").fetchone() == (
            "America/Los_Angeles",
        )
        got = {
            r[0]: tuple(str(v) for v in r[1:])
            for r in con.execute(
                "SELECT case_id, reported_at, closed_at, status, source, district, street, grid_id, "
                "department FROM cases WHERE case_id IN ('1-870704831', '1-1523590121')"
            ).fetchall()
        }
        assert got == {
            # 2017 export: CamelCase headers, US dates with a 12-hour clock.
            "1-870704831": (
                "2017-12-31 23:59:58",
                "2018-04-09 09:18:35",
                "closed",
                "hotline",
                "13",
                "GREATER ECHO PARK ELYSIAN NC",
                "GREATER ECHO PARK ELYSIAN NC",
                "BOS",
            ),
            # 2020 export: lower-case headers, ISO-like dates.
            "1-1523590121": (
                "2020-01-01 00:05:00",
                "2020-01-02 08:43:00",
                "closed",
                "hotline",
                "6",
                "LAKE BALBOA NC",
                "LAKE BALBOA NC",
                "BOS",
            ),
        }
        statuses = dict(con.execute("SELECT status, count(*) FROM cases GROUP BY ALL").fetchall())
        assert statuses == {"closed": 19467, "cancelled": 488, "open": 29}
        _raw(con, LA)
        # Independent: rows with a council district or neighbourhood council, by status.
        raw_statuses = dict(
            con.execute(
                "SELECT CASE status WHEN 'Closed' THEN 'closed' WHEN 'Referred Out' THEN 'closed' "
                "WHEN 'Cancelled' THEN 'cancelled' ELSE 'open' END, count(*) FROM raw "
                "WHERE coalesce(cd, '') <> '' OR coalesce(ncname, '') <> '' GROUP BY ALL"
            ).fetchall()
        )
        assert raw_statuses == statuses
        timestamps = con.execute(
            "SELECT count(*) FILTER (WHERE quality_flags LIKE '%bad_value%'), "
            "count(*) FILTER (WHERE closed_at IS NULL) FROM cases"
        ).fetchone()
        assert timestamps == (0, 47)
    finally:
        con.close()

    engine = open_store(db)
    try:  # the repeat in-process: nothing changes
        again = ingest(engine, LA, mapping=mapping)
        assert counts(again) == (19999, 0, 0, 19984, 15)
        assert count(engine, "rejected_rows") == 15
    finally:
        engine.dispose()
