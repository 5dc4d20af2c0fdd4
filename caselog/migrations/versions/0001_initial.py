"""Today's schema: the case tables and the forecasting tables.

Revision ID: 0001
Revises:
Create Date: 2026-12-04

Every table, index and sequence is created only when missing, so a store made before
migrations (its case tables made by ``create_all``, its forecasting tables on first save,
no ``alembic_version``) is adopted as revision 0001 with its rows untouched.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

#: The sequences the ids of these tables are drawn from (by the app's inserts; so the id
#: columns are plain BIGINT, not SERIAL).
SEQUENCES = (
    "rejected_rows_id_seq",
    "ingest_log_id_seq",
    "forecast_runs_id_seq",
    "surge_alerts_id_seq",
)


def upgrade() -> None:
    for name in SEQUENCES:
        op.execute(sa.schema.CreateSequence(sa.Sequence(name), if_not_exists=True))
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("reported_at", sa.DateTime(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("subcategory", sa.String(), nullable=True),
        sa.Column("district", sa.String(), nullable=True),
        sa.Column("street", sa.String(), nullable=True),
        sa.Column("community", sa.String(), nullable=True),
        sa.Column("grid_id", sa.String(), nullable=True),
        sa.Column("source", sa.String(), nullable=True),
        sa.Column("urgency", sa.String(), nullable=False),
        sa.Column("department", sa.String(), nullable=True),
        sa.Column("assist_departments", sa.String(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.Column("dispatched_at", sa.DateTime(), nullable=True),
        sa.Column("responded_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("deadline", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("solved", sa.Boolean(), nullable=True),
        sa.Column("satisfaction", sa.String(), nullable=True),
        sa.Column("reopened", sa.Integer(), nullable=True),
        sa.Column("reassigned", sa.Integer(), nullable=True),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("quality_flags", sa.String(), nullable=True),
        sa.Column("row_hash", sa.String(), nullable=False),
        sa.Column("ingest_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("case_id"),
        if_not_exists=True,
    )
    op.create_table(
        "forecast_runs",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("level", sa.String(), nullable=False),
        sa.Column("horizon", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(), nullable=False),
        sa.Column("level_pct", sa.Double(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("parameters", sa.Text(), nullable=False),
        sa.Column("versions", sa.Text(), nullable=False),
        sa.Column("scores", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_table(
        "forecast_scores",
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("level", sa.String(), nullable=False),
        sa.Column("unique_id", sa.String(), nullable=False),
        sa.Column("model", sa.String(), nullable=False),
        sa.Column("chosen", sa.Integer(), nullable=False),
        sa.Column("mase", sa.Double(), nullable=True),
        sa.Column("wape", sa.Double(), nullable=True),
        sa.Column("cov80", sa.Double(), nullable=True),
        sa.Column("cov95", sa.Double(), nullable=True),
        if_not_exists=True,
    )
    op.create_index(
        "ix_forecast_scores_run",
        "forecast_scores",
        ["run_id", "level", "unique_id"],
        unique=False,
        if_not_exists=True,
    )
    op.create_table(
        "forecast_values",
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("level", sa.String(), nullable=False),
        sa.Column("unique_id", sa.String(), nullable=False),
        sa.Column("ds", sa.Date(), nullable=False),
        sa.Column("model", sa.String(), nullable=False),
        sa.Column("yhat", sa.Double(), nullable=False),
        sa.Column("yhat_lo", sa.Double(), nullable=False),
        sa.Column("yhat_hi", sa.Double(), nullable=False),
        if_not_exists=True,
    )
    op.create_index(
        "ix_forecast_values_run",
        "forecast_values",
        ["run_id", "level", "unique_id"],
        unique=False,
        if_not_exists=True,
    )
    op.create_table(
        "grids",
        sa.Column("grid_id", sa.String(), nullable=False),
        sa.Column("community", sa.String(), nullable=True),
        sa.Column("street", sa.String(), nullable=True),
        sa.Column("district", sa.String(), nullable=True),
        sa.Column("households", sa.Integer(), nullable=True),
        sa.Column("geometry", sa.Text(), nullable=True),
        sa.Column("row_hash", sa.String(), nullable=False),
        sa.Column("ingest_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("grid_id"),
        if_not_exists=True,
    )
    op.create_table(
        "ingest_log",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("file", sa.String(), nullable=False),
        sa.Column("file_hash", sa.String(), nullable=False),
        sa.Column("mapping", sa.String(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        sa.Column("read", sa.BigInteger(), nullable=False),
        sa.Column("inserted", sa.BigInteger(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.Column("unchanged", sa.BigInteger(), nullable=False),
        sa.Column("rejected", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_table(
        "ratings",
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("department", sa.String(), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("rated_at", sa.DateTime(), nullable=True),
        sa.Column("row_hash", sa.String(), nullable=False),
        sa.Column("ingest_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "department"),
        if_not_exists=True,
    )
    op.create_table(
        "rejected_rows",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("ingest_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("file", sa.String(), nullable=False),
        sa.Column("file_hash", sa.String(), nullable=False),
        sa.Column("line", sa.BigInteger(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=True),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("file_hash", "kind", "line"),
        if_not_exists=True,
    )
    op.create_table(
        "store_meta",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
        if_not_exists=True,
    )
    op.create_table(
        "surge_alerts",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("unique_id", sa.String(), nullable=False),
        sa.Column("category", sa.String(), nullable=True),
        sa.Column("window_start", sa.Date(), nullable=False),
        sa.Column("window_end", sa.Date(), nullable=False),
        sa.Column("actual", sa.Double(), nullable=False),
        sa.Column("expected", sa.Double(), nullable=False),
        sa.Column("upper", sa.Double(), nullable=False),
        sa.Column("level_pct", sa.Double(), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_table(
        "tuned_settings",
        sa.Column("unit", sa.String(), nullable=False),
        sa.Column("level", sa.String(), nullable=False),
        sa.Column("unique_id", sa.String(), nullable=False),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("unit"),
        if_not_exists=True,
    )


def downgrade() -> None:
    op.drop_index("ix_forecast_values_run", table_name="forecast_values")
    op.drop_index("ix_forecast_scores_run", table_name="forecast_scores")
    for table in (
        "tuned_settings",
        "surge_alerts",
        "store_meta",
        "rejected_rows",
        "ratings",
        "ingest_log",
        "grids",
        "forecast_values",
        "forecast_scores",
        "forecast_runs",
        "cases",
    ):
        op.drop_table(table)
    for name in SEQUENCES:
        op.execute(sa.schema.DropSequence(sa.Sequence(name)))
