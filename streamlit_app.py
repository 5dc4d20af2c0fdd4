"""GridPulse 网格治理绩效看板 — the router: shared sidebar, then the chosen page."""

import streamlit as st

from caselog import default_url
from dashboard import data
from dashboard.components import guarded
from dashboard.i18n import LANGUAGES, t

st.set_page_config(
    page_title="GridPulse 网格治理绩效看板", page_icon=":material/grid_view:", layout="wide"
)

with st.sidebar:
    st.selectbox(t("language"), list(LANGUAGES), format_func=LANGUAGES.get, key="lang")

st.session_state.setdefault("db_url", default_url())
cases = guarded(lambda: data.case_count(st.session_state["db_url"]))

if not cases:
    pages = [
        st.Page(
            "dashboard/pages/welcome.py",
            title=t("page_welcome"),
            icon=":material/rocket_launch:",
            url_path="welcome",
        )
    ]
else:
    pages = [
        st.Page(
            "dashboard/pages/data_overview.py",
            title=t("page_data"),
            icon=":material/database:",
            url_path="data",
        ),
    ]

st.navigation(pages).run()
