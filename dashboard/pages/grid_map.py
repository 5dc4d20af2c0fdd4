"""网格地图 — the grids' polygons coloured by cases per 1,000 households, cases, overdue
open cases, the latest forecast or surge alerts; no tiles unless asked for (works offline)."""

import math

import pandas as pd
import plotly.express as px
import streamlit as st

import forecasting
from dashboard import data
from dashboard.components import layout, load
from dashboard.filters import current
from dashboard.i18n import kpi_label, named, t
from dashboard.outlines import MAX_STREET_NAMES, add_outlines, legend_title, value_text
from forecasting.summaries import latest_run_id
from metrics.units import on_units


def _bounds(features: list[dict]) -> dict:
    """The bounding box of the features' coordinates, for the tile map's view."""
    xs, ys = [], []

    def walk(coords):
        if coords and isinstance(coords[0], int | float):
            xs.append(coords[0])
            ys.append(coords[1])
        else:
            for c in coords:
                walk(c)

    for x in features:
        walk(x["geometry"]["coordinates"])
    return {"west": min(xs), "east": max(xs), "south": min(ys), "north": max(ys)}


def _path(props: dict) -> str:
    """A grid's community as 区/街道/社区 (the names it has)."""
    return "/".join(str(props[k]) for k in ("district", "street", "community") if props.get(k))


MAX_FEATURES = 5000
MEASURES = ("map_volume", "map_cases", "map_overdue", "map_forecast", "map_alerts")
#: A department account's measures: its own cases. Households, forecasts and surge alerts
#: count every department's cases by area.
DEPARTMENT_MEASURES = ("map_cases", "map_overdue")
# measures that are metrics figures take their name from the metrics label table
NAMED_BY = {
    "map_volume": "volume_per_1k_households",
    "map_cases": "cases",
    "map_overdue": "overdue",
}


def measure_label(measure: str) -> str:
    """The colour measure's name: a metrics figure's own name, else the page's label."""
    return kpi_label(NAMED_BY[measure]) if measure in NAMED_BY else t(measure)


f = current()
st.title(t("page_map"))
st.caption(f"{f.scope_name} · {f.period}")

shapes = load(lambda: data.grids_geojson(f.url, f.areas))
measures = DEPARTMENT_MEASURES if f.account.is_department else MEASURES
if st.session_state.get("map_measure") not in measures:
    st.session_state.pop("map_measure", None)
c1, c2 = st.columns([3, 1])
measure = c1.radio(
    t("map_measure"),
    measures,
    format_func=named(measures, measure_label),
    horizontal=True,
    key="map_measure",
)
tiles = c2.toggle(t("tiles"), value=False, key="map_tiles")
st.caption(t(f"{measure}_basis", period=f.period))  # what the colours count, and over when

if shapes is not None and not shapes["features"]:
    st.info(t("no_geometry"))
elif shapes is not None:
    wanted = dict(f.areas)
    features = [
        x for x in shapes["features"] if all(x["properties"].get(k) == v for k, v in wanted.items())
    ]
    if len(features) > MAX_FEATURES:
        # drawing tens of thousands of polygons takes seconds: narrow to one district
        districts = sorted({x["properties"]["district"] for x in features})
        st.info(t("map_too_many", n=len(features)))
        pick = st.selectbox(t("district"), districts, key="map_district")
        features = [x for x in features if x["properties"]["district"] == pick]
    geo = {"type": "FeatureCollection", "features": features}
    values = None
    if measure in ("map_volume", "map_cases"):
        tab = load(lambda: data.assessment(f.url, f.sel.by("grid")))
        if tab is not None:
            col = "volume_per_1k_households" if measure == "map_volume" else "cases"
            values = tab[["grid_id", col]].rename(columns={col: "value"})
    elif measure == "map_overdue":
        tab = load(lambda: data.table(f.url, "overdue", f.sel.by("grid")))
        if tab is not None:
            values = tab[["grid_id", "overdue"]].rename(columns={"overdue": "value"})
    elif measure == "map_forecast":
        runs = load(lambda: data.runs(f.url))
        run_id = latest_run_id(runs, "grid") if runs is not None else None
        if run_id is None:
            st.info(t("no_forecast_grid"))
        else:
            run = load(lambda: data.run(f.url, run_id, "grid", f.scope))
            if run is not None:
                values = forecasting.horizon_totals(run).rename(
                    columns={"unique_id": "grid_id", "yhat": "value"}
                )
    else:
        alerts = load(lambda: data.alerts(f.url, f.scope))
        counts = forecasting.alert_counts(alerts if alerts is not None else pd.DataFrame())
        values = counts.rename(columns={"unique_id": "grid_id", "alerts": "value"})
    if not features:
        st.info(t("no_geometry"))
    elif values is not None:
        ids = [x["properties"]["grid_id"] for x in features]
        counted = measure in ("map_alerts", "map_overdue")  # no row: none of them
        shown = on_units(values, "grid_id", ids, fill=0 if counted else None)
        # hovers in words: the grid under its community, the value as the pages write it
        where = {x["properties"]["grid_id"]: _path(x["properties"]) for x in features}
        shown["where"] = [f"{where.get(i) or ''} · {i}".lstrip(" ·") for i in shown["grid_id"]]
        shown["text"] = [value_text(measure, v) for v in shown["value"]]
        top = shown["value"].max()
        name = measure_label(measure)
        common = {
            "geojson": geo,
            "locations": "grid_id",
            "featureidkey": "properties.grid_id",
            "color": "value",
            "color_continuous_scale": "YlOrRd",
            # all zeros (no alerts, an empty period) would get a −0.5…0.5 scale
            "range_color": (0, top if pd.notna(top) and top > 0 else 1),
            "labels": {"value": legend_title(name, measure), "grid_id": kpi_label("grid_id")},
            "custom_data": ["where", "text"],
        }
        # MapLibre without tiles ("white-bg") works offline and, unlike the geo projection,
        # does not depend on the polygons' ring winding order.
        b = _bounds(features)
        span = max(b["east"] - b["west"], (b["north"] - b["south"]) * 1.3, 1e-4)
        fig = px.choropleth_map(
            shown,
            map_style="open-street-map" if tiles else "white-bg",
            opacity=0.75,
            center={"lon": (b["east"] + b["west"]) / 2, "lat": (b["north"] + b["south"]) / 2},
            zoom=max(0.0, math.log2(360 / span)),
            **common,
        )
        fig.update_traces(
            marker_line_width=0.3,
            hovertemplate=f"%{{customdata[0]}}<br>{name}：%{{customdata[1]}}<extra></extra>",
        )
        streets = {(x["properties"]["district"], x["properties"]["street"]) for x in features}
        add_outlines(fig, f.url, f.areas, streets_named=len(streets) <= MAX_STREET_NAMES)
        st.plotly_chart(layout(fig, 620), key="grid_map")
        st.caption(t("map_outline_note"))
