"""Reusable pieces of the pages: number formats, charts and plain error messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pandas as pd
import plotly.express as px
import streamlit as st
from sqlalchemy.exc import OperationalError

import metrics
from caselog import StoreBusy, StoreOutdated
from dashboard.i18n import kpi_label, lang, t, value_label
from metrics.formats import format_delta, format_value, table_format
from services.afterload import STEPS

T = TypeVar("T")


def thousands(value: float | int | None) -> str:
    """12345 -> '12,345'; empty -> '—'."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    return f"{value:,.0f}"


def passing_trouble(exc: BaseException, *, writing: bool = False) -> str | None:
    """The plain sentence for a store that is busy, briefly unreachable or not yet upgraded,
    else None.

    Busy: a DuckDB file held by a load in another process beyond the wait (caselog.StoreBusy).
    Unreachable: a PostgreSQL server that is down or restarting (the driver's connection
    error); the next page load works again once it is back (the pool pings first).
    Not upgraded: a store behind this version's schema (caselog.StoreOutdated) until the
    operator runs ``python -m gridpulse db upgrade``."""
    if isinstance(exc, StoreBusy):
        return t("store_busy_write" if writing else "store_busy")
    if isinstance(exc, StoreOutdated):
        return t("store_needs_upgrade")
    if isinstance(exc, OperationalError) and (
        exc.connection_invalidated or type(exc.orig).__module__.startswith("psycopg")
    ):
        return t("store_unreachable")
    return None


def preparing(bar) -> Callable[[str], None]:
    """The progress report of the work after a load (services.afterload) on ``bar``: each
    step named, the bar filled by the share of steps done."""
    seen: list[str] = []

    def step(what: str) -> None:
        seen.append(what)
        bar.progress(min(len(seen) / STEPS, 1.0), text=t("warming", what=what))

    return step


def guarded(load: Callable[[], T], message_key: str = "store_error") -> T | None:
    """Run ``load``; on failure show one plain sentence instead of a traceback."""
    try:
        return load()
    except Exception as exc:  # any failure below the page becomes a message
        passing = passing_trouble(exc)
        if passing:
            st.warning(passing, icon=":material/hourglass_top:")
            return None
        first = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0]
        st.error(t(message_key, error=first or type(exc).__name__))
        return None


def calendar_caption(frame: pd.DataFrame | None) -> None:
    """A caption naming the years whose working-day deadlines in ``frame`` rest on statutory
    holidays only (frame.attrs["assumed_years"]); nothing when there are none."""
    years = frame.attrs.get("assumed_years") if frame is not None else None
    if years:
        st.caption(t("calendar_caption", years=", ".join(map(str, years))))


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


# forecasting columns shown as counts (metrics columns carry their unit in metrics.labels)
FORECAST_COUNTS = {"actual"}


def load(fn: Callable[[], T]) -> T | None:
    """Run a loader under a spinner; a failure becomes one plain sentence (never a traceback)."""
    with st.spinner(t("loading_data")):
        return guarded(fn, "metrics_error")


def table(frame: pd.DataFrame, *, key: str | None = None, height: int | None = None, **kw):
    """A dataframe with Chinese/English headers and formatted numbers (percent, thousands);
    no rows: a caption in the page's language (Streamlit's own empty table says "empty")."""
    if frame.empty:
        st.caption(t("no_rows"))
        return None
    shown = frame.copy()
    shown.attrs = {}
    for col in shown.select_dtypes(include="object").columns:
        shown[col] = shown[col].where(shown[col].notna(), "")
    for col in ("status", "source", "urgency", "request_type"):
        if col in shown and shown[col].dtype == object:
            shown[col] = shown[col].map(lambda v, c=col: value_label(c, v) if v else "")
    config = {}
    for col in frame.columns:
        name = kpi_label(col)
        fmt = table_format(col, lang(), frame[col])
        if fmt is not None:
            scale, printf = fmt
            if scale != 1:
                shown[col] = frame[col] * scale
            config[name] = st.column_config.NumberColumn(name, format=printf)
        elif col in FORECAST_COUNTS or pd.api.types.is_float_dtype(frame[col]):
            # thousands separators and at most three decimals; the value itself stays exact
            config[name] = st.column_config.NumberColumn(name, format="localized")
    shown.columns = [kpi_label(c) for c in frame.columns]
    kw.setdefault("hide_index", True)
    if height is not None:
        kw["height"] = height
    return st.dataframe(shown, column_config=config, key=key, **kw)


def download(
    where,
    label: str,
    payload: bytes,
    filename: str,
    mime: str | None,
    *,
    key: str,
    url: str,
    username: str,
    what: dict,
) -> None:
    """A download button (drawn in ``where``: st or a column) whose click is written to the
    audit log with who downloaded which file of what (level, period, scope …)."""
    from dashboard import data

    where.download_button(
        label,
        payload,
        filename,
        mime,
        icon=":material/download:",
        key=key,
        on_click=data.audit_export,
        args=(url, username, what | {"file": filename}),
    )


def csv_bytes(frame: pd.DataFrame, stamp: dict[str, str]) -> bytes:
    """A frame as UTF-8 CSV with BOM (opens cleanly in Excel), with ``stamp``'s columns
    (metrics.Freshness.columns: as_of, data_loaded_at) added so the file says how fresh it is."""
    return frame.assign(**stamp).to_csv(index=False).encode("utf-8-sig")


def fmt_kpi(kpi_id: str, value) -> str:
    """One KPI's (or column's) value in its unit and the page's language ('85.3%', '1,234',
    '2.5 小时'); empty -> '—' (metrics.formats.format_value)."""
    return format_value(kpi_id, value, lang())


def explained(kpi_id: str, counts: dict, rules) -> str:
    """The sentence above a KPI's cases (metrics.explain_counts): its value and the counts it
    comes from, 基本满意 weighted as the KPI weights it, a median said to be one."""
    kind = metrics.kpi(kpi_id).kind
    values = {
        "kpi": kpi_label(kpi_id),
        "value": fmt_kpi(kpi_id, counts.get("value")),
        "num": thousands(counts["numerator"]),
        "den": thousands(counts["denominator"]),
        "exc": thousands(sum((counts.get("excluded") or {}).values())),
    }
    if "points" in counts:
        weight = f"{rules.basically_satisfied:g}"
        return t("explain_satisfaction", points=f"{counts['points']:,.1f}", weight=weight, **values)
    key = {"median": "explain_median", "count": "explain_count"}.get(kind, "explain_ratio")
    return t(key, **values)


def fmt_delta(kpi_id: str, now, before) -> str | None:
    """The change from ``before`` to ``now`` (percentage points for rates); None when empty."""
    return format_delta(kpi_id, now, before, lang())


def layout(fig, height: int = 360, *, dates: bool = False):
    """Common plotly layout: compact margins, thousands separators, CJK-capable font;
    ``dates``: the x axis shows dates as 2025-03-01 (not month names in English)."""
    if dates:
        fig.update_xaxes(tickformat="%Y-%m-%d")
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        font={"family": "Noto Sans CJK SC, Noto Sans, sans-serif"},
        separators=".,",
    )
    return fig
