"""The zh/en label table of the user interface; Chinese is the default language."""

from __future__ import annotations

import streamlit as st

from metrics.labels import VALUES, label
from metrics.labels import level_label as metrics_level_label
from metrics.labels import value_label as metrics_value_label
from metrics.workdays import NOTE

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
    "warming": ("准备页面数据 · {what}", "Preparing the pages' tables · {what}"),
    "built": ("示例城市已导入：{cases:,} 件案件。", "Sample city loaded: {cases:,} cases."),
    "cli_hint": ("命令行导入：", "Load from the command line:"),
    "stored_cases": ("库中案件", "Cases stored"),
    "ratings": ("部门评价", "Department ratings"),
    "grids": ("网格数", "Grids"),
    "rejected": ("隔离行", "Quarantined rows"),
    "flagged": ("数据质量提示", "Data-quality flags"),
    "span": ("时间范围", "Time span"),
    "by_month": ("按月上报案件（含作废）", "Cases reported by month (cancelled included)"),
    "stored_with_cancelled": (
        "以上为库中全部案件，含作废 {n} 件；考核与各页面指标不计作废案件。",
        "These are all stored cases, {n} cancelled among them; the KPIs on every other page "
        "leave cancelled cases out.",
    ),
    "by_district": ("库中案件按区", "Cases stored by district"),
    "by_category": ("库中案件按大类", "Cases stored by category"),
    "by_source": ("库中案件按来源", "Cases stored by source"),
    "by_status": ("库中案件按状态", "Cases stored by status"),
    "month": ("月份", "Month"),
    "rejected_title": ("被隔离的行及原因", "Quarantined rows and their reasons"),
    "no_rejected": ("没有被隔离的行。", "No rows were quarantined."),
    "quality_title": ("数据质量提示", "Data-quality flags"),
    "no_quality": ("没有数据质量提示。", "No data-quality flags."),
    "rating_quality_title": ("部门评价的数据质量提示", "Data-quality flags of the ratings"),
    "day_precision_title": ("只精确到日的时间", "Times known to the day only"),
    "day_precision_note": (
        "这些时间只有日期、没有时刻：与同一天的时间不算矛盾，与处置时限按日期比较，"
        "不计入需要时刻的分钟/小时时长指标。",
        "These values have a date and no time of day: they never contradict a time of the "
        "same day, are compared with deadlines by date, and are left out of the minute and "
        "hour durations that need a time of day.",
    ),
    "column": ("字段", "Column"),
    "values": ("值数", "Values"),
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
    "store_busy": ("数据正在更新，请稍后刷新。", "The data is being updated; refresh in a moment."),
    "store_busy_write": (
        "另一个导入正在进行，请一分钟后再试。",
        "The store is busy with another load; try again in a minute.",
    ),
    "store_unreachable": (
        "暂时无法连接数据库，请稍后刷新。",
        "The store cannot be reached right now; refresh in a moment.",
    ),
    "store_needs_upgrade": (
        "数据库由旧版本创建，需要先升级：请在服务器上运行 `python -m gridpulse db upgrade`，然后刷新页面。",
        "The store was made by an earlier version and needs an upgrade: run "
        "python -m gridpulse db upgrade on the server, then reload.",
    ),
    "unknown": ("未知", "unknown"),
    # shared sidebar
    "filters": ("筛选", "Filters"),
    "period_help": (
        "如 2025、2025Q1、2025-03、2025-W09 或 2025-03-01..2025-03-31",
        "e.g. 2025, 2025Q1, 2025-03, 2025-W09 or 2025-03-01..2025-03-31",
    ),
    "bad_period": (
        "周期“{text}”无法识别（可写 2025、2025Q1、2025-03、2025-W09 或 "
        "2025-03-01..2025-03-31），已改用 {period}。",
        "{error} Using {period} instead.",
    ),
    "level": ("层级", "Level"),
    "scope": ("范围", "Scope"),
    "whole_city": ("全市", "Whole city"),
    "rules": ("规则集", "Rule set"),
    "rules_default": ("内置默认规则", "Built-in default"),
    "rules_upload": ("上传规则集 (TOML)", "Upload a rule set (TOML)"),
    "rules_too_big": (
        "规则集文件超过 {kb} KB，未采用，仍使用内置默认规则。",
        "The rule-set file is larger than {kb} KB and was not used; the default rules apply.",
    ),
    "rules_error": ("规则集无效：{error} 已改用内置默认规则。", "{error} Using the default."),
    "rules_in_use": ("当前规则集：{name}（哈希 {hash}）", "Rule set in use: {name} (hash {hash})"),
    "data_as_of": ("数据截至 {as_of}{load}", "Data as of {as_of}{load}"),
    "data_version": ("数据版本", "Data version"),
    "data_version_latest": ("最新", "Latest"),
    "data_version_help": (
        "选择一次导入：各页面按该次导入完成时已知的数据计算，之后导入的案件版本不计入。",
        "Pick a load: every page computes from the data as known right after it; versions "
        "loaded later are left out.",
    ),
    "data_version_option": ("{at} 导入 {files}（{by}）", "{files} loaded at {at} by {by}"),
    "data_version_shown": (
        "按 {at} 时已知的数据计算（之后的导入不计入）",
        "Computed from the data as known at {at} (later loads left out)",
    ),
    "loaded_from": ("（{at} 导入 {file}）", " (loaded from {file} at {at})"),
    "preparing_kpis": (
        "正在按当前规则集准备指标数据（每次导入后一次；数百万件案件约需十几秒）…",
        "Preparing the KPIs for this rule set (once after each load; 10–20 s for millions of cases)…",
    ),
    # sections and pages
    "section_leaders": ("领导", "Leaders"),
    "section_assessment": ("考核", "Assessment"),
    "section_analysis": ("分析", "Analysis"),
    "section_data": ("数据", "Data"),
    "page_overview": ("城市总览", "City overview"),
    "page_assessment": ("考核排名", "Assessment"),
    "page_supervision": ("督查督办", "Supervision"),
    "page_departments": ("部门协同", "Departments"),
    "page_trends": ("趋势分析", "Trends"),
    "page_map": ("网格地图", "Grid map"),
    "page_forecasts": ("预测分析", "Forecasts"),
    "page_publications": ("考核发布", "Publications"),
    "no_data": ("所选周期和范围内没有案件。", "No cases in the chosen period and scope."),
    "loading_data": ("正在计算…", "Computing…"),
    "metrics_error": ("无法计算：{error}", "Cannot compute: {error}"),
    # overview
    "vs_previous": ("环比", "vs previous period"),
    "vs_last_year": ("同比", "vs same period last year"),
    "headline": ("{period} 核心指标", "Headline KPIs, {period}"),
    "delta_caption": (
        "箭头为环比（与上一周期 {prev} 比），下方小字为同比（与 {yoy} 比）。",
        "Arrows: change against the previous period ({prev}); small print: against {yoy}.",
    ),
    "volume_trend": ("受理量趋势（按日）", "Cases received by day"),
    "red_list": ("红榜（前五）", "Red list (best five)"),
    "black_list": ("黑榜（后五）", "Black list (worst five)"),
    "drill": ("查看 {unit} 的下级排名", "Drill into {unit}"),
    "to_assessment": ("打开考核排名", "Open the assessment"),
    "alerts_title": ("最新激增预警", "Latest surge alerts"),
    "no_run": (
        "还没有保存的预测。用命令行生成一次；激增预警可用下面的按钮检测：",
        "No forecast run has been saved yet. Make one from the command line; look for surges below:",
    ),
    "no_alerts": ("最近没有激增预警。", "No recent surge alerts."),
    "detect_alerts": ("检测最近 7 天的激增", "Look for surges in the last 7 days"),
    "detecting": ("正在检测激增…", "Looking for surges…"),
    "detected": ("发现并保存了 {n:,} 条激增预警。", "Found and saved {n:,} surge alerts."),
    "latest_run": (
        "最新预测：{level} 层级，{horizon} 天，{created}",
        "Latest run: {level}, {horizon} days, {created}",
    ),
    # assessment
    "ranked_table": ("{level}排名（{period}）", "{level} ranking ({period})"),
    "download_xlsx": ("下载 Excel", "Download Excel"),
    "download_csv": ("下载 CSV", "Download CSV"),
    # publications (考核结果发布)
    "publish_open": ("发布本期排名", "Publish this ranking"),
    "publish_heading": ("发布考核结果", "Publish the assessment"),
    "publish_intro": (
        "以下内容将被固定为一次发布，此后不再改变（之后导入的数据不影响它）：",
        "This will be frozen as a publication and never change afterwards (later loads "
        "leave it as it is):",
    ),
    "publish_level": ("考核层级", "Level"),
    "publish_scope": ("发布范围", "Scope"),
    "publish_rules": ("规则集（哈希）", "Rule set (hash)"),
    "publish_units": ("考核单位数", "Units ranked"),
    "publish_appeals": ("生效申诉", "Appeals in force"),
    "publish_title": ("标题", "Title"),
    "publish_confirm": ("确认发布", "Confirm and publish"),
    "publish_cancel": ("取消", "Cancel"),
    "publish_done": ("已发布，编号 {id}。", "Published as number {id}."),
    "publish_failed": ("未发布：{error}", "Not published: {error}"),
    "publish_empty": (
        "{period} 在 {scope} 没有案件，未发布。",
        "{period} has no case in {scope}; nothing was published.",
    ),
    "publish_twin": (
        "同一排名刚刚已发布（{when}，编号 {id}），本次未发布。",
        "The same ranking was just published ({when}, number {id}); nothing was published.",
    ),
    "publish_open_mode": (
        "未启用账户时不能在页面上发布：发布须记下发布人。请先用 `python -m gridpulse user add` "
        "建立账户，或在命令行发布（`python -m gridpulse publish …`，记为本机管理员）。",
        "Publishing from the app needs accounts, as a publication names who made it: create "
        "one with python -m gridpulse user add, or publish from the command line "
        "(python -m gridpulse publish …, recorded as the local administrator).",
    ),
    "publish_own_scope": (
        "区级账户只发布本区范围的排名：请把左侧的范围设为 {scope}。",
        "A district account publishes rankings of its own district only: set the scope on the "
        "left to {scope}.",
    ),
    "published_same": (
        "本期已于 {when} 发布（编号 {id}），当前数据与发布结果一致。",
        "This period was published on {when} (number {id}); the figures now equal it.",
    ),
    "published_differs": (
        "本期已于 {when} 发布（编号 {id}）；当前数据与发布结果不同：{ranks} 个单位排名变化，"
        "最大得分差 {diff} 分（{changed} 个单位的数据有变化）。",
        "This period was published on {when} (number {id}); the figures now differ from it: "
        "{ranks} units changed rank, the largest score difference is {diff} points ({changed} "
        "units' figures changed).",
    ),
    "pub_list": ("已发布的考核结果", "Published assessments"),
    "pub_none": ("还没有可查看的发布。", "No publication to show yet."),
    "pub_choose": ("打开发布", "Open a publication"),
    "pub_caption": (
        "编号 {id} · {level} · {period} · {scope} · 规则集 {rules}（{hash}）· 数据截至 {as_of} · "
        "{when} 由 {by} 发布",
        "Number {id} · {level} · {period} · {scope} · rule set {rules} ({hash}) · data as of "
        "{as_of} · published {when} by {by}",
    ),
    "pub_base": ("排名变化与编号 {id} 的发布相比。", "Rank change is against publication {id}."),
    "pub_no_base": (
        "没有更早周期的同类发布，排名变化为空。",
        "No publication of an earlier period of this kind: rank change is empty.",
    ),
    "pub_no_appeals": ("发布时没有生效的申诉。", "No appeal was in force."),
    "pub_id": ("编号", "Number"),
    "pub_when": ("发布时间", "Published at"),
    "pub_by": ("发布人", "Published by"),
    "funnel_title": ("漏斗图：比率与样本量", "Funnel plot: rate against volume"),
    "funnel_kpi": ("比率指标", "Rate KPI"),
    "limit95": ("95% 控制限", "95% limits"),
    "limit998": ("99.8% 控制限", "99.8% limits"),
    "units": ("单位", "Units"),
    "stability_title": ("不同权重下的排名稳定性", "Rank stability under other weights"),
    "explain_title": (
        "指标溯源：分子、分母与排除的案件",
        "Explain a figure: numerator, denominator, exclusions",
    ),
    "unit": ("单位", "Unit"),
    "kpi": ("指标", "KPI"),
    "part": ("案件范围", "Cases"),
    "numerator": ("分子", "Numerator"),
    "denominator": ("分母", "Denominator"),
    "excluded": ("排除", "Excluded"),
    "explain_ratio": (
        "{kpi} {value} = {num} / {den}；排除 {exc} 件",
        "{kpi} {value} = {num} / {den}; {exc} cases excluded",
    ),
    "explain_satisfaction": (
        "{kpi} {value} = {points} / {den}（满意或基本满意 {num} 件，基本满意按 {weight} 计）；排除 {exc} 件",
        "{kpi} {value} = {points} / {den} ({num} satisfied or basically satisfied, the latter "
        "counted as {weight}); {exc} cases excluded",
    ),
    "explain_median": (
        "{kpi}：中位数 {value}，基于 {den} 件；排除 {exc} 件",
        "{kpi}: median {value} over {den} cases; {exc} cases excluded",
    ),
    "explain_count": ("{kpi}：{num} 件（共 {den} 件）", "{kpi}: {num} of {den} cases"),
    "first_cases": ("（前 {n} 件）", "(first {n} cases)"),
    "case_history_title": ("案件版本记录", "Case history"),
    "case_history_caption": (
        "每个版本来自一次导入；“变更的字段”与上一版本相比。",
        "Each version came with one load; the changed columns are compared with the "
        "version before.",
    ),
    "case_history_none": (
        "该案件没有在您范围内的版本。",
        "No version of this case is in your scope.",
    ),
    "first_version": ("首个版本", "first version"),
    "version": ("版本", "Version"),
    "loaded_at": ("导入时间", "Loaded at"),
    "loaded_by": ("导入人", "Loaded by"),
    "newest": ("当前版本", "Newest"),
    "changed": ("变更的字段", "Changed columns"),
    "assist_departments": ("协办部门", "Assisting departments"),
    "quality_flags": ("数据质量标记", "Data-quality flags"),
    "day_precision": ("只精确到日（位标记）", "Known to the day only (bits)"),
    # supervision
    "red_cards": ("红牌：当前超期未结（全部在办）", "Red cards: overdue now (all open cases)"),
    "yellow_cards": ("黄牌：24 小时内到期", "Yellow cards: due within 24 hours"),
    "ageing_title": ("在办案件案龄", "Open cases by age"),
    "overdue_by_department": ("各部门当前超期未结", "Overdue now by department"),
    "overdue_by_street": ("各街道当前超期未结", "Overdue now by street"),
    "overdue_now_caption": (
        "当前超期未结：此刻所有在办案件中已过处置时限的（不论何时上报）；"
        "城市总览的“超期未结”只计所选周期内上报的案件。",
        "Overdue now: every open case past its deadline at this moment, whenever reported; "
        "the overview's “Overdue open cases” counts only cases reported in the chosen period.",
    ),
    "case_count": ("件数", "Number of cases"),
    "as_of_caption": ("判定时点：{as_of}", "Judged at {as_of}"),
    # deadlines in working days of a year whose 调休 make-up days are not yet known
    "calendar_caption": (NOTE["zh"], NOTE["en"]),
    "no_cards": ("没有此类案件。", "No such cases."),
    "shown_of": ("显示前 {n:,} 件", "Showing the first {n:,}"),
    # departments
    "unreliable": (
        "灰色：评价少于 {n} 条，均分仅供参考。",
        "Grey: fewer than {n} ratings, the mean is not reliable.",
    ),
    "km_title": ("处置时长：生存估计与普通中位数", "Handling time: Kaplan–Meier and plain median"),
    # trends
    "trend_kpi": ("指标", "KPI"),
    "freq": ("粒度", "Granularity"),
    "freq_day": ("按日", "Day"),
    "freq_week": ("按周", "Week"),
    "freq_month": ("按月", "Month"),
    "split_by": ("分组", "Split by"),
    "split_none": ("不分组", "None"),
    "yoy_mom": ("同比 / 环比", "Year over year / period over period"),
    "stl_title": ("季节分解 (STL)", "Seasonal decomposition (STL)"),
    "stl_short": ("序列太短，无法做季节分解。", "The series is too short to decompose."),
    "trend": ("趋势", "Trend"),
    "seasonal": ("季节", "Seasonal"),
    "resid": ("残差", "Residual"),
    "observed": ("实际值", "Observed"),
    "rising_title": ("上升最快的大类", "Fastest-rising categories"),
    "current": ("本期", "This period"),
    "previous": ("上期", "Previous period"),
    "change": ("变化", "Change"),
    "change_pct": ("变化率", "Change %"),
    # map
    "map_measure": ("着色指标", "Colour by"),
    "map_volume_basis": (
        "{period} 上报的案件，每千户",
        "Cases reported in {period}, per 1,000 households",
    ),
    "map_cases_basis": (
        "{period} 上报的案件（不含作废）",
        "Cases reported in {period}, cancelled left out",
    ),
    "map_overdue_basis": (
        "当前超期未结的在办案件（截至库中最新数据，不限上报周期）",
        "Cases overdue and open now (as of the latest data, whenever reported)",
    ),
    "map_forecast_basis": (
        "最新一次网格级预测在预测期内的案件量合计",
        "The latest grid-level forecast run's total over its horizon",
    ),
    "map_alerts_basis": (
        "最近一次激增检测的预警数",
        "Surge alerts from the latest detection",
    ),
    "map_forecast": ("预测受理量（最新预测）", "Forecast cases (latest run)"),
    "map_alerts": ("激增预警数", "Surge alerts"),
    "map_too_many": (
        "全市共 {n:,} 个网格，一次画不完：请选择一个区（或在侧边栏缩小范围）。",
        "{n:,} grids are too many to draw at once: pick a district (or narrow the scope).",
    ),
    "tiles": ("显示在线底图（需联网）", "Show an online base map (needs internet)"),
    "no_geometry": (
        "网格表中没有多边形。导入网格时附上 grids.geojson（与 grids.csv 同名同目录）。",
        "The grids table has no polygons. Load grids with a grids.geojson next to grids.csv.",
    ),
    "no_forecast_grid": (
        "还没有网格层级的预测。用命令行生成：gridpulse forecast --level grid --horizon 28 --out f.csv",
        "No grid-level forecast yet. Make one: gridpulse forecast --level grid --horizon 28 --out f.csv",
    ),
    "pick_run": ("预测批次", "Forecast run"),
    "no_run_forecasts": (
        "还没有保存的预测。用命令行生成一次（之后在这里查看）：",
        "No forecast run has been saved yet. Make one from the command line:",
    ),
    "days_history": ("最近 {n} 天", "Last {n} days"),
    "unit_not_in_run": ("该单位不在这批预测中。", "This unit is not in the chosen run."),
    # forecasts
    "fc_level": ("预测层级", "Forecast level"),
    "fc_unit": ("单位", "Unit"),
    "history": ("历史", "History"),
    "forecast": ("预测", "Forecast"),
    "interval": ("{pct:.0f}% 区间", "{pct:.0f}% interval"),
    "scores_title": (
        "回测得分（与季节朴素基准比较）",
        "Backtest scores (against the seasonal naive)",
    ),
    "model": ("模型", "Model"),
    "tune_title": ("调参与比较", "Tune and compare"),
    "run_tuning": ("回测这组参数", "Backtest these settings"),
    "save_setting": ("保存为该单位的设置", "Save as this unit's setting"),
    "saved_setting": (
        "已保存。之后的 auto 预测会对该单位使用这组设置。",
        "Saved; later auto runs use it for this unit.",
    ),
    "tuned": ("调参后", "Tuned"),
    "baseline": ("季节朴素基准", "Seasonal naive"),
    "tuning": ("正在回测…", "Backtesting…"),
    "saved_settings": ("已保存的设置", "Saved settings"),
    # 人力测算 (dashboard/staffing.py)
    "staff_title": ("人力测算（按街道、按周）", "Staffing plan (per street and week)"),
    "staff_note": (
        "预计案件数 × 该街道 {period} 的平均处置时长（派遣到处置完成，含等待，故为工时上限）；"
        "区间由预测的 {pct:.0f}% 日区间按正态近似合成到周。",
        "Expected cases × the street's mean handling time in {period} (dispatch to "
        "resolution, waiting included, so an upper bound of the work); the interval combines "
        "the forecast's {pct:.0f}% daily intervals into weeks by a normal approximation.",
    ),
    "staff_no_streets": (
        "所选预测运行没有街道级预测：请按街道或更细的层级运行预测。",
        "The chosen forecast run has no street forecasts: run a forecast at street level or finer.",
    ),
    "staff_none": (
        "{period} 没有可用的处置时长，无法测算人力。",
        "No handling time is known for {period}, so no staffing can be planned.",
    ),
    "staff_street": ("街道", "Street"),
    "staff_week": ("周（周一）", "Week (Monday)"),
    "staff_days": ("预测天数", "Forecast days"),
    "staff_cases": ("预计案件", "Expected cases"),
    "staff_cases_lo": ("案件下限", "Cases, low"),
    "staff_cases_hi": ("案件上限", "Cases, high"),
    "staff_hours_per_case": ("每件处置时长（小时）", "Handling hours per case"),
    "staff_hours": ("所需工时", "Staff-hours"),
    "staff_hours_lo": ("工时下限", "Staff-hours, low"),
    "staff_hours_hi": ("工时上限", "Staff-hours, high"),
    "staff_hour_unit": ("工时", "staff-hours"),
    "fc_saved_by": ("保存人", "Saved by"),
    "fc_saved_by_unknown": ("（未记录）", "(not recorded)"),
    "fc_saved_at": ("保存时间", "Saved at"),
    "fc_delete_which": ("删除一项设置", "Delete a setting"),
    "fc_delete": ("删除", "Delete"),
    "fc_deleted": (
        "已删除 {unit} 的设置，之后的 auto 预测会重新自动选择模型。",
        "The setting of {unit} is deleted; later auto runs choose its model again.",
    ),
    "save_setting_error": ("设置未保存：{error}", "The setting was not saved: {error}"),
    "fc_horizon_days": ("{n} 天", "{n} days"),
    "fc_candidate": ("候选", "candidate"),
    "fc_scores_note": (
        "每个模型一行；✓ 为该单位采用的模型，其覆盖率按发布的预测区间计算。",
        "One row per model; ✓ marks the unit's chosen model, whose coverage is that of the "
        "issued intervals.",
    ),
    "fc_settings": ("设置", "Settings"),
    "fc_settings_used": ("所用设置：{text}", "Settings used: {text}"),
    "fc_no_settings": ("默认设置", "default settings"),
    "fc_yes": ("是", "yes"),
    "fc_no": ("否", "no"),
    # forecasting models (zh: a short description; en: the model's own description)
    "fc_model_auto": ("自动选择", "automatic choice"),
    "fc_model_snaive": ("季节朴素：重复上周同一天", "weekly seasonal naive"),
    "fc_model_wmean": ("近 4 周按星期几的平均", "mean of the last 4 weeks by weekday"),
    "fc_model_ymean": (
        "近 4 周平均 × 往年同期变化 × 星期分布",
        "4-week mean × last years' change × weekday profile",
    ),
    "fc_model_ets": (
        "指数平滑：加法误差、阻尼趋势、加法周季节",
        "exponential smoothing A,Ad,A with weekly season",
    ),
    "fc_model_sarima": ("季节 ARIMA(1,0,1)(0,1,1)7", "SARIMA(1,0,1)(0,1,1)7"),
    "fc_model_prophet": (
        "Prophet：节假日类别与年季节",
        "Prophet with holiday classes and yearly season",
    ),
    "fc_model_croston": ("Croston 优化版：稀疏序列", "Croston (optimised) for sparse series"),
    "fc_model_tsb": ("TSB：稀疏序列", "TSB for sparse series"),
    "fc_model_adida": ("ADIDA：稀疏序列", "ADIDA for sparse series"),
    "fc_model_share": ("按上级预测比例分摊", "share of the parent's forecast"),
    "fc_model_bottom_up": ("下级预测汇总", "sum of the finer level's forecasts"),
    # tunable settings and their values
    "fc_param_changepoint_prior_scale": ("变点先验尺度", "Changepoint prior scale"),
    "fc_param_seasonality_prior_scale": ("季节先验尺度", "Seasonality prior scale"),
    "fc_param_seasonality_mode": ("季节模式", "Seasonality mode"),
    "fc_param_holidays": ("节假日效应", "Holidays"),
    "fc_param_country": ("节假日日历", "Holiday calendar"),
    "fc_param_trend": ("趋势", "Trend"),
    "fc_param_damped": ("阻尼趋势", "Damped trend"),
    "fc_param_season": ("季节", "Season"),
    "fc_param_weeks": ("近期周数", "Recent weeks"),
    "fc_param_years": ("往年年数", "Earlier years"),
    "fc_param_alpha_d": ("需求量平滑系数", "Demand smoothing"),
    "fc_param_alpha_p": ("发生概率平滑系数", "Occurrence smoothing"),
    "fc_value_additive": ("加法", "additive"),
    "fc_value_multiplicative": ("乘法", "multiplicative"),
    "fc_value_N": ("无", "none"),
    "fc_value_A": ("加法", "additive"),
    "fc_value_Z": ("自动选择", "automatic"),
    "fc_value_CN": ("中国", "China"),
    "fc_value_US": ("美国", "United States"),
    # data upload
    "upload_title": ("上传案件数据", "Upload a case log"),
    "upload_files": (
        "案件文件 (CSV / Excel / Parquet / JSON)",
        "Case file (CSV / Excel / Parquet / JSON)",
    ),
    "upload_mapping": ("映射文件 (TOML，可选)", "Mapping file (TOML, optional)"),
    "upload_ratings": ("部门评价文件 (可选)", "Ratings file (optional)"),
    "upload_go": ("导入", "Load"),
    "upload_finished": ("导入完成", "Load finished"),
    "upload_unused": (
        "{file} 中这些列未被读取（列名不在规范列中，或映射文件未引用）：{columns}",
        "{file}: these columns were not read (not canonical names, or not in the mapping): "
        "{columns}",
    ),
    "upload_done": (
        "已导入：读取 {read:,}，新增 {inserted:,}，更新 {updated:,}，未变 {unchanged:,}，隔离 {rejected:,}。",
        "Loaded: read {read:,}, inserted {inserted:,}, updated {updated:,}, unchanged {unchanged:,}, rejected {rejected:,}.",
    ),
    "upload_refused": (
        "文件被拒绝，未写入任何数据：{error}",
        "The file was refused, nothing written: {error}",
    ),
    "upload_limit": ("单个文件不超过 {mb} MB。", "At most {mb} MB per file."),
    "rules_title": ("使用中的规则集", "Rule set in use"),
}

# UI-only codes (loads, quarantine, accounts); metrics values: metrics.labels.VALUES
VALUE_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "kind": {
        "cases": ("案件", "Cases"),
        "ratings": ("部门评价", "Ratings"),
        "grids": ("网格", "Grids"),
    },
    "reason": {
        "missing case_id": ("缺少案件编号", "missing case_id"),
        "missing reported_at": ("缺少上报时间", "missing reported_at"),
        "unparseable reported_at": ("上报时间无法识别", "unparseable reported_at"),
        "reported_at in the future": ("上报时间晚于导入时间", "reported_at in the future"),
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
    """The label ``key`` in the current language, formatted with ``values``; a KPI id or a
    metrics column id gives its name from the metrics label table (never a copy here)."""
    if key not in LABELS:
        text = label(key, lang())
        if text == key:
            raise KeyError(key)
        return text
    zh, en = LABELS[key]
    text = zh if lang() == "zh" else en
    return text.format(**values) if values else text


def value_label(column: str, value) -> str:
    """A coded value (e.g. source 'hotline') as the user reads it."""
    if value is None or value == "":
        return t("unknown")
    if column in VALUES:
        return metrics_value_label(column, value, lang())
    pair = VALUE_LABELS.get(column, {}).get(str(value))
    if pair is None:
        return str(value)
    return pair[0] if lang() == "zh" else pair[1]


def column_label(column: str) -> str:
    """A canonical column name as the user reads it (lower case inside English sentences)."""
    text = label(column, lang())
    return text if lang() == "zh" else text.lower()


def flag_label(flag: str) -> str:
    """A data-quality flag (``bad_value:x``, ``unknown_value:x``, ``future_value:x``,
    ``day_precision:x``, ``off_case_department``, ``a_before_b``) in words."""
    zh = lang() == "zh"
    kind, _, column = flag.partition(":")
    if column == "rated_at":
        name = "评价时间" if zh else "rating time"
    else:
        name = column_label(column) if column else ""
    if kind == "future_value":
        return f"{name}晚于导入时间（已置空）" if zh else f"{name} after the load (left empty)"
    if kind == "day_precision":
        return f"{name}只有日期" if zh else f"{name} known to the day only"
    if kind == "off_case_department":
        return (
            "被评价部门不是该案件的主责或协办部门（仍计入该部门）"
            if zh
            else "rated department neither primary nor assisting on the case (still counted)"
        )
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
    if "_without_" in flag:
        given, missing = flag.split("_without_", 1)
        if zh:
            return f"有{column_label(given)}而无{column_label(missing)}"
        return f"{column_label(given)} without {column_label(missing)}"
    return flag


def level_label(level: str) -> str:
    """A unit level (district, street, …, department) as the user reads it."""
    return metrics_level_label(level, lang())


def kpi_label(column: str) -> str:
    """A KPI id or metrics column in the current language (the metrics layer's own labels,
    then this table's for forecasting columns)."""
    if column.startswith("rank@"):
        name = column.removeprefix("rank@")
        if name == "rules":
            return "排名（当前规则）" if lang() == "zh" else "Rank (rules in use)"
        return f"排名（权重 {name}）" if lang() == "zh" else f"Rank (weights {name})"
    text = label(column, lang())
    if text == column and column in LABELS:
        return t(column)
    return text


def named(options, label) -> callable:
    """A widget's format_func fixed to the labels of this run's language (``label(option)``)."""
    return {option: label(option) for option in options}.get


VALUE_LABELS["exclusion"] = {
    "closed before reported (contradictory timestamps)": (
        "结案早于上报（时间矛盾）",
        "closed before reported (contradictory timestamps)",
    ),
    "resolved before dispatched (contradictory timestamps)": (
        "处置早于派遣（时间矛盾）",
        "resolved before dispatched (contradictory timestamps)",
    ),
    "resolved before reported (contradictory timestamps)": (
        "处置早于上报（时间矛盾）",
        "resolved before reported (contradictory timestamps)",
    ),
    "responded before dispatched (contradictory timestamps)": (
        "响应早于派遣（时间矛盾）",
        "responded before dispatched (contradictory timestamps)",
    ),
    "no satisfaction value": ("无满意度评价", "no satisfaction value"),
    "no solved verdict": ("无回访解决结果", "no solved verdict"),
    "not dispatched": ("未派遣", "not dispatched"),
    "not resolved": ("未处置", "not resolved"),
    "not responded": ("未响应", "not responded"),
    "open, deadline not passed at as_of": ("未结案且未到处置时限", "open, deadline not passed"),
    "open, suspended at as_of": ("未结案且处于缓办中", "open, suspended"),
    "unresolved, suspended at as_of": ("未处置且处于缓办中", "unresolved, suspended"),
    "unresolved, deadline not passed at as_of": (
        "未处置且未到处置时限",
        "unresolved, deadline not passed",
    ),
    "response window still open at as_of": ("响应时限未到", "response window still open"),
    "known to the day only (no time of day)": (
        "时间只有日期、没有时刻",
        "known to the day only (no time of day)",
    ),
}

LABELS.update(
    {
        "mase": ("MASE（相对季节朴素）", "MASE (vs seasonal naive)"),
        "wape": ("WAPE", "WAPE"),
        "cov80": ("80% 区间覆盖率", "80% interval coverage"),
        "cov95": ("95% 区间覆盖率", "95% interval coverage"),
        "chosen": ("采用", "Chosen"),
        "kind_alert": ("类型", "Kind"),
        "unique_id": ("单位", "Unit"),
        "window_start": ("窗口开始", "Window start"),
        "window_end": ("窗口结束", "Window end"),
        "actual": ("实际", "Actual"),
        "expected": ("预期", "Expected"),
        "score": ("激增强度", "Surge score"),
        "change_pct_col": ("变化率", "Change %"),
    }
)

VALUE_LABELS["role"] = {
    "city": ("市级", "city"),
    "district": ("区级", "district"),
    "street": ("街道", "street"),
    "community": ("社区", "community"),
    "department": ("部门（条）", "department"),
}
LABELS.update(
    {
        "party_scope": (
            "{department}（主责或协办）· {areas}",
            "{department} (lead or assisting) · {areas}",
        ),
        "department_refused": (
            "此页面按区域统计所有部门的案件，部门账号不可用。",
            "This page counts every department's cases by area; department accounts cannot open it.",
        ),
        "department_no_alerts": (
            "激增预警按区域统计所有部门的案件，部门账号不显示。",
            "Surge alerts count every department's cases by area; department accounts do not see them.",
        ),
        "department_own_row": (
            "部门账号只看到本部门的一行：不与其他部门比较排名。",
            "A department account sees its own row only: no rank against other departments.",
        ),
    }
)
VALUE_LABELS["action"] = {
    "sign_in": ("登录", "sign-in"),
    "sign_out": ("退出", "sign-out"),
    "export": ("导出", "export"),
    "account": ("账户变更", "account change"),
    "appeal": ("申诉", "appeal"),
    "order": ("督办", "supervision order"),
    "publish": ("考核发布", "publication"),
    "rule_set": ("规则集", "rule set"),
    "forecast_setting": ("预测设置", "forecast setting"),
    "view": ("保存的视图", "saved view"),
}

# Appeals (申诉) and supervision orders (督办单): dashboard/pages/appeals.py, dashboard/orders.py.
VALUE_LABELS["appeal_kind"] = {
    "exclude": ("不计入考核", "exclude from the KPIs"),
    "extend": ("延期", "extend the deadline"),
}
VALUE_LABELS["appeal_status"] = {
    "pending": ("待审核", "pending"),
    "approved": ("已批准", "approved"),
    "rejected": ("已驳回", "rejected"),
}
VALUE_LABELS["order_state"] = {
    "open": ("待回复", "open"),
    "late": ("超期未回复", "late, unanswered"),
    "answered": ("已回复", "answered"),
    "answered_late": ("超期回复", "answered late"),
}
VALUE_LABELS["to_kind"] = {"street": ("街道", "street"), "department": ("部门", "department")}
LABELS.update(
    {
        "page_appeals": ("申诉", "Appeals"),
        "appeals_help": (
            "街道、社区和部门账户可对辖区内的案件申诉：不计入考核（不可抗力、错派等）或延期；"
            "市级账户审核。批准的申诉自审核时起用于考核：不计入考核的案件只计入受理量，"
            "延期案件按新的处置时限判定按期和超期。",
            "Street, community and department accounts appeal a case in their scope: exclude it "
            "from the KPIs (force majeure, wrongly assigned) or extend its deadline; the city "
            "decides. An approved appeal applies from its decision on: an excluded case counts "
            "only in cases received, an extended one is judged by its new deadline.",
        ),
        "appeals_open_mode": (
            "未设账户：您以数据库管理者身份提出和审核申诉，审计日志记为匿名。",
            "No accounts yet: you file and decide appeals as the store's holder, audited as "
            "anonymous.",
        ),
        "appeal_file_title": ("提出申诉", "File an appeal"),
        "appeal_kind": ("申诉类型", "Appeal"),
        "appeal_until_day": ("新的处置时限（日期，仅延期）", "New deadline (date, extension only)"),
        "appeal_until_time": ("新的处置时限（时刻）", "New deadline (time of day)"),
        "appeal_reason": ("申诉理由", "Reason for the appeal"),
        "appeal_submit": ("提交申诉", "File the appeal"),
        "appeal_filed": (
            "已提交申诉 #{id}（案件 {case}），等待市级审核。",
            "Appeal #{id} on case {case} filed; it awaits the city's decision.",
        ),
        "appeal_decide_title": ("审核申诉", "Decide appeals"),
        "appeal_pick": ("待审核的申诉", "Pending appeal"),
        "appeal_note": ("审核意见", "Note on the decision"),
        "approve": ("批准", "Approve"),
        "reject": ("驳回", "Reject"),
        "appeal_decided": (
            "申诉 #{id}（案件 {case}）{status}；各页面指标已按此重新计算。",
            "Appeal #{id} on case {case}: {status}; every page's figures are computed again.",
        ),
        "no_pending": ("没有待审核的申诉。", "No appeal awaits a decision."),
        "appeal_list_title": ("申诉记录", "Appeals"),
        "no_appeals": ("暂无申诉。", "No appeals yet."),
        "recomputing": ("正在重新计算指标…", "Computing the figures again…"),
        "orders_title": ("督办单", "Supervision orders"),
        "orders_help": (
            "超期：未回复且已过办结期限，或回复晚于办结期限。",
            "Late: unanswered past the due time, or answered after it.",
        ),
        "order_issue_title": ("下发督办单", "Issue an order"),
        "order_case": ("超期案件", "Overdue case"),
        "order_to": ("督办对象", "To"),
        "order_due_day": ("办结期限（日期）", "Due (date)"),
        "order_due_time": ("办结期限（时刻）", "Due (time of day)"),
        "order_note": ("督办要求", "Instructions"),
        "order_issue": ("下发", "Issue"),
        "order_issued": (
            "已下发督办单 #{id}：案件 {case} → {unit}。",
            "Order #{id} issued: case {case} → {unit}.",
        ),
        "no_overdue_to_order": ("没有可督办的超期案件。", "No overdue case to order."),
        "order_answer_title": ("回复督办单", "Answer an order"),
        "order_pick": ("待回复的督办单", "Order to answer"),
        "order_answer": ("回复内容", "Answer"),
        "order_send": ("提交回复", "Send the answer"),
        "order_answered": ("已回复督办单 #{id}。", "Order #{id} answered."),
        "no_orders_to_answer": ("没有待您回复的督办单。", "No order awaits your answer."),
        "orders_list_title": ("督办单列表", "Orders"),
        "orders_count_title": ("督办单统计（按单位）", "Orders per unit"),
        "no_orders": ("暂无督办单。", "No supervision orders yet."),
        "col_id": ("编号", "No."),
        "col_kind": ("申诉类型", "Appeal"),
        "col_until": ("延期至", "Extended to"),
        "col_reason": ("申诉理由", "Reason for the appeal"),
        "col_filed_by": ("申诉人", "Filed by"),
        "col_filed_unit": ("申诉单位", "Filing unit"),
        "col_filed_at": ("申诉时间", "Filed at"),
        "col_status": ("审核结果", "Decision"),
        "col_decided_by": ("审核人", "Decided by"),
        "col_decided_at": ("审核时间", "Decided at"),
        "col_note": ("审核意见", "Note"),
        "col_to_kind": ("对象类型", "Receiver kind"),
        "col_to_unit": ("督办对象", "Receiver"),
        "col_issued_by": ("下发人", "Issued by"),
        "col_issued_at": ("下发时间", "Issued at"),
        "col_due_at": ("办结期限", "Due"),
        "col_order_note": ("督办要求", "Instructions"),
        "col_state": ("办理情况", "State"),
        "col_answer": ("回复内容", "Answer"),
        "col_answered_by": ("回复人", "Answered by"),
        "col_answered_at": ("回复时间", "Answered at"),
        "col_orders": ("督办单数", "Orders"),
        "col_open": ("未回复", "Unanswered"),
        "col_answered": ("已回复", "Answered"),
        "col_late": ("超期", "Late"),
    }
)
# A refused appeal or order (records.scope.RecordError: its key and values); nothing written.
LABELS.update(
    {
        "rec_no_case": (
            "库中没有案件 {case}，未作任何记录。",
            "There is no case {case} in the store; nothing was written.",
        ),
        "rec_bad_kind": ("申诉类型只能是不计入考核或延期。", "An appeal excludes or extends."),
        "rec_no_until": (
            "延期申诉需要填写新的处置时限，未作任何记录。",
            "An extension needs the new deadline; nothing was written.",
        ),
        "rec_until_for_extend": (
            "只有延期申诉填写新的处置时限，未作任何记录。",
            "Only an extension takes a new deadline; nothing was written.",
        ),
        "rec_until_before_report": (
            "新的处置时限 {until} 不晚于案件 {case} 的上报时间 {reported}，未作任何记录。",
            "The new deadline {until} is not after case {case} was reported ({reported}); "
            "nothing was written.",
        ),
        "rec_pending_exists": (
            "案件 {case} 已有待审核的申诉（#{id}），未作任何记录。",
            "Case {case} has a pending appeal already (#{id}); nothing was written.",
        ),
        "rec_not_filer": (
            "只有街道、社区和部门账户可以提出申诉。",
            "Only street, community and department accounts file appeals.",
        ),
        "rec_case_outside": (
            "案件 {case} 不在您的辖区内，未作任何记录。",
            "Case {case} is outside your scope; nothing was written.",
        ),
        "rec_bad_decision": ("审核结果只能是批准或驳回。", "A decision approves or rejects."),
        "rec_not_decider": ("只有市级账户可以审核申诉。", "Only city accounts decide appeals."),
        "rec_no_appeal": ("没有编号为 {id} 的申诉。", "There is no appeal {id}."),
        "rec_decided_already": (
            "申诉 #{id} 已由 {by} 于 {at} 审核，未作任何记录。",
            "Appeal #{id} was decided by {by} on {at} already; nothing was written.",
        ),
        "rec_decided_meanwhile": (
            "申诉 #{id} 刚被他人审核，未作任何记录。",
            "Appeal #{id} was decided meanwhile; nothing was written.",
        ),
        "rec_bad_target": (
            "督办对象只能是街道或部门。",
            "An order goes to a street or a department.",
        ),
        "rec_not_issuer": (
            "只有市级和区级账户可以下发督办单。",
            "Only city and district accounts issue supervision orders.",
        ),
        "rec_unit_outside": (
            "{unit} 不在您的辖区内，未作任何记录。",
            "{unit} is outside your scope; nothing was written.",
        ),
        "rec_not_overdue": (
            "案件 {case} 不是超期未结案件；督办单只对超期案件下发。",
            "Case {case} is not open and overdue; orders are issued on overdue cases only.",
        ),
        "rec_due_not_after": (
            "办结期限 {due} 不晚于当前时间 {now}，未作任何记录。",
            "The due time {due} is not after now ({now}); nothing was written.",
        ),
        "rec_not_case_street": (
            "{unit} 不是案件 {case} 所在的街道（{own}），未作任何记录。",
            "{unit} is not the street of case {case} ({own}); nothing was written.",
        ),
        "rec_not_case_department": (
            "{unit} 不是案件 {case} 的主责或协办部门，未作任何记录。",
            "{unit} is neither the primary nor an assisting department of case {case}; "
            "nothing was written.",
        ),
        "rec_no_order": ("没有编号为 {id} 的督办单。", "There is no supervision order {id}."),
        "rec_not_receiver": (
            "督办单 #{id} 的督办对象是 {unit}，不是您，未作任何记录。",
            "Order #{id} goes to {unit}, not to you; nothing was written.",
        ),
        "rec_answered_already": (
            "督办单 #{id} 已由 {by} 回复，未作任何记录。",
            "Order #{id} was answered already by {by}; nothing was written.",
        ),
        "rec_answered_meanwhile": (
            "督办单 #{id} 刚被回复，未作任何记录。",
            "Order #{id} was answered meanwhile; nothing was written.",
        ),
        "rec_empty_reason": (
            "请填写申诉理由，未作任何记录。",
            "Give a reason; nothing was written.",
        ),
        "rec_empty_note": ("请填写意见或要求，未作任何记录。", "Give a note; nothing was written."),
        "rec_empty_answer": (
            "请填写回复内容，未作任何记录。",
            "Give an answer; nothing was written.",
        ),
        "rec_empty_unit": (
            "请选择督办对象，未作任何记录。",
            "Choose a receiver; nothing was written.",
        ),
        "rec_empty_by": ("缺少操作人，未作任何记录。", "Who acts is missing; nothing was written."),
        "rec_too_long": (
            "内容超过 {limit:,} 个字符，未作任何记录。",
            "The text is longer than {limit:,} characters; nothing was written.",
        ),
    }
)

LABELS.update(
    {
        "sign_in_title": ("登录网格治理绩效看板", "Sign in to GridPulse"),
        "sign_in_hint": (
            "请用本级账户登录；看到的案件、指标、地图和预测限于账户所辖范围。",
            "Sign in with your account; cases, KPIs, maps and forecasts are limited to its area.",
        ),
        "username": ("用户名", "Username"),
        "password": ("密码", "Password"),
        "sign_in": ("登录", "Sign in"),
        "sign_out": ("退出登录", "Sign out"),
        "sign_in_refused": ("登录失败：{reason}", "Sign-in refused: {reason}"),
        "sign_in_oidc": ("通过{provider}登录", "Sign in with {provider}"),
        "identity_provider": ("统一身份认证", "the identity provider"),
        "no_account_for": (
            "身份 {email} 没有看板账户，请联系市级管理员开通。",
            "The identity {email} has no GridPulse account; ask the city's administrator.",
        ),
        "signed_in_as": (
            "已登录：{name}（{role} · {scope}）",
            "Signed in: {name} ({role} · {scope})",
        ),
        "open_mode": (
            "未设账户：所有人可见全市数据。用 `python -m gridpulse user add` 建立账户后需登录。",
            "No accounts yet: everyone sees the whole city. After "
            "`python -m gridpulse user add` everyone signs in.",
        ),
        "unknown_scope": (
            "范围 {scope} 不是本库中的区域，已改为全市。",
            "The scope {scope} is not an area of this store; showing the whole city.",
        ),
        "outside_scope": (
            "所选范围 {scope} 超出您的权限，已改为您的范围。",
            "The chosen scope {scope} is outside your access; showing your own scope.",
        ),
        "city_only": (
            "此页面仅对市级账户开放。",
            "This page is open to city accounts only.",
        ),
        "audit_title": ("审计日志（最近 200 条）", "Audit log (latest 200 entries)"),
        "accounts_title": ("账户", "Accounts"),
        "at": ("时间", "Time"),
        "action": ("操作", "Action"),
        "ok": ("成功", "Succeeded"),
        "detail": ("详情", "Detail"),
        "role": ("角色", "Role"),
        "display_name": ("姓名", "Name"),
        "disabled": ("已停用", "Disabled"),
        "created_at": ("创建时间", "Created"),
        "last_sign_in": ("最近登录", "Last sign-in"),
    }
)

# --- #18 (D): strings of the leader's polish live in dashboard/wording.py ---
from dashboard.wording import WORDING  # noqa: E402  (after LABELS, which it extends)

LABELS.update(WORDING)
# --- end #18 (D) ---
