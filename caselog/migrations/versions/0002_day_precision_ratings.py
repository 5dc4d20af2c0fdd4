"""Day-precision timestamps on cases; ratings keyed by (case, department, rated_at).

Revision ID: 0002b
Revises: 0002
Create Date: 2026-12-04

``cases.day_precision`` (a bitmask, caselog.columns.DAY_PRECISION_COLUMNS) is added with 0
for every stored case: the release before it stored a date-only value as midnight without
saying so, and its rows cannot tell one from a real 00:00 (loading the file again marks
them). ``ratings`` is rebuilt (DuckDB cannot change a table's key, PostgreSQL's primary key
cannot hold the NULL rated_at of an undated rating): a new table with the unique key
(case_id, department, rated_at) and a ``quality_flags`` column, every row copied, the old
table dropped and the new one renamed, all in the upgrade's transaction.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002b"
down_revision = "0002"
branch_labels = None
depends_on = None

_RATED = ("case_id", "department", "score", "rated_at", "row_hash", "ingest_id")


def _ratings(name: str, *key: sa.Constraint, flags: bool) -> None:
    op.create_table(
        name,
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("department", sa.String(), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("rated_at", sa.DateTime(), nullable=True),
        sa.Column("row_hash", sa.String(), nullable=False),
        sa.Column("ingest_id", sa.BigInteger(), nullable=False),
        *([sa.Column("quality_flags", sa.String(), nullable=True)] if flags else []),
        *key,
    )


def _existing(table: str) -> set[str]:
    """The columns ``table`` has (information_schema: DuckDB's dialect cannot reflect)."""
    query = sa.text(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = :t AND table_schema = current_schema()"
    )
    return set(op.get_bind().execute(query, {"t": table}).scalars())


def _swap(new: str) -> None:
    """Copy every rating into ``new``, drop ``ratings`` and give ``new`` its name."""
    # A store made by create_all of these models has the flags already: they are kept.
    kept = (*_RATED, "quality_flags") if "quality_flags" in _existing("ratings") else _RATED
    columns = ", ".join(kept)
    op.execute(f"INSERT INTO {new} ({columns}) SELECT {columns} FROM ratings")
    op.drop_table("ratings")
    op.rename_table(new, "ratings")


def upgrade() -> None:
    # Added nullable (DuckDB adds no column with a constraint), so the default fills the
    # stored rows with 0, and then made NOT NULL. A column already there (a store made
    # before migrations by create_all of these models) is left as it is.
    if "day_precision" not in _existing("cases"):
        op.add_column(
            "cases", sa.Column("day_precision", sa.Integer(), server_default="0", nullable=True)
        )
        op.alter_column("cases", "day_precision", existing_type=sa.Integer(), nullable=False)
    key = sa.UniqueConstraint(
        "case_id",
        "department",
        "rated_at",
        name="uq_ratings_case_department_rated_at",
        postgresql_nulls_not_distinct=True,
    )
    _ratings("ratings_0002b", key, flags=True)
    _swap("ratings_0002b")


def downgrade() -> None:
    # Back to one rating per (case, department): the latest rated one of each pair is kept.
    _ratings("ratings_0001", sa.PrimaryKeyConstraint("case_id", "department"), flags=False)
    columns = ", ".join(_RATED)
    op.execute(
        f"INSERT INTO ratings_0001 ({columns}) SELECT {columns} FROM ("
        f"SELECT {columns}, row_number() OVER (PARTITION BY case_id, department "
        "ORDER BY rated_at DESC NULLS LAST) AS n FROM ratings) r WHERE n = 1"
    )
    op.drop_table("ratings")
    op.rename_table("ratings_0001", "ratings")
    op.drop_column("cases", "day_precision")
