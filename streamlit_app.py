"""GridPulse 网格治理绩效看板 — the router: shared sidebar, then the chosen page."""

import contextlib

import streamlit as st

import dashboard.bulletins  # noqa: F401  (the 通报 page's words, for its title below)
from caselog import default_url
from dashboard import auth, data, urlstate, views
from dashboard.chrome import localise_widgets
from dashboard.components import guarded
from dashboard.filters import sidebar
from dashboard.i18n import LANGUAGES, t
from dashboard.phone import phone_layout

st.set_page_config(
    page_title="GridPulse 网格治理绩效看板", page_icon=":material/grid_view:", layout="wide"
)

phone_layout()
urlstate.arrive()  # a link's view is read before sign-in, which may take several runs
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
    home = overview = lost = slot = None
else:
    overview = page("overview.py", "page_overview", ":material/dashboard:", "overview")
    # the root opens the overview at its own URL, /overview (home switches there)
    home = st.Page(
        lambda: None, title=t("page_overview"), url_path="", default=True, visibility="hidden"
    )
    lost = None
    pages = {
        t("section_leaders"): [
            home,
            overview,
            page("compare.py", "page_compare", ":material/compare_arrows:", "compare"),
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
    if not account.is_department:
        # a bulletin (通报) ranks and lists every department working in its area
        pages[t("section_assessment")].insert(
            2, page("bulletin.py", "page_bulletin", ":material/article:", "bulletin")
        )
    if account.is_city:
        # loads, quarantined rows and the audit log cover the whole city
        pages[t("section_data")] = [
            page("data_overview.py", "page_data", ":material/database:", "data"),
            page("rule_sets.py", "page_rule_sets", ":material/rule:", "rules"),
        ]
    known = views.slugs(pages) - {""}
    requested = urlstate.requested_page()
    if requested and "/" not in requested and requested not in known:
        # an unknown path answers with the overview and a note, not Streamlit's own dialog
        lost = st.Page(lambda: None, title=t("page_lost"), url_path=requested, visibility="hidden")
        pages[t("section_leaders")].append(lost)

chosen = st.navigation(pages, expanded=True)  # every page listed: no English "View more"
if cases:
    slug = "" if chosen in (home, lost) else chosen.url_path
    opened = guarded(lambda: urlstate.apply_link(url, account, slug, known))
    if not slug:
        st.switch_page(views.page_named(pages, opened) or overview)
    with st.sidebar:
        guarded(lambda: sidebar(url))
        slot = guarded(lambda: views.sidebar_box(url, account, pages, slug))
notes = st.container()  # a link's notes go above the page
urlstate.run_page(chosen, notes, after=lambda: slot and views.show_link(slot, slug))
