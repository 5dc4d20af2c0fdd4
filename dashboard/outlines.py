"""The map's district and street outlines with their names, and its hovers and legend in words."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from caselog.boundaries import Boundary, boundaries
from dashboard import data
from dashboard.i18n import lang, t
from metrics.formats import format_value

#: Street names are written on the map only when it shows at most this many streets.
MAX_STREET_NAMES = 40
#: How each colour measure's numbers read (a column of the label table) and its unit.
MEASURE_COLUMNS = {
    "map_volume": "volume_per_1k_households",
    "map_cases": "cases",
    "map_overdue": "overdue",
    "map_forecast": "cases",
    "map_alerts": "count",
}


@st.cache_resource(ttl=3600, show_spinner=False)
def outlines(url: str, scope: data.Scope) -> dict[str, list[Boundary]]:
    """The street and district outlines of the grids inside ``scope`` (a resource: the
    polygons never change between loads; treat as read-only)."""
    return boundaries(data.grids_geojson(url, scope))


def value_text(measure: str, value) -> str:
    """A colour value as the pages write it ('12.3', '1,234', '—')."""
    column = MEASURE_COLUMNS[measure]
    if column == "count":
        return "—" if value is None or value != value else f"{value:,.0f}"
    if measure == "map_forecast" and value == value and value is not None:
        return f"{value:,.0f}"  # a forecast total is not counted cases: no decimals to trust
    return format_value(column, value, lang())


def legend_title(name: str, measure: str) -> str:
    """The colour bar's title: the measure and its unit (件/千户, 件, 条)."""
    return t("map_legend_unit", kpi=name, unit=t(f"{measure}_unit"))


def add_outlines(fig, url: str, scope: data.Scope, streets_named: bool) -> None:
    """Street outlines (thin), district outlines (thick) and their names on ``fig``;
    street names only when ``streets_named`` (few streets shown)."""
    drawn = outlines(url, scope)
    for level, width, colour in (("street", 1.5, "#4d4d4d"), ("district", 3.0, "#1a1a1a")):
        areas = drawn[level]
        if not areas:
            continue
        # drawn as unfilled polygons: the map's own polygon layer, which needs no glyphs
        # or tiles from the network
        features = [
            {
                "type": "Feature",
                "id": a.path,
                "properties": {},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [list(zip(lo, la, strict=True)) for lo, la in a.rings],
                },
            }
            for a in areas
        ]
        fig.add_trace(
            go.Choroplethmap(
                geojson={"type": "FeatureCollection", "features": features},
                locations=[a.path for a in areas],
                z=[0] * len(areas),
                colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
                showscale=False,
                marker={"line": {"width": width, "color": colour}},
                hoverinfo="skip",
            )
        )
        if level == "district" or streets_named:
            fig.add_trace(
                go.Scattermap(
                    lon=[a.label_lon for a in areas],
                    lat=[a.label_lat for a in areas],
                    mode="text",
                    text=[a.name for a in areas],
                    textfont={
                        "size": 15 if level == "district" else 11,
                        "color": colour,
                    },
                    hoverinfo="skip",
                    showlegend=False,
                )
            )
