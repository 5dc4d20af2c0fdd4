"""Publications: frozen byte for byte, equal to assess as known at their moment, rank change
against the previous publication (by hand), and refusals that write nothing."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import threading
from datetime import datetime, timedelta

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import func, insert, select

from caselog.ingest import ingest_files
from caselog.schema import case_history
from metrics import Selection, assess, write_assessment
from metrics.workbook import columns, header
from records import publications as pubs
from records.download import write_publication
from records.frozen import compare, read_frozen
from records.publications import PublicationError, get_publication, list_publications, publish
from records.tables import appeals, publications
from tests.records.publication_city import DISTRICT, FEB, MAR, rows, score, spoiled, write


def _count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(publications)).scalar_one()


def _load(engine, folder, name, *blocks):
    ingest_files(engine, [write(folder / name, *blocks)])


@pytest.fixture
def city(store, tmp_path):
    """The three streets' February and March loaded once."""
    _load(store, tmp_path, "first.csv", rows(2, FEB), rows(3, MAR))
    return store


def _fields(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _without(records: list[dict[str, str]], *cols: str) -> list[dict[str, str]]:
    return [{k: v for k, v in r.items() if k not in cols} for r in records]


def test_publication_is_the_assess_csv_as_known_at_its_moment(city, tmp_path):
    sel = Selection.build("street", "2025-03")
    pub = get_publication(city, publish(city, sel, title="三月", by="evaluator"))
    out = tmp_path / "assess.csv"
    write_assessment(city, Selection.build("street", "2025-03", as_known_at=pub.as_known_at), out)
    assessed, frozen = _fields(out.read_bytes()), _fields(pub.csv)
    assert list(frozen[0]) == list(assessed[0])  # the same columns in the same order
    assert _without(frozen, "rank_change") == _without(assessed, "rank_change")
    assert pub.as_known_at == pub.published_at and pub.published_by == "evaluator"
    assert pub.rules_text == sel.rules.text and pub.rules_hash == sel.rules_hash
    assert pub.period == "2025-03" and pub.scope == "" and pub.previous_id is None
    # by hand: 丙 first, 乙 second, 甲 third, with their scores
    table = pub.table().set_index("street")
    for street, plan, rank in (("丙街道", MAR["丙街道"], 1), ("甲街道", MAR["甲街道"], 3)):
        assert table.loc[street, "rank"] == rank
        assert table.loc[street, "composite_score"] == pytest.approx(score(*plan), abs=1e-9)
    assert table["rank_change"].isna().all()  # no earlier publication: no base


def test_publication_survives_later_loads_byte_for_byte(city, tmp_path):
    sel = Selection.build("street", "2025-03")
    pub_id = publish(city, sel, title="", by="evaluator")
    stored = get_publication(city, pub_id).csv
    # a later load: 丙's March cases are no longer solved nor satisfied
    changed = spoiled(rows(3, MAR), "丙街道")
    _load(city, tmp_path, "later.csv", changed)
    again = get_publication(city, pub_id)
    assert again.csv == stored
    out = write_publication(again, tmp_path / "again.csv")
    assert out.read_bytes() == stored
    live = assess(city, sel)
    assert live.set_index("street").loc["丙街道", "composite_score"] == pytest.approx(0.0)
    diff = compare(live, again.table(), "street")
    # 丙 falls from 1st to 3rd: 乙 and 甲 move up one place each, their own figures unchanged
    assert diff.units_changed == 3 and diff.ranks_changed == 3
    assert diff.max_score_diff == pytest.approx(score(*MAR["丙街道"]))


def test_the_data_as_known_at_a_publication_give_its_figures_after_a_later_load(city, tmp_path):
    pub = get_publication(
        city, publish(city, Selection.build("street", "2025-03"), title="", by="a")
    )
    changed = spoiled(rows(3, MAR), "丙街道")
    _load(city, tmp_path, "later.csv", changed)
    with city.connect() as conn:
        kept = conn.execute(select(func.count()).select_from(case_history)).scalar_one()
    if not kept:  # ingest keeping every version is the versions part of issue #15
        pytest.skip("this ingest keeps no earlier case versions (case_history) yet")
    then = Selection.build("street", "2025-03", as_known_at=pub.as_known_at)
    assert compare(assess(city, then), pub.table(), "street").same
    out = tmp_path / "then.csv"
    write_assessment(city, then, out)
    # every field but the rank change (against the previous publication) is the frozen one,
    # data_loaded_at too: the last load known at the publication's moment
    assert _without(_fields(out.read_bytes()), "rank_change") == _without(
        _fields(pub.csv), "rank_change"
    )


def test_rank_change_is_against_the_previous_publication(city, tmp_path, monkeypatch):
    feb = publish(city, Selection.build("street", "2025-02"), title="", by="a")
    # after February was published, 甲's February cases turn bad: live February ranks 甲 3rd
    worse = spoiled(rows(2, FEB), "甲街道")
    _load(city, tmp_path, "feb.csv", worse)
    mar = get_publication(
        city, publish(city, Selection.build("street", "2025-03"), title="", by="a")
    )
    assert mar.previous_id == feb
    # by hand: February published 甲 1, 乙 2, 丙 3; March 丙 1, 乙 2, 甲 3
    change = mar.table().set_index("street")["rank_change"].to_dict()
    assert change == {"甲街道": 1 - 3, "乙街道": 2 - 2, "丙街道": 3 - 1}
    live = assess(city, Selection.build("street", "2025-03")).set_index("street")
    assert live.loc["甲街道", "rank_change"] == 0  # live: against February as known now
    # a republication of March (a few seconds later) compares with February's publication
    # too, not with the first March one
    later = pubs.moment() + timedelta(seconds=5)
    monkeypatch.setattr(pubs, "moment", lambda *_: later)
    again = get_publication(
        city, publish(city, Selection.build("street", "2025-03"), title="", by="b")
    )
    assert again.previous_id == feb


def test_publication_lists_the_approved_appeals_in_force(city):
    decided = pubs.moment() - timedelta(minutes=1)
    base = {"reason": "不可抗力", "filed_by": "s", "filed_unit": DISTRICT, "filed_at": decided}
    with city.begin() as conn:
        for case_id, status in (
            ("M03-0-0", "approved"),
            ("M03-1-0", "rejected"),
            ("M02-1-0", "approved"),  # another period
            ("M03-2-1", "pending"),
        ):
            conn.execute(
                insert(appeals).values(
                    **base,
                    case_id=case_id,
                    kind="exclude",
                    status=status,
                    decided_by="city" if status != "pending" else None,
                    decided_at=decided if status != "pending" else None,
                )
            )
    pub = get_publication(
        city, publish(city, Selection.build("street", "2025-03"), title="", by="a")
    )
    assert [(a["case_id"], a["unit"]) for a in pub.appeals] == [("M03-0-0", f"{DISTRICT}/甲街道")]
    assert list_publications(city).set_index("id").loc[pub.id, "appeals"] == 1
    # the exclusion applied: 甲 has one case left in March's satisfaction and solved rates
    table = pub.table().set_index("street")
    assert table.loc["甲街道", "cases"] == 2
    assert table.loc["甲街道", "composite_score"] == pytest.approx(score(0, 0, 1))


def test_an_empty_period_writes_nothing(city):
    with pytest.raises(PublicationError) as err:
        publish(city, Selection.build("street", "2031-01"), title="", by="a")
    assert str(err.value) == "2031-01 has no case in the city; nothing was published."
    with pytest.raises(PublicationError, match="has no case in 东城区/丁街道"):
        publish(city, Selection.build("street", "2025-03", scope="东城区/丁街道"), title="", by="a")
    assert _count(city) == 0


def test_the_same_ranking_twice_at_one_moment_is_refused(city, monkeypatch):
    fixed = datetime(2030, 1, 1, 8, 0, 0)
    monkeypatch.setattr(pubs, "moment", lambda *_: fixed)
    sel = Selection.build("street", "2025-03")
    first = publish(city, sel, title="", by="a")
    with pytest.raises(PublicationError) as err:
        publish(city, sel, title="", by="b")
    assert str(err.value) == (
        f"The same ranking was published at the same moment (2030-01-01 08:00:00, number "
        f"{first}); nothing was published."
    )
    assert _count(city) == 1
    # another period at the same moment is another ranking
    publish(city, Selection.build("street", "2025-02"), title="", by="a")
    assert _count(city) == 2


def test_a_load_that_finishes_while_the_figures_are_computed_is_in_them(
    city, tmp_path, monkeypatch
):
    compute = pubs._figures
    calls = []

    def with_a_load(engine, sel, known_at):
        calls.append(known_at)
        if len(calls) == 1:  # a load finishes after the first computation's moment
            _load(city, tmp_path, "meanwhile.csv", spoiled(rows(3, MAR), "丙街道"))
        return compute(engine, sel, known_at)

    monkeypatch.setattr(pubs, "_figures", with_a_load)
    pub = get_publication(
        city, publish(city, Selection.build("street", "2025-03"), title="", by="a")
    )
    assert len(calls) == 2 and calls[1] > calls[0]
    # the figures include the load: 丙 has score 0, and equal assess as known at the moment
    assert pub.table().set_index("street").loc["丙街道", "composite_score"] == 0
    then = Selection.build("street", "2025-03", as_known_at=pub.as_known_at)
    assert compare(assess(city, then), pub.table(), "street").same


def test_a_publisher_that_waited_for_a_twin_is_refused(city):
    sel = Selection.build("street", "2025-03")
    asked = pubs.moment() - timedelta(seconds=30)  # asked long ago, then waited for the store
    made = publish(city, sel, title="", by="a")
    with pytest.raises(PublicationError, match=f"number {made}"):
        publish(city, sel, title="", by="b", asked=asked)
    assert _count(city) == 1


def test_two_publishers_at_once_make_one_publication(city, monkeypatch):
    if city.dialect.name == "postgresql":  # two processes: only the advisory lock between them
        monkeypatch.setattr(pubs, "_publishing", contextlib.nullcontext())
    sel = Selection.build("street", "2025-03")
    start = threading.Barrier(2)
    made, refused = [], []

    def run(name: str) -> None:
        start.wait()
        try:
            made.append(publish(city, sel, title="", by=name))
        except PublicationError as exc:
            refused.append(str(exc))

    workers = [threading.Thread(target=run, args=(n,)) for n in ("a", "b")]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert len(made) == 1 and len(refused) == 1 and _count(city) == 1
    assert "at the same moment" in refused[0]


def test_unknown_ids_and_unwritable_files_are_one_sentence(city, tmp_path):
    with pytest.raises(PublicationError, match=r"^There is no publication number 7\.$"):
        get_publication(city, 7)
    with pytest.raises(PublicationError, match=r"^'x' is not a publication number\.$"):
        get_publication(city, "x")
    pub = get_publication(
        city, publish(city, Selection.build("street", "2025-03"), title="", by="a")
    )
    for bad, words in (
        (tmp_path / "none" / "p.csv", "does not exist"),
        (tmp_path / "p.txt", "must end in .csv or .xlsx"),
        (tmp_path, "must end in"),
    ):
        with pytest.raises(PublicationError, match=words):
            write_publication(pub, bad)
    assert not (tmp_path / "p.txt").exists()


def test_xlsx_lays_out_the_frozen_figures_with_the_appeals(city, tmp_path):
    pub = get_publication(
        city, publish(city, Selection.build("street", "2025-03"), title="三月", by="a")
    )
    path = write_publication(pub, tmp_path / "p.xlsx")
    book = pd.read_excel(path, sheet_name=None)
    assert list(book) == ["考核结果", "红黑榜", "得分明细", "生效申诉", "规则集"]
    sheet = openpyxl.load_workbook(path)["考核结果"]
    assert sheet["A1"].value == "全市 街道(乡镇)考核排名（2025年3月）"
    assert f"发布编号 {pub.id}：三月" in sheet["A2"].value
    assert pub.rules_hash[:8] in sheet["A2"].value
    shown = pd.read_excel(path, sheet_name="考核结果", header=2)
    shown = shown[shown["街道(乡镇)"].notna()].set_index("街道(乡镇)")
    assert list(shown.columns[:2]) == ["排名", "区"]
    # every cell of the sheet equals the stored CSV's field of its row and column
    ws = openpyxl.load_workbook(path)["考核结果"]
    head = [c.value for c in ws[3]]
    ids = {header(c): c for c in columns(pub.table())}
    lines = {r["street"]: r for r in csv.DictReader(io.StringIO(pub.csv.decode("utf-8-sig")))}
    for row in ws.iter_rows(min_row=4, max_row=3 + len(lines)):
        line = lines[row[head.index("街道(乡镇)")].value]
        for name, cell in zip(head, row, strict=True):
            text = line[ids[name]]
            if text == "":
                assert cell.value is None, name
            elif isinstance(cell.value, int | float):
                assert cell.value == pytest.approx(float(text), rel=1e-13, abs=1e-13), name
            else:
                assert str(cell.value) == text, name
    frozen = pub.table().set_index("street")
    assert shown["综合得分"].to_dict() == pytest.approx(frozen["composite_score"].to_dict())
    rules = openpyxl.load_workbook(path)["规则集"]
    info = {row[0]: row[1] for row in rules.iter_rows(values_only=True) if row[0]}
    assert info["标题"] == "三月" and info["发布人"] == "a" and info["规则集哈希"] == pub.rules_hash
    assert book["生效申诉"].empty


def test_a_level_without_units_and_a_nameless_publisher_are_refused(city):
    with pytest.raises(PublicationError, match="ranks units"):
        publish(city, Selection.build("category", "2025-03"), title="", by="a")
    with pytest.raises(PublicationError, match="name of who"):
        publish(city, Selection.build("street", "2025-03"), title="", by="  ")
    assert _count(city) == 0


def test_read_frozen_round_trips_the_written_table(city):
    sel = Selection.build("street", "2025-03")
    pub = get_publication(city, publish(city, sel, title="", by="a"))
    table, meta = read_frozen(pub.csv, "street")
    live = assess(city, Selection.build("street", "2025-03", as_known_at=pub.as_known_at))
    assert list(table.columns) == list(live.columns)
    assert meta["period"] == "2025-03" and meta["rule_set_hash"] == sel.rules_hash
    assert json.dumps(pub.appeals) == "[]"
    assert compare(live, table, "street").same
