"""城市总览 — headline KPIs with 环比/同比, volume trend, 红黑榜 with drill-down, surge alerts."""

import plotly.express as px
import streamlit as st

import forecasting
import metrics
from dashboard import data
from dashboard.components import fmt_delta, fmt_kpi, guarded, layout, load, table
from dashboard.filters import current
from dashboard.i18n import kpi_label, level_label, t
from dashboard.ranknotes import moves, small_sample_note, with_notes
from dashboard.surges import cases_link, grid_tree, readable, surge_table
from dashboard.targets import target_text
from forecasting.summaries import latest_alerts
from metrics.movers import BIG_MOVE
from metrics.units import unit_path

HEADLINE = (
    "cases",
    "response_rate",
    "solved_rate",
    "satisfaction_rate",
    "on_time_rate",
    "overdue_open",
    "composite_score",
)
COLOURS = {"higher": "normal", "lower": "inverse", None: "off"}
FINER = {"district": "street", "street": "community", "community": "grid"}

f = current()
st.title(t("page_overview"))
st.caption(f"{f.scope_name} · {f.period}")

prev, yoy = f.sel.previous, f.sel.year_ago
now = load(lambda: data.headline(f.url, f.sel))
before = load(lambda: data.headline(f.url, f.sel.at(prev)))
last_year = load(lambda: data.headline(f.url, f.sel.at(yoy)))

if now is not None and not now.empty:
    row = now.iloc[0]
    st.subheader(t("headline", period=f.period))
    columns = [*st.columns(4), *st.columns(4)]
    for col, kid in zip(columns, HEADLINE, strict=False):
        p = before.iloc[0][kid] if before is not None and not before.empty else None
        y = last_year.iloc[0][kid] if last_year is not None and not last_year.empty else None
        ya = fmt_delta(kid, row[kid], y)
        delta = fmt_delta(kid, row[kid], p)
        unchanged = delta is not None and not any(ch in "123456789" for ch in delta)
        col.metric(
            kpi_label(kid),
            fmt_kpi(kid, row[kid]),
            delta=delta,
            # no change is neither good nor bad (Streamlit would colour "+0" as a rise)
            delta_color="off" if unchanged else COLOURS[metrics.kpi(kid).direction],
            border=True,
        )
        if ya:
            col.caption(f"{t('vs_last_year')} {ya}")
        against = target_text(kid, row[kid], f.sel.rules)
        if against:
            col.caption(against)
    if isinstance(row["grade"], str):  # None or NaN when no rate could be scored
        st.caption(f"{kpi_label('grade')}: **{row['grade']}**")
    st.caption(t("delta_caption", prev=prev.label, yoy=yoy.label))

trend = load(lambda: data.series(f.url, f.sel.by("city"), ("cases",), "day"))
if trend is not None and not trend.empty:
    st.subheader(t("volume_trend"))
    fig = px.line(
        trend, x="ds", y="cases", labels={"ds": kpi_label("ds"), "cases": kpi_label("cases")}
    )
    fig.update_yaxes(tickformat=",")
    fig.update_traces(
        hovertemplate="%{x|%Y-%m-%d}<br>" + kpi_label("cases") + "：%{y:,}<extra></extra>"
    )
    st.plotly_chart(layout(fig, 280, dates=True), key="trend_chart")

table_now = load(lambda: data.assessment(f.url, f.sel))


def _drill(unit: dict) -> None:
    """Narrow the sidebar to ``unit`` and one level finer (runs before the next rerun)."""
    if f.level in FINER:
        st.session_state["scope"] = unit_path(unit, f.level)  # 东城区/东华门街道
        st.session_state["level"] = FINER[f.level]
    st.session_state["focus_unit"] = unit


if table_now is not None and not table_now.empty:
    red, black = metrics.red_black_lists(table_now, 5)
    keys = list(metrics.LEVELS[f.level])
    as_of = table_now.attrs.get("as_of")
    table_before = load(lambda: data.previous_scores(f.url, f.sel, as_of))
    big = moves(table_now, table_before, f.level, f.sel.rules)
    red, black = with_notes(red, big, f.level), with_notes(black, big, f.level)
    shown = [*keys, "composite_score", "grade", "rank", "rank_change"]
    if (red["move_note"] != "").any() or (black["move_note"] != "").any():
        shown.append("move_note")
    left, right = st.columns(2)
    with left:
        st.subheader(t("red_list") + f" · {level_label(f.level)}")
        table(red[shown], key="red_list")
    with right:
        st.subheader(t("black_list") + f" · {level_label(f.level)}")
        table(black[shown], key="black_list")
    small_sample_note(table_now, f.level, f.sel.rules.min_cases)
    if "move_note" in shown:
        st.caption(t("moves_caption", n=BIG_MOVE))
    units = {unit_path(r, f.level): r for r in red.to_dict("records")}
    units |= {unit_path(r, f.level): r for r in black.to_dict("records")}
    if units:
        pick = st.selectbox(t("unit"), list(units), key="drill_unit")
        label = t("drill", unit=pick) if f.level in FINER else t("to_assessment")
        if st.button(
            label, key="drill", icon=":material/zoom_in:", on_click=_drill, args=(units[pick],)
        ):
            st.switch_page("dashboard/pages/assessment.py")
elif table_now is not None:
    st.info(t("no_data"))

st.subheader(t("alerts_title"))
if f.account.is_department:  # the alerts count every department's cases by area
    st.caption(t("department_no_alerts"))
    st.stop()
runs = load(lambda: data.runs(f.url))
alerts = load(lambda: data.alerts(f.url, f.scope))
if runs is not None and not runs.empty:
    r = runs.iloc[0]
    st.caption(
        t(
            "latest_run",
            level=level_label(r["level"])
            if r["level"] in ("district", "street", "community", "grid")
            else r["level"],
            horizon=r["horizon"],
            created=f"{r['created_at']:%Y-%m-%d %H:%M}",
        )
    )
if alerts is not None and not alerts.empty:
    latest = latest_alerts(alerts)
    grids = load(lambda: grid_tree(f.url))
    if grids is not None:
        shown = readable(latest, grids)
        first = latest.iloc[0]
        days = (first["window_end"] - first["window_start"]).days + 1
        surge_table(shown, days, float(first["level_pct"]))
        cases_link(shown, grids)
elif runs is None or runs.empty:
    st.info(t("no_run"))
    st.code(
        ".venv/bin/python -m gridpulse forecast --level grid --horizon 28 --out forecast.csv",
        language="bash",
    )
else:
    st.info(t("no_alerts"))
if f.account.is_city and st.button(
    t("detect_alerts"), key="detect_alerts", icon=":material/notifications_active:"
):
    with st.spinner(t("detecting")):
        found = guarded(
            lambda: forecasting.save_alerts(
                data.writer(f.url), forecasting.detect_surges(data.engine(f.url))
            ),
            "metrics_error",
        )
    if found is not None:
        data.alerts.clear()
        st.toast(t("detected", n=found))
        st.rerun()
