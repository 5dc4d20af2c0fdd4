"""The overview's surge table in words: unit names, category, observed against expected, since when."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import forecasting
from dashboard.components import table
from dashboard.i18n import kpi_label, t

SHOWN = 20


def readable(alerts: pd.DataFrame, grids: pd.DataFrame) -> pd.DataFrame:
    """The newest window's alerts (forecasting.load_alerts rows) for people: ``unit`` (a
    grid as 区/街道/社区 · grid id from ``grids``, columns grid and community as from
    forecasting.hierarchy; a city-wide category as 全市), ``category`` (全部大类 for a whole
    grid), ``actual``, ``expected`` (one decimal), ``ratio`` (actual ÷ expected as '×2.5',
    '—' when nothing was expected) and ``since`` (the window's first day), highest score first."""
    if alerts.empty:
        return pd.DataFrame(columns=["unit", "category", "actual", "expected", "ratio", "since"])
    where = dict(zip(grids["grid"].astype(str), grids["community"].astype(str), strict=False))
    grid = alerts["kind"] != "category"
    ids = alerts["unique_id"].astype(str)
    unit = [
        f"{where[i]} · {i}" if g and i in where else (i if g else t("surge_city"))
        for i, g in zip(ids, grid, strict=True)
    ]
    expected = alerts["expected"].astype(float)
    ratio = [
        f"×{a / e:,.1f}" if e > 0 else "—"
        for a, e in zip(alerts["actual"].astype(float), expected, strict=True)
    ]
    named = alerts["category"].notna() & (alerts["category"].astype(str) != "")
    category = alerts["category"].where(named, t("surge_all_categories"))
    return pd.DataFrame(
        {
            "unit": unit,
            "category": category.astype(str),
            "actual": alerts["actual"].astype(float).round().astype("int64"),
            "expected": expected.round(1),
            "ratio": ratio,
            "since": pd.to_datetime(alerts["window_start"]).dt.strftime("%Y-%m-%d"),
            "grid_id": ids.where(grid, ""),
        }
    ).reset_index(drop=True)


def surge_table(shown: pd.DataFrame, days: int, level_pct: float) -> None:
    """The readable alerts with headers in the page's language and what a surge is."""
    out = shown.drop(columns="grid_id").head(SHOWN)
    out.columns = [
        t("surge_unit"),
        kpi_label("category"),
        t("surge_observed", days=days),
        t("surge_expected"),
        t("surge_ratio"),
        t("surge_since"),
    ]
    table(out, key="alerts")
    st.caption(t("surge_caption", pct=level_pct))


@st.cache_data(ttl=600, show_spinner=False)
def grid_tree(url: str) -> pd.DataFrame:
    """Each grid's community path (区/街道/社区), as forecasting.hierarchy gives it."""
    from dashboard import data

    return forecasting.hierarchy(data.engine(url), "grid")[["grid", "community"]]


def to_cases(grid_id: str, community: str) -> None:
    """Open the assessment at grid level inside the grid's street, on the grid's cases."""
    district, street, name = community.split("/", 2)
    st.session_state["scope"] = f"{district}/{street}"
    st.session_state["level"] = "grid"
    st.session_state["focus_unit"] = {
        "district": district,
        "street": street,
        "community": name,
        "grid_id": grid_id,
    }
    st.session_state["explain_kpi"] = "cases"


def cases_link(shown: pd.DataFrame, grids: pd.DataFrame) -> None:
    """Pick a grid's alert and open its cases (the assessment's 指标溯源 of 受理量)."""
    grid_rows = shown[shown["grid_id"] != ""].head(SHOWN)
    if grid_rows.empty:
        return
    where = dict(zip(grids["grid"].astype(str), grids["community"].astype(str), strict=False))
    units = dict(zip(grid_rows["unit"], grid_rows["grid_id"], strict=False))
    left, right = st.columns([3, 1])
    pick = left.selectbox(t("surge_unit"), list(units), key="surge_unit")
    grid_id = units[pick]
    if grid_id in where and right.button(
        t("surge_cases"),
        key="surge_cases",
        icon=":material/list_alt:",
        on_click=to_cases,
        args=(grid_id, where[grid_id]),
    ):
        st.switch_page("dashboard/pages/assessment.py")
