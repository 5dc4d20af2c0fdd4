"""The handling columns of contract §1: request type, self-handled, extension and suspension."""

from __future__ import annotations

from datetime import datetime

from ingest_helpers import counts, ingest, rows, write_csv, write_toml

BASE = {"reported_at": "2025-03-01 08:00", "category": "市容环境", "district": "东城区"}


def _load(engine, tmp_path, name: str, cases: dict[str, dict], encoding="utf-8") -> dict:
    """Ingest one row per case (BASE plus its values) and return id -> stored row."""
    header = sorted({"case_id", *BASE, *(k for v in cases.values() for k in v)})
    data = [[({"case_id": cid} | BASE | v).get(c, "") for c in header] for cid, v in cases.items()]
    path = write_csv(tmp_path / f"{name}.csv", header, data, encoding)
    summary = ingest(engine, [path])
    assert counts(summary) == (len(cases), len(cases), 0, 0, 0)
    return {r["case_id"]: r for r in rows(engine, "cases")}


# (input spelling, stored value, quality flag)
REQUEST_TYPES = [
    ("投诉", "complaint", None),
    ("求助", "request", None),
    ("咨询", "consultation", None),
    ("建议", "suggestion", None),
    ("举报", "report", None),
    ("表扬", "praise", None),
    ("Complaint", "complaint", None),
    (" consultation ", "consultation", None),
    ("", "request", None),  # missing: the default
    ("闲聊", "request", "unknown_value:request_type"),
]
# On a closed case never dispatched, so that a missing value would be derived as yes: a given
# "no" must stay no.
SELF_HANDLED = [
    ("是", True, None),
    ("否", False, None),
    ("自行处置", True, None),
    ("就地解决", True, None),
    ("派遣处置", False, None),
    ("yes", True, None),
    ("No", False, None),
    ("1", True, None),
    ("0", False, None),
    ("TRUE", True, None),
    ("false", False, None),
    ("", True, None),  # missing: derived
    ("大概", True, "unknown_value:self_handled"),  # unreadable: flagged, then as missing
]


def test_request_type_spellings(store, tmp_path):
    cases = {f"T{i:02d}": {"request_type": text} for i, (text, _, _) in enumerate(REQUEST_TYPES)}
    stored = _load(store, tmp_path, "types", cases)
    got = [(stored[k]["request_type"], stored[k]["quality_flags"]) for k in cases]
    assert got == [(value, flag) for _, value, flag in REQUEST_TYPES]


def test_self_handled_spellings(store, tmp_path):
    closed = {"closed_at": "2025-03-01 09:30"}
    cases = {
        f"H{i:02d}": closed | {"self_handled": text} for i, (text, _, _) in enumerate(SELF_HANDLED)
    }
    stored = _load(store, tmp_path, "self", cases)
    got = [(stored[k]["self_handled"], stored[k]["quality_flags"]) for k in cases]
    assert got == [(value, flag) for _, value, flag in SELF_HANDLED]


def test_missing_self_handled_is_yes_only_for_a_closed_case_never_dispatched(store, tmp_path):
    t = "2025-03-01 09:30"
    stored = _load(
        store,
        tmp_path,
        "derived",
        {
            "closed-on-spot": {"closed_at": t},
            "closed-by-status": {"status": "已结案"},
            "closed-dispatched": {"dispatched_at": t, "closed_at": t},
            "closed-with-department": {"department": "城管委", "closed_at": t},
            "open-dispatched": {"dispatched_at": t},
            "open-not-dispatched": {},
            "cancelled": {"status": "作废"},
        },
    )
    assert {k: v["self_handled"] for k, v in stored.items()} == {
        "closed-on-spot": True,
        "closed-by-status": True,
        "closed-dispatched": False,
        "closed-with-department": False,
        "open-dispatched": False,
        "open-not-dispatched": None,
        "cancelled": None,
    }


def test_handling_timestamps_and_their_contradictions(store, tmp_path):
    stored = _load(
        store,
        tmp_path,
        "order",
        {
            "ok": {
                "deadline": "2025-03-08 08:00",
                "extended_deadline": "2025-03-15 08:00",
                "suspended_at": "2025-03-02 08:00",
                "resumed_at": "2025-03-04 20:00",
            },
            "extension-earlier": {
                "deadline": "2025-03-08 08:00",
                "extended_deadline": "2025-03-07 08:00",
            },
            "extension-without-deadline": {"extended_deadline": "2025-03-20 08:00"},
            "resumed-first": {"suspended_at": "2025-03-05 08:00", "resumed_at": "2025-03-04"},
            "resumed-only": {"resumed_at": "2025-03-04 08:00"},
            "suspended-before-reported": {"suspended_at": "2025-02-28 08:00"},
            "unreadable": {"extended_deadline": "下周", "suspended_at": "13/45/2025"},
        },
    )
    got = {
        k: (v["extended_deadline"], v["suspended_at"], v["resumed_at"], v["quality_flags"])
        for k, v in stored.items()
    }
    assert got == {
        "ok": (datetime(2025, 3, 15, 8), datetime(2025, 3, 2, 8), datetime(2025, 3, 4, 20), None),
        "extension-earlier": (
            datetime(2025, 3, 7, 8),
            None,
            None,
            "extended_deadline_before_deadline",
        ),
        "extension-without-deadline": (datetime(2025, 3, 20, 8), None, None, None),
        "resumed-first": (
            None,
            datetime(2025, 3, 5, 8),
            datetime(2025, 3, 4),
            "resumed_at_before_suspended_at",
        ),
        "resumed-only": (None, None, datetime(2025, 3, 4, 8), "resumed_at_without_suspended_at"),
        "suspended-before-reported": (
            None,
            datetime(2025, 2, 28, 8),
            None,
            "suspended_at_before_reported_at",
        ),
        "unreadable": (None, None, None, "bad_value:extended_deadline;bad_value:suspended_at"),
    }


def test_a_chinese_export_with_all_five_columns(store, tmp_path):
    """A 数字城管-style export in GB18030 with Chinese headers (through a mapping file),
    Chinese values and slash dates."""
    mapping = write_toml(
        tmp_path / "szcg.toml",
        """
name = "szcg"
[columns]
case_id = "案件编号"
reported_at = "上报时间"
category = "大类"
district = "区"
department = "主责部门"
closed_at = "结案时间"
deadline = "处置时限"
request_type = "诉求类型"
self_handled = "处置方式"
extended_deadline = "延期后时限"
suspended_at = "缓办时间"
resumed_at = "恢复办理时间"
[values.self_handled]
"街道自处" = "是"
""",
    )
    header = [
        *("案件编号", "上报时间", "大类", "区", "主责部门", "结案时间", "处置时限"),
        *("诉求类型", "处置方式", "延期后时限", "缓办时间", "恢复办理时间"),
    ]
    # The case's columns, then the five handling columns.
    cases = [
        ("Z1", "2025/3/1 8:05", "市容环境", "东城区", "", "2025/3/1 9:00", ""),
        ("Z2", "2025/3/1 8:05", "街面秩序", "东城区", "城管委", "", "2025/3/8 8:05"),
        ("Z3", "2025/3/2 14:30", "设施管理", "东城区", "", "", ""),
        ("Z4", "2025/3/2 14:30", "设施管理", "东城区", "", "2025/3/2 15:00", ""),
    ]
    handling = [
        ("投诉", "自行处置", "", "", ""),
        ("举报", "否", "2025/3/12 18:00", "2025/3/3 10:00", "2025/3/5 10:00"),
        ("咨询", "街道自处", "", "", ""),
        ("表扬", "", "", "2025/3/2 14:40", ""),
    ]
    data = [[*a, *b] for a, b in zip(cases, handling, strict=True)]
    path = write_csv(tmp_path / "szcg.csv", header, data, encoding="gb18030")
    summary = ingest(store, [path], mapping=mapping)
    assert counts(summary) == (4, 4, 0, 0, 0)
    columns = ("request_type", "self_handled", "extended_deadline", "suspended_at", "resumed_at")
    got = {
        r["case_id"]: tuple(r[c] for c in (*columns, "quality_flags")) for r in rows(store, "cases")
    }
    assert got == {
        "Z1": ("complaint", True, None, None, None, None),
        "Z2": (
            "report",
            False,
            datetime(2025, 3, 12, 18),
            datetime(2025, 3, 3, 10),
            datetime(2025, 3, 5, 10),
            None,
        ),
        "Z3": ("consultation", True, None, None, None, None),
        # Closed while suspended, never dispatched: self-handled by default.
        "Z4": ("praise", True, None, datetime(2025, 3, 2, 14, 40), None, None),
    }
