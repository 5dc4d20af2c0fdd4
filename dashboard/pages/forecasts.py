"""预测分析 — a unit's history, stored forecast with intervals, backtest scores against the
seasonal naive, and tuning a model's settings (backtest, compare, save)."""

import inspect

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import forecasting
from dashboard import data
from dashboard.components import guarded, layout, load, table
from dashboard.filters import current
from dashboard.i18n import level_label, named, t
from forecasting.models import MODELS
from forecasting.tuning import TUNABLE

HISTORY_DAYS = 180


def _model_name(name: str) -> str:
    return f"{name} — {MODELS[name].description}"


f = current()
st.title(t("page_forecasts"))

runs = load(lambda: data.runs(f.url))
c1, c2, c3 = st.columns([1, 2, 2])
levels = [lv for lv in forecasting.LEVELS if forecasting.level_within(lv, dict(f.scope))]
level = c1.selectbox(
    t("fc_level"),
    levels,
    index=min(2, len(levels) - 1),
    key="fc_level",
    format_func=named(levels, level_label),
)
units = load(lambda: data.unit_ids(f.url, level, f.scope)) or []
unit = c2.selectbox(t("fc_unit"), units, key="fc_unit")
run = None
if runs is None or runs.empty:
    st.info(t("no_run_forecasts"))
    st.code(
        f".venv/bin/python -m gridpulse forecast --level {level} --horizon 28 --out forecast.csv",
        language="bash",
    )
else:
    labels = {
        int(r.id): f"#{r.id} · {level_label(r.level) if r.level != 'city' else r.level} · "
        f"{r.horizon}d · {r.model} · {r.created_at:%Y-%m-%d %H:%M}"
        for r in runs.itertuples()
    }
    run_id = c3.selectbox(t("pick_run"), list(labels), format_func=labels.get, key="fc_run")
    run = guarded(lambda: data.run(f.url, run_id, level, f.scope), "metrics_error")

history = load(lambda: data.unit_history(f.url, level, unit, f.scope)) if unit else None
fig = go.Figure()
if history is not None and not history.empty:
    recent = history.tail(HISTORY_DAYS)
    fig.add_scatter(x=recent["ds"], y=recent["y"], name=t("history"), line={"color": "#555"})
if run is not None:
    fc = run.forecasts[run.forecasts["unique_id"].astype(str) == str(unit)]
    if fc.empty:
        st.caption(t("unit_not_in_run"))
    else:
        band = t("interval", pct=run.level_pct)
        fig.add_scatter(x=fc["ds"], y=fc["yhat_hi"], line={"width": 0}, showlegend=False)
        fig.add_scatter(
            x=fc["ds"],
            y=fc["yhat_lo"],
            fill="tonexty",
            line={"width": 0},
            name=band,
            fillcolor="rgba(31,119,180,0.2)",
        )
        fig.add_scatter(x=fc["ds"], y=fc["yhat"], name=t("forecast"), line={"color": "#1f77b4"})
fig.update_layout(yaxis_title=t("cases"), xaxis_title=t("days_history", n=HISTORY_DAYS))
fig.update_yaxes(tickformat=",")
st.plotly_chart(layout(fig, 380, dates=True), key="forecast_chart")

if run is not None:
    st.subheader(t("scores_title"))
    sc = load(lambda: data.scores(f.url, run.id, level, f.scope))
    if sc is not None and not sc.empty:
        mine = sc[sc["unique_id"].astype(str) == str(unit)].drop(columns=["level", "unique_id"])
        mine = mine.sort_values(["chosen", "mase"], ascending=[False, True])
        table(mine.rename(columns={"model": t("model")}), key="scores")

st.subheader(t("tune_title"))
model = st.selectbox(
    t("model"), list(TUNABLE), key="tune_model", format_func=named(TUNABLE, _model_name)
)
defaults = inspect.signature(MODELS[model].fn).parameters
params = {}
cols = st.columns(4)
for i, (name, rule) in enumerate(TUNABLE[model].items()):
    col = cols[i % 4]
    key = f"tune_{model}_{name}"
    default = defaults[name].default if name in defaults else None
    if isinstance(rule, tuple):
        index = rule.index(default) if default in rule else 0
        params[name] = col.selectbox(name, rule, index=index, key=key)
    elif rule is bool:
        params[name] = col.checkbox(name, value=bool(default), key=key)
    elif rule is int:
        params[name] = int(col.number_input(name, 1, 52, int(default or 4), key=key))
    else:
        value = float(default or 0.1)
        params[name] = float(col.number_input(name, 0.001, 100.0, value, format="%.3f", key=key))
if unit and st.button(t("run_tuning"), key="tune_go", icon=":material/tune:"):
    with st.spinner(t("tuning")):
        result = guarded(
            lambda: data.tune(f.url, level, unit, model, params, f.scope),
            "metrics_error",
        )
    st.session_state["tuning"] = result
result = st.session_state.get("tuning")
if result is not None and result.unique_id == unit and result.level == level:
    compare = pd.DataFrame(
        [
            result.scores | {"model": f"{t('tuned')}: {result.model}"},
            result.baseline_scores | {"model": t("baseline")},
        ]
    )
    table(
        compare[["model", *[c for c in compare.columns if c != "model"]]].rename(
            columns={"model": t("model")}
        ),
        key="tune_scores",
    )
    fig = go.Figure()
    bt = result.backtest
    fig.add_scatter(x=bt["ds"], y=bt["y"], name=t("observed"), line={"color": "#555"})
    fig.add_scatter(x=bt["ds"], y=bt["yhat"], name=t("tuned"), mode="markers")
    fig.add_scatter(x=result.forecast["ds"], y=result.forecast["yhat"], name=t("forecast"))
    st.plotly_chart(layout(fig, 320), key="tune_chart")
    if st.button(t("save_setting"), key="tune_save", icon=":material/save:"):
        saved = guarded(
            lambda: forecasting.save_setting(
                data.writer(f.url), level, unit, result.model, result.params
            ),
            "metrics_error",
        )
        data.settings.clear()
        st.success(t("saved_setting"))
saved = load(lambda: data.settings(f.url, level))
if saved:
    st.caption(t("saved_settings"))
    st.json(saved, expanded=False)
