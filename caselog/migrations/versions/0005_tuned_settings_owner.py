"""Tuned forecast settings gain who saved them and where their unit lies.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04

``tuned_settings.saved_by`` names the account that saved a setting (NULL for earlier
ones); ``district``, ``street`` and ``community`` name the unit's place, so that an
account's scope confines the settings it lists, uses and deletes in SQL, as it confines
cases. Earlier settings get their place from their unit's path (district, street and
community ids are paths joined with ``/``; an id of another shape, as early stores saved
street ids, is left alone) or, for grids, from the grids table; a setting whose place cannot
be found keeps NULLs and is then seen by city accounts only.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ADDED = ("saved_by", "district", "street", "community")


def upgrade() -> None:
    have = _existing("tuned_settings")
    for name in ADDED:
        if name not in have:
            op.add_column("tuned_settings", sa.Column(name, sa.String(), nullable=True))
    for depth, level in enumerate(("district", "street", "community"), start=1):
        parts = ", ".join(
            f"{col} = split_part(unique_id, '/', {i})"
            for i, col in enumerate(ADDED[1 : depth + 1], start=1)
        )
        slashes = "length(unique_id) - length(replace(unique_id, '/', ''))"
        op.execute(
            f"UPDATE tuned_settings SET {parts} WHERE level = '{level}' AND {slashes} = {depth - 1}"
        )
    op.execute(
        "UPDATE tuned_settings SET district = g.district, street = g.street, "
        "community = g.community FROM grids AS g "
        "WHERE tuned_settings.level = 'grid' AND g.grid_id = tuned_settings.unique_id"
    )


def downgrade() -> None:
    for name in reversed(ADDED):
        op.drop_column("tuned_settings", name)


def _existing(table: str) -> set[str]:
    """The columns ``table`` has (information_schema: DuckDB's dialect cannot reflect)."""
    query = sa.text(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = :t AND table_schema = current_schema()"
    )
    return set(op.get_bind().execute(query, {"t": table}).scalars())
