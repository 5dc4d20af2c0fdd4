"""Injection strings in every value that reaches SQL: stored as data, never run, no table lost."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import forecasting
import metrics
from caselog.ingest import ingest_files
from caselog.mapping import MappingError, load_mapping
from caselog.reader import RefusedFile
from forecasting.errors import ForecastError
from metrics.selection import Selection
from tests.caselog.ingest_helpers import rows, write_csv, write_toml
from tests.hostile.hostile_helpers import INJECTIONS, assert_tables_intact, clean, table_counts

TEXT_FIELDS = ("category", "subcategory", "district", "street", "community", "grid_id")
TEXT_FIELDS += ("department",)
HEADER = ("case_id", "reported_at", "closed_at", *TEXT_FIELDS)


def _hostile_cases(path, prefix=""):
    """One case per injection string, the string in every text field (and in the case id)."""
    body = [
        (f"{prefix}{value}", f"2025-03-0{1 + i % 9} 08:00:00", "", *[value] * len(TEXT_FIELDS))
        for i, value in enumerate(INJECTIONS)
    ]
    return write_csv(path, HEADER, body)


def _loaded(store, tmp_path):
    summary = ingest_files(store, [_hostile_cases(tmp_path / "cases.csv")]).as_json()
    assert summary["inserted"] == len(INJECTIONS), summary
    return store


def test_case_fields_are_stored_as_data(store, tmp_path):
    _loaded(store, tmp_path)
    stored = {r["case_id"]: r for r in rows(store, "cases")}
    assert set(stored) == {clean(v) for v in INJECTIONS}
    for value in INJECTIONS:
        got = stored[clean(value)]
        for field in TEXT_FIELDS:
            assert got[field] == clean(value), (field, value, got[field])
    before = table_counts(store)
    again = ingest_files(store, [tmp_path / "cases.csv"]).as_json()
    assert again["unchanged"] == len(INJECTIONS)
    before["ingest_log"] += 1  # the second run is logged
    assert_tables_intact(store, before)


def test_hostile_rejected_rows_are_kept_as_data(store, tmp_path):
    # No reported_at: every row is quarantined with its hostile values in the raw JSON.
    body = [(v, "", v, v) for v in INJECTIONS]
    path = write_csv(tmp_path / "bad.csv", ("case_id", "reported_at", "category", "district"), body)
    summary = ingest_files(store, [path]).as_json()
    assert summary["rejected"] == len(INJECTIONS)
    kept = rows(store, "rejected_rows")
    assert sorted(r["case_id"] for r in kept) == sorted(clean(v) for v in INJECTIONS)
    assert {json.loads(r["raw"])["category"] for r in kept} == {clean(v) for v in INJECTIONS}


def test_mapping_with_hostile_names_values_and_format(store, tmp_path):
    names = {
        "case_id": INJECTIONS[0],
        "reported_at": INJECTIONS[1],
        "category": INJECTIONS[10],
        "district": INJECTIONS[8],
        "street": '" OR ""="',
    }
    header = list(names.values())
    body = [
        ("K1", "01|03|2025 08:00", "路灯", "东城区", "x"),
        ("K2", "01|03|2025 09:00", "$$", "d", "y"),
    ]
    csv_path = write_csv(tmp_path / "cases.csv", header, body)
    columns = "\n".join(f"{k} = {json.dumps(v)}" for k, v in names.items())
    values = "\n".join(f"{json.dumps(v)} = {json.dumps(v + '!')}" for v in ("路灯", "$$"))
    mapping = write_toml(
        tmp_path / "m.toml",
        f'name = {json.dumps(INJECTIONS[0])}\ntimestamp_format = "%d|%m|%Y %H:%M"\n'
        f"[columns]\n{columns}\ngrid_id = {json.dumps('const:' + INJECTIONS[4])}\n"
        f"[values.category]\n{values}\n",
    )
    summary = ingest_files(store, [csv_path], mapping=mapping).as_json()
    assert summary["inserted"] == 2, summary
    stored = {r["case_id"]: r for r in rows(store, "cases")}
    assert stored["K1"]["category"] == "路灯!" and stored["K2"]["category"] == "$$!"
    assert stored["K1"]["grid_id"] == INJECTIONS[4]
    assert str(stored["K1"]["reported_at"]) == "2025-03-01 08:00:00"


@pytest.mark.parametrize("fmt", [v for v in INJECTIONS if "\x00" not in v] + ["%Q%", "%"])
def test_hostile_timestamp_format_is_data(duck_store, tmp_path, fmt):
    csv_path = write_csv(
        tmp_path / "cases.csv",
        ("case_id", "reported_at", "category", "district"),
        [("T1", "2025-03-01 08:00:00", "c", "d")],
    )
    mapping = write_toml(
        tmp_path / "m.toml",
        f'timestamp_format = {json.dumps(fmt)}\n[columns]\ncase_id = "case_id"\n'
        'reported_at = "reported_at"\ncategory = "category"\ndistrict = "district"\n',
    )
    before = table_counts(duck_store)
    try:
        summary = ingest_files(duck_store, [csv_path], mapping=mapping).as_json()
    except (RefusedFile, MappingError) as exc:
        assert "\n" not in str(exc)
        assert_tables_intact(duck_store, before)
        return
    assert summary["read"] == 1
    assert [r["case_id"] for r in rows(duck_store, "cases")] in (["T1"], [])


@pytest.mark.parametrize("zone", [*INJECTIONS, "../../../etc/passwd", "/etc/localtime", ""])
def test_hostile_timezone_is_refused(tmp_path, zone):
    path = write_toml(
        tmp_path / "m.toml", f'timezone = {json.dumps(zone)}\n[columns]\ncase_id = "id"\n'
    )
    with pytest.raises(MappingError):
        load_mapping(path)


def test_geojson_grid_ids_are_data(store, tmp_path):
    features = [
        {
            "type": "Feature",
            "properties": {"grid_id": v, "community": v, "street": v, "district": v},
            "geometry": {"type": "Point", "coordinates": [116.4, 39.9]},
        }
        for v in INJECTIONS
    ]
    path = tmp_path / "grids.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    summary = ingest_files(store, grids=[path]).as_json()
    assert summary["grids"]["inserted"] == len(INJECTIONS)
    stored = {r["grid_id"]: r for r in rows(store, "grids")}
    assert set(stored) == {clean(v) for v in INJECTIONS}
    assert all(stored[clean(v)]["district"] == clean(v) for v in INJECTIONS)


def test_rule_set_with_hostile_name(duck_store, tmp_path):
    engine = _loaded(duck_store, tmp_path)
    before = table_counts(engine)
    for value in INJECTIONS:
        rules = metrics.parse_rules(f"name = {json.dumps(value)}\n")
        assert rules.name == value
        table = metrics.assess(
            engine, Selection.build("district", "2025-03", rules=rules), rank_change=False
        )
        assert clean(value) in set(table["district"])
        for bad in (
            f"name = {json.dumps(value)}\n[weights]\nresponse = {json.dumps(value)}\n",
            f'name = "x"\n{json.dumps(value)} = 1\n',
        ):
            with pytest.raises(metrics.RuleSetError):
                metrics.parse_rules(bad)
    assert_tables_intact(engine, before)


def test_metrics_with_hostile_periods_scopes_and_units(store, tmp_path):
    engine = _loaded(store, tmp_path)
    before = table_counts(engine)
    for value in INJECTIONS:
        with pytest.raises(metrics.PeriodError):
            metrics.kpi_table(engine, Selection.build("street", value))
        with pytest.raises(metrics.UnitError):
            metrics.kpi_table(engine, Selection.build(value, "2025-03"))
        with pytest.raises(metrics.UnitError):
            metrics.kpi_table(engine, Selection.build("street", "2025-03", scope={value: "x"}))
        # A hostile value as a scope is a filter: exactly the cases that carry it.
        table = metrics.kpi_table(
            engine, Selection.build("street", "2025-03", scope={"district": value})
        )
        assert list(table["street"]) == [clean(value)]
        assert metrics.assess(
            engine, Selection.build("district", "2025-03", scope={"street": "无此街道" + value})
        ).empty
        unit = f"{clean(value)}/{clean(value)}"
        if "/" not in clean(value):
            found = metrics.explain(
                engine, Selection.build("street", "2025-03"), unit, "cases", part="denominator"
            )
            assert list(found["case_id"]) == [clean(value)]
            counts = metrics.explain_counts(
                engine, Selection.build("street", "2025-03"), unit, "cases"
            )
            assert counts["denominator"] == 1
        missing = metrics.explain(
            engine, Selection.build("street", "2025-03"), f"x{value}/y", "cases"
        )
        assert isinstance(missing, pd.DataFrame) and missing.empty
    assert_tables_intact(engine, before)


def test_forecasting_with_hostile_unit_ids(duck_store, tmp_path):
    engine = _loaded(duck_store, tmp_path)
    before = table_counts(engine)
    for value in INJECTIONS:
        with pytest.raises(ForecastError):
            forecasting.tune_series(engine, "grid", "无" + value, "snaive")
        with pytest.raises(ForecastError):
            forecasting.tune_series(engine, value, "x", "snaive")
    assert_tables_intact(engine, before)
