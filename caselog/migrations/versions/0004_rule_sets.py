"""Rule sets saved by the editor, and which one is active for each level.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04

``rule_sets`` keeps every saved version (its TOML text, content hash, who saved it, when,
and what the editor started from); ``rule_set_activations`` appends one row per activation
(the newest row of a level is the level's active rule set; a NULL rule_set_id is the
built-in default again). Both start empty, so a store upgraded to this revision assesses
exactly as before. Tables and sequences are created only when missing (records/rulesets.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SEQUENCES = ("rule_sets_id_seq", "rule_set_activations_id_seq")
TABLES = ("rule_sets", "rule_set_activations")


def upgrade() -> None:
    for name in SEQUENCES:
        op.execute(sa.schema.CreateSequence(sa.Sequence(name), if_not_exists=True))
    op.create_table(
        "rule_sets",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("rules_hash", sa.String(), nullable=False),
        sa.Column("rules_text", sa.Text(), nullable=False),
        sa.Column("based_on", sa.String(), nullable=False),
        sa.Column("saved_by", sa.String(), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_table(
        "rule_set_activations",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("level", sa.String(), nullable=False),
        sa.Column("rule_set_id", sa.BigInteger(), nullable=True),
        sa.Column("activated_by", sa.String(), nullable=False),
        sa.Column("activated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )


def downgrade() -> None:
    for name in TABLES:
        op.drop_table(name)
    for name in SEQUENCES:
        op.execute(sa.schema.DropSequence(sa.Sequence(name)))
