"""The 通报 page: a publication's bulletin or the live one, previewed and downloaded as Word and
PDF, and a street account's bulletin holding its own street only."""

from __future__ import annotations

import io
import subprocess

import pytest

import accounts
from caselog import open_store
from metrics import Selection
from records.publications import publish
from tests.dashboard.conftest import PERIOD, open_page
from tests.dashboard.test_access import _others, _street_account, directory, downloads, tree
from tests.dashboard.test_publication_pages import store
from tests.records.publication_city import FEB, MAR, STREETS, score

docx = pytest.importorskip("docx", reason="python-docx comes with the bulletin (branch h-bulletin)")
pytest.importorskip("bulletin", reason="the bulletin package of branch h-bulletin")

__all__ = ["directory", "downloads", "store", "tree"]  # fixtures used by the tests below
STATE = {"period": "2025-03", "level": "street", "scope": ""}


def _files(saved) -> dict[str, bytes]:
    return {name.rsplit(".", 1)[1]: payload for name, payload in saved}


def _docx_text(payload: bytes) -> tuple[str, list[list[list[str]]]]:
    """The document's paragraphs as one text, and every table as rows of cell texts."""
    doc = docx.Document(io.BytesIO(payload))
    text = "\n".join(p.text for p in doc.paragraphs)
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    return text, tables


def _pdf_text(payload: bytes, tmp_path) -> str:
    path = tmp_path / "b.pdf"
    path.write_bytes(payload)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _pages(saved) -> int:
    """The number of pages of the downloaded PDF, by pdfinfo."""
    info = subprocess.run(
        ["pdfinfo", "-"], input=_files(saved)["pdf"], capture_output=True, check=True
    ).stdout.decode()
    return int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))


def _ranking(tables: list[list[list[str]]], unit: str) -> list[list[str]]:
    """The ranking table's rows (rank first, then the unit) of a bulletin's tables."""
    table = next(t for t in tables if t[0][0] == "排名" and unit in t[0])
    return table[1:]


def _publish(url: str) -> int:
    engine = open_store(url)
    try:
        return publish(engine, Selection.build("street", "2025-03"), title="三月考核", by="a")
    finally:
        engine.dispose()


def test_a_published_month_gives_its_publications_bulletin(store, monkeypatch, downloads, tmp_path):
    pub_id = _publish(store)
    at = open_page(store, monkeypatch, "bulletin", **STATE)
    assert not at.exception and not at.error, (at.exception, at.error)
    box = at.selectbox(key="bulletin_source")
    assert box.options == [f"发布 {pub_id}：三月考核", "未发布（按当前数据实时计算）"]
    assert box.value == pub_id  # the newest publication by default
    assert at.success[0].value == f"已发布：数字与发布 {pub_id} 完全一致。"
    assert len(at.get("image")) == _pages(downloads)  # the preview: every page of the PDF
    files = _files(downloads)
    assert set(files) == {"docx", "pdf"}
    text, tables = _docx_text(files["docx"])
    assert f"第 {pub_id} 号发布" in text + str(tables)
    # March by hand (publication_city): 丙 100.0, 乙 score(1, 2), 甲 score(0, 1)
    ranking = _ranking(tables, "街道(乡镇)")
    shown = [(r[0], next(c for c in r if c in STREETS)) for r in ranking]
    assert shown == [("1", "丙街道"), ("2", "乙街道"), ("3", "甲街道")]
    scores = [f"{score(*MAR[s]):.1f}" for s in ("丙街道", "乙街道", "甲街道")]
    for row, want in zip(ranking, scores, strict=True):
        assert want in row, (row, want)
    pdf = _pdf_text(files["pdf"], tmp_path)
    assert "考核通报" in pdf and "丙街道" in pdf and scores[1] in pdf
    assert "未发布" not in pdf


def test_the_live_figures_are_marked_preliminary(store, monkeypatch, downloads, tmp_path):
    pub_id = _publish(store)
    at = open_page(store, monkeypatch, "bulletin", bulletin_source=None, **STATE)
    assert not at.exception and not at.error
    assert at.selectbox(key="bulletin_source").value is None
    assert at.warning[0].value == "未发布：初步结果，以正式发布为准。"
    pdf = _pdf_text(_files(downloads)["pdf"], tmp_path)
    assert "未发布" in pdf and f"第 {pub_id} 号发布" not in pdf
    # February has no publication: the page says so and offers the live figures only
    downloads.clear()
    at = open_page(store, monkeypatch, "bulletin", **{**STATE, "period": "2025-02"})
    assert at.selectbox(key="bulletin_source").options == ["未发布（按当前数据实时计算）"]
    assert "尚无发布" in at.info[0].value
    _, tables = _docx_text(_files(downloads)["docx"])
    ranking = _ranking(tables, "街道(乡镇)")
    assert [next(c for c in r if c in STREETS) for r in ranking] == list(FEB)  # 甲, 乙, 丙


def test_a_period_without_cases_says_so(store, monkeypatch, downloads):
    at = open_page(store, monkeypatch, "bulletin", **{**STATE, "period": "2025-01"})
    assert not at.exception and not at.error
    assert [i.value for i in at.info] == ["所选周期和范围内没有案件。"]
    assert not downloads and not at.get("image")


def test_english(store, monkeypatch, downloads):
    _publish(store)
    at = open_page(store, monkeypatch, "bulletin", lang="en", **STATE)
    assert not at.exception and not at.error
    assert at.title[0].value == "Bulletin"
    assert at.success[0].value.startswith("Published: the figures are publication")
    text, _ = _docx_text(_files(downloads)["docx"])
    assert "bulletin" in text


def test_a_street_account_gets_its_own_streets_bulletin(
    forecast_city, monkeypatch, directory, tree, downloads, tmp_path
):
    account = _street_account(directory, tree)
    other_names, other_grids = _others(tree)
    # a session that asks for the whole city at a level the street may rank
    at = open_page(
        forecast_city,
        monkeypatch,
        "bulletin",
        account=account,
        level="grid",
        period=PERIOD,
        scope="",
    )
    assert not at.exception and not at.error, (at.exception, at.error)
    files = _files(downloads)
    text, tables = _docx_text(files["docx"])
    every = text + "\n".join(c for t in tables for r in t for c in r)
    every += _pdf_text(files["pdf"], tmp_path)
    assert account.street in every
    leaked = [name for name in (*other_names, *other_grids) if name in every]
    assert not leaked, leaked
    ranking = _ranking(tables, "网格")
    mine = set(tree.loc[tree["street"] == account.scope_path, "grid"])
    assert {c for r in ranking for c in r} & mine  # its grids are ranked


def test_a_department_account_is_not_offered_the_page(city, monkeypatch, directory):
    # a bulletin ranks and lists every department of its area: not a department's to read
    account = accounts.add_account(directory, "szsr", "department", None, "dept-pass-1", "", "城管")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        open_page(city, monkeypatch, "bulletin", account=account, period=PERIOD)
