"""``publish`` and ``published list|get`` through the command line: ids, files, audit, errors."""

from __future__ import annotations

import json
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

import accounts
from caselog import open_store
from records.publications import get_publication, list_publications
from tests.cli.test_cli import ROOT, gridpulse
from tests.records.publication_city import FEB, MAR, rows, spoiled, write


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A DuckDB store holding the three streets' February and March; its audit log apart."""
    monkeypatch.setenv("GRIDPULSE_ACCOUNTS_DB", f"sqlite:///{tmp_path / 'log.sqlite'}")
    db = f"duckdb:///{tmp_path / 'p.duckdb'}"
    done = gridpulse("ingest", str(write(tmp_path / "c.csv", rows(2, FEB), rows(3, MAR))), db=db)
    assert done.returncode == 0, done.stderr
    return db


def _log(tmp_path) -> pd.DataFrame:
    engine = accounts.open_accounts(f"sqlite:///{tmp_path / 'log.sqlite'}")
    try:
        return accounts.recent(engine)
    finally:
        engine.dispose()


def test_publish_list_and_get(store, tmp_path):
    first = gridpulse(
        "--as", "王科长", "publish", "--by", "street", "--period", "2025-02", db=store
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().splitlines()[-1] == "1"
    done = gridpulse(
        "publish",
        "--by",
        "street",
        "--period",
        "2025-03",
        "--title",
        "三月排名",
        "--json",
        db=store,
    )
    assert done.returncode == 0, done.stderr
    made = json.loads(done.stdout.strip().splitlines()[-1])
    assert made["id"] == 2 and made["previous_id"] == 1 and made["published_by"] == "local-admin"

    listed = gridpulse("published", "list", "--json", db=store)
    assert listed.returncode == 0, listed.stderr
    rows_ = json.loads(listed.stdout.strip().splitlines()[-1])
    assert [(r["id"], r["title"], r["period"], r["published_by"]) for r in rows_] == [
        (2, "三月排名", "2025-03", "local-admin"),
        (1, "全市 街道(乡镇)考核排名 2025-02", "2025-02", "王科长"),
    ]
    text = gridpulse("published", "list", db=store).stdout
    assert "三月排名" in text and "王科长" in text

    # a later load changes March; the download is the stored bytes, again and again
    more = write(tmp_path / "d.csv", spoiled(rows(3, MAR), "丙街道"))
    assert gridpulse("ingest", str(more), db=store).returncode == 0
    engine = open_store(store, read_only=True)
    stored = get_publication(engine, 2).csv
    engine.dispose()
    for name in ("a.csv", "b.csv"):
        got = gridpulse(
            "--as", "审计员", "published", "get", "2", "--out", str(tmp_path / name), db=store
        )
        assert got.returncode == 0, got.stderr
        assert (tmp_path / name).read_bytes() == stored
    live = gridpulse(
        "assess",
        "--by",
        "street",
        "--period",
        "2025-03",
        "--out",
        str(tmp_path / "l.csv"),
        db=store,
    )
    assert live.returncode == 0
    assert (tmp_path / "l.csv").read_bytes() != stored
    xlsx = gridpulse("published", "get", "2", "--out", str(tmp_path / "p.xlsx"), db=store)
    assert xlsx.returncode == 0, xlsx.stderr
    assert "三月排名" in pd.read_excel(tmp_path / "p.xlsx", sheet_name="规则集").to_string()

    log = _log(tmp_path)
    published = log[log["action"] == "publish"]
    assert list(published["username"]) == ["local-admin", "王科长"]
    exports = log[log["action"] == "export"]
    downloads = exports[exports["detail"].map(lambda d: "publication" in json.loads(d))]
    assert list(downloads["username"]) == ["local-admin", "审计员", "审计员"]
    detail = json.loads(downloads["detail"].iloc[0])
    assert detail == {
        "publication": 2,
        "level": "street",
        "period": "2025-03",
        "scope": "",
        "file": str(tmp_path / "p.xlsx"),
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("publish", "--by", "street", "--period", "2031-01"), "2031-01 has no case in the city"),
        (("published", "get", "9", "--out", "{tmp}/x.csv"), "There is no publication number 9."),
        (("published", "get", "1", "--out", "/no/such/folder/x.csv"), "does not exist"),
        (("published", "get", "1", "--out", "{tmp}/x.txt"), "must end in .csv or .xlsx"),
        (("publish", "--by", "street", "--period", "2025-13"), "2025-13"),
    ],
)
def test_bad_input_is_one_sentence_and_writes_nothing(store, tmp_path, args, message):
    engine = open_store(store, read_only=True)
    before = len(list_publications(engine))
    engine.dispose()
    done = gridpulse(*[a.format(tmp=tmp_path) for a in args], db=store)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    engine = open_store(store, read_only=True)
    assert len(list_publications(engine)) == before
    engine.dispose()
    assert not (tmp_path / "x.txt").exists() and not (tmp_path / "x.csv").exists()


def test_a_missing_store_is_not_created(tmp_path):
    db = f"duckdb:///{tmp_path / 'none.duckdb'}"
    done = gridpulse("published", "list", db=db)
    assert done.returncode == 1 and "there is no store" in done.stderr
    assert not (tmp_path / "none.duckdb").exists()


def test_two_command_line_publishers_at_once_make_one_publication(store):
    args = [sys.executable, "-m", "gridpulse", "--db", store, "publish", "--by", "street"]
    args += ["--period", "2025-03"]
    runs = [
        subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    done = [(r.wait(timeout=300), *r.communicate()) for r in runs]
    assert sorted(code for code, _, _ in done) == [0, 1]
    refused = next(err for code, _, err in done if code == 1)
    assert "published at the same moment" in refused and len(refused.strip().splitlines()) == 1
    engine = open_store(store, read_only=True)
    assert len(list_publications(engine)) == 1
    engine.dispose()


def test_workbooks_in_english_from_the_command_line(store, tmp_path):
    assert gridpulse("publish", "--by", "street", "--period", "2025-03", db=store).returncode == 0
    made = {
        "pub_en": gridpulse(
            "published", "get", "1", "--out", str(tmp_path / "p_en.xlsx"), "--lang", "en", db=store
        ),
        "pub_zh": gridpulse(
            "published", "get", "1", "--out", str(tmp_path / "p_zh.xlsx"), db=store
        ),
        "assess_en": gridpulse(
            "assess",
            "--by",
            "street",
            "--period",
            "2025-03",
            "--lang",
            "en",
            "--out",
            str(tmp_path / "a_en.xlsx"),
            db=store,
        ),
    }
    for name, done in made.items():
        assert done.returncode == 0, (name, done.stderr)
    for name, title in (
        ("p_en", "Street (town) assessment ranking, whole city, March 2025"),
        ("a_en", "Street (town) assessment ranking, whole city, March 2025"),
        ("p_zh", "全市 街道(乡镇)考核排名（2025年3月）"),
    ):
        sheet = openpyxl.load_workbook(tmp_path / f"{name}.xlsx").worksheets[0]
        assert sheet["A1"].value == title, name
        assert sheet["A3"].value == ("排名" if name.endswith("zh") else "Rank"), name
    bad = gridpulse(
        "assess", "--by", "street", "--period", "2025-03", "--lang", "fr", "--out", "x.xlsx"
    )
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
