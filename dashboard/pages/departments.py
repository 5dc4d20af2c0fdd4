"""部门协同 — cooperation index, whistle response, ratings with counts, push-back, and
handling time by Kaplan–Meier next to the plain median."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import data
from dashboard.components import fmt_kpi, layout, load, table
from dashboard.filters import current
from dashboard.i18n import kpi_label, lang, t
from metrics.cooperation import MIN_RATINGS
from metrics.formats import axis_unit, hover_format, hover_texts

COLUMNS = (
    "department",
    "cooperation_score",
    "cases",
    "assist_cases",
    "response_rate",
    "on_time_rate",
    "whistle_cases",
    "whistle_response_rate",
    "rating_mean",
    "rating_count",
    "reassign_rate",
)

f = current()
st.title(t("page_departments"))
st.caption(f"{f.scope_name} · {f.period}")

coop = load(lambda: data.table(f.url, "cooperation", f.sel))
if coop is not None and coop.empty:
    st.info(t("no_data"))
if coop is not None and not coop.empty:
    st.subheader(kpi_label("cooperation_score"))
    reliable = coop["rating_reliable"].astype(bool).tolist()
    grey = kpi_label("rating_mean")

    def _grey(column):
        if column.name != grey:
            return [""] * len(column)
        return ["" if ok else "color: #9e9e9e; font-style: italic" for ok in reliable]

    shown = coop[list(COLUMNS)].copy()
    shown.attrs = {}
    shown.columns = [kpi_label(c) for c in COLUMNS]
    formats = {kpi_label(c): lambda v, c=c: fmt_kpi(c, v) for c in COLUMNS[1:]}
    styled = shown.style.apply(_grey).format(formats, na_rep="—")
    st.dataframe(styled, hide_index=True, key="coop_table")
    st.caption(t("unreliable", n=MIN_RATINGS))

    fig = go.Figure()
    fig.add_bar(
        x=coop["cooperation_score"],
        y=coop["department"],
        orientation="h",
        marker_color=["#1f77b4" if ok else "#bdbdbd" for ok in reliable],
        hovertemplate="%{y}: %{x:" + hover_format("cooperation_score")[0] + "}<extra></extra>",
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(xaxis_title=kpi_label("cooperation_score"))
    st.plotly_chart(layout(fig, 30 * len(coop) + 80), key="coop_chart")

km = load(lambda: data.table(f.url, "km", f.sel.by("department")))
if km is not None and not km.empty:
    st.subheader(t("km_title"))
    km = km.sort_values("km_median_handling_h", ascending=False)
    st.caption(t("term_km"))
    st.caption(t("term_censored"))
    fig = go.Figure()
    both = pd.concat([km["median_handling_h"], km["km_median_handling_h"]])
    scale, suffix = axis_unit("median_handling_h", both, lang())
    for col, colour in (("median_handling_h", "#9ecae1"), ("km_median_handling_h", "#08519c")):
        fig.add_bar(
            y=km["department"],
            x=km[col] * scale,
            name=kpi_label(col),
            orientation="h",
            marker_color=colour,
            customdata=hover_texts(col, km[col], lang()),
            hovertemplate="%{y}: %{customdata}<extra></extra>",
        )
    fig.update_layout(barmode="group", xaxis_title=kpi_label("median_handling_h"))
    fig.update_xaxes(ticksuffix=suffix)
    fig.update_yaxes(autorange="reversed")
    st.plotly_chart(layout(fig, 34 * len(km) + 100), key="km_chart")
    table(km, key="km_table")
