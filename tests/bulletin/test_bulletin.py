"""The bulletin read back: Word tables equal the publication's CSV cell by cell, the PDF's text
and pages (poppler), preliminary and English bulletins, and bad input as one sentence."""

from __future__ import annotations

import io
import shutil
import subprocess

import pandas as pd
import pytest
from docx import Document

from bulletin import BulletinError, build_bulletin, page_pngs, to_docx, to_pdf
from bulletin.output import replace_atomically
from metrics.selection import Selection
from records.publications import PublicationError, get_publication, publish
from tests.records.publication_city import FEB, MAR, rows, score, write

POPPLER = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext, pdftoppm) not installed"
)


@pytest.fixture
def city(duck_store, tmp_path):
    """The three streets' February and March, published for February then for March."""
    from caselog.ingest import ingest_files

    ingest_files(duck_store, [write(tmp_path / "c.csv", rows(2, FEB), rows(3, MAR))])
    publish(duck_store, Selection.build("street", "2025-02"), title="", by="科长")
    publish(duck_store, Selection.build("street", "2025-03"), title="", by="科长")
    return duck_store


def docx_tables(path) -> list[list[list[str]]]:
    """Every table of a .docx as rows of cell texts."""
    return [[[c.text for c in r.cells] for r in t.rows] for t in Document(path).tables]


def docx_text(path) -> str:
    doc = Document(path)
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def table_headed(tables, *headers: str) -> list[list[str]]:
    """The one table whose header row holds every one of ``headers``."""
    found = [t for t in tables if all(h in t[0] for h in headers)]
    assert len(found) == 1, [t[0] for t in tables]
    return found[0]


def pct(x: float) -> str:
    return "—" if pd.isna(x) else f"{x * 100:.1f}%"


def signed(x) -> str:
    return "—" if pd.isna(x) else ("0" if x == 0 else f"{int(x):+d}")


def test_word_ranking_is_the_publication_cell_by_cell(city, tmp_path):
    content = build_bulletin(city, 2)
    path = to_docx(content, tmp_path / "b.docx")
    got = table_headed(docx_tables(path), "排名", "街道(乡镇)", "综合得分")
    # the frozen CSV read with plain pandas and formatted by hand
    csv = pd.read_csv(io.BytesIO(get_publication(city, 2).csv), encoding="utf-8-sig")
    want = [
        [
            str(int(r["rank"])),
            r["district"],
            r["street"],
            str(int(r["cases"])),
            f"{r['composite_score']:.1f}",
            r["grade"],
            pct(r["response_rate"]),
            pct(r["solved_rate"]),
            pct(r["satisfaction_rate"]),
            signed(r["rank_change"]),
        ]
        for _, r in csv.iterrows()
    ]
    head = "排名 区 街道(乡镇) 受理量 综合得分 等级 响应率 解决率 满意率 排名变化"
    assert got[0] == head.split()
    assert got[1:] == want
    # and by hand (publication_city): March 丙 1st (+2), 乙 2nd (0), 甲 3rd (-2)
    assert [(r[2], r[4], r[9]) for r in got[1:]] == [
        ("丙街道", f"{score(2, 2):.1f}", "+2"),
        ("乙街道", f"{score(1, 2):.1f}", "0"),
        ("甲街道", f"{score(0, 1):.1f}", "-2"),
    ]
    pub, facts = get_publication(city, 2), dict(content.facts)
    assert facts["规则集哈希"] == pub.rules_hash and facts["规则集"] == pub.rule_set
    assert facts["数据截至"] == f"{pub.as_of:%Y-%m-%d %H:%M:%S}"
    text = docx_text(path)
    assert "已发布（第 2 号发布）" in text and "未发布" not in text
    assert Document(path).sections[0].header.paragraphs[0].text == ""
    assert "全市 街道(乡镇)考核通报（2025-03）" in text
    assert content.table("red").rows[0][1] == "东城区/丙街道"
    assert content.table("black").rows[0][1] == "东城区/甲街道"
    assert content.table("risers").rows == (("东城区/丙街道", "1", "+2", f"{score(2, 2):.1f}"),)
    assert content.table("fallers").rows == (("东城区/甲街道", "3", "-2", f"{score(0, 1):.1f}"),)


def test_headline_counts_and_the_summary_come_from_the_cases(city):
    content = build_bulletin(city, 2)
    head = {r[0]: r for r in content.table("headline").rows}
    # 6 cases in March and 6 in February (two per street), none a year earlier
    assert head["受理量"][1:6] == ("6", "6", "+0 (+0.0%)", "0", "+6")
    solved_mar, solved_feb = (0 + 1 + 2) / 6, (2 + 1 + 0) / 6
    assert head["解决率"][1:3] == (pct(solved_mar), pct(solved_feb))
    titles = "一、总体情况 二、考核排名 三、红榜与黑榜 四、超期与督办 五、部门协同 六、类别变化 七、申诉 说明"
    assert [s.title for s in content.sections] == titles.split()
    summary = content.section("summary").paragraphs[0]
    assert "共受理案件 6 件" in summary and "综合得分最高的是东城区/丙街道" in summary
    assert "排名上升最多的是东城区/丙街道（上升 2 位）" in summary


@POPPLER
def test_pdf_text_and_pages(city, tmp_path):
    content = build_bulletin(city, 2)
    path = to_pdf(content, tmp_path / "b.pdf")
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    for words in ("全市 街道(乡镇)考核通报（2025-03）", "考核排名表", "红榜", "黑榜", "甲街道"):
        assert words in text
    assert "未发布" not in text
    for number in (score(2, 2), score(1, 2), score(0, 1)):
        assert f"{number:.1f}" in text
    assert content.facts[6][1] in text.replace("\n", "")  # the rule set's hash
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    pages = int(next(x for x in info.splitlines() if x.startswith("Pages:")).split()[1])
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(path), str(tmp_path / "p")], check=True)
    pngs = sorted(tmp_path.glob("p-*.png"))
    assert len(pngs) == pages >= 2
    from PIL import Image

    first = Image.open(pngs[0]).convert("L")
    assert first.getextrema()[0] < 100  # something dark is drawn: text, not a blank page
    preview = page_pngs(content)
    assert len(preview) == pages and all(p.startswith(b"\x89PNG") for p in preview)


def test_a_live_bulletin_is_preliminary_and_speaks_english(city, tmp_path):
    content = build_bulletin(
        city, Selection.build("street", "2025-03"), lang="en", city="Dongcheng"
    )
    assert not content.published and content.title.startswith("Dongcheng: Street")
    path = to_docx(content, tmp_path / "en.docx")
    text = docx_text(path)
    assert "Not published (preliminary figures)" in text and "Ranking table" in text
    margins = Document(path).sections[0]
    assert margins.header.paragraphs[0].text == "Not published (preliminary figures)"
    assert margins.footer.paragraphs[0].text.startswith("Dongcheng: Street")
    ranking = table_headed(docx_tables(path), "Rank", "Street (town)", "Composite score")
    assert [r[2] for r in ranking[1:]] == ["丙街道", "乙街道", "甲街道"]
    assert "received 6 cases" in content.section("summary").paragraphs[0]


def test_bad_input_is_one_sentence_or_said_in_the_bulletin(city):
    with pytest.raises(PublicationError, match="There is no publication number 99"):
        build_bulletin(city, 99)
    with pytest.raises(BulletinError, match="2030-01 has no case in the city"):
        build_bulletin(city, Selection.build("street", "2030-01"))
    with pytest.raises(BulletinError, match="not category"):
        build_bulletin(city, Selection.build("category", "2025-03"))
    one = build_bulletin(city, Selection.build("street", "2025-03", scope="东城区/甲街道"))
    assert "只有一个单位" in one.table("ranking").note
    assert one.table("red").rows == () and "只有一个单位" in one.table("red").note
    assert [r[1] for r in one.table("ranking").rows] == ["甲街道"]


def test_missing_fonts_still_give_a_pdf(city, tmp_path, monkeypatch):
    from bulletin.fonts import cjk_font

    monkeypatch.setenv("GRIDPULSE_FONT_DIRS", str(tmp_path / "none"))
    assert cjk_font() is None
    path = to_pdf(build_bulletin(city, 2), tmp_path / "b.pdf")
    assert path.read_bytes().startswith(b"%PDF")


def test_a_failed_write_leaves_nothing_half_written(tmp_path, city, monkeypatch):
    import typst

    from metrics.errors import ExportError

    target = tmp_path / "old.pdf"
    target.write_bytes(b"before")

    def broken(handle):
        handle.write(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        replace_atomically(target, broken)
    assert target.read_bytes() == b"before" and not list(tmp_path.glob(".*.part"))

    def fails(*args, **kwargs):
        raise RuntimeError("error: unknown font\nmore")

    monkeypatch.setattr(typst, "compile", fails)
    with pytest.raises(ExportError, match="could not be typeset"):
        to_pdf(build_bulletin(city, 2), target)
    assert target.read_bytes() == b"before" and not list(tmp_path.glob(".*.part"))


def test_charts_draw_chinese_glyphs_with_the_cjk_font(tmp_path, monkeypatch):
    from bulletin.charts import chart_png
    from bulletin.content import Chart
    from bulletin.fonts import cjk_font

    if cjk_font() is None:
        pytest.skip("fonts-noto-cjk is not installed")

    def bars(name: str) -> Chart:
        return Chart("overdue", "", "bars", (name,), (1.0,), "", column="overdue")

    # two names drawn in the CJK font differ; without it both are the same empty boxes
    assert chart_png(bars("城管局")) != chart_png(bars("水务局"))
    monkeypatch.setenv("GRIDPULSE_FONT_DIRS", str(tmp_path))
    assert chart_png(bars("城管局")) == chart_png(bars("水务局"))


@POPPLER
def test_text_reaches_the_pdf_as_text_never_as_markup(tmp_path):
    from dataclasses import replace
    from datetime import datetime

    from bulletin.content import Bulletin, Section, Table

    hostile = '#panic("boom") *粗体* $x^2$ <label> @ref \\ ]['
    content = Bulletin(
        lang="zh",
        title=hostile,
        facts=(("理由", hostile),),
        published=True,
        publication_id=1,
        generated_at=datetime(2025, 4, 1),
        sections=(
            Section(
                "appeals", "八、申诉", (hostile,), (Table("t", "表", ("理由",), ((hostile,),)),)
            ),
        ),
    )
    path = to_pdf(content, tmp_path / "h.pdf")
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert text.count('#panic("boom") *粗体* $x^2$ <label> @ref') >= 4
    # control characters (XML cannot hold them) are dropped from the Word file, not fatal
    word = to_docx(replace(content, title=hostile + "\x0b\x00"), tmp_path / "h.docx")
    assert Document(word).paragraphs[0].text == hostile
    assert to_pdf(replace(content, title=hostile + "\x0b\x00"), tmp_path / "c.pdf").exists()


def test_a_long_ranking_lists_its_first_and_last_units(city, monkeypatch):
    from bulletin import sections

    monkeypatch.setattr(sections, "MAX_ROWS", 2)
    monkeypatch.setattr(sections, "CUT_ROWS", 1)
    ranking = build_bulletin(city, 2).table("ranking")
    assert [(r[0], r[2]) for r in ranking.rows] == [("1", "丙街道"), ("3", "甲街道")]
    assert "共 3 个单位，此处列前 1 名与后 1 名" in ranking.note
