"""Assessments of record: every version of a case, publications, appeals, supervision orders.

Revision ID: 0003
Revises: 0002b
Create Date: 2026-12-04

``case_history`` and ``rating_history`` keep the versions a load replaces (every column of
the table, and ``superseded_by``, the load that replaced it); the stored rows stay each
case's newest version, with ``ingest_id`` naming the load that brought it. A store upgraded
to this revision therefore keeps every case as its first version: its history is empty
and its rows are the versions their loads brought. ``ingest_log.loaded_by`` records who
loaded a file (NULL for earlier loads). The record tables (records/tables.py) start empty.
Each table and sequence is created only when missing, so a store made by ``create_all``
of today's models is adopted.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002b"
branch_labels = None
depends_on = None

SEQUENCES = ("publications_id_seq", "appeals_id_seq", "supervision_orders_id_seq")
RECORDS = ("publications", "appeals", "supervision_orders")
HISTORY = ("case_history", "rating_history")

_CASE = (
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
    sa.Column("request_type", sa.String(), nullable=True),
    sa.Column("self_handled", sa.Boolean(), nullable=True),
    sa.Column("extended_deadline", sa.DateTime(), nullable=True),
    sa.Column("suspended_at", sa.DateTime(), nullable=True),
    sa.Column("resumed_at", sa.DateTime(), nullable=True),
    sa.Column("day_precision", sa.Integer(), nullable=False),
)

_RATING = (
    sa.Column("case_id", sa.String(), nullable=False),
    sa.Column("department", sa.String(), nullable=False),
    sa.Column("score", sa.Double(), nullable=False),
    sa.Column("rated_at", sa.DateTime(), nullable=True),
    sa.Column("row_hash", sa.String(), nullable=False),
    sa.Column("ingest_id", sa.BigInteger(), nullable=False),
    sa.Column("quality_flags", sa.String(), nullable=True),
)


def _existing(table: str) -> set[str]:
    """The columns ``table`` has (information_schema: DuckDB's dialect cannot reflect)."""
    query = sa.text(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = :t AND table_schema = current_schema()"
    )
    return set(op.get_bind().execute(query, {"t": table}).scalars())


def _history(name: str, columns: tuple[sa.Column, ...]) -> None:
    op.create_table(
        name,
        *columns,
        sa.Column("superseded_by", sa.BigInteger(), nullable=False),
        if_not_exists=True,
    )


def upgrade() -> None:
    for name in SEQUENCES:
        op.execute(sa.schema.CreateSequence(sa.Sequence(name), if_not_exists=True))
    _history("case_history", _CASE)
    _history("rating_history", _RATING)
    if "loaded_by" not in _existing("ingest_log"):
        op.add_column("ingest_log", sa.Column("loaded_by", sa.String(), nullable=True))
    op.create_table(
        "publications",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("level", sa.String(), nullable=False),
        sa.Column("period", sa.String(), nullable=False),
        sa.Column("scope", sa.String(), nullable=False),
        sa.Column("rule_set", sa.String(), nullable=False),
        sa.Column("rules_hash", sa.String(), nullable=False),
        sa.Column("rules_text", sa.Text(), nullable=False),
        sa.Column("as_of", sa.DateTime(), nullable=False),
        sa.Column("as_known_at", sa.DateTime(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("published_by", sa.String(), nullable=False),
        sa.Column("previous_id", sa.BigInteger(), nullable=True),
        sa.Column("appeals", sa.Text(), nullable=False),
        sa.Column("csv", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_table(
        "appeals",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("until", sa.DateTime(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("filed_by", sa.String(), nullable=False),
        sa.Column("filed_unit", sa.String(), nullable=False),
        sa.Column("filed_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("decided_by", sa.String(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_table(
        "supervision_orders",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("to_kind", sa.String(), nullable=False),
        sa.Column("to_unit", sa.String(), nullable=False),
        sa.Column("issued_by", sa.String(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )


def downgrade() -> None:
    for name in (*RECORDS, *HISTORY):
        op.drop_table(name)
    op.drop_column("ingest_log", "loaded_by")
    for name in SEQUENCES:
        op.execute(sa.schema.DropSequence(sa.Sequence(name)))
