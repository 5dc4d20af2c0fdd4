"""The grids' polygons as one GeoJSON FeatureCollection (read-only, for maps)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy import Engine, select

from caselog.schema import grids


def grid_features(engine: Engine, scope: Mapping[str, str] | None = None) -> dict:
    """A FeatureCollection of the grids that have a stored polygon (inside ``scope``, a
    mapping of district/street/community values, when given).

    Each feature's ``id`` and ``properties.grid_id`` is the grid id; properties also carry
    district, street, community and households. Grids without (or with unreadable)
    geometry are left out; an empty collection when none has one.
    """
    g = grids.c
    stmt = (
        select(g.grid_id, g.district, g.street, g.community, g.households, g.geometry)
        .where(g.geometry.is_not(None), g.geometry != "")
        .order_by(g.grid_id)
    )
    for key, value in (scope or {}).items():
        if key not in ("district", "street", "community"):
            raise ValueError(f"The scope {key!r} is not district, street or community.")
        stmt = stmt.where(g[key] == str(value))
    features = []
    with engine.connect() as conn:
        for row in conn.execute(stmt):
            try:
                geometry = json.loads(row.geometry)
            except ValueError:
                continue
            features.append(
                {
                    "type": "Feature",
                    "id": row.grid_id,
                    "properties": {
                        "grid_id": row.grid_id,
                        "district": row.district,
                        "street": row.street,
                        "community": row.community,
                        "households": row.households,
                    },
                    "geometry": geometry,
                }
            )
    return {"type": "FeatureCollection", "features": features}
