"""PostgreSQL stores keep counts of their cases for the data and forecast pages, and index open cases.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05

``case_tally`` (caselog.tally) holds the store's cases counted once per load, by area, by
street and day, by month, category, source, status, quality flag and day precision: the data
page's overview and the forecast pages' unit lists and street histories read its rows
instead of scanning millions of cases (each scan is 1-2 s at 5.5 million). A statement-level
trigger on cases and ratings adds one to ``store_meta.case_stamp``; the tally records the
value it counted at, and is read only while it is unchanged (so a write by any other program
makes the pages count the cases again until the next load).

``cases_open`` is a partial index on the open cases (not closed, not cancelled) carrying the
columns supervision reads: its tables and cards are then read from the index alone (cases
reported long ago and still open are spread over the whole table, so a plain index would not
spare reading it).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

FUNCTION = "gridpulse_cases_written"
TABLES = ("cases", "ratings")
INDEX = "cases_open"
#: What supervision (metrics.supervision) reads of an open case besides its report time.
CARRIED = (
    "closed_at, status, urgency, deadline, extended_deadline, day_precision, suspended_at, "
    "resumed_at, source, district, street, community, grid_id, department, category, "
    "subcategory, case_id"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_table(
        "case_tally",
        sa.Column("part", sa.String(), nullable=False),
        sa.Column("district", sa.String(), nullable=True),
        sa.Column("street", sa.String(), nullable=True),
        sa.Column("community", sa.String(), nullable=True),
        sa.Column("grid_id", sa.String(), nullable=True),
        sa.Column("label", sa.String(), nullable=True),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("month", sa.DateTime(), nullable=True),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("live", sa.BigInteger(), nullable=False),
        sa.Column("first", sa.DateTime(), nullable=True),
        sa.Column("last", sa.DateTime(), nullable=True),
        sa.Column("latest", sa.DateTime(), nullable=True),
    )
    op.execute(f"""
        CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO store_meta (key, value) VALUES ('case_stamp', '1')
            ON CONFLICT (key) DO UPDATE SET value = (store_meta.value::bigint + 1)::text;
            RETURN NULL;
        END $$
    """)
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_counted AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )
    op.execute(
        f"CREATE INDEX {INDEX} ON cases (reported_at) INCLUDE ({CARRIED})"
        " WHERE closed_at IS NULL AND status <> 'cancelled'"
    )
    if op.get_bind().execute(sa.text("SELECT 1 FROM cases LIMIT 1")).first():
        from caselog import tally

        tally.refresh(op.get_bind())  # an empty store's first load makes it


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP INDEX IF EXISTS {INDEX}")
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_counted ON {table}")
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
    op.execute("DELETE FROM store_meta WHERE key IN ('case_stamp', 'tally_stamp')")
    op.drop_table("case_tally")
