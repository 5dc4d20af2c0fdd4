"""Schema migrations: a store from the release before them upgrades with every row kept."""

from __future__ import annotations

import gzip
import os
import shutil
import uuid
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import create_engine, text

from caselog import StoreError, StoreOutdated, migrations, open_store
from caselog.ingest import ingest_files
from caselog.schema import Base
from forecasting import list_runs, load_alerts, load_settings, save_setting
from forecasting.tables import metadata as forecast_metadata
from forecasting.tables import tuned_settings
from gridpulse.cli import main
from records.rulesets import metadata as rulesets_metadata
from records.tables import metadata as records_metadata

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "store_v0.duckdb.gz"
# Written out by hand: the tables the release before migrations had (caselog.schema and the
# forecasting tables), and the one migrations add.
TABLES = {
    "cases",
    "ratings",
    "grids",
    "rejected_rows",
    "ingest_log",
    "store_meta",
    "forecast_runs",
    "forecast_values",
    "forecast_scores",
    "surge_alerts",
    "tuned_settings",
}
# Revision 0003: the versions loads replaced, and the record tables.
TABLES_0003 = {"case_history", "rating_history", "publications", "appeals", "supervision_orders"}
SEQUENCES = {
    "rejected_rows_id_seq",
    "ingest_log_id_seq",
    "forecast_runs_id_seq",
    "surge_alerts_id_seq",
}
SEQUENCES_0003 = {"publications_id_seq", "appeals_id_seq", "supervision_orders_id_seq"}
# Revision 0004: saved rule sets and their activations (records/rulesets.py).
TABLES_0004 = {"rule_sets", "rule_set_activations"}
#: PostgreSQL only: the counts each load keeps for the data and forecast pages (caselog.tally).
PG_TABLES_0007 = {"case_tally"}
SEQUENCES_0004 = {"rule_sets_id_seq", "rule_set_activations_id_seq"}
INDEXES = {"ix_forecast_values_run", "ix_forecast_scores_run"}


# Revision 0002 appends request_type, self_handled, extended_deadline, suspended_at and
# resumed_at to cases: NULL in every row loaded before it.
ADDED_CASE_COLUMNS = 5


def _as_before(rows: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """``rows`` with the columns revision 0002 added cut off the cases, after checking that
    each old row holds NULL in them."""
    cut = [row[:-ADDED_CASE_COLUMNS] for row in rows["cases"]]
    assert all(row[-ADDED_CASE_COLUMNS:] == (None,) * ADDED_CASE_COLUMNS for row in rows["cases"])
    return rows | {"cases": cut}


def _old_store(tmp_path: Path) -> Path:
    """A copy of the fixture store made by the release before migrations (dbca93b)."""
    path = tmp_path / "old.duckdb"
    with gzip.open(FIXTURE, "rb") as src, path.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    return path


def _rows(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table, sorted, read with plain duckdb (not the app's code)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        return {n: sorted(con.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}
    finally:
        con.close()


def _as_upgraded(rows: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """The rows of a store made before 0002b as that revision leaves them: every case known
    to the minute (day_precision 0), every rating kept with no quality flag; and as 0003
    leaves them: no loader recorded, every case its first version (no history), no record;
    and as 0005 leaves tuned settings."""
    return (
        rows
        | {
            "cases": [(*r, *(None,) * ADDED_CASE_COLUMNS, 0) for r in rows["cases"]],
            "ratings": [(*r, None) for r in rows["ratings"]],
            "ingest_log": [(*r, None) for r in rows["ingest_log"]],
            # 0005: no author recorded; the fixture's street setting has a bare street name
            # as its id (no district/street path), so its place stays unknown (a table made
            # by today's models already has the columns, empty)
            "tuned_settings": [
                (*r, *(None,) * (len(tuned_settings.c) - len(r))) for r in rows["tuned_settings"]
            ],
        }
        | {name: [] for name in TABLES_0003 | TABLES_0004}
    )


def _schema(path: Path) -> dict[str, set]:
    """The DDL DuckDB keeps for the file's tables, sequences (without their position) and
    indexes."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            "tables": {r[0] for r in con.execute("SELECT sql FROM duckdb_tables()").fetchall()},
            "sequences": {
                r[0] for r in con.execute("SELECT sequence_name FROM duckdb_sequences()").fetchall()
            },
            "indexes": {r[0] for r in con.execute("SELECT sql FROM duckdb_indexes()").fetchall()},
        }
    finally:
        con.close()


def _case_tables_at_0001(engine) -> None:
    """The case tables as the release before migrations made them with create_all: its
    models were 0001's tables (today's models have later columns), no alembic_version and
    no forecasting table."""
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(migrations.config(conn), "0001")
        conn.execute(text("DROP TABLE alembic_version"))
        forecast_metadata.drop_all(conn)


def _db(url: str, *args: str) -> int:
    return main(["--db", url, "db", *args])


def test_the_fixture_is_a_store_of_the_release_before_migrations(tmp_path):
    rows = _rows(_old_store(tmp_path))
    assert set(rows) == TABLES  # no alembic_version
    assert {n for n, r in rows.items() if not r} == set()  # a row in every table
    assert len(rows["cases"]) == 300 and len(rows["rejected_rows"]) == 1


def test_an_old_store_upgrades_with_every_row_kept(tmp_path, capsys):
    path = _old_store(tmp_path)
    before = _rows(path)
    fresh = tmp_path / "fresh.duckdb"
    open_store(f"duckdb:///{fresh}").dispose()

    assert _db(f"duckdb:///{path}", "upgrade") == 0
    out = capsys.readouterr().out
    assert f"from a store made before schema migrations to {migrations.head()} (head)" in out
    after = _rows(path)
    assert after.pop("alembic_version") == [(migrations.head(),)]
    assert after == _as_upgraded(before)
    assert _schema(path) == _schema(fresh)  # as a store made new at head

    # The sequences go on where they were: the next load is ingest 4, the next run 2.
    engine = open_store(f"duckdb:///{path}")
    (tmp_path / "more.csv").write_text(
        "case_id,reported_at,category,grid_id\nN1,2025-12-30 10:00,市容环境,G0001\n",
        encoding="utf-8",
    )
    ingest_files(engine, [tmp_path / "more.csv"])
    runs, alerts = list_runs(engine), load_alerts(engine)
    settings = load_settings(engine, "street")
    engine.dispose()
    ids = [r[0] for r in _rows(path)["ingest_log"]]
    assert sorted(ids) == [1, 2, 3, 4]
    assert runs["id"].tolist() == [1] and len(alerts) == len(before["surge_alerts"])
    assert settings == {"海庄街道": {"model": "wmean", "params": {}}}


def test_an_upgraded_store_keeps_every_rating_of_a_department(tmp_path):
    # Revision 0002b keys ratings by (case, department, rated_at): the old rating stays and
    # two more of the same department on the same case, at other times, are two ratings.
    path = _old_store(tmp_path)
    case_id, department, _, rated_at, *_ = _rows(path)["ratings"][0]
    assert _db(f"duckdb:///{path}", "upgrade") == 0
    (tmp_path / "ratings.csv").write_text(
        "case_id,department,score,rated_at\n"
        f"{case_id},{department},100,2025-12-01 09:00\n"
        f"{case_id},{department},40,2025-12-02 09:00\n",
        encoding="utf-8",
    )
    engine = open_store(f"duckdb:///{path}")
    summary = ingest_files(engine, ratings=[tmp_path / "ratings.csv"])
    engine.dispose()
    assert summary.ratings.inserted == 2
    mine = [r for r in _rows(path)["ratings"] if r[:2] == (case_id, department)]
    assert sorted((r[3], r[2]) for r in mine if r[3] != rated_at) == [
        (datetime(2025, 12, 1, 9), 100.0),
        (datetime(2025, 12, 2, 9), 40.0),
    ]
    assert len(mine) == 3
    assert {r[-1] for r in _rows(path)["cases"]} == {0}  # day_precision of the old cases


def test_a_writer_upgrades_an_old_store_on_open(tmp_path):
    path = _old_store(tmp_path)
    before = _rows(path)
    open_store(f"duckdb:///{path}").dispose()
    after = _rows(path)
    assert after.pop("alembic_version") == [(migrations.head(),)]
    assert after == _as_upgraded(before)


def test_a_store_that_never_forecast_gets_its_forecasting_tables(tmp_path):
    # Before migrations the forecasting tables came with a store's first forecast.
    url = f"duckdb:///{tmp_path / 'cases_only.duckdb'}"
    engine = open_store(url, create=False)
    _case_tables_at_0001(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO store_meta VALUES ('timezone', 'Asia/Shanghai')"))
    engine.dispose()
    engine = open_store(url)
    assert list_runs(engine).empty and load_alerts(engine).empty
    engine.dispose()
    rows = _rows(tmp_path / "cases_only.duckdb")
    assert set(rows) == TABLES | TABLES_0003 | TABLES_0004 | {"alembic_version"}
    assert rows["store_meta"] == [("timezone", "Asia/Shanghai")]


def test_a_store_made_by_todays_models_is_adopted(tmp_path):
    # create_all of today's models already has day_precision and the ratings' new shape:
    # 0002b leaves the column as it is and keeps the ratings with their flags.
    path = tmp_path / "models.duckdb"
    engine = open_store(f"duckdb:///{path}", create=False)
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO ratings VALUES ('A1', '城管委', 80, NULL, 'h', 1, 'x')"))
    engine.dispose()
    open_store(f"duckdb:///{path}").dispose()
    rows = _rows(path)
    assert rows["alembic_version"] == [(migrations.head(),)]
    assert rows["ratings"] == [("A1", "城管委", 80.0, None, "h", 1, "x")]
    fresh = tmp_path / "fresh.duckdb"
    open_store(f"duckdb:///{fresh}").dispose()
    assert _schema(path) == _schema(fresh)


def test_a_new_store_is_made_at_head(tmp_path):
    path = tmp_path / "new.duckdb"
    open_store(f"duckdb:///{path}").dispose()
    rows = _rows(path)
    assert set(rows) == TABLES | TABLES_0003 | TABLES_0004 | {"alembic_version"}
    assert rows.pop("alembic_version") == [(migrations.head(),)]
    assert not any(rows.values())
    schema = _schema(path)
    assert schema["sequences"] == SEQUENCES | SEQUENCES_0003 | SEQUENCES_0004
    assert {sql.split()[2] for sql in schema["indexes"]} == INDEXES


def test_the_head_schema_is_the_models_schema(tmp_path):
    """The tables the code's models describe are the ones the migrations make: a model
    changed without a revision fails here."""
    models = tmp_path / "models.duckdb"
    engine = open_store(f"duckdb:///{models}", create=False)
    Base.metadata.create_all(engine)
    forecast_metadata.create_all(engine)
    records_metadata.create_all(engine)
    rulesets_metadata.create_all(engine)
    engine.dispose()
    migrated = tmp_path / "migrated.duckdb"
    open_store(f"duckdb:///{migrated}").dispose()
    made = _schema(migrated)
    made["tables"] = {sql for sql in made["tables"] if "alembic_version" not in sql}
    assert made == _schema(models)


def test_upgrading_twice_changes_nothing(tmp_path, capsys):
    path = _old_store(tmp_path)
    url = f"duckdb:///{path}"
    assert _db(url, "upgrade") == 0
    rows, schema = _rows(path), _schema(path)
    capsys.readouterr()
    assert _db(url, "upgrade") == 0
    head = migrations.head()
    assert (
        capsys.readouterr().out
        == f"the store is already at revision {head} (head); nothing to do.\n"
    )
    engine = open_store(url, create=False)
    assert migrations.upgrade(engine) == (head, head)
    engine.dispose()
    assert _rows(path) == rows and _schema(path) == schema


def test_db_current_names_the_revision(tmp_path, capsys):
    path = _old_store(tmp_path)
    url = f"duckdb:///{path}"
    assert _db(url, "current") == 0
    assert capsys.readouterr().out.startswith("none: made before schema migrations")
    assert "alembic_version" not in _rows(path)  # only looked
    assert _db(url, "upgrade") == 0
    capsys.readouterr()
    assert _db(url, "current") == 0
    assert capsys.readouterr().out == f"{migrations.head()} (head)\n"
    assert _db(f"duckdb:///{tmp_path / 'missing.duckdb'}", "current") == 1
    assert "there is no store at" in capsys.readouterr().err
    assert not (tmp_path / "missing.duckdb").exists()


def test_readers_and_the_app_ask_for_the_upgrade(tmp_path, capsys):
    path = _old_store(tmp_path)
    url = f"duckdb:///{path}"
    before = _rows(path)
    with pytest.raises(StoreOutdated, match="python -m gridpulse db upgrade"):
        open_store(url, read_only=True)
    with pytest.raises(StoreOutdated):
        open_store(url, upgrade=False)  # the dashboard's writer
    out = tmp_path / "a.csv"
    code = main(["--db", url, "assess", "--by", "street", "--period", "2025", "--out", str(out)])
    assert code == 1
    assert capsys.readouterr().err == (
        "error: the store was made by an earlier version of GridPulse; upgrade it first with "
        "'python -m gridpulse db upgrade'.\n"
    )
    assert _rows(path) == before and not out.exists()  # nothing was written


@pytest.mark.parametrize(
    ("lang", "words"),
    [("zh", "数据库由旧版本创建，需要先升级"), ("en", "needs an upgrade: run python -m gridpulse")],
)
def test_the_app_stops_with_one_sentence_on_an_old_store(tmp_path, monkeypatch, lang, words):
    from streamlit.testing.v1 import AppTest

    url = f"duckdb:///{_old_store(tmp_path)}"
    monkeypatch.setenv("GRIDPULSE_DB", url)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state["db_url"] = url
    at.run()
    assert not at.exception
    shown = [w.value for w in at.warning] + [e.value for e in at.error]
    assert len(shown) == 1 and words in shown[0]
    assert not at.button  # no page, not the empty store's welcome


def test_a_store_from_a_later_version_is_refused(tmp_path, capsys):
    path = tmp_path / "later.duckdb"
    url = f"duckdb:///{path}"
    open_store(url).dispose()
    con = duckdb.connect(str(path))
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.close()
    with pytest.raises(StoreError, match="later version of GridPulse"):
        open_store(url)
    assert _db(url, "upgrade") == 1
    assert "revision 9999, newer than this version" in capsys.readouterr().err
    assert _db(url, "current") == 0
    head = migrations.head()
    assert capsys.readouterr().out.startswith(f"9999 (newer than this version's head {head};")


def test_a_failed_upgrade_leaves_the_store_as_it_was(tmp_path, capsys):
    # A store made before migrations, where a view stands in the way of a forecasting table:
    # 0001 fails half-way, after making other tables; the transaction takes them back.
    path = tmp_path / "blocked.duckdb"
    engine = open_store(f"duckdb:///{path}", create=False)
    _case_tables_at_0001(engine)
    with engine.begin() as conn:
        conn.execute(text("CREATE VIEW forecast_values AS SELECT 1 AS run_id"))
    engine.dispose()
    before = _schema(path)
    assert _db(f"duckdb:///{path}", "upgrade") == 1
    assert capsys.readouterr().err.startswith(
        "error: the upgrade failed and the store was left as it was ("
    )
    assert _schema(path) == before
    assert "forecast_runs" not in _rows(path) and "alembic_version" not in _rows(path)


def test_downgrade_to_base_drops_every_table(tmp_path):
    from alembic import command

    path = tmp_path / "down.duckdb"
    engine = open_store(f"duckdb:///{path}")
    with engine.begin() as conn:
        command.downgrade(migrations.config(conn), "base")
    engine.dispose()
    assert set(_rows(path)) == {"alembic_version"}
    assert _schema(path)["sequences"] == set()


# PostgreSQL: a server from GRIDPULSE_TEST_PG (scripts/test.sh starts one).

# PostgreSQL's names for the column types, as DuckDB's information_schema spells them.
_PG_TYPES = {
    "character varying": "VARCHAR",
    "text": "VARCHAR",
    "timestamp without time zone": "TIMESTAMP",
    "double precision": "DOUBLE",
    "bigint": "BIGINT",
    "integer": "INTEGER",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "bytea": "BLOB",  # publications.csv (revision 0003)
}
_COLUMNS = (
    "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
    "WHERE table_schema = {schema}"
)


@pytest.fixture
def pg_url():
    """The URL of a new, empty database on the test server (dropped afterwards)."""
    server = os.environ.get("GRIDPULSE_TEST_PG")
    if not server:
        pytest.skip("GRIDPULSE_TEST_PG is not set (scripts/test.sh starts PostgreSQL and sets it)")
    name = f"gp_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _pg_columns(engine) -> set[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(text(_COLUMNS.format(schema="'public'"))).all()
    return {(t, c, _PG_TYPES[d], n) for t, c, d, n in rows}


def _duck_columns(tmp_path: Path) -> set[tuple]:
    """The columns of a new DuckDB store, as :func:`_pg_columns` lists them."""
    path = tmp_path / "duck.duckdb"
    open_store(f"duckdb:///{path}").dispose()
    con = duckdb.connect(str(path), read_only=True)
    try:
        return set(con.execute(_COLUMNS.format(schema="'main'")).fetchall())
    finally:
        con.close()


def _pg_rows(engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        names = conn.execute(
            text("SELECT table_name FROM information_schema.tables WHERE table_schema='public'")
        ).scalars()
        return {
            n: sorted(conn.execute(text(f'SELECT * FROM "{n}"')).all(), key=repr) for n in names
        }


@pytest.mark.postgres
def test_a_new_postgresql_store_has_the_duckdb_tables(pg_url, tmp_path):
    engine = open_store(pg_url)
    columns = _pg_columns(engine)
    rows = _pg_rows(engine)
    with engine.connect() as conn:
        sequences = set(conn.execute(text("SELECT sequencename FROM pg_sequences")).scalars())
        indexes = set(conn.execute(text("SELECT indexname FROM pg_indexes")).scalars())
    engine.dispose()
    assert rows.pop("alembic_version") == [(migrations.head(),)]
    assert set(rows) == TABLES | TABLES_0003 | TABLES_0004 | PG_TABLES_0007
    assert not any(rows.values())
    assert sequences == SEQUENCES | SEQUENCES_0003 | SEQUENCES_0004 and indexes >= INDEXES
    assert {"cases_open", "cases_unit_time"} <= indexes  # 0007, 0008: PostgreSQL only
    assert {c for c in columns if c[0] not in PG_TABLES_0007} == _duck_columns(tmp_path)


@pytest.mark.postgres
def test_a_postgresql_store_made_before_migrations_is_adopted(pg_url, tmp_path):
    # The way the release before migrations made it: create_all of the models, no
    # alembic_version; then a load and a tuned setting. Its models were 0001's tables, which
    # today's models are not (0002b added columns): the tables come from 0001, and the load's
    # rows are written as that release wrote them.
    old = create_engine(pg_url)
    _case_tables_at_0001(old)
    forecast_metadata.create_all(old)
    with old.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ingest_log VALUES (nextval('ingest_log_id_seq'), 'cases', "
                "'cases.csv', 'f', NULL, TIMESTAMP '2025-03-03 10:00', "
                "TIMESTAMP '2025-03-03 10:01', 3, 2, 0, 0, 1)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO cases (case_id, reported_at, category, grid_id, urgency, status, "
                "row_hash, ingest_id) VALUES "
                "('A1', TIMESTAMP '2025-03-01 09:00', '市容环境', 'G1', 'general', 'closed', "
                "'1', 1), ('A2', TIMESTAMP '2025-03-02 10:00', '街面秩序', 'G2', 'general', "
                "'open', '2', 1)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO ratings VALUES ('A1', '城管委', 90, NULL, 'r', 1), "
                "('A2', '城管委', 70, TIMESTAMP '2025-03-03 09:00', 'r', 1)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO rejected_rows VALUES (nextval('rejected_rows_id_seq'), 1, 'cases', "
                "'cases.csv', 'f', 3, 'A3', 'unparseable reported_at', '{}')"
            )
        )
    save_setting(old, "grid", "G1", "wmean", {})
    before = _pg_rows(old)
    old.dispose()
    assert "alembic_version" not in before and len(before["cases"]) == 2

    with pytest.raises(StoreOutdated):
        open_store(pg_url, read_only=True)
    with pytest.raises(StoreOutdated):
        open_store(pg_url, upgrade=False)  # the dashboard's writer
    assert _db(pg_url, "upgrade") == 0
    engine = open_store(pg_url)
    after = _pg_rows(engine)
    assert after.pop("alembic_version") == [(migrations.head(),)]
    with engine.connect() as conn:  # 0008: a unit's explanation reads its street's rows
        defined = conn.execute(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'cases_unit_time'")
        ).scalar()
    assert defined.endswith("ON public.cases USING btree (district, street, reported_at)")
    # 0007 counts the adopted cases for the pages, stamped with the writes it counted at
    tallied = after.pop("case_tally")
    assert sorted((r[4], r[8], r[9]) for r in tallied if r[0] == "area") == [
        ("G1", 1, 1),
        ("G2", 1, 1),
    ]
    assert after.pop("store_meta") == [("tally_stamp", "0")] and before.pop("store_meta") == []
    assert after == _as_upgraded(before)
    assert {c for c in _pg_columns(engine) if c[0] not in PG_TABLES_0007} == _duck_columns(tmp_path)
    (tmp_path / "more.csv").write_text(
        "case_id,reported_at,category,grid_id\nA4,2025-03-03 10:00,市容环境,G1\n", encoding="utf-8"
    )
    ingest_files(engine, [tmp_path / "more.csv"])  # the ingest ids go on from the sequence
    ids = sorted(r[0] for r in _pg_rows(engine)["ingest_log"])
    engine.dispose()
    assert ids == [1, 2]


def test_loading_an_old_case_again_fills_the_handling_columns(tmp_path):
    path = _old_store(tmp_path)
    engine = open_store(f"duckdb:///{path}")
    engine.dispose()
    con = duckdb.connect(str(path), read_only=True)
    try:
        old = con.execute(
            "SELECT case_id, strftime(reported_at, '%Y-%m-%d %H:%M:%S'), category, grid_id, "
            "department, strftime(closed_at, '%Y-%m-%d %H:%M:%S') FROM cases "
            "WHERE closed_at IS NOT NULL AND department IS NOT NULL ORDER BY case_id LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    header = "case_id,reported_at,category,grid_id,department,closed_at\n"
    (tmp_path / "again.csv").write_text(header + ",".join(old) + "\n", encoding="utf-8")
    engine = open_store(f"duckdb:///{path}")
    first = ingest_files(engine, [tmp_path / "again.csv"]).as_json()
    second = ingest_files(engine, [tmp_path / "again.csv"]).as_json()
    engine.dispose()
    assert (first["updated"], second["unchanged"]) == (1, 1)
    con = duckdb.connect(str(path), read_only=True)
    try:
        got = con.execute(
            "SELECT request_type, self_handled, extended_deadline, suspended_at, resumed_at "
            "FROM cases WHERE case_id = ?",
            [old[0]],
        ).fetchone()
    finally:
        con.close()
    assert got == ("request", False, None, None, None)  # dispatched to a department: not self


def test_the_head_constant_is_alembics_head():
    """Opening a store compares its revision with migrations.HEAD without loading Alembic."""
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(migrations.config()).get_current_head() == migrations.HEAD


def test_0005_places_earlier_tuned_settings_by_their_ids(tmp_path):
    from alembic import command

    engine = create_engine(f"duckdb:///{tmp_path / 'at0004.duckdb'}")
    with engine.begin() as conn:
        command.upgrade(migrations.config(conn), "0004")
        conn.execute(
            text(
                "INSERT INTO grids (grid_id, district, street, community, row_hash, ingest_id) "
                "VALUES ('G9', '东城区', '东华门街道', '社区A', 'h', 1)"
            )
        )
        for level, uid in [
            ("district", "东城区"),
            ("street", "东城区/东华门街道"),
            ("community", "东城区/东华门街道/社区B"),
            ("grid", "G9"),
            ("grid", "G404"),  # not in grids: place unknown
            ("street", "东华门街道"),  # a bare street name: place unknown
        ]:
            conn.execute(
                text("INSERT INTO tuned_settings VALUES (:u, :l, :i, '{}', '2026-01-01')"),
                {"u": f"{level}:{uid}", "l": level, "i": uid},
            )
    migrations.upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT unit, saved_by, district, street, community FROM tuned_settings "
                "ORDER BY unit"
            )
        ).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [
        ("community:东城区/东华门街道/社区B", None, "东城区", "东华门街道", "社区B"),
        ("district:东城区", None, "东城区", None, None),
        ("grid:G404", None, None, None, None),
        ("grid:G9", None, "东城区", "东华门街道", "社区A"),
        ("street:东华门街道", None, None, None, None),
        ("street:东城区/东华门街道", None, "东城区", "东华门街道", None),
    ]
