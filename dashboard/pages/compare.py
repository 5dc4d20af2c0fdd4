"""对比 — two to four units of the level side by side: KPIs against targets, ranks, trends."""

import pandas as pd
import plotly.express as px
import streamlit as st

import metrics
from dashboard import data
from dashboard.components import layout, load
from dashboard.filters import current
from dashboard.i18n import LABELS, kpi_label, lang, level_label, named, t
from dashboard.targets import draw_target
from metrics.formats import format_value, hover_format
from metrics.targets import targets
from metrics.trends import window
from metrics.units import unit_paths

LABELS.update(
    {
        "compare_units": ("对比单位（2–4 个）", "Units to compare (2–4)"),
        "compare_pick": (
            "请选择 2 至 4 个{level}进行对比。",
            "Pick two to four {level} units to compare.",
        ),
        "compare_table": ("指标对比 · {period}", "KPIs side by side · {period}"),
        "compare_kpi_col": ("指标", "KPI"),
        "compare_target": ("达标线", "Target"),
        "compare_marks": ("✓ 达到达标线，✗ 未达到。", "✓ meets the target, ✗ misses it."),
        "compare_ranks": (
            "排名为在本范围全部{level}中的名次（{n} 个参与排名）。",
            "The rank is among all {level} units in the scope ({n} ranked).",
        ),
        "compare_small": (
            "{units} 案件少于 {n} 件，不参与排名和评级。",
            "{units}: fewer than {n} cases, not ranked or graded.",
        ),
        "compare_trend": ("月度趋势", "Monthly trend"),
        "compare_trend_kpi": ("趋势指标", "KPI over time"),
        "compare_unit": ("单位", "Unit"),
    }
)

#: The table's rows: the score and its standing, then the KPIs as the assessment shows them.
ROWS = (
    *("composite_score", "grade", "rank", "cases"),
    *("response_rate", "solved_rate", "satisfaction_rate", "on_time_rate", "closure_rate"),
    *("rework_rate", "overdue_open", "median_response_min", "median_handling_h"),
    "volume_per_1k_households",
)
#: The KPIs offered as a monthly trend (grade, rank and per-household volume are no series).
TRENDS = tuple(
    k for k in ROWS if k not in ("grade", "rank", "volume_per_1k_households", "median_response_min")
)


def short_names(paths: list[str]) -> dict[str, str]:
    """Each path's last name (东华门街道), or the whole path where two last names are equal."""
    last = [p.rsplit("/", 1)[-1] for p in paths]
    return {p: (n if last.count(n) == 1 else p) for p, n in zip(paths, last, strict=True)}


def side_by_side(rows: pd.DataFrame, ranked_n: int, rules: metrics.RuleSet) -> pd.DataFrame:
    """One row per KPI, one column per unit of ``rows`` (indexed by path; formatted, ✓/✗
    against the target) and the target; the rank as 'rank / units ranked'."""
    paths = list(rows.index)
    goals = targets(rules)
    names = short_names(paths)
    out = []
    for kid in (k for k in ROWS if k in rows.columns):
        line = {t("compare_kpi_col"): kpi_label(kid)}
        for path in paths:
            value = rows.at[path, kid]
            text = format_value(kid, value, lang())
            if kid == "rank" and text != "—":
                text = f"{text} / {ranked_n}"
            met = goals[kid].met(value) if kid in goals else None
            line[names[path]] = text if met is None else f"{text} {'✓' if met else '✗'}"
        goal = goals.get(kid)
        line[t("compare_target")] = format_value(kid, goal.value, lang()) if goal else ""
        out.append(line)
    table = pd.DataFrame(out)
    if not any(table[t("compare_target")]):  # a rule set without targets: no empty column
        table = table.drop(columns=t("compare_target"))
    return table


f = current()
st.title(t("page_compare"))
st.caption(f"{f.scope_name} · {level_label(f.level)} · {f.period}")

ranked = load(lambda: data.assessment(f.url, f.sel))
units = unit_paths(ranked, f.level) if ranked is not None else []
if ranked is not None and not units:
    st.info(t("no_data"))
if units:
    chosen = st.session_state.get("compare_units")
    if not isinstance(chosen, list) or not set(chosen) & set(units):
        # first visit, or none of the chosen units at this level and scope: the ranking's top two
        st.session_state["compare_units"] = units[:2]
    picked = st.multiselect(
        t("compare_units"), units, max_selections=4, key="compare_units", width="stretch"
    )
    if len(picked) < 2:
        st.info(t("compare_pick", level=level_label(f.level)))
    else:
        rows = ranked.set_axis(units).loc[picked]
        ranked_n = int(ranked["rank"].notna().sum())
        st.subheader(t("compare_table", period=f.period))
        table = side_by_side(rows, ranked_n, f.sel.rules)
        # every row in view (35 px a row and the header): the table is short
        st.dataframe(table, hide_index=True, key="compare", height=35 * (len(table) + 1) + 3)
        said = t("compare_ranks", level=level_label(f.level), n=ranked_n)
        if t("compare_target") in table:
            said = f"{t('compare_marks')}{said}"
        st.caption(said)
        small = [p for p in picked if "small_sample" in rows and bool(rows.at[p, "small_sample"])]
        if small:
            st.caption(t("compare_small", units="、".join(small), n=f.sel.rules.min_cases))

        st.subheader(t("compare_trend"))
        kid = st.selectbox(
            t("compare_trend_kpi"), TRENDS, format_func=named(TRENDS, kpi_label), key="compare_kpi"
        )
        first = data.overview(f.url).first_reported
        days = window(f.sel.period.end, "month", pd.Timestamp(first).date() if first else None)
        frame = None
        if days is not None:
            sel = f.sel.at(metrics.span(*days))
            frame = load(lambda: data.series(f.url, sel, (kid,), "month"))
        if frame is not None and not frame.empty:
            frame = frame.assign(unit=unit_paths(frame, f.level))
            frame = frame[frame["unit"].isin(picked)]
            frame["unit"] = frame["unit"].map(short_names(picked))
            fig = px.line(
                frame,
                x="ds",
                y=kid,
                color="unit",
                markers=True,
                labels={"ds": kpi_label("ds"), kid: kpi_label(kid), "unit": t("compare_unit")},
            )
            hover, suffix = hover_format(kid, lang())
            fig.update_yaxes(
                tickformat=".0%" if hover.endswith("%") else ",",
                hoverformat=hover,
                ticksuffix=suffix,
            )
            fig.update_xaxes(tickformat="%Y-%m")
            draw_target(fig, kid, f.sel.rules)
            fig.update_layout(legend={"orientation": "h", "y": -0.2})
            st.plotly_chart(layout(fig, 380), key="compare_chart")
