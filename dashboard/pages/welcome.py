"""开始使用 — an empty store: offer to build the sample city, or show how to load real data."""

import streamlit as st

from dashboard import data
from dashboard.components import passing_trouble, preparing
from dashboard.filters import require_city
from dashboard.i18n import t
from services.sample import load_sample_city

st.title(t("welcome_title"))
require_city()
st.write(t("welcome_empty"))

if st.button(
    t("build_sample"), type="primary", icon=":material/location_city:", key="build_sample"
):
    bar = st.progress(0.0, text=t("building"))
    labels = {"generate": t("generating"), "load": t("loading")}

    def report(phase: str, done: int, total: int) -> None:
        share = done / total if total else 0.0
        overall = 0.8 * share if phase == "generate" else 0.8 + 0.2 * share
        bar.progress(min(overall, 1.0), text=f"{labels[phase]} {share:.0%}")

    try:
        url = st.session_state["db_url"]
        load_sample_city(data.writer(url), url, progress=report, preparing=preparing(bar))
    except Exception as exc:  # show one sentence, keep the page alive
        busy = passing_trouble(exc, writing=True)
        if busy:
            st.warning(busy)
        else:
            st.error(t("build_error", error=str(exc).splitlines()[0] if str(exc) else exc))
    else:
        data.forget_cached_data()
        bar.progress(1.0, text=t("built", cases=data.case_count(st.session_state["db_url"])))
        st.rerun()

st.caption(t("cli_hint"))
st.code(
    ".venv/bin/python -m gridpulse ingest cases.csv --ratings ratings.csv --grids grids.csv\n"
    ".venv/bin/python -m gridpulse ingest boston/*.csv --mapping sample_data/mappings/boston311.toml",
    language="bash",
)
