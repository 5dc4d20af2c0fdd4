"""考核排名 — ranked table with grades and rank change, exports, publishing (发布) and how the
figures differ from a publication, funnel plot, rank stability, and the cases behind any figure."""

import plotly.graph_objects as go
import streamlit as st

import metrics
from dashboard import data
from dashboard.components import calendar_caption, download, explained, layout, load, table
from dashboard.filters import current
from dashboard.history import case_history
from dashboard.i18n import kpi_label, lang, level_label, named, t, value_label
from dashboard.publishing import difference_note, publish_panel
from dashboard.ranknotes import moves, moves_section, small_sample_note
from dashboard.splits import split_section
from dashboard.targets import attained, draw_target
from metrics.units import funnel_points, unit_path, unit_paths

RATES = (
    "response_rate",
    "solved_rate",
    "satisfaction_rate",
    "on_time_rate",
    "closure_rate",
    "rework_rate",
)
EXPLAINED = (
    *RATES,
    "median_response_min",
    "median_handling_h",
    "overdue_open",
    "cases",
    *metrics.HANDLING_COLUMNS,
)
PARTS = ("numerator", "denominator", "excluded")
SHOWN = (
    "rank",
    "rank_change",
    "grade",
    "composite_score",
    "cases",
    "response_rate",
    "solved_rate",
    "satisfaction_rate",
    "on_time_rate",
    "overdue_open",
    "median_handling_h",
    "volume_per_1k_households",
    *metrics.HANDLING_COLUMNS,
    "small_sample",
)

f = current()
keys = list(metrics.LEVELS[f.level])
st.title(t("page_assessment"))
st.caption(f"{f.scope_name} · {f.period}")
if f.sel.as_known_at is not None:
    st.info(t("data_version_shown", at=f"{f.sel.as_known_at:%Y-%m-%d %H:%M:%S}"))

ranked = load(lambda: data.assessment(f.url, f.sel))
calendar_caption(ranked)
if ranked is not None and not ranked["cases"].fillna(0).sum():
    # units known from the grids table are listed with no case: nothing to rank or explain
    st.info(t("no_data"))
    ranked = None
if ranked is not None:
    st.subheader(t("ranked_table", level=level_label(f.level), period=f.period))
    difference_note(f, ranked)
    cols = [*keys, *[c for c in SHOWN if c in ranked.columns]]
    if f.level == "department":
        cols += ["rating_mean", "rating_count", "reassign_rate", "cooperation_score"]
    if f.level == "department" and f.account.is_department:
        # its own row only: a rank of 1 among one would read as first of every department
        st.caption(t("department_own_row"))
        cols = [c for c in cols if c not in ("rank", "rank_change")]
    table(attained(ranked[cols], f.sel.rules), key="ranked", height=420)
    small_sample_note(ranked, f.level, f.sel.rules.min_cases)
    if "rank_change" in cols:
        as_of = ranked.attrs.get("as_of")
        before = load(lambda: data.previous_scores(f.url, f.sel, as_of))
        moves_section(moves(ranked, before, f.level, f.sel.rules), f.level)

    name = f"assessment_{f.level}_{f.period}"
    left, right, _ = st.columns([1, 1, 4])
    xlsx = load(lambda: data.export(f.url, f.sel, ".xlsx", lang()))
    csv = load(lambda: data.export(f.url, f.sel, ".csv"))
    who = {"url": f.url, "username": f.account.username}
    what = {"by": f.level, "period": f.period, "scope": f.scope_name}
    if xlsx is not None:
        download(
            left, t("download_xlsx"), xlsx, f"{name}.xlsx", None, key="dl_xlsx", what=what, **who
        )
    if csv is not None:
        download(
            right, t("download_csv"), csv, f"{name}.csv", "text/csv", key="dl_csv", what=what, **who
        )
    publish_panel(f, ranked)

    st.subheader(t("funnel_title"))
    rate = st.selectbox(
        t("funnel_kpi"), RATES, format_func=named(RATES, kpi_label), key="funnel_kpi"
    )
    kt = load(lambda: data.kpi_table(f.url, f.sel))
    fun = funnel_points(kt, rate, f.level) if kt is not None and not kt.empty else None
    if fun is not None and not fun.empty:
        fig = go.Figure()
        for lo, hi, name_key, dash in (
            ("lo95", "hi95", "limit95", "dash"),
            ("lo998", "hi998", "limit998", "dot"),
        ):
            for col, show in ((lo, True), (hi, False)):
                fig.add_scatter(
                    x=fun["n"],
                    y=fun[col],
                    mode="lines",
                    name=t(name_key),
                    line={"dash": dash, "color": "#888"},
                    showlegend=show,
                    legendgroup=name_key,
                    hoverinfo="skip",
                )
        fig.add_hline(y=float(fun["target"].iloc[0]) if len(fun) else 0, line_color="#444")
        colour = fun["signal"].map({"better": "#2ca02c", "worse": "#d62728"}).fillna("#1f77b4")
        fig.add_scatter(
            x=fun["n"],
            y=fun["rate"],
            mode="markers",
            name=t("units"),
            marker={"color": colour, "size": 8},
            # each unit's own Wilson 95 % interval: a small unit's rate is uncertain
            error_y={
                "type": "data",
                "symmetric": False,
                "array": fun["rate_hi"] - fun["rate"],
                "arrayminus": fun["rate"] - fun["rate_lo"],
                "thickness": 1,
                "width": 0,
            },
            text=fun["unit"],
            customdata=fun["signal"].map(lambda v: value_label("signal", v) if v else ""),
            hovertemplate="%{text}<br>"
            + kpi_label("n")
            + "：%{x:,}<br>%{y:.1%}<br>%{customdata}<extra></extra>",
        )
        draw_target(fig, rate, f.sel.rules)
        fig.update_layout(xaxis_title=kpi_label("n"), yaxis_title=kpi_label(rate))
        fig.update_yaxes(tickformat=".0%")
        fig.update_xaxes(tickformat=",")
        st.plotly_chart(layout(fig, 420), key="funnel_chart")
        st.caption(t("term_funnel"))
        st.caption(t("term_wilson"))

    st.subheader(t("stability_title"))
    stab = metrics.rank_stability(ranked, data.rules(f.rules_text))
    table(stab.sort_values("best_rank"), key="stability", height=300)

    split_section(f)

    st.subheader(t("explain_title"))
    units = unit_paths(ranked, f.level)
    focus = st.session_state.pop("focus_unit", None)  # the unit the overview sent us to
    if focus and unit_path(focus, f.level) in units:
        st.session_state["explain_unit"] = unit_path(focus, f.level)
    c1, c2, c3 = st.columns(3)
    unit = c1.selectbox(t("unit"), units, key="explain_unit")
    kid = c2.selectbox(
        t("kpi"),
        EXPLAINED,
        format_func=named(EXPLAINED, kpi_label),
        key="explain_kpi",
    )
    part = c3.radio(
        t("part"),
        PARTS,
        format_func=named(PARTS, t),
        horizontal=True,
        key="explain_part",
    )
    counts = load(lambda: data.explain_counts(f.url, f.sel, unit, kid))
    if counts is not None:
        excluded = counts.get("excluded", {}) or {}
        st.markdown(explained(kid, counts, data.rules(f.rules_text)))
        if excluded:
            st.caption(
                " · ".join(f"{value_label('exclusion', k)}: {v:,}" for k, v in excluded.items())
            )
        rows = load(lambda: data.explain(f.url, f.sel, unit, kid, part))
        if rows is not None:
            st.caption(t("first_cases", n=len(rows)))
            if "reason" in rows:
                rows = rows.assign(reason=rows["reason"].map(lambda v: value_label("exclusion", v)))
            table(rows, key="explain_rows", height=300)
            if not rows.empty:
                case_history(f, rows["case_id"].tolist())
