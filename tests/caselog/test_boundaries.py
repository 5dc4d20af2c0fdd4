"""District and street outlines merged from grid polygons, checked against hand-drawn shapes."""

from __future__ import annotations

import pytest

from caselog.boundaries import boundaries


def _square(grid: str, street: str, x: int, y: int, district: str = "东区") -> dict:
    ring = [[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]
    return {
        "type": "Feature",
        "properties": {"grid_id": grid, "district": district, "street": street},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def _area(lons: list[float], lats: list[float]) -> float:
    """The shoelace formula: the area a closed ring encloses."""
    pairs = zip(lons[:-1], lats[:-1], lons[1:], lats[1:], strict=True)
    return abs(sum(x0 * y1 - x1 * y0 for x0, y0, x1, y1 in pairs)) / 2


def test_a_ring_of_grids_around_another_street_has_a_hole():
    # a 3 × 3 block: the centre grid is 乙街道, the eight around it 甲街道
    features = [
        _square(f"G{x}{y}", "乙街道" if (x, y) == (1, 1) else "甲街道", x, y)
        for x in range(3)
        for y in range(3)
    ]
    outlines = {b.path: b for b in boundaries({"features": features})["street"]}
    assert sorted(outlines) == ["东区/乙街道", "东区/甲街道"]
    ring_street = outlines["东区/甲街道"]
    assert ring_street.name == "甲街道" and len(ring_street.rings) == 2  # outside and hole
    areas = sorted(_area(*ring) for ring in ring_street.rings)
    assert areas == pytest.approx([1.0, 9.0])
    centre = outlines["东区/乙街道"]
    assert [_area(*r) for r in centre.rings] == pytest.approx([1.0])
    assert 1 < centre.label_lon < 2 and 1 < centre.label_lat < 2


def test_a_district_is_one_outline_over_its_streets_and_apart_districts_stay_apart():
    features = [
        _square("A", "甲街道", 0, 0),
        _square("B", "乙街道", 1, 0),
        _square("C", "丙街道", 5, 5, district="西区"),
        _square("D", "丁街道", 9, 9, district=""),  # no district named: outlined nowhere
    ]
    outlines = boundaries({"features": features})["district"]
    assert [b.path for b in outlines] == ["东区", "西区"]
    east = outlines[0]
    assert len(east.rings) == 1 and _area(*east.rings[0]) == pytest.approx(2.0)
    lons, lats = east.rings[0]
    assert (min(lons), max(lons), min(lats), max(lats)) == (0, 2, 0, 1)
    assert boundaries({"features": []}) == {"street": [], "district": []}


def test_grids_that_overlap_are_merged_by_the_general_union():
    # not a clean tiling (a grid drawn over half its neighbour): the fast coverage union does
    # not apply, the outline is still the shapes' union, 1.5 squares
    left = _square("A", "甲街道", 0, 0)
    right = _square("B", "甲街道", 0, 0)
    right["geometry"]["coordinates"] = [[[0.5, 0], [1.5, 0], [1.5, 1], [0.5, 1], [0.5, 0]]]
    (street,) = boundaries({"features": [left, right]})["street"]
    assert len(street.rings) == 1 and _area(*street.rings[0]) == pytest.approx(1.5)
