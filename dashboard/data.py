"""The dashboard's access to the store: one cached engine and cached loaders of plain values."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from caselog import default_url, open_store
from caselog.overview import StoreOverview, count_cases, store_overview


@st.cache_resource(show_spinner=False)
def engine(url: str | None = None) -> Engine:
    """The store's engine, shared by every session of this server process."""
    return open_store(url or default_url())


@st.cache_data(ttl=300, show_spinner=False)
def case_count(url: str) -> int:
    """Number of cases in the store at ``url``."""
    return count_cases(engine(url))


@st.cache_data(ttl=300, show_spinner=False)
def overview(url: str) -> StoreOverview:
    """Aggregates of what is loaded (cached for five minutes, cleared after a load)."""
    return store_overview(engine(url))


def forget_cached_data() -> None:
    """Drop cached query results after the store changed."""
    st.cache_data.clear()
