"""User-facing zh/en labels of KPIs and of every other column a metrics table carries."""

from __future__ import annotations

from metrics.registry import KPIS

_BY_ID = {k.id: k for k in KPIS}

# Labels of every other column a table may carry (keys, extras, intervals, supervision).
COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "district": ("区", "District"),
    "street": ("街道(乡镇)", "Street (town)"),
    "community": ("社区(村)", "Community (village)"),
    "grid_id": ("网格", "Grid"),
    "department": ("部门", "Department"),
    "category": ("大类", "Category"),
    "subcategory": ("小类", "Subcategory"),
    "source": ("来源", "Source"),
    "urgency": ("紧急程度", "Urgency"),
    "case_id": ("案件编号", "Case number"),
    "reported_at": ("上报时间", "Reported at"),
    "deadline": ("处置时限", "Handling deadline"),
    "hours_overdue": ("超期时长(小时)", "Hours overdue"),
    "hours_left": ("剩余时长(小时)", "Hours left"),
    "rank_change": ("排名变化", "Rank change"),
    "households": ("户数", "Households"),
    "rating_count": ("评价数", "Ratings"),
    "rating_reliable": ("评价数足够", "Enough ratings"),
    "period": ("考核周期", "Period"),
    "as_of": ("截止时间", "As of"),
    "rule_set": ("规则集", "Rule set"),
    "rule_set_hash": ("规则集哈希", "Rule set hash"),
    "assist_cases": ("协办案件数", "Cases assisted"),
    "whistle_cases": ("吹哨案件数", "Whistle cases"),
    "whistle_response_rate": ("吹哨30分钟响应率", "Whistle response rate (30 min)"),
    "open_cases": ("在办案件", "Open cases"),
    "overdue": ("超期未结", "Overdue open cases"),
    "due_soon": ("即将到期", "Due within 24 h"),
    "max_hours_overdue": ("最长超期(小时)", "Longest overdue (hours)"),
    "bucket": ("案龄", "Age"),
    "n": ("样本量", "Cases counted"),
    "rate": ("比率", "Rate"),
    "target": ("全市水平", "City rate"),
    "signal": ("显著差异(95%)", "Significant (95%)"),
    "signal_998": ("显著差异(99.8%)", "Significant (99.8%)"),
    "resolved": ("已处置", "Resolved"),
    "censored": ("未处置(删失)", "Unresolved (censored)"),
    "km_median_handling_h": ("处置时长(生存估计)", "Handling time (Kaplan–Meier)"),
    "best_rank": ("最好排名", "Best rank"),
    "worst_rank": ("最差排名", "Worst rank"),
    "rank_spread": ("排名波动", "Rank spread"),
    "reason": ("排除原因", "Reason excluded"),
    "ds": ("日期", "Date"),
    "dispatched_at": ("派遣时间", "Dispatched at"),
    "responded_at": ("响应时间", "Responded at"),
    "resolved_at": ("处置完成时间", "Resolved at"),
    "closed_at": ("结案时间", "Closed at"),
    "status": ("状态", "Status"),
}


def label(column: str, lang: str = "zh") -> str:
    """The user-facing label of a KPI id or table column in Chinese (zh) or English (en)."""
    if column in _BY_ID:
        k = _BY_ID[column]
        return k.label_zh if lang == "zh" else k.label_en
    if column in COLUMN_LABELS:
        zh, en = COLUMN_LABELS[column]
        return zh if lang == "zh" else en
    for suffix, (zh, en) in _SUFFIXES.items():
        if column.endswith(suffix) and column.removesuffix(suffix) in _BY_ID:
            base = label(column.removesuffix(suffix), lang)
            return f"{base}{zh}" if lang == "zh" else f"{base} {en}"
    return column


_SUFFIXES = {
    "_num": ("分子", "numerator"),
    "_den": ("分母", "denominator"),
    "_lo": ("下限", "lower bound"),
    "_hi": ("上限", "upper bound"),
}


# Labels of the coded values metrics tables carry (sources, urgencies, statuses, buckets…).
VALUE_LABELS: dict[str, tuple[str, str]] = {
    "patrol": ("网格员巡查", "Grid-worker patrol"),
    "hotline": ("12345热线", "12345 hotline"),
    "app": ("随手拍/小程序", "App"),
    "video": ("视频智能发现", "Video detection"),
    "whistle": ("吹哨报到", "Whistle call"),
    "other": ("其他", "Other"),
    "emergency": ("紧急", "Emergency"),
    "utility": ("水电气热", "Utilities"),
    "general": ("一般", "General"),
    "complex": ("复杂", "Complex"),
    "open": ("待处理", "Open"),
    "dispatched": ("已派遣", "Dispatched"),
    "resolved": ("已处置", "Resolved"),
    "closed": ("已结案", "Closed"),
    "cancelled": ("作废", "Cancelled"),
    "satisfied": ("满意", "Satisfied"),
    "basic": ("基本满意", "Basically satisfied"),
    "dissatisfied": ("不满意", "Dissatisfied"),
    "better": ("显著较好", "Significantly better"),
    "worse": ("显著较差", "Significantly worse"),
    "0-1d": ("1天内", "Under 1 day"),
    "1-3d": ("1–3天", "1–3 days"),
    "3-7d": ("3–7天", "3–7 days"),
    "7-15d": ("7–15天", "7–15 days"),
    "15-30d": ("15–30天", "15–30 days"),
    "30d+": ("30天以上", "30 days or more"),
}


def value_label(value: str, lang: str = "zh") -> str:
    """The zh/en label of a coded value (source, urgency, status, satisfaction, age bucket,
    funnel signal); other values are returned unchanged."""
    if value in VALUE_LABELS:
        zh, en = VALUE_LABELS[value]
        return zh if lang == "zh" else en
    return value
