"""The synthetic city's map: districts, streets, communities, grids, households and polygons."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from sample_data import names

LON_RANGE = (116.0, 116.8)
LAT_RANGE = (39.6, 40.2)
# Vertex jitter as a share of a cell side; below 0.25 every quad stays convex.
_JITTER = 0.18


@dataclass(frozen=True)
class City:
    """Grids in id order with their place in the hierarchy; per-grid arrays are indexed alike."""

    grid_ids: list[str]
    district: np.ndarray
    street: np.ndarray
    community: np.ndarray
    district_names: list[str]
    street_names: list[str]
    community_names: list[str]
    households: np.ndarray
    activity: np.ndarray
    affinity: np.ndarray
    corners: np.ndarray

    @property
    def size(self) -> int:
        return len(self.grid_ids)


def _sign(v: int) -> int:
    return (v > 0) - (v < 0)


def _gilbert(x: int, y: int, ax: int, ay: int, bx: int, by: int) -> Iterator[tuple[int, int]]:
    """Generalised Hilbert curve over the rectangle spanned by (ax, ay) and (bx, by)."""
    w, h = abs(ax + ay), abs(bx + by)
    dax, day, dbx, dby = _sign(ax), _sign(ay), _sign(bx), _sign(by)
    if h == 1:
        for i in range(w):
            yield x + i * dax, y + i * day
        return
    if w == 1:
        for i in range(h):
            yield x + i * dbx, y + i * dby
        return
    ax2, ay2, bx2, by2 = int(ax / 2), int(ay / 2), int(bx / 2), int(by / 2)
    w2, h2 = abs(ax2 + ay2), abs(bx2 + by2)
    if 2 * w > 3 * h:
        if w2 % 2 and w > 2:
            ax2, ay2 = ax2 + dax, ay2 + day
        yield from _gilbert(x, y, ax2, ay2, bx, by)
        yield from _gilbert(x + ax2, y + ay2, ax - ax2, ay - ay2, bx, by)
        return
    if h2 % 2 and h > 2:
        bx2, by2 = bx2 + dbx, by2 + dby
    yield from _gilbert(x, y, bx2, by2, ax2, ay2)
    yield from _gilbert(x + bx2, y + by2, ax, ay, bx - bx2, by - by2)
    yield from _gilbert(
        x + (ax - dax) + (bx2 - dbx),
        y + (ay - day) + (by2 - dby),
        -bx2,
        -by2,
        -(ax - ax2),
        -(ay - ay2),
    )


def curve_cells(cols: int, rows: int) -> np.ndarray:
    """Cells (col, row) of a cols x rows lattice in space-filling-curve order, shape (n, 2)."""
    wide = cols >= rows
    cells = _gilbert(0, 0, cols, 0, 0, rows) if wide else _gilbert(0, 0, 0, rows, cols, 0)
    return np.array(list(cells), dtype=np.int64)


def _lattice_shape(grids: int) -> tuple[int, int]:
    """Near-square columns and rows that waste the fewest cells.

    Sides of equal parity come first: with one odd and one even side the curve needs a
    diagonal step somewhere.
    """
    root = np.sqrt(grids)

    def cost(c: int) -> tuple[int, int, float]:
        r = -(-grids // c)
        return (c - r) % 2 if min(c, r) > 1 else 0, c * r - grids, abs(c - root)

    cols = min(range(max(1, int(root * 0.8)), int(root * 1.25) + 2), key=cost)
    return cols, -(-grids // cols)


def _split(total: int, parts: int, rng: np.random.Generator, alpha: float) -> np.ndarray:
    """`parts` positive integers summing to `total`, with Dirichlet(alpha) proportions."""
    parts = max(1, min(parts, total))
    return 1 + rng.multinomial(total - parts, rng.dirichlet(np.full(parts, alpha)))


def _hierarchy(grids: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """District, street and community index of each grid (grids in curve order)."""
    district_sizes = _split(grids, min(10, max(1, grids // 40)), rng, 8.0)
    street_sizes: list[np.ndarray] = []
    for size in district_sizes:
        street_sizes.append(_split(size, min(int(rng.integers(8, 16)), max(1, size // 3)), rng, 5))
    community_sizes: list[np.ndarray] = []
    for size in np.concatenate(street_sizes):
        community_sizes.append(_split(size, max(1, round(size / rng.uniform(3.0, 6.0))), rng, 6))
    district = np.repeat(np.arange(len(district_sizes)), district_sizes)
    streets_per_district = [len(s) for s in street_sizes]
    street_of_community = np.repeat(
        np.arange(sum(streets_per_district)), [len(c) for c in community_sizes]
    )
    community = np.repeat(np.arange(len(street_of_community)), np.concatenate(community_sizes))
    return district, street_of_community[community], community


def _corners(cols: int, rows: int, cells: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Jittered quads (SW, SE, NE, NW corners as lon, lat) tiling the box, shape (n, 4, 2)."""
    dx = (LON_RANGE[1] - LON_RANGE[0]) / cols
    dy = (LAT_RANGE[1] - LAT_RANGE[0]) / rows
    jitter = rng.uniform(-_JITTER, _JITTER, size=(cols + 1, rows + 1, 2))
    jitter[[0, -1], :, 0] = 0.0
    jitter[:, [0, -1], 1] = 0.0
    i = np.arange(cols + 1)[:, None] + jitter[..., 0]
    j = np.arange(rows + 1)[None, :] + jitter[..., 1]
    vertices = np.stack([LON_RANGE[0] + i * dx, LAT_RANGE[0] + j * dy], axis=-1)
    c, r = cells[:, 0], cells[:, 1]
    return np.stack(
        [vertices[c, r], vertices[c + 1, r], vertices[c + 1, r + 1], vertices[c, r + 1]], axis=1
    )


def build_city(grids: int, n_categories: int, rng: np.random.Generator) -> City:
    """Lay out `grids` grids; districts, streets and communities are contiguous runs of them.

    `activity` is each grid's relative case volume (households x a heavy-tailed hotspot
    factor); `affinity` (grids x categories) tilts the mix of categories per grid.
    """
    if grids < 1:
        raise ValueError("grids must be at least 1")
    cols, rows = _lattice_shape(grids)
    cells = curve_cells(cols, rows)[:grids]
    district, street, community = _hierarchy(grids, rng)
    n_districts = int(district.max()) + 1
    # The last districts along the curve are the rural outskirts: towns (镇) and villages (村).
    rural_district = np.arange(n_districts) >= n_districts - max(0, min(3, n_districts - 4))
    street_district = np.zeros(int(street.max()) + 1, dtype=np.int64)
    street_district[street] = district
    town = rural_district[street_district] & (rng.random(len(street_district)) < 0.7)
    community_street = np.zeros(int(community.max()) + 1, dtype=np.int64)
    community_street[community] = street
    village = town[community_street] & (rng.random(len(community_street)) < 0.8)
    rural_grid = village[community]
    households = np.where(
        rural_grid,
        150 + np.round(rng.beta(2.0, 3.0, grids) * 250),
        150 + np.round(rng.beta(2.0, 2.5, grids) * 450),
    ).astype(np.int64)
    hotspot = rng.lognormal(0.0, 0.35, grids)
    hot = rng.random(grids) < 0.04
    hotspot[hot] *= rng.uniform(3.5, 7.0, int(hot.sum()))
    district_factor = rng.lognormal(0.0, 0.15, n_districts)[district]
    activity = households * hotspot * district_factor * np.where(rural_grid, 0.7, 1.0)
    # Hotspots reach about ten times the typical grid, not more.
    activity = np.minimum(activity, 9.0 * np.median(activity))
    width = max(4, len(str(grids)))
    return City(
        grid_ids=[f"G{i:0{width}d}" for i in range(1, grids + 1)],
        district=district,
        street=street,
        community=community,
        district_names=list(names.DISTRICTS[:n_districts]),
        street_names=names.street_names(len(street_district), town, rng),
        community_names=names.community_names(len(community_street), village, rng),
        households=households,
        activity=activity,
        affinity=rng.lognormal(0.0, 0.4, size=(grids, n_categories)),
        corners=_corners(cols, rows, cells, rng),
    )


def random_points(
    city: City, grid: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude of one random point inside each given grid's polygon.

    A bilinear blend of the four corners is a convex combination of them, so it lies inside
    the (convex) quad.
    """
    u = rng.uniform(0.03, 0.97, len(grid))
    v = rng.uniform(0.03, 0.97, len(grid))
    q = city.corners[grid]
    w = np.stack([(1 - u) * (1 - v), u * (1 - v), u * v, (1 - u) * v], axis=1)
    point = np.einsum("nk,nkd->nd", w, q)
    return np.round(point[:, 1], 6), np.round(point[:, 0], 6)
