"""Row factories for metrics tests: cases, ratings and grids with every column filled."""

from __future__ import annotations

import itertools
from datetime import datetime

from sqlalchemy import Engine

from caselog.schema import cases, grids, ratings

_ids = itertools.count(1)
CASE_COLUMNS = [c.name for c in cases.columns]


def make_case(**overrides) -> dict:
    """A case row: reported 2025-03-03 08:00 in 东城区/东华门街道/社区A/G1, general urgency,
    open, every optional column NULL unless overridden."""
    row = {c: None for c in CASE_COLUMNS}
    row.update(
        case_id=f"C{next(_ids):06d}",
        reported_at=datetime(2025, 3, 3, 8, 0),
        category="市容环境",
        district="东城区",
        street="东华门街道",
        community="社区A",
        grid_id="G1",
        urgency="general",
        status="open",
        row_hash="h",
        ingest_id=1,
        day_precision=0,
    )
    row.update(overrides)
    return row


def make_rating(case_id: str, department: str, score: float, **overrides) -> dict:
    """A rating row of ``department`` on ``case_id``."""
    row = dict(
        case_id=case_id,
        department=department,
        score=score,
        rated_at=None,
        row_hash="h",
        ingest_id=1,
    )
    row.update(overrides)
    return row


def make_grid(grid_id: str, households: int, **overrides) -> dict:
    """A grid row in 东城区/东华门街道/社区A unless overridden."""
    row = dict(
        grid_id=grid_id,
        community="社区A",
        street="东华门街道",
        district="东城区",
        households=households,
        geometry=None,
        row_hash="h",
        ingest_id=1,
    )
    row.update(overrides)
    return row


def insert(engine: Engine, case_rows=(), rating_rows=(), grid_rows=()) -> None:
    """Insert rows directly with SQLAlchemy Core."""
    with engine.begin() as conn:
        if case_rows:
            conn.execute(cases.insert(), list(case_rows))
        if rating_rows:
            conn.execute(ratings.insert(), list(rating_rows))
        if grid_rows:
            conn.execute(grids.insert(), list(grid_rows))
