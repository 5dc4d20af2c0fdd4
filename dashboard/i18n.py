"""The zh/en label table of the user interface; Chinese is the default language."""

from __future__ import annotations

import streamlit as st

LANGUAGES = {"zh": "中文", "en": "English"}

LABELS: dict[str, tuple[str, str]] = {
    "app_title": ("网格治理绩效看板", "GridPulse — grid governance performance"),
    "language": ("语言 / Language", "语言 / Language"),
    "store": ("数据库", "Store"),
    "page_data": ("数据概览", "Data overview"),
    "page_welcome": ("开始使用", "Get started"),
    "welcome_title": ("欢迎使用网格治理绩效看板", "Welcome to GridPulse"),
    "welcome_empty": (
        "数据库中还没有案件。可以先生成一个示例城市（约 2,000 个网格、三年约 60 万件案件），"
        "或者用命令行导入本市的案件数据。",
        "The store holds no cases yet. Build the sample city (about 2,000 grids and "
        "600,000 cases over three years) or load your city's case log from the command line.",
    ),
    "build_sample": ("生成示例城市", "Build the sample city"),
    "building": ("正在生成示例城市…", "Building the sample city…"),
    "generating": ("生成案件", "Generating cases"),
    "loading": ("导入数据库", "Loading into the store"),
    "built": ("示例城市已导入：{cases:,} 件案件。", "Sample city loaded: {cases:,} cases."),
    "cli_hint": ("命令行导入：", "Load from the command line:"),
    "cases": ("案件数", "Cases"),
    "ratings": ("部门评价", "Department ratings"),
    "grids": ("网格数", "Grids"),
    "rejected": ("隔离行", "Quarantined rows"),
    "flagged": ("数据质量提示", "Data-quality flags"),
    "span": ("时间范围", "Time span"),
    "by_month": ("按月受理量", "Cases by month"),
    "by_district": ("按区受理量", "Cases by district"),
    "by_category": ("按大类受理量", "Cases by category"),
    "by_source": ("按来源受理量", "Cases by source"),
    "by_status": ("按状态", "Cases by status"),
    "month": ("月份", "Month"),
    "district": ("区", "District"),
    "category": ("大类", "Category"),
    "source": ("来源", "Source"),
    "status": ("状态", "Status"),
    "rejected_title": ("被隔离的行及原因", "Quarantined rows and their reasons"),
    "no_rejected": ("没有被隔离的行。", "No rows were quarantined."),
    "quality_title": ("数据质量提示", "Data-quality flags"),
    "no_quality": ("没有数据质量提示。", "No data-quality flags."),
    "loads_title": ("最近导入记录", "Recent loads"),
    "kind": ("类型", "Kind"),
    "reason": ("原因", "Reason"),
    "rows": ("行数", "Rows"),
    "flag": ("提示", "Flag"),
    "file": ("文件", "File"),
    "finished_at": ("完成时间 (UTC)", "Finished (UTC)"),
    "read": ("读取", "Read"),
    "inserted": ("新增", "Inserted"),
    "updated": ("更新", "Updated"),
    "unchanged": ("未变", "Unchanged"),
    "store_error": (
        "无法读取数据库：{error}。请检查数据库地址（GRIDPULSE_DB）后刷新页面。",
        "The store cannot be read: {error}. Check the store address (GRIDPULSE_DB) and reload.",
    ),
    "build_error": ("示例城市生成失败：{error}", "Building the sample city failed: {error}"),
    "unknown": ("未知", "unknown"),
}

VALUE_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "source": {
        "patrol": ("网格员巡查", "Grid patrol"),
        "hotline": ("12345热线", "12345 hotline"),
        "app": ("随手拍/小程序", "App"),
        "video": ("视频智能发现", "Video detection"),
        "whistle": ("吹哨报到", "Whistle call"),
        "other": ("其他", "Other"),
    },
    "status": {
        "open": ("待处理", "Open"),
        "dispatched": ("已派遣", "Dispatched"),
        "resolved": ("已处置", "Resolved"),
        "closed": ("已结案", "Closed"),
        "cancelled": ("作废", "Cancelled"),
    },
    "kind": {
        "cases": ("案件", "Cases"),
        "ratings": ("部门评价", "Ratings"),
        "grids": ("网格", "Grids"),
    },
    "reason": {
        "missing case_id": ("缺少案件编号", "missing case_id"),
        "missing reported_at": ("缺少上报时间", "missing reported_at"),
        "unparseable reported_at": ("上报时间无法识别", "unparseable reported_at"),
        "missing category": ("缺少大类", "missing category"),
        "missing location": ("缺少位置（网格或区）", "missing location"),
        "malformed row": ("行格式错误", "malformed row"),
        "missing department": ("缺少部门", "missing department"),
        "missing score": ("缺少评分", "missing score"),
        "invalid score": ("评分无效", "invalid score"),
        "missing grid_id": ("缺少网格编号", "missing grid_id"),
        "invalid households": ("户数无效", "invalid households"),
    },
}


def lang() -> str:
    """The language chosen in the sidebar ('zh' by default)."""
    return st.session_state.get("lang", "zh")


def t(key: str, **values) -> str:
    """The label ``key`` in the current language, formatted with ``values``."""
    zh, en = LABELS[key]
    text = zh if lang() == "zh" else en
    return text.format(**values) if values else text


def value_label(column: str, value) -> str:
    """A coded value (e.g. source 'hotline') as the user reads it."""
    if value is None or value == "":
        return t("unknown")
    pair = VALUE_LABELS.get(column, {}).get(str(value))
    if pair is None:
        return str(value)
    return pair[0] if lang() == "zh" else pair[1]


COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "reported_at": ("上报时间", "reported"),
    "accepted_at": ("立案时间", "registered"),
    "dispatched_at": ("派遣时间", "dispatched"),
    "responded_at": ("响应时间", "responded"),
    "resolved_at": ("处置完成时间", "resolved"),
    "closed_at": ("结案时间", "closed"),
    "deadline": ("处置时限", "deadline"),
    "source": ("来源", "source"),
    "urgency": ("紧急程度", "urgency"),
    "status": ("状态", "status"),
    "solved": ("是否解决", "solved"),
    "satisfaction": ("满意度", "satisfaction"),
    "reopened": ("返工次数", "rework count"),
    "reassigned": ("退单次数", "push-back count"),
    "lat": ("纬度", "latitude"),
    "lon": ("经度", "longitude"),
}


def column_label(column: str) -> str:
    """A canonical column name as the user reads it."""
    pair = COLUMN_LABELS.get(column)
    if pair is None:
        return column
    return pair[0] if lang() == "zh" else pair[1]


def flag_label(flag: str) -> str:
    """A data-quality flag (``bad_value:x``, ``unknown_value:x``, ``a_before_b``) in words."""
    zh = lang() == "zh"
    kind, _, column = flag.partition(":")
    if kind == "bad_value":
        return (
            f"{column_label(column)}无法识别（已置空）"
            if zh
            else f"{column_label(column)} unreadable (left empty)"
        )
    if kind == "unknown_value":
        return f"{column_label(column)}取值未知" if zh else f"unknown {column_label(column)} value"
    if "_before_" in flag:
        later, earlier = flag.split("_before_", 1)
        if zh:
            return f"{column_label(later)}早于{column_label(earlier)}"
        return f"{column_label(later)} before {column_label(earlier)}"
    return flag
