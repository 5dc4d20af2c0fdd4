"""The record tables: publications, appeals and supervision orders (revision 0003).

They live on their own ``MetaData`` (as the forecasting tables do) and are made by the
store's migrations (caselog.migrations) on DuckDB and PostgreSQL alike; ids come from
sequences. Nothing in them is ever deleted: a publication never changes after it is made,
an appeal and an order only gain their decision or answer.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    LargeBinary,
    MetaData,
    Sequence,
    String,
    Table,
    Text,
)

metadata = MetaData()

publications = Table(
    "publications",
    metadata,
    Column("id", BigInteger, Sequence("publications_id_seq"), primary_key=True),
    Column("title", String, nullable=False),
    Column("level", String, nullable=False),
    Column("period", String, nullable=False),  # the period's label (2025-03)
    Column("scope", String, nullable=False),  # '' for the whole city, else 东城区/…
    Column("rule_set", String, nullable=False),
    Column("rules_hash", String, nullable=False),
    Column("rules_text", Text, nullable=False),  # the rule set's TOML as it was applied
    Column("as_of", DateTime, nullable=False),
    # the data as known at this moment (every version loaded by then), = published_at
    Column("as_known_at", DateTime, nullable=False),
    Column("published_at", DateTime, nullable=False),
    Column("published_by", String, nullable=False),
    # the previous publication of the same level, scope and rule set (rank change base)
    Column("previous_id", BigInteger, nullable=True),
    Column("appeals", Text, nullable=False),  # JSON: the approved appeals in force
    Column("csv", LargeBinary, nullable=False),  # the frozen CSV, byte for byte
)

appeals = Table(
    "appeals",
    metadata,
    Column("id", BigInteger, Sequence("appeals_id_seq"), primary_key=True),
    Column("case_id", String, nullable=False),
    Column("kind", String, nullable=False),  # exclude | extend
    Column("until", DateTime, nullable=True),  # the extended deadline asked for (extend)
    Column("reason", Text, nullable=False),
    Column("filed_by", String, nullable=False),
    Column("filed_unit", String, nullable=False),  # the filer's scope path or department
    Column("filed_at", DateTime, nullable=False),
    Column("status", String, nullable=False),  # pending | approved | rejected
    Column("decided_by", String, nullable=True),
    Column("decided_at", DateTime, nullable=True),
    Column("note", Text, nullable=True),
)

supervision_orders = Table(
    "supervision_orders",
    metadata,
    Column("id", BigInteger, Sequence("supervision_orders_id_seq"), primary_key=True),
    Column("case_id", String, nullable=False),
    Column("to_kind", String, nullable=False),  # department | street
    Column("to_unit", String, nullable=False),  # the department, or 区/街道
    Column("issued_by", String, nullable=False),
    Column("issued_at", DateTime, nullable=False),
    Column("due_at", DateTime, nullable=False),
    Column("note", Text, nullable=False),
    Column("answer", Text, nullable=True),
    Column("answered_by", String, nullable=True),
    Column("answered_at", DateTime, nullable=True),
)
