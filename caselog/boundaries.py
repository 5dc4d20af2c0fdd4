"""District and street boundaries dissolved from the grids' polygons, with a point for each name."""

from __future__ import annotations

from dataclasses import dataclass

#: The areas a map outlines, finest first, each named by these feature properties.
AREAS = {"street": ("district", "street"), "district": ("district",)}


@dataclass(frozen=True)
class Boundary:
    """One area's outline: its name, its path (东城区/东华门街道), the outline's rings as
    (longitudes, latitudes) and a point inside it for the name."""

    name: str
    path: str
    rings: list[tuple[list[float], list[float]]]
    label_lon: float
    label_lat: float


def _merge(parts: list):
    """One shape of ``parts``: the fast union of a coverage (grids that tile without
    overlapping, as grid systems are cut), checked by area, else the general union of the
    mended parts."""
    import shapely

    merged = shapely.coverage_union_all(parts)
    total = sum(p.area for p in parts)
    if merged.is_valid and abs(merged.area - total) <= 1e-9 * max(total, 1.0):
        return merged
    return shapely.union_all([shapely.make_valid(p) for p in parts])


def _boundary(names: tuple[str, ...], shape) -> Boundary:
    parts = getattr(shape, "geoms", [shape])
    rings = []
    for part in parts:
        if part.geom_type != "Polygon":
            continue
        for ring in (part.exterior, *part.interiors):
            lons, lats = ring.xy
            rings.append(([round(x, 6) for x in lons], [round(y, 6) for y in lats]))
    inside = shape.representative_point()
    return Boundary(names[-1], "/".join(names), rings, inside.x, inside.y)


def boundaries(collection: dict) -> dict[str, list[Boundary]]:
    """The street and district outlines of a grids FeatureCollection (as from
    caselog.geo.grid_features): each street's grid polygons merged into one shape, each
    district's streets into one, with their outer and inner rings; by level, areas sorted
    by path. Grids without a district or street name are left out; an empty collection
    gives no outlines."""
    from shapely.geometry import shape

    streets: dict[tuple[str, ...], list] = {}
    for feature in collection.get("features", []):
        props = feature.get("properties") or {}
        if any(not props.get(k) for k in AREAS["street"]):
            continue
        key = tuple(str(props[k]) for k in AREAS["street"])
        streets.setdefault(key, []).append(shape(feature["geometry"]))
    merged = {key: _merge(parts) for key, parts in sorted(streets.items())}
    districts: dict[tuple[str, ...], list] = {}
    for (district, _street), street_shape in merged.items():
        districts.setdefault((district,), []).append(street_shape)
    return {
        "street": [_boundary(key, s) for key, s in merged.items()],
        "district": [_boundary(key, _merge(parts)) for key, parts in sorted(districts.items())],
    }
