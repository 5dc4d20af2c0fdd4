"""The store's tables: cases and ratings (newest versions, and the versions they replaced),
grids, quarantined rows and the ingest log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Double,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Sequence,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

# Timestamps are naive wall-clock times in the store's city time zone (store_meta.timezone).
LocalTime = Annotated[datetime, mapped_column(DateTime(timezone=False))]
Label = Annotated[str, mapped_column(String)]


@compiles(PrimaryKeyConstraint, "duckdb")
@compiles(UniqueConstraint, "duckdb")
def _no_index_in_duckdb(constraint, compiler, **kw):
    """DuckDB tables get no key indexes: ingest keeps keys unique in its one-writer
    transaction, and an ART index makes a 5.5-million-row load about 2.5x slower.
    PostgreSQL keeps its keys (the default compilation)."""
    return None


class Base(DeclarativeBase):
    """One declarative base for every table of the store."""

    metadata = MetaData()


class Case(Base):
    """One case (案件/工单), the latest version seen for its case_id."""

    __tablename__ = "cases"

    case_id: Mapped[str] = mapped_column(String, primary_key=True)
    reported_at: Mapped[LocalTime]
    category: Mapped[Label]
    subcategory: Mapped[str | None] = mapped_column(String)
    district: Mapped[str | None] = mapped_column(String)
    street: Mapped[str | None] = mapped_column(String)
    community: Mapped[str | None] = mapped_column(String)
    grid_id: Mapped[str | None] = mapped_column(String)
    source: Mapped[str | None] = mapped_column(String)
    urgency: Mapped[Label]
    department: Mapped[str | None] = mapped_column(String)
    assist_departments: Mapped[str | None] = mapped_column(String)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime)
    responded_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    deadline: Mapped[datetime | None] = mapped_column(DateTime)
    status: Mapped[Label]
    solved: Mapped[bool | None]
    satisfaction: Mapped[str | None] = mapped_column(String)
    reopened: Mapped[int | None] = mapped_column(Integer)
    reassigned: Mapped[int | None] = mapped_column(Integer)
    lat: Mapped[float | None] = mapped_column(Double)
    lon: Mapped[float | None] = mapped_column(Double)
    quality_flags: Mapped[str | None] = mapped_column(String)
    row_hash: Mapped[Label]
    ingest_id: Mapped[int] = mapped_column(BigInteger)
    # Revision 0002 added these at the end of the table; rows loaded before it hold NULL
    # (docs/data-model.md says what each KPI makes of that).
    request_type: Mapped[str | None] = mapped_column(String)
    self_handled: Mapped[bool | None]
    extended_deadline: Mapped[datetime | None] = mapped_column(DateTime)
    suspended_at: Mapped[datetime | None] = mapped_column(DateTime)
    resumed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Bit i set: the i-th column of caselog.columns.DAY_PRECISION_COLUMNS (reported_at = 1,
    # accepted_at = 2, dispatched_at = 4, responded_at = 8, resolved_at = 16, closed_at = 32,
    # deadline = 64, extended_deadline = 128, suspended_at = 256, resumed_at = 512) is known
    # to the day only and stored as that day's midnight. Revision 0002b added it after 0002's.
    day_precision: Mapped[int] = mapped_column(Integer, server_default="0", default=0)


class Rating(Base):
    """An anonymous rating of a department on a case (块呼条应·速办直评); no rater is stored.

    One per (case, department, rated_at): each distinct rated_at is a rating, and a rating
    without one is the pair's only undated rating (PostgreSQL: a unique key whose NULLs are
    not distinct, as a primary key cannot hold a NULL)."""

    __tablename__ = "ratings"
    __table_args__ = (
        UniqueConstraint(
            "case_id",
            "department",
            "rated_at",
            name="uq_ratings_case_department_rated_at",
            postgresql_nulls_not_distinct=True,
        ),
    )

    case_id: Mapped[str] = mapped_column(String)
    department: Mapped[str] = mapped_column(String)
    score: Mapped[float] = mapped_column(Double)
    rated_at: Mapped[datetime | None] = mapped_column(DateTime)
    row_hash: Mapped[Label]
    ingest_id: Mapped[int] = mapped_column(BigInteger)
    quality_flags: Mapped[str | None] = mapped_column(String)  # future_value:rated_at

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        # The ORM wants an identity; the table's key is the unique constraint above.
        return {"primary_key": [cls.__table__.c[k] for k in ("case_id", "department", "rated_at")]}


class Grid(Base):
    """A grid (网格) with its place in the hierarchy, households and GeoJSON polygon."""

    __tablename__ = "grids"

    grid_id: Mapped[str] = mapped_column(String, primary_key=True)
    community: Mapped[str | None] = mapped_column(String)
    street: Mapped[str | None] = mapped_column(String)
    district: Mapped[str | None] = mapped_column(String)
    households: Mapped[int | None] = mapped_column(Integer)
    geometry: Mapped[str | None] = mapped_column(Text)
    row_hash: Mapped[Label]
    ingest_id: Mapped[int] = mapped_column(BigInteger)


class RejectedRow(Base):
    """An input row kept in quarantine with the reason it was not loaded."""

    __tablename__ = "rejected_rows"
    __table_args__ = (UniqueConstraint("file_hash", "kind", "line"),)

    id: Mapped[int] = mapped_column(BigInteger, Sequence("rejected_rows_id_seq"), primary_key=True)
    ingest_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[Label]
    file: Mapped[Label]
    file_hash: Mapped[Label]
    line: Mapped[int] = mapped_column(BigInteger)
    case_id: Mapped[str | None] = mapped_column(String)
    reason: Mapped[Label]
    raw: Mapped[str] = mapped_column(Text)


class IngestLog(Base):
    """One file loaded (or refused): its content hash and the row counts."""

    __tablename__ = "ingest_log"

    id: Mapped[int] = mapped_column(BigInteger, Sequence("ingest_log_id_seq"), primary_key=True)
    kind: Mapped[Label]
    file: Mapped[Label]
    file_hash: Mapped[Label]
    mapping: Mapped[str | None] = mapped_column(String)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime] = mapped_column(DateTime)
    read: Mapped[int] = mapped_column(BigInteger)
    inserted: Mapped[int] = mapped_column(BigInteger)
    updated: Mapped[int] = mapped_column(BigInteger)
    unchanged: Mapped[int] = mapped_column(BigInteger)
    rejected: Mapped[int] = mapped_column(BigInteger)
    # Revision 0003: who loaded it (an account, or the command line's --as NAME or local
    # administrator); NULL for loads made before it.
    loaded_by: Mapped[str | None] = mapped_column(String)


class StoreMeta(Base):
    """Key/value settings of the store, e.g. the city's time zone."""

    __tablename__ = "store_meta"

    key: Mapped[str] = mapped_column(String, primary_key=True)
    value: Mapped[str] = mapped_column(String)


cases = Case.__table__
ratings = Rating.__table__


def _history(name: str, of: Table) -> Table:
    """The versions a load replaced in ``of``: every column of ``of`` (its ``ingest_id`` is
    the load that brought the version) and ``superseded_by``, the load that replaced it.
    Revision 0003; no key (a case has as many old versions as loads changed it)."""
    columns = [Column(c.name, c.type, nullable=c.nullable) for c in of.columns]
    return Table(
        name,
        Base.metadata,
        *columns,
        Column("superseded_by", BigInteger, nullable=False),
    )


case_history = _history("case_history", cases)
rating_history = _history("rating_history", ratings)
grids = Grid.__table__
rejected_rows = RejectedRow.__table__
ingest_log = IngestLog.__table__
store_meta = StoreMeta.__table__
