"""The bulletin's own words in Chinese and English (KPI and column names come from metrics.labels)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "city": ("全市", "City"),
    "bulletin": ("考核通报", "assessment bulletin"),
    "statement": ("年度晒单", "annual statement"),
    "published": ("已发布（第 {id} 号发布）", "Published (publication no. {id})"),
    "preliminary": ("未发布（初步结果，以正式发布为准）", "Not published (preliminary figures)"),
    "status": ("状态", "Status"),
    "scope": ("范围", "Scope"),
    "level": ("考核对象", "Units assessed"),
    "published_at": ("发布时间", "Published at"),
    "published_by": ("发布人", "Published by"),
    "generated_at": ("生成时间", "Generated at"),
    "s_summary": ("总体情况", "Overview"),
    "s_ranking": ("考核排名", "Ranking"),
    "s_lists": ("红榜与黑榜", "Red and black lists"),
    "s_overdue": ("超期与督办", "Overdue cases and supervision"),
    "s_cooperation": ("部门协同", "Department cooperation"),
    "s_categories": ("类别变化", "Categories"),
    "s_statement": ("部门晒单", "Departments in figures"),
    "s_statement_year": ("部门年度晒单", "Departments' year in figures"),
    "s_appeals": ("申诉", "Appeals"),
    "s_notes": ("说明", "Notes"),
    "t_headline": ("主要指标", "Headline KPIs"),
    "t_ranking": ("考核排名表", "Ranking table"),
    "t_red": ("红榜（前 {n} 名）", "Red list (best {n})"),
    "t_black": ("黑榜（后 {n} 名）", "Black list (worst {n})"),
    "t_risers": ("排名上升最多", "Biggest risers"),
    "t_fallers": ("排名下降最多", "Biggest fallers"),
    "t_overdue_department": ("各部门超期与督办", "Overdue and supervision by department"),
    "t_overdue_street": ("各街道超期与督办", "Overdue and supervision by street"),
    "t_cooperation": ("部门协同与评价", "Department cooperation and ratings"),
    "t_categories": ("增长最快的类别", "Fastest-rising categories"),
    "t_statement": ("部门晒单", "Departments in figures"),
    "t_appeals": ("生效的申诉", "Appeals in force"),
    "c_trend": ("近 {n} 个月受理量与按期结案率", "Cases and on-time rate, last {n} months"),
    "c_ranking": ("综合得分", "Composite score"),
    "c_ranking_cut": ("综合得分（前 {n} 名与后 {n} 名）", "Composite score (best and worst {n})"),
    "c_overdue": ("各部门当前超期未结", "Overdue open cases by department"),
    "kpi": ("指标", "KPI"),
    "now": ("本期", "This period"),
    "previous": ("上期", "Previous period"),
    "mom": ("环比", "vs previous"),
    "year_ago": ("去年同期", "A year earlier"),
    "yoy": ("同比", "vs a year earlier"),
    "target": ("达标线", "Target"),
    "attainment": ("达标情况", "Target met"),
    "unit": ("单位", "Unit"),
    "current": ("本期受理量", "Cases this period"),
    "before": ("上期受理量", "Cases previous period"),
    "change": ("增量", "Change"),
    "change_pct": ("增幅", "Change %"),
    "orders": ("督办单", "Supervision orders"),
    "orders_open": ("督办未办结", "Orders open"),
    "orders_late": ("督办逾期", "Orders late"),
    "kind": ("申诉类型", "Kind"),
    "kind_exclude": ("核减（不计入考核）", "Excluded from KPIs"),
    "kind_extend": ("延期", "Deadline extended"),
    "until": ("延期至", "Extended until"),
    "reason": ("理由", "Reason"),
    "decided_by": ("决定人", "Decided by"),
    "decided_at": ("决定时间", "Decided at"),
    "small": ("样本不足", "too few cases"),
    "none": ("无", "None"),
    "no_rows": ("本期无相关数据。", "Nothing to show for this period."),
    "no_appeals": ("本期无生效的申诉。", "No appeal is in force for this period."),
    "no_orders": ("尚未下发督办单。", "No supervision order has been issued."),
    "no_changes": (
        "没有可比较的上期排名，本期不列升降。",
        "There is no earlier ranking to compare with, so no risers or fallers are listed.",
    ),
    "one_unit": (
        "本层级在所选范围内只有一个单位，排名没有比较意义。",
        "There is only one unit at this level in the scope, so the ranking compares nothing.",
    ),
    "cut": (
        "共 {n} 个单位，此处列前 {k} 名与后 {k} 名；完整排名见考核结果导出（assess --out 文件.xlsx）。",
        "{n} units: the first and last {k} are listed; every row is in the assessment export "
        "(assess --out FILE.xlsx).",
    ),
    "small_note": (
        "受理量少于 {n} 件的单位标为样本不足，不排名、不评等级，也不进入红黑榜。",
        "Units with fewer than {n} cases are marked as too few cases: no rank, no grade, "
        "and on neither list.",
    ),
    "overdue_note": (
        "超期与督办按截至数据截至时刻的全部在办案件统计，不限于本期上报。",
        "Overdue counts cover every case open at the data-as-of moment, whatever its report date.",
    ),
    "statement_line": (
        "{unit}：{period} 期间主责受理 {cases} 件，接收吹哨 {whistle} 件，平均响应 {resp}，"
        "平均处置 {handling}，结案率 {closure}，评价均分 {rating}。",
        "{unit}: in {period}, {cases} cases as primary department, {whistle} whistle "
        "calls, mean response {resp}, mean handling {handling}, closure {closure}, "
        "mean rating {rating}.",
    ),
    "late_total": (
        "截至{as_of}，在办案件中超期未结 {n} 件",
        "At {as_of}, {n} open cases are overdue",
    ),
    "late_worst": ("，其中{unit}最多（{n} 件）", ", most of them with {unit} ({n})"),
    "late_orders": ("；督办单逾期 {n} 件", "; {n} supervision orders are late"),
    "stop": ("。", "."),
    "font_warning": (
        "未找到中文字体（Noto Sans CJK），图表与 PDF 中的中文可能无法显示；请安装 fonts-noto-cjk。",
        "No CJK font (Noto Sans CJK) was found, so Chinese text in the charts and the PDF "
        "may not show; install fonts-noto-cjk.",
    ),
}


def word(key: str, lang: str = "zh", **values: object) -> str:
    """The bulletin phrase ``key`` in zh or en, with ``values`` filled in."""
    text = WORDS[key][0 if lang == "zh" else 1]
    return text.format(**values) if values else text
