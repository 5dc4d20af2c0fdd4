"""UI strings of the leader's polish (#18 D): small samples, rank moves, trends top N, surges, map, terms."""

from __future__ import annotations

WORDING: dict[str, tuple[str, str]] = {
    "no_rows": ("没有符合条件的记录。", "Nothing matches."),
    "choose": ("请选择", "Choose"),
    "uploader_button": ("选择文件", "Browse files"),
    "uploader_limit": ("每个文件不超过 {mb} MB", "{mb} MB per file"),
    # 红黑榜: small samples and big rank moves
    "small_left_out": (
        "{n} 个单位本期案件少于 {min} 件（样本不足），不排名、不上红黑榜：{names}。",
        "{n} units had fewer than {min} cases this period (too few to judge): no rank, "
        "not on the lists: {names}.",
    ),
    "moves_caption": (
        "排名变动超过 {n} 位的单位标出原因：受理量的变化，以及得分变动最大的考核项。",
        "Units whose rank moved more than {n} places are marked with why: the change in "
        "cases received and the part of the score that moved most.",
    ),
    "moves_title": ("排名大幅变动（超过 {n} 位）", "Big rank moves (more than {n} places)"),
    "move_up": ("上升 {n} 位", "up {n}"),
    "move_down": ("下降 {n} 位", "down {n}"),
    "move_volume": ("受理量 {change}", "cases {change}"),
    "move_volume_new": ("上期无案件", "no cases before"),
    "move_part": ("{kpi}得分 {points}", "{kpi} {points} points"),
    "move_note": ("{move}：{why}", "{move}: {why}"),
    "move_joiner": ("；", "; "),
    "no_big_moves": ("没有排名变动超过 {n} 位的单位。", "No rank moved more than {n} places."),
    # 趋势分析: top N
    "top_n": ("显示单位数", "Units shown"),
    "top_n_all": ("全部", "All"),
    "top_n_note": (
        "按图中各期{kpi}合计显示前 {shown} 个{level}（共 {total} 个）；要看全部，请在"
        "“显示单位数”中选“全部”。",
        "Showing the top {shown} of {total} {level} units by {kpi} summed over the chart; "
        "choose “All” under “Units shown” for the rest.",
    ),
    # surge table
    "surge_unit": ("单位", "Unit"),
    "surge_observed": ("近 {days} 天实际", "Observed, last {days} days"),
    "surge_expected": ("预期", "Expected"),
    "surge_ratio": ("实际/预期", "Observed ÷ expected"),
    "surge_since": ("起始日期", "Since"),
    "surge_cases": ("查看案件", "Cases"),
    "surge_all_categories": ("全部大类", "All categories"),
    "surge_city": ("全市", "City"),
    "surge_caption": (
        "实际数超过按前 8 周同星期均值推算的预期区间上限（{pct:g}%）即为激增；“实际/预期”为"
        "实际数是预期的几倍。点“查看案件”打开该单位的考核页。",
        "A surge is an observed count above the upper end of the {pct:g}% interval expected "
        "from the same weekdays of the 8 weeks before; “observed ÷ expected” says how many "
        "times the expected count it is. “Cases” opens the unit's assessment.",
    ),
    # 网格地图
    "map_volume_unit": ("件/千户", "cases per 1,000 households"),
    "map_cases_unit": ("件", "cases"),
    "map_overdue_unit": ("件", "cases"),
    "map_forecast_unit": ("件", "cases"),
    "map_alerts_unit": ("条", "alerts"),
    "map_outline_note": (
        "粗线为区界，细线为街道界，均由网格边界合并而成。",
        "Thick lines are district boundaries, thin ones street boundaries, both merged "
        "from the grids' outlines.",
    ),
    "map_legend_unit": ("{kpi}（{unit}）", "{kpi} ({unit})"),
    # one plain line beside each statistical term
    "term_km": (
        "生存估计：把尚未处置完的案件也算进来估计处置时长的中位数，不会因只看已办结案件而偏短。",
        "Survival estimate (Kaplan–Meier): the median handling time estimated with the "
        "cases still open counted too, so it is not flattered by looking at finished ones only.",
    ),
    "term_censored": (
        "删失：统计时还没处置完的案件，只知道它至少已用了多久。",
        "Censored: a case not yet resolved when counted; we only know it has taken at least "
        "that long.",
    ),
    "term_stl": (
        "季节分解（STL）：把每日受理量拆成长期走势、每周规律和其余波动三部分。",
        "Seasonal decomposition (STL): daily cases split into the long-run trend, the weekly "
        "pattern and what is left.",
    ),
    "term_mase": (
        "MASE：预测误差除以“用上周同一天作预测”在训练数据上的平均误差；小于 1 表示比这种"
        "朴素做法在训练数据上的误差小。它不是与朴素预测在同一检验期的比较，所以朴素预测本身"
        "的得分也不一定是 1。",
        "MASE: the forecast's error divided by the mean error of “same day last week” on the "
        "training data; below 1 beats that naive rule's in-sample error. It is not a contest "
        "with the naive forecast on the same test days, so the naive itself need not score 1.",
    ),
    "term_wilson": (
        "威尔逊区间：按案件数算出的比率可信范围，案件少的单位范围宽，不宜据此排先后。",
        "Wilson interval: the range a rate is plausibly in given its number of cases; wide "
        "for units with few cases, which should not be ranked on it.",
    ),
    "term_funnel": (
        "漏斗图控制限：按全市水平和案件数画出的正常波动范围，点落在范围外才是显著偏离。",
        "Funnel limits: the range of ordinary variation around the city's rate for a unit "
        "of that many cases; only points outside it differ significantly.",
    ),
}

# Labels of the forecasting page said for what they are (they replace the table's earlier ones).
WORDING |= {
    "mase": (
        "MASE（误差 ÷ 训练期“上周同日”误差）",
        "MASE (error ÷ in-sample same-day-last-week error)",
    ),
    "wape": ("加权绝对误差率（WAPE）", "WAPE (weighted absolute percentage error)"),
    "local_admin": ("本机管理员", "local administrator"),
    "anonymous_actor": ("匿名（未设账户）", "anonymous (no accounts)"),
    # the shipped example rule sets (sample_data/rules/*.toml) by what they are
    "rules_example_area-evaluation": ("数字城管区域评价", "area evaluation (数字城管)"),
    "rules_example_department-fengxian": ("奉贤式部门考核", "departments, Fengxian style"),
    "rules_example_hotline-three-rates": ("12345 三率（含最少案件数）", "12345 three rates"),
    "rules_example_working-days-2026": (
        "按工作日计时限（2026 年调休）",
        "working-day deadlines, 2026",
    ),
    "finished_at": ("完成时间（协调世界时）", "Finished (UTC)"),
}
