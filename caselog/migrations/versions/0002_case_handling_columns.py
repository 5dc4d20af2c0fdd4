"""The optional handling columns of a case: request type, self-handled, extension, suspension.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04

Rows loaded before this revision get NULL in the five columns (docs/data-model.md says what
each KPI makes of that); loading their file again fills them. ``cases`` has no index on
DuckDB, so ADD COLUMN works in place. A column that is already there (a store made before
migrations by ``create_all`` of newer models) is left as it is.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = (
    ("request_type", sa.String),
    ("self_handled", sa.Boolean),
    ("extended_deadline", sa.DateTime),
    ("suspended_at", sa.DateTime),
    ("resumed_at", sa.DateTime),
)


def _existing() -> set[str]:
    """The columns ``cases`` has (information_schema: DuckDB's dialect cannot reflect)."""
    query = sa.text(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = 'cases' AND table_schema = current_schema()"
    )
    return set(op.get_bind().execute(query).scalars())


def upgrade() -> None:
    existing = _existing()
    for name, kind in COLUMNS:
        if name not in existing:
            op.add_column("cases", sa.Column(name, kind(), nullable=True))


def downgrade() -> None:
    existing = _existing()
    for name, _ in reversed(COLUMNS):
        if name in existing:
            op.drop_column("cases", name)
