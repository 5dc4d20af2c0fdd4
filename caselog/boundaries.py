"""District and street boundaries dissolved from the grids' polygons, with a point for each name."""

from __future__ import annotations

from dataclasses import dataclass

#: The areas a map outlines, coarsest first, each named by these feature properties.
AREAS = {"district": ("district",), "street": ("district", "street")}


@dataclass(frozen=True)
class Boundary:
    """One area's outline: its name, its path (东城区/东华门街道), the outline's rings as
    (longitudes, latitudes) and a point inside it for the name."""

    name: str
    path: str
    rings: list[tuple[list[float], list[float]]]
    label_lon: float
    label_lat: float


def boundaries(collection: dict, level: str) -> list[Boundary]:
    """The outlines of ``level`` (district or street) in a grids FeatureCollection (as from
    caselog.geo.grid_features): each area's grid polygons merged into one shape, its outer
    and inner rings; areas sorted by path. Grids whose polygon is not valid are mended
    (buffer 0) before the merge; an empty collection gives no outlines."""
    from shapely.geometry import shape
    from shapely.ops import unary_union

    keys = AREAS[level]
    groups: dict[tuple[str, ...], list] = {}
    for feature in collection.get("features", []):
        props = feature.get("properties") or {}
        if any(not props.get(k) for k in keys):
            continue
        poly = shape(feature["geometry"])
        groups.setdefault(tuple(str(props[k]) for k in keys), []).append(
            poly if poly.is_valid else poly.buffer(0)
        )
    found = []
    for names, polygons in sorted(groups.items()):
        merged = unary_union(polygons)
        parts = getattr(merged, "geoms", [merged])
        rings = []
        for part in parts:
            for ring in (part.exterior, *part.interiors):
                lons, lats = ring.xy
                rings.append(([round(x, 6) for x in lons], [round(y, 6) for y in lats]))
        inside = merged.representative_point()
        found.append(Boundary(names[-1], "/".join(names), rings, inside.x, inside.y))
    return found
