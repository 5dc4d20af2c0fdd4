"""预测分析's staffing plan: staff-hours per street and week from a stored forecast run."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import data
from dashboard.components import csv_bytes, download, guarded, layout, load, table
from dashboard.filters import Filters
from dashboard.i18n import t
from forecasting.staffing import staffing_plan, weekly_totals

#: The plan's columns as shown (the CSV keeps the codes), by i18n key.
SHOWN = {
    "unique_id": "staff_street",
    "week": "staff_week",
    "days": "staff_days",
    "cases": "staff_cases",
    "cases_lo": "staff_cases_lo",
    "cases_hi": "staff_cases_hi",
    "handling_hours_mean": "staff_hours_per_case",
    "staff_hours": "staff_hours",
    "staff_hours_lo": "staff_hours_lo",
    "staff_hours_hi": "staff_hours_hi",
}


def staffing_section(f: Filters, run_id: int, level_pct: float) -> None:
    """Expected cases per street and week (the run's street forecasts inside the account's
    scope) × each street's mean handling time in the sidebar's period, with the run's
    interval carried to weeks; a chart of the weekly total and the plan as CSV."""
    st.subheader(t("staff_title"))
    streets = guarded(lambda: data.run(f.url, run_id, "street", f.scope), "metrics_error")
    if streets is None or streets.forecasts.empty:
        st.info(t("staff_no_streets"))
        return
    kpis = load(lambda: data.kpi_table(f.url, f.sel.by("street"), ("mean_handling_h",)))
    if kpis is None:
        return
    ids = kpis["district"].astype(str) + "/" + kpis["street"].astype(str)
    hours = pd.Series(kpis["mean_handling_h"].to_numpy(float), index=ids)
    plan = staffing_plan(streets.forecasts, hours, level_pct)
    st.caption(t("staff_note", period=f.period, pct=level_pct))
    if plan.empty:
        st.info(t("staff_none", period=f.period))
        return
    total = weekly_totals(plan)
    fig = go.Figure(
        go.Bar(
            x=[str(w) for w in total.index],
            y=total.to_numpy(),
            name=t("staff_hours"),
            hovertemplate="%{x}<br>%{y:,.0f} " + t("staff_hour_unit") + "<extra></extra>",
        )
    )
    fig.update_layout(xaxis_title=t("staff_week"), yaxis_title=t("staff_hours"))
    fig.update_yaxes(tickformat=",")
    fig.update_xaxes(type="category")  # the weeks' Mondays as written (a date axis: "Jan 4")
    st.plotly_chart(layout(fig, 280), key="staff_chart")
    shown = plan.round(1)
    shown["week"] = shown["week"].astype(str)
    table(shown.rename(columns={c: t(k) for c, k in SHOWN.items()}), key="staff_plan", height=320)
    download(
        st,
        t("download_csv"),
        csv_bytes(plan, data.freshness(f.url).columns()),
        f"staffing_{f.period}.csv",
        "text/csv",
        key="dl_staffing",
        url=f.url,
        username=f.account.username,
        what={"list": "staffing", "run": run_id, "scope": f.scope_name},
    )
