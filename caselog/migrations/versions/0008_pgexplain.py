"""PostgreSQL stores index cases by district, street and report time, for a unit's explanation.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05

A figure explained down to its cases (metrics.explain: the counts behind a street's,
community's or grid's KPI and the first cases of its numerator) reads the unit's cases in the
period. Without this index that is a scan of every case of the period (a year's 5.5 million
for one street's 18,000); with it, the street's rows alone. Levels below the street filter
further on the same rows; a district reads its share through a bitmap of the index.
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

INDEX = "cases_unit_time"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON cases (district, street, reported_at)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP INDEX IF EXISTS {INDEX}")
