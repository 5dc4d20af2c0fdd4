"""Reusable pieces of the pages: number formats, charts and plain error messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pandas as pd
import plotly.express as px
import streamlit as st

from dashboard.i18n import t

T = TypeVar("T")


def thousands(value: float | int | None) -> str:
    """12345 -> '12,345'; empty -> '—'."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    return f"{value:,.0f}"


def percent(value: float | None, digits: int = 1) -> str:
    """0.9234 -> '92.3%'; empty -> '—'."""
    if value is None or pd.isna(value):
        return "—"
    return f"{value:.{digits}%}"


def guarded(load: Callable[[], T], message_key: str = "store_error") -> T | None:
    """Run ``load``; on failure show one plain sentence instead of a traceback."""
    try:
        return load()
    except Exception as exc:  # any failure below the page becomes a message
        first = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0]
        st.error(t(message_key, error=first or type(exc).__name__))
        return None


def bar_chart(
    frame: pd.DataFrame,
    x: str,
    y: str,
    x_label: str,
    y_label: str,
    *,
    horizontal: bool = False,
    height: int = 360,
):
    """A plotly bar chart with localised axis labels and thousands separators."""
    if horizontal:
        fig = px.bar(frame, x=y, y=x, orientation="h", labels={x: x_label, y: y_label})
        fig.update_yaxes(autorange="reversed")
        fig.update_xaxes(tickformat=",")
    else:
        fig = px.bar(frame, x=x, y=y, labels={x: x_label, y: y_label})
        fig.update_yaxes(tickformat=",")
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 10, "b": 10})
    fig.update_traces(hovertemplate="%{x}: %{y:,}" if not horizontal else "%{y}: %{x:,}")
    st.plotly_chart(fig)
