"""Files refused whole: exit 2, one plain sentence on stderr, and the store exactly as before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ingest_helpers import (
    TABLES,
    messages,
    run_cli,
    snapshot,
    store_url,
    write_csv,
    write_lines,
    write_toml,
)
from openpyxl import Workbook

from caselog import open_store
from gridpulse.cli import main

CASES = ["case_id", "reported_at", "category", "district", "grid_id"]
GOOD = [
    ["B1", "2025-03-01 08:00", "市容环境", "东城区", "G1"],
    ["B2", "2025-03-01 09:00", "街面秩序", "", "G2"],
    ["B3", "2025-03-01 09:00", "", "东城区", "G1"],  # quarantined
]


def _baseline(tmp_path: Path) -> list[str]:
    """Arguments of an ingest that fills every table (cases, rejected rows, ratings, grids)."""
    write_csv(tmp_path / "base.csv", CASES, GOOD)
    write_csv(
        tmp_path / "ratings.csv",
        ["case_id", "department", "score", "rated_at"],
        [["B1", "城管委", "95", "2025-03-02 10:00"]],
    )
    write_csv(
        tmp_path / "grids.csv",
        ["grid_id", "community", "street", "district", "households"],
        [
            ["G1", "多福巷社区", "东华门街道", "东城区", "420"],
            ["G2", "府右街社区", "西长安街街道", "西城区", "380"],
        ],
    )
    return [
        str(tmp_path / "base.csv"),
        "--ratings",
        str(tmp_path / "ratings.csv"),
        "--grids",
        str(tmp_path / "grids.csv"),
    ]


def _missing_column(d: Path):
    write_csv(
        d / "nocat.csv", ["case_id", "reported_at", "district"], [["X1", "2025-03-01 08:00", "d"]]
    )
    return [d / "nocat.csv"], "nocat.csv lacks the required column 'category'."


def _no_location_column(d: Path):
    write_csv(
        d / "noloc.csv",
        ["case_id", "reported_at", "category", "street"],
        [["X1", "2025-03-01 08:00", "c", "s"]],
    )
    return [d / "noloc.csv"], "noloc.csv needs a 'grid_id' or 'district' column."


def _not_tabular(d: Path):
    (d / "cases.xml").write_text("<cases><case id='X1'/></cases>", encoding="utf-8")
    return [d / "cases.xml"], "cases.xml is not a CSV, .xlsx, Parquet or JSON file."


def _nested_json(d: Path):
    records = [
        {"case_id": "X1", "reported_at": "2025-03-01 08:00", "category": "c", "district": "d"},
        {"case_id": "X2", "reported_at": "2025-03-01 09:00", "category": "c", "district": {}},
    ]
    (d / "nested.json").write_text(json.dumps(records), encoding="utf-8")
    return [d / "nested.json"], "nested.json: record 2 has a nested value under 'district'"


def _json_object(d: Path):
    (d / "one.json").write_text('{"case_id": "X1"}', encoding="utf-8")
    return [d / "one.json"], "one.json is not a JSON array of records (one object per case)."


def _geojson_as_cases(d: Path):
    (d / "grids.json").write_text('{"type": "FeatureCollection", "features": []}', "utf-8")
    return [d / "grids.json"], "grids.json is a GeoJSON FeatureCollection: that is a grids file"


def _missing_file(d: Path):
    return [d / "nowhere.csv"], "nowhere.csv does not exist or is not a file."


def _empty_file(d: Path):
    (d / "empty.csv").write_bytes(b"")
    return [d / "empty.csv"], "empty.csv is empty: it has no header row."


def _blank_file(d: Path):
    (d / "blank.csv").write_bytes(b"\n\n  \n")
    return [d / "blank.csv"], "blank.csv is empty: it has no header row."


def _empty_xlsx(d: Path):
    Workbook().save(d / "empty.xlsx")
    return [d / "empty.xlsx"], "empty.xlsx is empty: it has no header row."


def _broken_xlsx(d: Path):
    (d / "broken.xlsx").write_bytes(b"this is not a zip archive")
    return [d / "broken.xlsx"], "broken.xlsx is not a readable .xlsx workbook."


def _broken_parquet(d: Path):
    (d / "broken.parquet").write_bytes(b"PAR1 but not really")
    return [d / "broken.parquet"], "broken.parquet cannot be read ("


def _mapping_lacks_column(d: Path):
    write_toml(
        d / "m.toml",
        '[columns]\ncase_id = "ID"\nreported_at = "Opened"\ncategory = "Type"\n'
        'district = "Borough"\n',
    )
    write_csv(
        d / "nyc.csv", ["ID", "Opened", "Type", "Area"], [["N1", "2025-03-01 08:00", "t", "a"]]
    )
    return (
        [d / "nyc.csv", "--mapping", d / "m.toml"],
        "nyc.csv lacks the column 'Borough' that the mapping m.toml reads for district.",
    )


def _second_file_refused(d: Path):
    write_csv(d / "ok.csv", CASES, [["N1", "2025-03-05 08:00", "市容环境", "东城区", "G9"]])
    write_csv(
        d / "late.csv", ["case_id", "reported_at", "district"], [["N2", "2025-03-05 08:00", "d"]]
    )
    return [d / "ok.csv", d / "late.csv"], "late.csv lacks the required column 'category'."


def _ratings_lack_score(d: Path):
    write_csv(d / "ok.csv", CASES, [["N1", "2025-03-05 08:00", "市容环境", "东城区", "G9"]])
    write_csv(d / "r.csv", ["case_id", "department"], [["N1", "城管委"]])
    return [d / "ok.csv", "--ratings", d / "r.csv"], "r.csv lacks the required column 'score'."


def _grids_not_geojson(d: Path):
    (d / "grids.geojson").write_text('{"type": "Feature"}', encoding="utf-8")
    return ["--grids", d / "grids.geojson"], "grids.geojson is not a GeoJSON FeatureCollection."


def _unclosed_quote(d: Path):
    # the quote opened in row 3 would swallow rows 4–40 into one malformed record
    rows = [f"X{i},2025-03-01 08:00,市容环境,东城区,G1" for i in range(1, 41)]
    rows[2] = 'X3,2025-03-01 08:00,"市容环境,东城区,G1'
    write_lines(d / "quote.csv", [",".join(CASES), *rows])
    return [d / "quote.csv"], (
        "quote.csv: data row 3 opens a quoted value that never closes, so the rows after it "
        "cannot be read."
    )


REFUSALS = {
    "unclosed quote": _unclosed_quote,
    "missing required column": _missing_column,
    "no location column": _no_location_column,
    "not CSV/xlsx/parquet/json": _not_tabular,
    "nested JSON value": _nested_json,
    "JSON object, not a list": _json_object,
    "GeoJSON as a case log": _geojson_as_cases,
    "missing file": _missing_file,
    "empty file": _empty_file,
    "blank file": _blank_file,
    "empty workbook": _empty_xlsx,
    "broken workbook": _broken_xlsx,
    "broken parquet": _broken_parquet,
    "mapping names a missing column": _mapping_lacks_column,
    "second file of the run": _second_file_refused,
    "ratings lack a column": _ratings_lack_score,
    "grids not geojson": _grids_not_geojson,
}


def _refused(capsys, url: str, args: list, expected: str) -> None:
    code = main(["--db", url, "ingest", *map(str, args), "--json"])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    said = messages(err)
    assert len(said) == 1, said
    assert said[0].startswith(f"error: {expected}"), said[0]
    assert said[0].endswith(" Nothing was written."), said[0]


def test_refused_files_leave_the_store_as_it_was(store, tmp_path, capsys):
    url = store_url(store)
    assert main(["--db", url, "ingest", *_baseline(tmp_path)]) == 0
    capsys.readouterr()
    before = snapshot(store, TABLES)
    meta = 2 if store.dialect.name == "postgresql" else 1  # and PostgreSQL's data_stamp
    assert [len(before[t]) for t in TABLES] == [2, 1, 2, 1, 3, meta]
    for name, refusal in REFUSALS.items():
        folder = tmp_path / name.replace(" ", "_").replace("/", "_")
        folder.mkdir()
        args, expected = refusal(folder)
        _refused(capsys, url, args, expected)
        assert snapshot(store, TABLES) == before, name


@pytest.mark.parametrize("refusal", ["missing required column", "second file of the run"])
def test_refusal_on_an_empty_store_writes_nothing_not_even_the_time_zone(
    duck_store, tmp_path, capsys, refusal
):
    args, expected = REFUSALS[refusal](tmp_path)
    _refused(capsys, store_url(duck_store), args, expected)
    assert snapshot(duck_store, TABLES) == {t: [] for t in TABLES}


def test_unusable_mapping_file_is_one_sentence_and_writes_nothing(duck_store, tmp_path, capsys):
    url = store_url(duck_store)
    write_csv(tmp_path / "c.csv", CASES, GOOD)
    write_lines(tmp_path / "bad.toml", ["[columns", "case_id = 'x'"])
    for mapping, expected in (
        (tmp_path / "none.toml", "error: The mapping file none.toml does not exist."),
        (tmp_path / "bad.toml", "error: The mapping file bad.toml is not valid TOML"),
    ):
        code = main(["--db", url, "ingest", str(tmp_path / "c.csv"), "--mapping", str(mapping)])
        out, err = capsys.readouterr()
        assert code != 0
        assert out == ""
        assert "Traceback" not in err
        said = messages(err)
        assert len(said) == 1 and said[0].startswith(expected), said
    assert snapshot(duck_store, TABLES) == {t: [] for t in TABLES}


def test_refusal_through_the_real_command(tmp_path):
    """The installed entry point: exit status 2, no traceback, nothing on stdout."""
    url = f"duckdb:///{tmp_path / 'store.duckdb'}"
    assert main(["--db", url, "ingest", *_baseline(tmp_path)]) == 0
    before = _stored(url)
    for refusal in ("missing required column", "second file of the run"):
        args, expected = REFUSALS[refusal](tmp_path)
        result = run_cli("ingest", *args, "--json", db=url)
        assert result.returncode == 2
        assert result.stdout == ""
        assert "Traceback" not in result.stderr
        assert messages(result.stderr) == [f"error: {expected} Nothing was written."]
    assert _stored(url) == before


def _stored(url: str) -> dict:
    engine = open_store(url)
    try:
        return snapshot(engine, TABLES)
    finally:
        engine.dispose()
