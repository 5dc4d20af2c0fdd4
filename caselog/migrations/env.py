"""Alembic's environment for the store: migrate on the connection caselog.migrations hands over."""

from alembic import context

import caselog.schema  # noqa: F401  its DuckDB rule: tables without key indexes, as before

# The caller holds the transaction: on PostgreSQL and DuckDB a failed step leaves nothing.
context.configure(connection=context.config.attributes["connection"])
with context.begin_transaction():
    context.run_migrations()
