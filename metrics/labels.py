"""The one zh/en label table: KPI names (from the registry), other columns, levels and values."""

from __future__ import annotations

from typing import NamedTuple

from metrics.registry import KPIS, LEVELS, measure


class Column(NamedTuple):
    """A non-KPI column's names, the unit its numbers are in (None: not a number) and decimals."""

    zh: str
    en: str
    unit: str | None = None
    decimals: int = 0


_BY_ID = {k.id: k for k in KPIS}

# Every other column a table, export or page may carry (keys, extras, intervals, supervision,
# the case log's own columns). KPI names live in the registry and are never repeated here.
COLUMNS: dict[str, Column] = {
    "district": Column("区", "District"),
    "street": Column("街道(乡镇)", "Street (town)"),
    "community": Column("社区(村)", "Community (village)"),
    "grid_id": Column("网格", "Grid"),
    "department": Column("部门", "Department"),
    "category": Column("大类", "Category"),
    "subcategory": Column("小类", "Subcategory"),
    "source": Column("来源", "Source"),
    "urgency": Column("紧急程度", "Urgency"),
    "request_type": Column("诉求类型", "Request type"),
    "status": Column("状态", "Status"),
    "solved": Column("是否解决", "Solved"),
    "satisfaction": Column("满意度", "Satisfaction"),
    "reopened": Column("返工次数", "Rework count", "count"),
    "reassigned": Column("退单次数", "Push-back count", "count"),
    "lat": Column("纬度", "Latitude"),
    "lon": Column("经度", "Longitude"),
    "case_id": Column("案件编号", "Case number"),
    "reported_at": Column("上报时间", "Reported at"),
    "accepted_at": Column("立案时间", "Registered at"),
    "dispatched_at": Column("派遣时间", "Dispatched at"),
    "responded_at": Column("响应时间", "Responded at"),
    "resolved_at": Column("处置完成时间", "Resolved at"),
    "closed_at": Column("结案时间", "Closed at"),
    "deadline": Column("处置时限", "Handling deadline"),
    "extended_deadline": Column("延期后处置时限", "Extended deadline"),
    "suspended_at": Column("缓办时间", "Suspended at"),
    "resumed_at": Column("恢复办理时间", "Resumed at"),
    "self_handled": Column("自行处置", "Self-handled"),
    "hours_overdue": Column("超期时长", "Time overdue", "hours", 1),
    "hours_left": Column("剩余时长", "Time left", "hours", 1),
    "rank_change": Column("排名变化", "Rank change", "rank_change"),
    "small_sample": Column("样本不足", "Too few cases"),
    "households": Column("户数", "Households", "count"),
    "rating_count": Column("评价数", "Ratings", "count"),
    "rating_reliable": Column("评价数足够", "Enough ratings"),
    "period": Column("考核周期", "Period"),
    "as_of": Column("数据截至", "Data as of"),
    "data_loaded_at": Column("数据导入时间", "Data loaded at"),
    "as_known_at": Column("数据版本（截至该时刻已导入）", "Data as known at"),
    "rule_set": Column("规则集", "Rule set"),
    "rule_set_hash": Column("规则集哈希", "Rule set hash"),
    "calendar_note": Column("工作日历说明", "Working-day calendar note"),
    "assist_cases": Column("协办案件数", "Cases assisted", "cases"),
    "whistle_cases": Column("吹哨案件数", "Whistle cases", "cases"),
    "whistle_response_rate": Column(
        "吹哨30分钟响应率", "Whistle response rate (30 min)", "fraction", 1
    ),
    # all open cases now, whatever their report date (metrics.supervision), not a period's
    "open_cases": Column("在办案件", "Open cases", "cases"),
    "overdue": Column("当前超期未结（全部在办）", "Overdue now (all open cases)", "cases"),
    "due_soon": Column("即将到期", "Due within 24 h", "cases"),
    "max_hours_overdue": Column("最长超期", "Longest overdue", "hours", 1),
    "bucket": Column("案龄", "Age"),
    "n": Column("样本量", "Cases counted", "cases"),
    "rate": Column("比率", "Rate", "fraction", 1),
    "target": Column("全市水平", "City rate", "fraction", 1),
    "lo95": Column("95%控制下限", "95% lower limit", "fraction", 1),
    "hi95": Column("95%控制上限", "95% upper limit", "fraction", 1),
    "lo998": Column("99.8%控制下限", "99.8% lower limit", "fraction", 1),
    "hi998": Column("99.8%控制上限", "99.8% upper limit", "fraction", 1),
    "signal": Column("显著差异(95%)", "Significant (95%)"),
    "signal_998": Column("显著差异(99.8%)", "Significant (99.8%)"),
    "resolved": Column("已处置", "Resolved", "cases"),
    "censored": Column("未处置(删失)", "Unresolved (censored)", "cases"),
    "km_median_handling_h": Column(
        "处置时长(生存估计)", "Handling time (Kaplan–Meier)", "hours", 1
    ),
    "best_rank": Column("最好排名", "Best rank", "rank"),
    "worst_rank": Column("最差排名", "Worst rank", "rank"),
    "rank_spread": Column("排名波动", "Rank spread", "rank"),
    "reason": Column("排除原因", "Reason excluded"),
    "ds": Column("日期", "Date"),
    # a big rank move's why (metrics.movers)
    "volume_change": Column("受理量变化", "Change in cases received", "fraction", 1),
    "moved_kpi": Column("变动最大的考核项", "Part of the score that moved most"),
    "points_change": Column("该项得分变化", "Its change in points", "score_change", 1),
    "move_note": Column("排名大幅变动原因", "Why the rank moved"),
}

# Suffixed columns of a KPI (kpi_table, with_intervals): names built from the KPI's name.
_SUFFIXES = {
    "_num": ("分子", "numerator"),
    "_den": ("分母", "denominator"),
    "_lo": ("下限", "lower bound"),
    "_hi": ("上限", "upper bound"),
    "_vs_target": ("达标情况", "vs target"),  # metrics.targets: met or missed, by how much
}

LEVEL_LABELS: dict[str, tuple[str, str]] = {
    "city": ("全市", "City"),
    **{lv: COLUMNS[keys[-1]][:2] for lv, keys in LEVELS.items() if keys},
}

# Coded values by the column that holds them: the one table pages, exports and reports use.
VALUES: dict[str, dict[str, tuple[str, str]]] = {
    "source": {
        "patrol": ("网格员巡查", "Grid-worker patrol"),
        "hotline": ("12345热线", "12345 hotline"),
        "app": ("随手拍/小程序", "App"),
        "video": ("视频智能发现", "Video detection"),
        "whistle": ("吹哨报到", "Whistle call"),
        "other": ("其他", "Other"),
    },
    "urgency": {
        "emergency": ("紧急", "Emergency"),
        "utility": ("水电气热", "Utilities"),
        "general": ("一般", "General"),
        "complex": ("复杂", "Complex"),
    },
    "status": {
        "open": ("待处理", "Open"),
        "dispatched": ("已派遣", "Dispatched"),
        "resolved": ("已处置", "Resolved"),
        "closed": ("已结案", "Closed"),
        "cancelled": ("作废", "Cancelled"),
    },
    "request_type": {
        "complaint": ("投诉", "Complaint"),
        "request": ("求助", "Request"),
        "consultation": ("咨询", "Consultation"),
        "suggestion": ("建议", "Suggestion"),
        "report": ("举报", "Report"),
        "praise": ("表扬", "Praise"),
    },
    "satisfaction": {
        "satisfied": ("满意", "Satisfied"),
        "basic": ("基本满意", "Basically satisfied"),
        "dissatisfied": ("不满意", "Dissatisfied"),
    },
    "signal": {
        "better": ("显著较好", "Significantly better"),
        "worse": ("显著较差", "Significantly worse"),
    },
    "bucket": {
        "0-1d": ("1 天内", "Under 1 day"),
        "1-3d": ("1–3 天", "1–3 days"),
        "3-7d": ("3–7 天", "3–7 days"),
        "7-15d": ("7–15 天", "7–15 days"),
        "15-30d": ("15–30 天", "15–30 days"),
        "30d+": ("30 天以上", "30 days or more"),
    },
    "level": LEVEL_LABELS,
}
VALUES["signal_998"] = VALUES["signal"]


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh" else pair[1]


def label(column: str, lang: str = "zh") -> str:
    """The user-facing name of a KPI id or table column in Chinese (zh) or English (en);
    an unknown column is returned unchanged."""
    if column in _BY_ID:
        k = _BY_ID[column]
        return k.label_zh if lang == "zh" else k.label_en
    if column in COLUMNS:
        return _pick(COLUMNS[column][:2], lang)
    for suffix, pair in _SUFFIXES.items():
        if column.endswith(suffix) and column.removesuffix(suffix) in _BY_ID:
            base = label(column.removesuffix(suffix), lang)
            return f"{base}{pair[0]}" if lang == "zh" else f"{base} {pair[1]}"
    return column


def unit_of(column: str) -> tuple[str | None, int]:
    """The unit a KPI's or column's numbers are in and their decimals; (None, 0) for text,
    dates and unknown columns."""
    if column in _BY_ID:
        k = _BY_ID[column]
        return k.unit, k.decimals or 0
    if column in COLUMNS:
        return COLUMNS[column].unit, COLUMNS[column].decimals
    base, _, suffix = column.rpartition("_")
    if base in _BY_ID and f"_{suffix}" in _SUFFIXES:
        k = _BY_ID[base]
        if suffix in ("lo", "hi"):
            return k.unit, k.decimals or 0
        name = k.numerator if suffix == "num" else k.denominator
        return "count", measure(name).decimals if name else 0
    if column.startswith("rank@"):  # rank under other weights (metrics.fairness)
        return "rank", 0
    return None, 0


def value_label(column: str, value: object, lang: str = "zh") -> str:
    """A coded value of ``column`` (source, urgency, status, request_type, satisfaction,
    signal, bucket, level) in zh or en; other values as they are."""
    pair = VALUES.get(column, {}).get(str(value))
    return str(value) if pair is None else _pick(pair, lang)


def level_label(level: str, lang: str = "zh") -> str:
    """A unit level (city, district, …, grid, department, category, source) in zh or en."""
    return _pick(LEVEL_LABELS[level], lang)


def label_issues() -> list[str]:
    """Every problem of the label table as a sentence: a name missing, or one name (zh or
    en) given to two different KPIs or columns."""
    issues = [f"Column {c} lacks a name." for c, col in COLUMNS.items() if not (col.zh and col.en)]
    issues += [f"KPI {c} is also named as a column." for c in COLUMNS if c in _BY_ID]
    for lang in ("zh", "en"):
        seen: dict[str, str] = {}
        for cid in (*_BY_ID, *COLUMNS):
            name = label(cid, lang)
            if name in seen:
                issues.append(f"{seen[name]} and {cid} are both named {name!r}.")
            seen[name] = cid
    return issues


_LABEL_ISSUES = label_issues()
if _LABEL_ISSUES:  # like the registry: a broken label table fails at import, not on a page
    raise RuntimeError("The label table is inconsistent: " + " ".join(_LABEL_ISSUES))
