"""通报 — the bulletin of the sidebar's period, level and scope, from one of its publications or
computed now (未发布): previewed page by page, downloaded as Word and PDF."""

import streamlit as st

from dashboard import data
from dashboard.bulletins import render
from dashboard.components import download, guarded, load
from dashboard.filters import current, require_areas
from dashboard.i18n import lang, level_label, t
from records.publications import visible_to

account = require_areas()  # a department's bulletin would rank the departments it works with
f = current()
own = account.scope_path
where = "/".join(v for _, v in f.areas)
st.title(t("page_bulletin"))
st.caption(t("bulletin_caption", scope=f.scope_name, level=level_label(f.level), period=f.period))

listed = guarded(lambda: data.publications(f.url))
ids: list[int] = []
titles: dict[int, str] = {}
if listed is not None and not listed.empty:
    mine = listed[
        (listed["period"] == f.period)
        & (listed["level"] == f.level)
        & (listed["scope"] == where)
        & listed["scope"].map(lambda s: visible_to(own, s))
    ]
    ids = [int(i) for i in mine["id"]]  # newest first
    titles = dict(zip(ids, mine["title"], strict=True))
options: list[int | None] = [*ids, None]
chosen = st.selectbox(
    t("bulletin_source"),
    options,
    format_func=lambda i: (
        t("bulletin_live") if i is None else t("bulletin_publication", id=i, title=titles[i])
    ),
    key="bulletin_source",
)
if chosen is None:
    # said here in the page's language rather than as the bulletin's English refusal
    ranked = load(lambda: data.assessment(f.url, f.sel))
    if ranked is None:
        st.stop()
    if not ranked["cases"].fillna(0).sum():
        st.info(t("no_data"))
        st.stop()
if not ids:
    st.info(t("bulletin_no_publication"))

with st.spinner(t("bulletin_rendering")):
    made = guarded(lambda: render(f.url, f.sel, chosen, own, lang()), "bulletin_error")
if made is None:
    st.stop()
if made.font_missing:
    st.warning(t("bulletin_no_font"))
if made.publication_id is not None:
    st.success(t("bulletin_published", id=made.publication_id))
else:
    st.warning(t("bulletin_preliminary"))
st.subheader(made.title)
colon = "：" if lang() == "zh" else ": "
st.caption(" · ".join(f"{name}{colon}{text}" for name, text in made.facts if text))

name = f"bulletin_{f.level}_{f.period}" + (f"_p{chosen}" if chosen is not None else "")
what = {"bulletin": made.title, "level": f.level, "period": f.period, "scope": f.scope_name}
if chosen is not None:
    what["publication"] = chosen
who = {"url": f.url, "username": account.username}
left, right, _ = st.columns([1, 1, 4])
docx_mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
download(
    left,
    t("bulletin_docx"),
    made.docx,
    f"{name}.docx",
    docx_mime,
    key="bulletin_docx",
    what=what,
    **who,
)
download(
    right,
    t("bulletin_pdf"),
    made.pdf,
    f"{name}.pdf",
    "application/pdf",
    key="bulletin_pdf",
    what=what,
    **who,
)

st.subheader(t("bulletin_preview", n=len(made.pages)))
columns = st.columns(2)
for n, png in enumerate(made.pages, 1):
    columns[(n - 1) % 2].image(png, caption=t("bulletin_page", n=n))
