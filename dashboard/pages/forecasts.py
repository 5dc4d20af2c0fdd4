"""预测分析 — a unit's history, stored forecast with intervals, backtest scores against the
seasonal naive, forecasts by category, and tuning a model's settings (backtest, compare,
save)."""

import inspect

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import accounts
import forecasting
from dashboard import data
from dashboard.category_forecasts import category_section
from dashboard.components import guarded, layout, load, table
from dashboard.filters import current, require_areas
from dashboard.forecast_honesty import out_of_sample_text
from dashboard.i18n import LABELS, kpi_label, lang, level_label, named, t
from dashboard.staffing import staffing_section
from forecasting.models import MODELS
from forecasting.summaries import unit_forecast, unit_scores
from forecasting.tuning import TUNABLE
from metrics.labels import LEVEL_LABELS

HISTORY_DAYS = 180
#: Backtest scores shown as percentages (fractions in the store and in tuning results).
PERCENT_SCORES = ("wape", "cov80", "cov95")
SCORES = ("mase", *PERCENT_SCORES)


def _coded(prefix: str, code) -> str:
    """A model, setting or value code in words; in English the code is kept in parentheses
    where it differs from them (``Changepoint prior scale (changepoint_prior_scale)``), in
    Chinese the words alone (no English on a Chinese page); unknown codes as they are."""
    key = f"{prefix}_{code}"
    if key not in LABELS:
        return str(code)
    text = t(key)
    if lang() == "zh" or text.lower() == str(code).lower():
        return text
    return f"{text} ({code})"


def model_label(name: str) -> str:
    """``prophet`` -> ``Prophet：节假日类别与年季节 (prophet)``."""
    return _coded("fc_model", name)


def param_label(name: str) -> str:
    """``changepoint_prior_scale`` -> ``变点先验尺度 (changepoint_prior_scale)``."""
    return _coded("fc_param", name)


def value_text(value) -> str:
    """A setting's value as read: 是/否, ``0.05``, ``加法 (additive)``."""
    if isinstance(value, bool | np.bool_):
        return t("fc_yes" if value else "fc_no")
    if isinstance(value, float):
        return f"{value:g}"
    return _coded("fc_value", value)


def settings_text(params: dict) -> str:
    """Saved or tuned settings as ``name = value`` text, one setting after another."""
    if not params:
        return t("fc_no_settings")
    return "; ".join(f"{param_label(k)} = {value_text(v)}" for k, v in params.items())


def scores_table(frame: pd.DataFrame, key: str) -> None:
    """Score rows (``model`` already in words, optional ``chosen`` as ✓) with MASE and the
    percentage scores formatted, headers in the page's language."""
    shown = frame.copy()
    config = {kpi_label("mase"): st.column_config.NumberColumn(format="%.3f")}
    for col in PERCENT_SCORES:
        shown[col] = shown[col].astype(float) * 100
        config[kpi_label(col)] = st.column_config.NumberColumn(format="%.1f%%")
    shown.columns = [t("model") if c == "model" else kpi_label(c) for c in shown.columns]
    st.dataframe(shown, column_config=config, hide_index=True, key=key)


def run_label(r) -> str:
    """``#3 · 网格 · 28 天 · 自动选择 (auto) · 2025-11-30 08:00``."""
    where = level_label(r.level) if r.level in LEVEL_LABELS else r.level
    return (
        f"#{r.id} · {where} · {t('fc_horizon_days', n=r.horizon)} · {model_label(r.model)} · "
        f"{r.created_at:%Y-%m-%d %H:%M}"
    )


st.title(t("page_forecasts"))
require_areas()
f = current()


def _audit(what: str, level: str, unit: str) -> None:
    """One audit entry for a setting saved or deleted by this session's account."""
    detail = {"setting": what, "level": level, "unit": unit}
    engine = data.accounts_engine(f.url)
    guarded(lambda: accounts.record(engine, f.account.username, "forecast_setting", detail=detail))


def _saved_settings_section() -> None:
    """The saved settings inside the account's scope, with who saved them and when; one of
    them can be deleted (later runs choose that unit's model automatically again)."""
    saved = load(lambda: data.settings(f.url, f.scope))
    if saved is None or saved.empty:
        return
    st.caption(t("saved_settings"))
    table(
        pd.DataFrame(
            {
                t("level"): [level_label(lv) for lv in saved["level"]],
                t("fc_unit"): saved["unique_id"],
                t("model"): [model_label(m) for m in saved["model"]],
                t("fc_settings"): [settings_text(p) for p in saved["params"]],
                t("fc_saved_by"): saved["saved_by"].fillna(t("fc_saved_by_unknown")),
                t("fc_saved_at"): saved["saved_at"].dt.strftime("%Y-%m-%d %H:%M"),
            }
        ),
        key="saved_settings",
    )
    rows = list(zip(saved["level"], saved["unique_id"], strict=True))
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    chosen = c1.selectbox(
        t("fc_delete_which"),
        rows,
        key="fc_delete_which",
        format_func=lambda r: f"{level_label(r[0])} · {r[1]}",
    )
    if chosen and c2.button(t("fc_delete"), key="fc_delete", icon=":material/delete:"):
        writer = data.writer(f.url)
        done = guarded(lambda: forecasting.delete_setting(writer, *chosen, dict(f.scope)))
        if done:
            _audit("deleted", *chosen)
            data.settings.clear()
            st.success(t("fc_deleted", unit=chosen[1]))
            st.rerun()


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
    labels = {int(r.id): run_label(r) for r in runs.itertuples()}
    run_id = c3.selectbox(t("pick_run"), list(labels), format_func=labels.get, key="fc_run")
    run = guarded(lambda: data.run(f.url, run_id, level, f.scope), "metrics_error")

history = load(lambda: data.unit_history(f.url, level, unit, f.scope)) if unit else None
fig = go.Figure()
if history is not None and not history.empty:
    recent = history.tail(HISTORY_DAYS)
    fig.add_scatter(x=recent["ds"], y=recent["y"], name=t("history"), line={"color": "#555"})
if run is not None:
    fc = unit_forecast(run.forecasts, unit)
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
fig.update_layout(yaxis_title=kpi_label("cases"), xaxis_title=t("days_history", n=HISTORY_DAYS))
fig.update_yaxes(tickformat=",")
st.plotly_chart(layout(fig, 380, dates=True), key="forecast_chart")

if run is not None:
    st.subheader(t("scores_title"))
    sc = load(lambda: data.scores(f.url, run.id, level, f.scope))
    if sc is not None and not sc.empty:
        mine = unit_scores(sc, unit)
        mine["model"] = [
            f"{model_label(m)} · {t('fc_candidate')}" if cand else model_label(m)
            for m, cand in zip(mine["model"], mine["candidate"], strict=True)
        ]
        mine["chosen"] = np.where(mine["chosen"] == 1, "✓", "")
        scores_table(mine[["model", "chosen", *SCORES]], key="scores")
        st.caption(t("fc_scores_note"))
        st.caption(t("term_mase"))
    honest = out_of_sample_text(run.scores, level)
    if honest:
        st.info(honest)
        st.caption(t("fc_in_sample_note"))
    staffing_section(f, run.id, run.level_pct)

category_section(f)

st.subheader(t("tune_title"))
model = st.selectbox(
    t("model"), list(TUNABLE), key="tune_model", format_func=named(TUNABLE, model_label)
)
defaults = inspect.signature(MODELS[model].fn).parameters
params = {}
cols = st.columns(4)
for i, (name, rule) in enumerate(TUNABLE[model].items()):
    col = cols[i % 4]
    key = f"tune_{model}_{name}"
    default = defaults[name].default if name in defaults else None
    label = param_label(name)
    if isinstance(rule, tuple):
        index = rule.index(default) if default in rule else 0
        params[name] = col.selectbox(
            label, rule, index=index, key=key, format_func=named(rule, value_text)
        )
    elif rule is bool:
        params[name] = col.checkbox(label, value=bool(default), key=key)
    elif rule is int:
        params[name] = int(col.number_input(label, 1, 52, int(default or 4), key=key))
    else:
        value = float(default or 0.1)
        params[name] = float(col.number_input(label, 0.001, 100.0, value, format="%.3f", key=key))
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
            result.scores | {"model": f"{t('tuned')}: {model_label(result.model)}"},
            result.baseline_scores | {"model": t("baseline")},
        ]
    )
    scores_table(compare[["model", *SCORES]], key="tune_scores")
    st.caption(t("fc_settings_used", text=settings_text(result.params)))
    fig = go.Figure()
    bt = result.backtest
    fig.add_scatter(x=bt["ds"], y=bt["y"], name=t("observed"), line={"color": "#555"})
    fig.add_scatter(x=bt["ds"], y=bt["yhat"], name=t("tuned"), mode="markers")
    fig.add_scatter(x=result.forecast["ds"], y=result.forecast["yhat"], name=t("forecast"))
    fig.update_layout(yaxis_title=kpi_label("cases"))
    fig.update_yaxes(tickformat=",")
    st.plotly_chart(layout(fig, 320, dates=True), key="tune_chart")
    if st.button(t("save_setting"), key="tune_save", icon=":material/save:"):

        def save() -> bool:
            forecasting.save_setting(
                data.writer(f.url),
                level,
                unit,
                result.model,
                result.params,
                saved_by=f.account.username,
            )
            return True

        # guarded shows the failure and returns None: only a save that happened is confirmed
        if guarded(save, "save_setting_error"):
            _audit("saved", level, unit)
            data.settings.clear()
            st.success(t("saved_setting"))
_saved_settings_section()
