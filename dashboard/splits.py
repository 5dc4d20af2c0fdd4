"""按类型: the page section splitting the period's cases by category, source, urgency or type."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from dashboard import data
from dashboard.components import layout, load, table
from dashboard.filters import Filters
from dashboard.i18n import LABELS, kpi_label, level_label, named, t, value_label
from dashboard.targets import attained, draw_target
from metrics.registry import SPLIT_LEVELS

LABELS.update(
    {
        "split_title": ("按类型看：哪类案件超期", "By kind of case: which kinds are late"),
        "split_kind": ("分类依据", "Kind of case by"),
        "split_caption": (
            "{scope} · {period}：按期结案率由低到高；与考核排名同一口径（规则集、数据截至）。",
            "{scope} · {period}: on-time closure rate, lowest first; computed as the ranking "
            "(same rule set and as-of).",
        ),
    }
)
SHOWN = (
    "cases",
    "on_time_rate",
    "overdue_open",
    "closure_rate",
    "extension_rate",
    "median_handling_h",
    "response_rate",
    "satisfaction_rate",
    "small_sample",
)


def split_section(f: Filters) -> None:
    """The period's KPIs within the sidebar's scope, one row per value of a chosen column."""
    st.subheader(t("split_title"))
    by = st.selectbox(
        t("split_kind"), SPLIT_LEVELS, format_func=named(SPLIT_LEVELS, level_label), key="split_by"
    )
    st.caption(t("split_caption", scope=f.scope_name, period=f.period))
    found = load(lambda: data.assessment(f.url, f.sel.by(by)))
    if found is None:
        return
    found = found[found["cases"].fillna(0) > 0]
    if found.empty:
        st.info(t("no_data"))
        return
    ordered = found.sort_values(["on_time_rate", "cases"], ascending=[True, False], kind="stable")
    shown = ordered[[by, *[c for c in SHOWN if c in ordered]]]
    table(attained(shown, f.sel.rules), key=f"split_{by}", height=320)
    names = [value_label(by, v) for v in ordered[by]]
    fig = px.bar(
        x=names, y=ordered["on_time_rate"], labels={"x": "", "y": kpi_label("on_time_rate")}
    )
    fig.update_yaxes(tickformat=".0%")
    draw_target(fig, "on_time_rate", f.sel.rules)
    st.plotly_chart(layout(fig, 300), key=f"split_chart_{by}")
