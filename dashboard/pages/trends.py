"""趋势分析 — any KPI over time by day, week or month, 同比/环比, STL decomposition and
the fastest-rising categories."""

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

import metrics
from dashboard import data
from dashboard.components import fmt_delta, fmt_kpi, layout, load
from dashboard.filters import current
from dashboard.i18n import kpi_label, lang, level_label, named, t
from dashboard.targets import draw_target
from metrics.formats import axis_unit, hover_texts
from metrics.trends import decompose, latest_changes, rising_units, top_series
from metrics.trends import window as trend_window

KPIS = (
    "cases",
    "composite_score",
    "response_rate",
    "solved_rate",
    "satisfaction_rate",
    "on_time_rate",
    "closure_rate",
    "overdue_open",
    "median_handling_h",
)
SPLITS = ("city", "district", "category")
FREQS = ("day", "week", "month")

f = current()
st.title(t("page_trends"))
p = f.sel.period
caption = st.empty()

c1, c2, c3 = st.columns(3)
kid = c1.selectbox(t("trend_kpi"), KPIS, format_func=named(KPIS, kpi_label), key="trend_kpi")
freq = c2.radio(
    t("freq"),
    FREQS,
    index=2,
    format_func=named(FREQS, lambda v: t(f"freq_{v}")),
    horizontal=True,
    key="trend_freq",
)
split = c3.selectbox(
    t("split_by"),
    SPLITS,
    key="trend_split",
    format_func=named(SPLITS, lambda v: t("split_none") if v == "city" else level_label(v)),
)
TOP = (5, 8, 10, 20, 0)  # 0: every unit

# Whole buckets from two years before the chosen period's end, none before the data begin.
first = data.overview(f.url).first_reported
days = trend_window(p.end, freq, pd.Timestamp(first).date() if first is not None else None)
shown = metrics.span(*days) if days else None
caption.caption(f"{f.scope_name} · {shown.label if shown else f.period}")
frame = None
if shown is None:
    st.info(t("no_data"))
else:
    frame = load(lambda: data.series(f.url, f.sel.at(shown).by(split), (kid,), freq))
if frame is not None and not frame.empty:
    ds = kpi_label("ds")
    # hovers read as the page's text; a duration axis in the unit of its typical value
    scale, suffix = axis_unit(kid, frame[kid], lang())
    plotted = frame.assign(hover=hover_texts(kid, frame[kid], lang()))
    plotted[kid] = plotted[kid] * scale
    labels = {"ds": ds, kid: kpi_label(kid)}
    if split == "city":
        fig = px.line(plotted, x="ds", y=kid, labels=labels, custom_data=["hover"])
    else:
        total = plotted[split].nunique()
        n = st.selectbox(
            t("top_n"),
            TOP,
            index=1,
            key="trend_top",
            format_func=named(TOP, lambda v: t("top_n_all") if v == 0 else str(v)),
        )
        top = top_series(plotted, split, kid, n=n or total)
        shown_n = top[split].nunique()
        if shown_n < total:
            basis = "cases" if "cases" in plotted else kid
            st.caption(
                t(
                    "top_n_note",
                    shown=shown_n,
                    total=total,
                    level=level_label(split),
                    kpi=kpi_label(basis),
                )
            )
        fig = px.line(
            top,
            x="ds",
            y=kid,
            color=split,
            labels={**labels, split: level_label(split)},
            custom_data=["hover"],
        )
    rate = metrics.kpi(kid).unit == "fraction"
    fig.update_yaxes(tickformat=".0%" if rate else ",", ticksuffix=suffix)
    fig.update_traces(hovertemplate="%{x|%Y-%m-%d}<br>%{customdata[0]}")
    draw_target(fig, kid, f.sel.rules, scale)
    st.plotly_chart(layout(fig, 360, dates=True), key="trend_chart")

    if split == "city":
        st.subheader(t("yoy_mom"))
        series = frame.set_index("ds")[kid]
        change = latest_changes(series, freq)
        last, now, prev, year = (
            change["last"],
            change["now"],
            change["previous"],
            change["year_ago"],
        )
        cols = st.columns(3)
        cols[0].metric(f"{kpi_label(kid)} · {last:%Y-%m-%d}", fmt_kpi(kid, now))
        cols[1].metric(t("vs_previous"), fmt_kpi(kid, prev), fmt_delta(kid, now, prev))
        cols[2].metric(t("vs_last_year"), fmt_kpi(kid, year), fmt_delta(kid, now, year))

        st.subheader(t("stl_title"))
        st.caption(t("term_stl"))
        parts = decompose(series, freq)
        if parts is None:
            st.info(t("stl_short"))
        else:
            fig = make_subplots(rows=4, cols=1, shared_xaxes=True, vertical_spacing=0.03)
            for i, name in enumerate(("observed", "trend", "seasonal", "resid"), start=1):
                fig.add_trace(go.Scatter(x=parts.index, y=parts[name], name=t(name)), row=i, col=1)
            st.plotly_chart(layout(fig, 520, dates=True), key="stl_chart")

st.subheader(t("rising_title"))
prev = f.sel.previous
by_category = f.sel.by("category")
now_t = load(lambda: data.kpi_table(f.url, by_category, ("cases",)))
before = load(lambda: data.kpi_table(f.url, by_category.at(prev), ("cases",)))
if now_t is not None and before is not None:
    up = rising_units(now_t, before, "category")
    up = up.rename(
        columns={"current": t("current"), "previous": t("previous"), "change": t("change")}
    )
    up[t("change_pct")] = up.pop("change_pct") * 100
    st.caption(f"{f.period} / {prev.label}")
    st.dataframe(
        up.rename(columns={"category": kpi_label("category")}),
        hide_index=True,
        column_config={
            t("change_pct"): st.column_config.NumberColumn(format="%+.1f%%"),
            **{
                t(c): st.column_config.NumberColumn(format="localized")
                for c in ("current", "previous", "change")
            },
        },
        key="rising",
    )
