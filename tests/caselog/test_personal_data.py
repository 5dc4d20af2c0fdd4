"""Personal data in an input never reaches the store and is named in the summary."""

from __future__ import annotations

import json

from ingest_helpers import all_text, counts, rows, store_url, write_csv, write_lines, write_toml
from openpyxl import Workbook

from gridpulse.cli import main

PLANTED = {
    "姓名": "欧阳娜娜",
    "联系电话": "13912345678",
    "reporter_name": "Reporter Smithfield",
    "phone": "+1-617-555-0199",
    "身份证号": "110101199003074512",
    "Home Address": "幸福里7号楼302室",
}
HEADER = ["case_id", "reported_at", "category", "district", *PLANTED]


def _line(*values: str) -> str:
    return ",".join([*values, *PLANTED.values()])


def _run(capsys, url: str, *args) -> tuple[dict, str]:
    assert main(["--db", url, "ingest", *map(str, args), "--json"]) == 0
    out, _ = capsys.readouterr()
    lines = out.strip().splitlines()
    return json.loads(lines[-1]), "\n".join(lines[:-1])


def test_personal_columns_never_reach_any_table(store, tmp_path, capsys):
    cases = write_lines(
        tmp_path / "cases.csv",
        [
            ",".join(HEADER),
            _line("P1", "2025-03-01 08:00", "市容环境", "东城区"),
            _line("P2", "2025-03-01 09:00", "", "东城区"),  # quarantined
            _line("P3", "2025-03-01 09:00", "市容环境", "东城区", "多余"),  # malformed
            _line("P4", "2025-03-01 10:00", "街面秩序", "西城区"),
        ],
    )
    ratings = write_csv(
        tmp_path / "ratings.csv",
        ["case_id", "department", "score", "rated_at", "评价人电话", "rater_name"],
        [
            ["P1", "城管委", "90", "2025-03-02 10:00", "13700001111", "Rater Quincy"],
            ["P4", "城管委", "abc", "", "13700002222", "Rater Quincy"],  # quarantined
        ],
    )
    summary, human = _run(capsys, store_url(store), cases, "--ratings", ratings)
    assert counts(summary) == (4, 2, 0, 0, 2)
    assert counts(summary["ratings"]) == (2, 1, 0, 0, 1)
    dropped = {
        f["file"].rsplit("/", 1)[-1]: f["dropped_personal_columns"] for f in summary["files"]
    }
    assert dropped == {"cases.csv": list(PLANTED), "ratings.csv": ["评价人电话", "rater_name"]}
    assert (
        "cases.csv: personal-data columns dropped: 姓名, 联系电话, reporter_name, phone, "
        "身份证号, Home Address" in human
    )

    planted = [*PLANTED.values(), "13700001111", "13700002222", "Rater Quincy"]
    stored = all_text(store)
    assert len(stored) > 50  # the search really sees the tables
    leaks = [value for value in stored for p in planted if p in value]
    assert leaks == []
    # Quarantine keeps the rows, without the personal columns.
    kept = rows(store, "rejected_rows")
    assert [(r["kind"], r["line"], r["reason"]) for r in kept] == [
        ("cases", 2, "missing category"),
        ("cases", 3, "malformed row"),
        ("ratings", 2, "invalid score"),
    ]
    assert json.loads(kept[0]["raw"]) == {
        "case_id": "P2",
        "reported_at": "2025-03-01 09:00",
        "category": "",
        "district": "东城区",
    }


def test_personal_columns_of_a_mapped_workbook(duck_store, tmp_path, capsys):
    mapping = write_toml(
        tmp_path / "hotline.toml",
        """
name = "hotline"
[columns]
case_id = "工单编号"
reported_at = "来电时间"
category = "问题大类"
district = "所属区"
source = "const:hotline"
""",
    )
    book = Workbook()
    sheet = book.active
    sheet.append(
        ["工单编号", "来电时间", "问题大类", "所属区", "来电人", "来电人手机", "证件号码", "备注"]
    )
    sheet.append(
        [
            1001,
            "2025-03-01 08:00",
            "噪声扰民",
            "海淀区",
            "王小明",
            13511112222,
            "X1234567",
            "夜间施工",
        ]
    )
    sheet.append([1002, "2025-03-01 08:30", "", "海淀区", "李小红", 13533334444, "Y7654321", ""])
    book.save(tmp_path / "hotline.xlsx")
    url = store_url(duck_store)
    summary, said = _run(capsys, url, tmp_path / "hotline.xlsx", "--mapping", mapping)
    assert counts(summary) == (2, 1, 0, 0, 1)
    assert summary["files"][0]["dropped_personal_columns"] == ["来电人", "来电人手机", "证件号码"]
    # a column the mapping does not read is named, so a misspelt header is noticed
    assert summary["files"][0]["unused_columns"] == ["备注"]
    assert "hotline.xlsx: columns not used: 备注" in said
    stored = all_text(duck_store)
    planted = ["王小明", "13511112222", "X1234567", "李小红", "13533334444", "Y7654321"]
    assert [v for v in stored for p in planted if p in v] == []
    assert rows(duck_store, "cases", "case_id, source") == [
        {"case_id": "1001", "source": "hotline"}
    ]
