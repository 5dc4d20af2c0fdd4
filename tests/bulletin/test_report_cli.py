"""``gridpulse report`` end to end: the sample city's bulletin against ``assess`` and the case
file (plain pandas), a department's annual statement, orders and appeals, plain errors."""

from __future__ import annotations

import shutil
import subprocess

import pandas as pd
import pytest

from bulletin import build_bulletin
from caselog import open_store
from metrics.selection import Selection
from tests.bulletin.test_bulletin import docx_tables, docx_text, pct, signed, table_headed
from tests.cli.test_cli import gridpulse
from tests.conftest import sample_store
from tests.records.records_helpers import AS_OF, EXTEND_A3, cli, make_city


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    return sample_store(folder, grids=40, years=2, cases_per_year=4000, seed=5), folder


@pytest.fixture(autouse=True)
def _own_log(tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDPULSE_ACCOUNTS_DB", f"sqlite:///{tmp_path / 'log.sqlite'}")


def test_word_ranking_equals_assess_cell_by_cell(city, tmp_path):
    db, _ = city
    done = gridpulse(
        "assess", "--by", "street", "--period", "2025-06", "--out", str(tmp_path / "a.csv"), db=db
    )
    assert done.returncode == 0, done.stderr
    done = gridpulse("report", "--period", "2025-06", "--out", str(tmp_path / "b.docx"), db=db)
    assert done.returncode == 0, done.stderr
    assert "wrote the bulletin (preliminary)" in done.stdout and not done.stderr
    csv = pd.read_csv(tmp_path / "a.csv", encoding="utf-8-sig")
    want = [
        [
            "样本不足" if r["small_sample"] else str(int(r["rank"])),
            r["district"],
            r["street"],
            str(int(r["cases"])),
            f"{r['composite_score']:.1f}",
            r["grade"] if isinstance(r["grade"], str) else "—",
            pct(r["response_rate"]),
            pct(r["solved_rate"]),
            pct(r["satisfaction_rate"]),
            signed(r["rank_change"]),
        ]
        for _, r in csv.iterrows()
    ]
    got = table_headed(docx_tables(tmp_path / "b.docx"), "排名", "街道(乡镇)", "综合得分")
    assert got[1:] == want and len(want) >= 10
    assert "未发布（初步结果，以正式发布为准）" in docx_text(tmp_path / "b.docx")


def test_department_annual_statement_counts_whistle_cases_from_the_case_file(city, tmp_path):
    db, folder = city
    out = tmp_path / "d.docx"
    done = gridpulse("report", "--by", "department", "--period", "2025", "--out", str(out), db=db)
    assert done.returncode == 0, done.stderr
    # rows without a case id or category, or with an unreadable report time, are rejected
    # at ingest (required columns); a later row is a newer version of its case
    cases = pd.read_csv(folder / "cases.csv").dropna(subset=["case_id", "category"])
    cases = cases[pd.to_datetime(cases["reported_at"], errors="coerce").notna()]
    cases = cases.drop_duplicates("case_id", keep="last")
    year = cases[(cases["status"] != "cancelled") & cases["reported_at"].str.startswith("2025")]
    counted = year.groupby("department").agg(
        cases=("case_id", "size"), whistle=("source", lambda s: int((s == "whistle").sum()))
    )
    text = docx_text(out)
    assert "七、部门年度晒单" in text
    for dept, r in counted.iterrows():
        line = f"{dept}：2025 期间主责受理 {r['cases']:,} 件，接收吹哨 {r['whistle']:,} 件，"
        assert line in text, line
    statement = table_headed(docx_tables(out), "部门", "吹哨案件数", "平均响应时长")
    assert sorted(row[0] for row in statement[1:]) == sorted(counted.index)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_from_a_publication_in_english(city, tmp_path):
    db, _ = city
    pub = gridpulse("publish", "--by", "street", "--period", "2025-05", db=db)
    assert pub.returncode == 0, pub.stderr
    number = pub.stdout.strip().splitlines()[-1]
    out = tmp_path / "p.pdf"
    asked = ("--period", "2025-05", "--by", "street", "--lang", "en", "--out", str(out))
    done = gridpulse("report", *asked, "--publication", number, db=db)
    assert done.returncode == 0, done.stderr
    assert f"(publication {number})" in done.stdout
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    assert f"Published (publication no. {number})" in text and "Ranking table" in text
    assert "2025-05" in text and "Department cooperation" in text


def test_orders_and_appeals_in_the_bulletin(tmp_path):
    db = make_city(tmp_path)
    assert cli(db, "appeal", "add", "A3", *EXTEND_A3) == 0
    assert cli(db, "appeal", "decide", "1", "approve", "--note", "属实") == 0
    due = ("--due", "2099-01-01 10:00", "--note", "限期整改")
    assert cli(db, "order", "add", "A4", "--department", "城管局", *due) == 0
    out = tmp_path / "r.docx"
    args = ("--period", "2025-03", "--as-of", AS_OF, "--out", str(out))
    done = gridpulse("report", *args, db=db)
    assert done.returncode == 0, done.stderr
    tables = docx_tables(out)
    # A4, reported 03-03 with its deadline 03-05 08:00, is the one open case: overdue at AS_OF
    dept = table_headed(tables, "部门", "当前超期未结（全部在办）", "督办单")
    row = next(r for r in dept[1:] if r[0] == "城管局")
    assert row[1:4] == ["1", "1", "0"] and row[5:] == ["1", "0"]  # an order, not late
    street = table_headed(tables, "街道(乡镇)", "当前超期未结（全部在办）")
    assert [r[:4] for r in street[1:]] == [["东城区", "东华门街道", "1", "1"]]
    appeal = table_headed(tables, "案件编号", "申诉类型")
    assert appeal[1][:4] == ["A3", "东城区/东华门街道", "延期", "2025-03-06 12:00"]
    # a department account's bulletin (party scope) lists the appeals on its own cases only
    engine = open_store(db, read_only=True)
    try:
        for party, listed in (("房管局", [("A3",)]), ("城管局", [])):
            sel = Selection.build("street", "2025-03", scope={"party": party}, as_of=AS_OF)
            rows = build_bulletin(engine, sel).table("appeals").rows
            assert [r[:1] for r in rows] == listed
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--publication", "99"), "There is no publication number 99."),
        (("--period", "2030-01"), "2030-01 has no case in the city"),
        (("--period", "2025-13"), "2025-13"),
        (("--period", "2025-03", "--scope", "无此区"), "无此区"),
        ((), "report needs --period"),
    ],
)
def test_errors_are_one_plain_sentence(city, tmp_path, args, words):
    db, _ = city
    out = tmp_path / "x.docx"
    done = gridpulse("report", *args, "--out", str(out), db=db)
    assert done.returncode != 0 and words in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not out.exists() and not list(tmp_path.glob(".*.part"))


def test_wrong_file_type_and_missing_fonts(city, tmp_path, monkeypatch):
    db, _ = city
    done = gridpulse("report", "--period", "2025-06", "--out", str(tmp_path / "x.txt"), db=db)
    assert done.returncode != 0 and ".docx or .pdf" in done.stderr
    monkeypatch.setenv("GRIDPULSE_FONT_DIRS", "")
    out = tmp_path / "x.pdf"
    done = gridpulse("report", "--period", "2025-06", "--out", str(out), db=db)
    assert done.returncode == 0 and out.read_bytes().startswith(b"%PDF")
    assert done.stderr.startswith("warning: No CJK font") and "Traceback" not in done.stderr
