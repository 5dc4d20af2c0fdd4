"""督查督办 — red and yellow cards, open cases by age, overdue by department and street, orders."""

import plotly.express as px
import streamlit as st

from dashboard import data
from dashboard.components import (
    calendar_caption,
    csv_bytes,
    download,
    guarded,
    layout,
    load,
    table,
    thousands,
)
from dashboard.filters import current
from dashboard.i18n import kpi_label, t, value_label
from dashboard.orders import orders_section

f = current()
st.title(t("page_supervision"))
fresh = guarded(lambda: data.freshness(f.url))
moment = fresh.as_of if fresh else None
st.caption(
    f"{f.scope_name} · {t('as_of_caption', as_of=f'{moment:%Y-%m-%d %H:%M}' if moment else '—')}"
)
st.caption(t("overdue_now_caption"))  # not the overview's 超期未结 of one period's cases

age = load(lambda: data.table(f.url, "ageing", f.sel))
calendar_caption(age)
if age is not None:
    left, right = st.columns([2, 3])
    with left:
        st.subheader(t("ageing_title"))
        frame = age.assign(bucket=age["bucket"].astype(str).map(lambda v: value_label("bucket", v)))
        long = frame.melt(id_vars="bucket", value_vars=["open_cases", "overdue"])
        long["variable"] = long["variable"].map(kpi_label)
        fig = px.bar(
            long,
            x="bucket",
            y="value",
            color="variable",
            barmode="group",
            labels={"bucket": kpi_label("bucket"), "value": t("case_count"), "variable": ""},
        )
        fig.update_yaxes(tickformat=",")
        fig.update_traces(hovertemplate="%{x}<br>%{fullData.name}：%{y:,}<extra></extra>")
        st.plotly_chart(layout(fig, 320), key="ageing_chart")
    with right:
        cols = st.columns(3)
        cols[0].metric(kpi_label("open_cases"), thousands(age["open_cases"].sum()))
        cols[1].metric(kpi_label("overdue"), thousands(age["overdue"].sum()))

for kind, title in (("red", "red_cards"), ("yellow", "yellow_cards")):
    st.subheader(t(title))
    found = load(lambda kind=kind: data.cards(f.url, kind, f.sel))
    if found is None:
        continue
    if found.empty:
        st.info(t("no_cards"))
        continue
    st.caption(t("shown_of", n=len(found)))
    table(found, key=f"{kind}_cards", height=320)
    download(
        st,
        t("download_csv"),
        csv_bytes(found, data.freshness(f.url).columns()),
        f"{kind}_cards.csv",
        "text/csv",
        key=f"dl_{kind}",
        url=f.url,
        username=f.account.username,
        what={"list": f"{kind}_cards", "scope": f.scope_name},
    )

left, right = st.columns(2)
for col, by, title in (
    (left, "department", "overdue_by_department"),
    (right, "street", "overdue_by_street"),
):
    with col:
        st.subheader(t(title))
        counts = load(lambda by=by: data.table(f.url, "overdue", f.sel.by(by)))
        if counts is None or counts.empty:
            st.info(t("no_cards"))
            continue
        table(counts, key=f"overdue_{by}", height=320)
        download(
            st,
            t("download_csv"),
            csv_bytes(counts, data.freshness(f.url).columns()),
            f"overdue_{by}.csv",
            "text/csv",
            key=f"dl_overdue_{by}",
            url=f.url,
            username=f.account.username,
            what={"list": f"overdue_by_{by}", "scope": f.scope_name},
        )

orders_section(f)
