"""考核发布 — the publications an account may see: open one (its frozen table, the appeals in
force) and download it (the CSV exactly as stored, or Excel laid out from it)."""

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.components import download, guarded, table
from dashboard.filters import current
from dashboard.i18n import kpi_label, lang, level_label, t
from dashboard.publishing import when
from records.download import appeals_frame, publication_bytes
from records.publications import visible_to

f = current()
own = f.account.scope_path
st.title(t("page_publications"))
st.caption(own or t("whole_city"))

listed = guarded(lambda: data.publications(f.url))
if listed is not None:
    listed = listed[[visible_to(own, s) for s in listed["scope"]]]
if listed is None or listed.empty:
    st.info(t("pub_none"))
    st.stop()

st.subheader(t("pub_list"))
shown = pd.DataFrame(
    {
        t("pub_id"): listed["id"],
        t("publish_title"): listed["title"],
        t("publish_level"): listed["level"].map(level_label),
        kpi_label("period"): listed["period"],
        t("publish_scope"): listed["scope"].map(lambda s: s or t("whole_city")),
        kpi_label("rule_set"): listed["rule_set"],
        kpi_label("rule_set_hash"): listed["rules_hash"].str[:12],
        kpi_label("as_of"): listed["as_of"].map(lambda v: f"{v:%Y-%m-%d %H:%M}"),
        t("pub_when"): listed["published_at"].map(lambda v: when(f.url, v)),
        t("pub_by"): listed["published_by"],
        t("publish_appeals"): listed["appeals"],
    }
)
st.dataframe(shown, hide_index=True, key="pub_list")

ids = [int(i) for i in listed["id"]]
titles = dict(zip(ids, listed["title"], strict=True))
chosen = st.selectbox(
    t("pub_choose"), ids, format_func=lambda i: f"{i} · {titles[i]}", key="pub_chosen"
)
pub = guarded(lambda: data.publication(f.url, chosen))
if pub is None:
    st.stop()
st.subheader(pub.title)
st.caption(
    t(
        "pub_caption",
        id=pub.id,
        level=level_label(pub.level),
        period=pub.period,
        scope=pub.scope or t("whole_city"),
        rules=pub.rule_set,
        hash=pub.rules_hash[:12],
        as_of=f"{pub.as_of:%Y-%m-%d %H:%M}",
        when=when(f.url, pub.published_at),
        by=pub.published_by,
    )
)
st.caption(t("pub_base", id=pub.previous_id) if pub.previous_id else t("pub_no_base"))
table(pub.table(), key="pub_table", height=420)

name = f"publication_{pub.id}"
left, right, _ = st.columns([1, 1, 4])
what = {"publication": pub.id, "level": pub.level, "period": pub.period, "scope": pub.scope}
who = {"url": f.url, "username": f.account.username}
xlsx = guarded(lambda: publication_bytes(pub, ".xlsx", lang()))
if xlsx is not None:
    download(left, t("download_xlsx"), xlsx, f"{name}.xlsx", None, key="pub_xlsx", what=what, **who)
download(
    right, t("download_csv"), pub.csv, f"{name}.csv", "text/csv", key="pub_csv", what=what, **who
)

st.subheader(t("publish_appeals"))
if pub.appeals:
    st.dataframe(appeals_frame(pub, lang()), hide_index=True, key="pub_appeals")
else:
    st.caption(t("pub_no_appeals"))
