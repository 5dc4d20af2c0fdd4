"""数据概览 — what the store holds: volumes by month, district, category, source; quarantine."""

import plotly.express as px
import streamlit as st

import accounts
from caselog import default_url
from dashboard import data
from dashboard.chrome import actor_name, rules_name
from dashboard.components import bar_chart, guarded, table, thousands
from dashboard.filters import current, require_city
from dashboard.i18n import column_label, flag_label, t, value_label
from dashboard.upload import upload_form


def counted(frame, name: str, words, number: str, number_label: str) -> None:
    """A table of counts: the ``name`` column in words, the ``number`` column localised."""
    shown = frame.assign(**{name: frame[name].map(words)}).rename(
        columns={name: t(name), number: t(number_label)}
    )
    localized = st.column_config.NumberColumn(format="localized")
    st.dataframe(shown, hide_index=True, column_config={t(number_label): localized})


url = st.session_state.get("db_url", default_url())
st.title(t("page_data"))
account = require_city()

with st.spinner("…"):
    ov = guarded(lambda: data.overview(url))
if ov is not None:
    cols = st.columns(5)
    for col, key in zip(cols, ("cases", "ratings", "grids", "rejected", "flagged"), strict=True):
        col.metric(t("stored_cases" if key == "cases" else key), thousands(ov.totals[key]))
    if ov.first_reported is not None:
        st.caption(f"{t('span')}: {ov.first_reported:%Y-%m-%d} — {ov.last_reported:%Y-%m-%d}")
    status = ov.by_status.set_index("status")["cases"] if not ov.by_status.empty else {}
    st.caption(t("stored_with_cancelled", n=thousands(int(status.get("cancelled", 0)))))

    st.subheader(t("by_month"))
    if not ov.by_month.empty:
        months = ov.by_month.assign(month=lambda f: f["month"].dt.strftime("%Y-%m"))
        fig = px.bar(
            months, x="month", y="cases", labels={"month": t("month"), "cases": t("stored_cases")}
        )
        fig.update_xaxes(type="category")
        fig.update_yaxes(tickformat=",")
        fig.update_layout(height=320, margin={"l": 10, "r": 10, "t": 10, "b": 10})
        st.plotly_chart(fig)

    left, right = st.columns(2)
    with left:
        st.subheader(t("by_district"))
        frame = ov.by_district.assign(district=lambda f: f["district"].replace("", t("unknown")))
        bar_chart(
            frame.head(30), "district", "cases", t("district"), t("stored_cases"), horizontal=True
        )
    with right:
        st.subheader(t("by_category"))
        frame = ov.by_category.head(30)
        bar_chart(frame, "category", "cases", t("category"), t("stored_cases"), horizontal=True)

    left, right = st.columns(2)
    with left:
        st.subheader(t("by_source"))
        frame = ov.by_source.assign(
            source=lambda f: f["source"].map(lambda v: value_label("source", v))
        )
        fig = px.pie(frame, names="source", values="cases", hole=0.45)
        fig.update_layout(height=320, margin={"l": 10, "r": 10, "t": 10, "b": 10})
        st.plotly_chart(fig)
    with right:
        st.subheader(t("by_status"))
        frame = ov.by_status.assign(
            status=lambda f: f["status"].map(lambda v: value_label("status", v))
        )
        bar_chart(frame, "status", "cases", t("status"), t("stored_cases"), height=320)

    st.subheader(t("rejected_title"))
    if ov.rejected.empty:
        st.info(t("no_rejected"))
    else:
        frame = ov.rejected.assign(
            kind=lambda f: f["kind"].map(lambda v: value_label("kind", v)),
            reason=lambda f: f["reason"].map(lambda v: value_label("reason", v)),
        ).rename(columns={"kind": t("kind"), "reason": t("reason"), "rows": t("rows")})
        st.dataframe(
            frame,
            hide_index=True,
            column_config={t("rows"): st.column_config.NumberColumn(format="localized")},
        )

    st.subheader(t("quality_title"))
    if ov.quality.empty:
        st.info(t("no_quality"))
    else:
        counted(ov.quality, "flag", flag_label, "cases", "stored_cases")
    if not ov.rating_quality.empty:
        st.subheader(t("rating_quality_title"))
        counted(ov.rating_quality, "flag", flag_label, "ratings", "ratings")
    if not ov.day_precision.empty:
        st.subheader(t("day_precision_title"))
        st.caption(t("day_precision_note"))
        counted(ov.day_precision, "column", column_label, "values", "values")

    st.subheader(t("loads_title"))
    loads = ov.loads.assign(
        kind=lambda f: f["kind"].map(lambda v: value_label("kind", v)),
        loaded_by=lambda f: f["loaded_by"].map(actor_name),
    )
    loads = loads.drop(columns=["id"]).rename(
        columns={
            c: t(c)
            for c in (
                "kind",
                "file",
                "finished_at",
                "read",
                "inserted",
                "updated",
                "unchanged",
                "rejected",
                "loaded_by",
            )
        }
    )
    number = st.column_config.NumberColumn(format="localized")
    st.dataframe(
        loads,
        hide_index=True,
        column_config={
            t(c): number for c in ("read", "inserted", "updated", "unchanged", "rejected")
        },
    )

upload_form(url, account.username)

st.subheader(t("rules_title"))
rs = guarded(lambda: data.rules(current().rules_text))
if rs is not None:
    st.caption(t("rules_in_use", name=rules_name(rs.name), hash=rs.hash))
    st.code(rs.text, language="toml")

st.subheader(t("accounts_title"))
people = guarded(lambda: accounts.list_accounts(data.accounts_engine(url)))
if people is not None and not people.empty:
    people = people.assign(role=people["role"].map(lambda v: value_label("role", v)))
    table(people, key="accounts")
elif people is not None:
    st.caption(t("open_mode"))

st.subheader(t("audit_title"))
log = guarded(lambda: accounts.recent(data.accounts_engine(url), 200))
if log is not None and not log.empty:
    log = log.assign(action=log["action"].map(lambda v: value_label("action", v)))
    table(log, key="audit_log", height=320)
