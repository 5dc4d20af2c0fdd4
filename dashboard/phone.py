"""The phone layout (a screen 390 px wide): tighter margins, smaller headings, two KPI cards a row."""

from __future__ import annotations

import streamlit as st

#: Streamlit stacks columns one under another below 640 px. Rows of KPI cards (st.metric)
#: are kept two a row there instead of seven screens of single cards; tables keep scrolling
#: inside their own frame and charts take the container's width (plotly resizes), so the
#: page itself never scrolls sideways.
CSS = """
<style>
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] {
    padding-left: 0.75rem; padding-right: 0.75rem; padding-top: 3.5rem;
  }
  [data-testid="stMain"] h1 { font-size: 1.75rem; }
  [data-testid="stMain"] h2 { font-size: 1.35rem; }
  [data-testid="stMain"] h3 { font-size: 1.15rem; }
  [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] [data-testid="stMetric"]) {
    flex-wrap: wrap; gap: 0.5rem;
  }
  [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] [data-testid="stMetric"])
    > [data-testid="stColumn"] {
    flex: 1 1 calc(50% - 0.5rem) !important; min-width: calc(50% - 0.5rem) !important;
    width: calc(50% - 0.5rem) !important;
  }
  [data-testid="stMetric"] { padding: 0.5rem 0.6rem; }
  [data-testid="stMetricValue"] { font-size: 1.4rem; }
  [data-testid="stMain"] [data-testid="stElementContainer"] { max-width: 100%; }
  [data-testid="stMain"] pre { white-space: pre-wrap; word-break: break-all; }
}
</style>
"""


def phone_layout() -> None:
    """Add the phone rules to the page (a style element only: it takes no room)."""
    st.html(CSS)
