"""The forecasting tables (runs, values, scores, surge alerts, tuned settings).

They live on their own ``MetaData`` (not the case log's), for queries: the tables are made by
the store's migrations (caselog.migrations), on DuckDB and PostgreSQL alike; ids come from
sequences.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    DateTime,
    Double,
    Index,
    Integer,
    MetaData,
    Sequence,
    String,
    Table,
    Text,
)

__all__ = [
    "forecast_runs",
    "forecast_scores",
    "forecast_values",
    "insert_frame",
    "metadata",
    "surge_alerts",
    "tuned_settings",
]

metadata = MetaData()

forecast_runs = Table(
    "forecast_runs",
    metadata,
    Column("id", BigInteger, Sequence("forecast_runs_id_seq"), primary_key=True),
    Column("created_at", DateTime, nullable=False),
    Column("level", String, nullable=False),
    Column("horizon", Integer, nullable=False),
    Column("model", String, nullable=False),
    Column("level_pct", Double, nullable=False),
    Column("last_day", Date, nullable=False),
    Column("parameters", Text, nullable=False),  # JSON
    Column("versions", Text, nullable=False),  # JSON: library versions
    Column("scores", Text, nullable=False),  # JSON: overall backtest scores per level and model
)

forecast_values = Table(
    "forecast_values",
    metadata,
    Column("run_id", BigInteger, nullable=False),
    Column("level", String, nullable=False),
    Column("unique_id", String, nullable=False),
    Column("ds", Date, nullable=False),
    Column("model", String, nullable=False),
    Column("yhat", Double, nullable=False),
    Column("yhat_lo", Double, nullable=False),
    Column("yhat_hi", Double, nullable=False),
    Index("ix_forecast_values_run", "run_id", "level", "unique_id"),
)

forecast_scores = Table(
    "forecast_scores",
    metadata,
    Column("run_id", BigInteger, nullable=False),
    Column("level", String, nullable=False),
    Column("unique_id", String, nullable=False),
    Column("model", String, nullable=False),
    Column("chosen", Integer, nullable=False),  # 1 for the model the unit's forecast uses
    Column("mase", Double),
    Column("wape", Double),
    Column("cov80", Double),
    Column("cov95", Double),
    Index("ix_forecast_scores_run", "run_id", "level", "unique_id"),
)

surge_alerts = Table(
    "surge_alerts",
    metadata,
    Column("id", BigInteger, Sequence("surge_alerts_id_seq"), primary_key=True),
    Column("created_at", DateTime, nullable=False),
    Column("kind", String, nullable=False),  # grid | category | grid_category
    Column("unique_id", String, nullable=False),
    Column("category", String),
    Column("window_start", Date, nullable=False),
    Column("window_end", Date, nullable=False),
    Column("actual", Double, nullable=False),
    Column("expected", Double, nullable=False),
    Column("upper", Double, nullable=False),
    Column("level_pct", Double, nullable=False),
    Column("score", Double, nullable=False),
)

tuned_settings = Table(
    "tuned_settings",
    metadata,
    Column("unit", String, primary_key=True),  # "<level>:<unique_id>"
    Column("level", String, nullable=False),
    Column("unique_id", String, nullable=False),
    Column("settings", Text, nullable=False),  # JSON: {"model": ..., "params": {...}}
    Column("saved_at", DateTime, nullable=False),
    Column("saved_by", String),  # the account (NULL: saved before revision 0005)
    # the unit's place, for account scopes (NULL above the level, or not found)
    Column("district", String),
    Column("street", String),
    Column("community", String),
)


def insert_frame(conn: Connection, table: Table, frame: pd.DataFrame) -> None:
    """Insert a data frame's rows into ``table`` inside the caller's transaction, quickly.

    DuckDB reads the frame directly, PostgreSQL takes it through COPY; other databases
    get an ordinary executemany.
    """
    if frame.empty:
        return
    columns = [c.name for c in table.columns if c.name in frame.columns]
    frame = frame[columns]
    names = ", ".join(columns)
    dialect = conn.dialect.name
    if dialect == "duckdb":
        raw = conn.connection.driver_connection
        view = f"_gp_{table.name}"
        raw.register(view, frame)
        try:
            raw.execute(f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {view}")
        finally:
            raw.unregister(view)
    elif dialect == "postgresql" and conn.connection.driver_connection.__module__.startswith(
        "psycopg"
    ):
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in frame.itertuples(index=False, name=None):
                copy.write_row(row)
    else:
        conn.execute(table.insert(), frame.to_dict("records"))
