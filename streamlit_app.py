"""GridPulse 网格治理绩效看板 — the router: shared sidebar, then the chosen page."""

import contextlib

import streamlit as st

from caselog import default_url
from dashboard import auth, data
from dashboard.chrome import localise_widgets
from dashboard.components import guarded
from dashboard.filters import sidebar
from dashboard.i18n import LANGUAGES, t

st.set_page_config(
    page_title="GridPulse 网格治理绩效看板", page_icon=":material/grid_view:", layout="wide"
)

with st.sidebar:
    st.selectbox(t("language"), list(LANGUAGES), format_func=LANGUAGES.get, key="lang")
localise_widgets()

st.session_state.setdefault("db_url", default_url())
url = st.session_state["db_url"]
account = auth.gate(url)
if account is None:
    st.stop()  # the sign-in page (or a plain message) is shown
with st.sidebar:
    auth.sidebar_box(url, account)
with contextlib.suppress(Exception):  # a busy or unreachable store is reported just below
    data.refresh_if_changed(url)
cases = guarded(lambda: data.case_count(url))
if cases is None:
    # Busy (a load holds the store) or unreachable: the message is shown; offer no pages
    # (not the empty store's welcome page) until a refresh reads the store again.
    st.stop()


def page(path: str, key: str, icon: str, slug: str) -> st.Page:
    return st.Page(f"dashboard/pages/{path}", title=t(key), icon=icon, url_path=slug)


if not cases:
    # only a city account may build the sample city or load data into the store
    pages = [page("welcome.py", "page_welcome", ":material/rocket_launch:", "welcome")]
else:
    with st.sidebar:
        guarded(lambda: sidebar(url))
    pages = {
        t("section_leaders"): [
            page("overview.py", "page_overview", ":material/dashboard:", "overview"),
        ],
        t("section_assessment"): [
            page("assessment.py", "page_assessment", ":material/leaderboard:", "assessment"),
            page("publications.py", "page_publications", ":material/verified:", "publications"),
            page("supervision.py", "page_supervision", ":material/assignment_late:", "supervision"),
            page("appeals.py", "page_appeals", ":material/gavel:", "appeals"),
            page("departments.py", "page_departments", ":material/handshake:", "departments"),
        ],
        t("section_analysis"): [
            page("trends.py", "page_trends", ":material/trending_up:", "trends"),
            page("grid_map.py", "page_map", ":material/map:", "map"),
        ],
    }
    if not account.is_department:
        # forecasts count every department's cases by area (docs/deployment.md)
        pages[t("section_analysis")].append(
            page("forecasts.py", "page_forecasts", ":material/query_stats:", "forecasts")
        )
    if account.is_city:
        # loads, quarantined rows and the audit log cover the whole city
        pages[t("section_data")] = [
            page("data_overview.py", "page_data", ":material/database:", "data"),
            page("rule_sets.py", "page_rule_sets", ":material/rule:", "rules"),
        ]

st.navigation(pages).run()
