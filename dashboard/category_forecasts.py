"""预测分析's 按大类预测: a stored run by unit × category, seen by unit or by category."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from dashboard import data
from dashboard.components import guarded, layout, load
from dashboard.filters import Filters
from dashboard.i18n import LABELS, kpi_label, level_label, named, t
from forecasting.categoryruns import VIEWS, category_choices, category_totals, category_view

LABELS.update(
    {
        "fc_cat_title": ("按大类预测", "Forecasts by category"),
        "fc_cat_none": (
            "库中还没有按大类的预测。可在命令行生成（各区 × 大类）：",
            "The store holds no forecast by category yet. Make one on the command line "
            "(each district × category):",
        ),
        "fc_cat_run": ("按大类预测批次", "Run by category"),
        "fc_cat_run_label": ("{level} × 大类", "{level} × category"),
        "fc_cat_view": ("查看方式", "View"),
        "fc_cat_by_unit": ("选单位，看各大类", "a unit's categories"),
        "fc_cat_by_category": ("选大类，看各单位", "a category's units"),
        "fc_cat_pick_unit": ("单位", "Unit"),
        "fc_cat_outside": (
            "这次预测没有您权限范围内的单位。",
            "This run has no unit inside your area.",
        ),
        "fc_cat_total": ("{n} 天预测案件数", "Expected cases over {n} days"),
        "fc_cat_share": ("占比", "Share"),
        "fc_cat_note": (
            "每条曲线是一个单位 × 大类的日案件数预测，模型按各自回测选定；各大类之和与"
            "单位总量的预测可能略有出入（分别建模，未强制相加一致）。",
            "Each line is one unit × category's daily forecast, its model chosen by its own "
            "backtest; the categories' sum may differ a little from the unit's own forecast "
            "(each is modelled separately, not forced to add up).",
        ),
    }
)

COMMAND = (
    ".venv/bin/python -m gridpulse forecast --level district --by category --horizon 28 "
    "--out forecast_category.csv"
)


def _run_label(r) -> str:
    """``#4 · 区 × 大类 · 28 天 · 2025-11-30 08:00``."""
    return (
        f"#{r.id} · {t('fc_cat_run_label', level=level_label(r.level))} · "
        f"{t('fc_horizon_days', n=r.horizon)} · {r.created_at:%Y-%m-%d %H:%M}"
    )


def _model(code: str) -> str:
    key = f"fc_model_{code}"
    return t(key) if key in LABELS else code


def _unit(level: str):
    """Unit ids as shown: the city as the level's name, other ids as they are."""
    return lambda unit: level_label("city") if level == "city" else unit


def category_section(f: Filters) -> None:
    """The newest (or a chosen) stored run by category inside the account's scope: pick a
    unit to see its categories' forecasts, or a category to see its units'; a chart of the
    daily forecasts and a table of each series' expected cases over the horizon."""
    st.subheader(t("fc_cat_title"))
    runs = load(lambda: data.category_runs(f.url))
    if runs is None:
        return
    if runs.empty:
        st.info(t("fc_cat_none"))
        st.code(COMMAND, language="bash")
        return
    labels = {int(r.id): _run_label(r) for r in runs.itertuples()}
    c1, c2, c3 = st.columns([2, 2, 2])
    run_id = c1.selectbox(t("fc_cat_run"), list(labels), format_func=labels.get, key="fc_cat_run")
    run = guarded(lambda: data.category_run(f.url, run_id, f.scope), "metrics_error")
    if run is None:
        return
    if run.forecasts.empty:
        st.info(t("fc_cat_outside"))
        return
    by = c2.radio(
        t("fc_cat_view"),
        VIEWS,
        key="fc_cat_view",
        horizontal=True,
        format_func=named(VIEWS, lambda v: t(f"fc_cat_by_{v}")),
    )
    choices = category_choices(run.forecasts, by)
    shown = _unit(run.level) if by == "unit" else str
    pick = c3.selectbox(_word(by), choices, key=f"fc_cat_pick_{by}", format_func=shown)
    if pick is None:
        return
    view = category_view(run.forecasts, by, pick)
    other = "category" if by == "unit" else "unit"
    name = _word(other)
    if other == "unit":
        view["series"] = view["series"].map(_unit(run.level))
    fig = px.line(
        view, x="ds", y="yhat", color="series", labels={"series": name, "yhat": t("forecast")}
    )
    fig.update_layout(yaxis_title=kpi_label("cases"), xaxis_title=None)
    fig.update_yaxes(tickformat=",")
    st.plotly_chart(layout(fig, 360, dates=True), key="fc_cat_chart")
    totals = category_totals(view)
    total, share = t("fc_cat_total", n=run.horizon), t("fc_cat_share")
    st.dataframe(
        pd.DataFrame(
            {
                name: totals["series"],
                total: totals["yhat"],
                share: totals["share"] * 100,
                t("model"): [_model(m) for m in totals["model"]],
            }
        ),
        column_config={
            total: st.column_config.NumberColumn(format="%.1f"),
            share: st.column_config.NumberColumn(format="%.1f%%"),
        },
        hide_index=True,
        key="fc_cat_totals",
    )
    st.caption(t("fc_cat_note"))


def _word(what: str) -> str:
    """单位 for a unit; the registry's name of the category column (大类) for a category."""
    return t("category") if what == "category" else t("fc_cat_pick_unit")
