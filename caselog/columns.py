"""The canonical columns of each input kind and the vocabularies their values map onto."""

from __future__ import annotations

from dataclasses import dataclass

TIMESTAMP_COLUMNS = (
    "accepted_at",
    "dispatched_at",
    "responded_at",
    "resolved_at",
    "closed_at",
    "deadline",
    "extended_deadline",
    "suspended_at",
    "resumed_at",
)
#: The optional event timestamps: one later than the load moment is read as unknown (a
#: deadline may lie ahead, so every *deadline column is not one of them).
EVENT_COLUMNS = tuple(c for c in TIMESTAMP_COLUMNS if not c.endswith("deadline"))
#: The bits of ``cases.day_precision``, in this fixed order: bit i (value 2**i) set means
#: the column's value is known to the day only (stored as midnight).
DAY_PRECISION_COLUMNS = ("reported_at", *TIMESTAMP_COLUMNS)


def day_bit(column: str) -> int:
    """The ``cases.day_precision`` bit of a timestamp column (reported_at = 1 … deadline = 64)."""
    return 1 << DAY_PRECISION_COLUMNS.index(column)


CASE_COLUMNS = (
    "case_id",
    "reported_at",
    "category",
    "subcategory",
    "district",
    "street",
    "community",
    "grid_id",
    "source",
    "urgency",
    "department",
    "assist_departments",
    *TIMESTAMP_COLUMNS,
    "status",
    "solved",
    "satisfaction",
    "reopened",
    "reassigned",
    "lat",
    "lon",
    "request_type",
    "self_handled",
)

RATING_COLUMNS = ("case_id", "department", "score", "rated_at")
GRID_COLUMNS = ("grid_id", "community", "street", "district", "households")
AREA_LEVELS = ("district", "street", "community", "grid_id")
#: The area keys a scope may name, outermost first (a street account: district and street).
SCOPE_KEYS = AREA_LEVELS[:3]
#: Every column a query may be confined to: the areas, then a grid, a department or a kind.
SCOPE_COLUMNS = (*AREA_LEVELS, "department", "category", "source", "urgency")
#: The scope key of a department account (条): the cases where that department is the primary
#: (``department``) or an assisting one (``assist_departments``), not a column of its own.
PARTY = "party"


@dataclass(frozen=True)
class InputKind:
    """What one kind of input file holds: its columns and which of them are required."""

    name: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    # Groups of which at least one column must be present (cases: grid_id or district).
    any_of: tuple[tuple[str, ...], ...] = ()


CASES = InputKind(
    "cases", CASE_COLUMNS, ("case_id", "reported_at", "category"), (("grid_id", "district"),)
)
RATINGS = InputKind("ratings", RATING_COLUMNS, ("case_id", "department", "score"))
GRIDS = InputKind("grids", GRID_COLUMNS, ("grid_id",))
KINDS = {kind.name: kind for kind in (CASES, RATINGS, GRIDS)}

# Header words that name personal data. Such columns are never read into the store; they are
# named in the ingest summary so an operator sees what was dropped.
PERSONAL_MARKERS = (
    "reporter",
    "rater",  # ratings are anonymous (contract §1): the rater is never recorded
    "caller",
    "contact",
    "complainant",
    "phone",
    "mobile_no",
    "telephone",
    "email",
    "e-mail",
    "id_number",
    "idcard",
    "id_card",
    "identity",
    "first_name",
    "last_name",
    "full_name",
    "person_name",
    "citizen_name",
    "customer_name",
    "home_address",
    "姓名",
    "名字",
    "电话",
    "手机",
    "联系",
    "身份证",
    "证件",
    "邮箱",
    "住址",
    "家庭地址",
    "举报人",
    "评价人",
    "反映人",
    "投诉人",
    "来电人",
    "来电号码",
    "上报人",
)

SOURCE_VALUES = {
    "patrol": ("patrol", "网格员巡查", "巡查", "网格员上报", "网格员"),
    "hotline": ("hotline", "12345", "12345热线", "热线", "电话"),
    "app": ("app", "随手拍", "小程序", "市民随手拍", "网络", "web"),
    "video": ("video", "视频", "视频智能发现", "视频监控", "智能发现"),
    "whistle": ("whistle", "吹哨", "约请", "吹哨报到", "街乡吹哨"),
    "other": ("other", "其他", "其它"),
}
URGENCY_VALUES = {
    "emergency": ("emergency", "紧急", "特急", "urgent"),
    "utility": ("utility", "水电气热", "公共事业", "公用事业"),
    "general": ("general", "一般", "普通", "normal"),
    "complex": ("complex", "复杂", "疑难", "复杂疑难"),
}
STATUS_VALUES = {
    "open": ("open", "待处理", "已受理", "未处理", "待派遣", "new"),
    "dispatched": ("dispatched", "已派遣", "处置中", "处理中", "in progress"),
    "resolved": ("resolved", "已处置", "处置完成", "待核查"),
    "closed": ("closed", "已结案", "结案", "已办结", "办结"),
    "cancelled": ("cancelled", "canceled", "作废", "不予立案", "已撤销", "撤销"),
}
SOLVED_VALUES = {
    "true": ("yes", "y", "1", "true", "t", "是", "已解决", "解决"),
    "false": ("no", "n", "0", "false", "f", "否", "未解决"),
}
SATISFACTION_VALUES = {
    "satisfied": ("满意", "非常满意", "satisfied", "5", "5.0"),
    "basic": ("基本满意", "basic", "basically satisfied", "4", "4.0"),
    "dissatisfied": ("不满意", "dissatisfied", "1", "2", "3", "1.0", "2.0", "3.0"),
}
REQUEST_TYPE_VALUES = {
    "complaint": ("complaint", "投诉", "投诉类"),
    "request": ("request", "求助", "求助类", "诉求", "help"),
    "consultation": ("consultation", "咨询", "咨询类", "政策咨询", "inquiry", "enquiry"),
    "suggestion": ("suggestion", "建议", "建议类", "意见建议"),
    "report": ("report", "举报", "举报类"),
    "praise": ("praise", "表扬", "表扬类", "感谢", "表扬感谢", "compliment"),
}
SELF_HANDLED_VALUES = {
    "true": (
        *("yes", "y", "1", "true", "t", "是"),
        *("自行处置", "自处置", "自行处理", "就地解决", "就地处置", "现场处置", "自办结"),
    ),
    "false": (
        *("no", "n", "0", "false", "f", "否"),
        *("派遣处置", "派遣", "派单", "转办", "部门处置", "非自行处置"),
    ),
}

VOCABULARIES = {
    "source": SOURCE_VALUES,
    "urgency": URGENCY_VALUES,
    "status": STATUS_VALUES,
    "solved": SOLVED_VALUES,
    "satisfaction": SATISFACTION_VALUES,
    "request_type": REQUEST_TYPE_VALUES,
    "self_handled": SELF_HANDLED_VALUES,
}


def is_personal(header: str) -> bool:
    """True when a header names personal data (reporter name, phone, ID number, address)."""
    text = header.strip().lower().replace(" ", "_")
    return text == "name" or any(marker in text for marker in PERSONAL_MARKERS)
