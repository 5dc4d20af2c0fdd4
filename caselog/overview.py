"""What the store holds: counts by month, district, category and source; quarantine; loads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, and_, func, literal, select

from caselog import tally
from caselog.columns import DAY_PRECISION_COLUMNS, PARTY, day_bit
from caselog.party import involves
from caselog.schema import cases, grids, ingest_log, ratings, rejected_rows


@dataclass(frozen=True)
class StoreOverview:
    """Small aggregate tables describing the loaded data (computed in the database)."""

    totals: dict[str, int]
    first_reported: object
    last_reported: object
    by_month: pd.DataFrame  # month, cases
    by_district: pd.DataFrame  # district, cases
    by_category: pd.DataFrame  # category, cases
    by_source: pd.DataFrame  # source, cases
    by_status: pd.DataFrame  # status, cases
    rejected: pd.DataFrame  # kind, reason, rows
    quality: pd.DataFrame  # flag, cases
    rating_quality: pd.DataFrame  # flag, ratings (future_value:rated_at, off_case_department)
    day_precision: pd.DataFrame  # column, values: values known to the day only
    loads: pd.DataFrame  # the latest ingest_log rows


def count_cases(engine: Engine, scope: Mapping[str, str] | None = None) -> int:
    """Number of cases in the store (0 for an empty store), inside ``scope`` (a mapping of
    district/street/community values, and ``party``: a department as primary or assisting)
    when given."""
    query = select(func.count()).select_from(cases)
    for key, value in (scope or {}).items():
        if key == PARTY:
            query = query.where(involves(cases.c, value))
            continue
        if key not in ("district", "street", "community"):
            raise ValueError(f"The scope {key!r} is not district, street or community.")
        query = query.where(cases.c[key] == str(value))
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def data_version(engine: Engine, tables: tuple[str, ...] = ("ingest_log",)) -> tuple:
    """A value that changes whenever a write to one of ``tables`` commits: each table's
    row count and largest id (tables that do not exist yet count as empty).

    One short read; pages compare it to drop cached figures after another process loads."""
    from sqlalchemy import column, inspect, table

    version = []
    with engine.connect() as conn:
        present = set(inspect(conn).get_table_names())
        for name in tables:
            if name not in present:
                version.append((name, 0, None))
                continue
            t = table(name, column("id"))
            n, top = conn.execute(select(func.count(), func.max(t.c.id)).select_from(t)).one()
            version.append((name, int(n), top))
    return tuple(version)


def store_overview(engine: Engine, recent_loads: int = 20) -> StoreOverview:
    """Aggregate the store for the data page; every figure is one GROUP BY in the database."""
    month = func.date_trunc("month", cases.c.reported_at).label("month")
    with engine.connect() as conn:

        def frame(query) -> pd.DataFrame:
            result = conn.execute(query)
            return pd.DataFrame(result.fetchall(), columns=list(result.keys()))

        def counted(column, label: str) -> pd.DataFrame:
            if counts:
                return counts.by(column.name, label)
            n = func.count().label("cases")
            return frame(
                select(func.coalesce(column, "").label(label), n)
                .group_by(column)
                .order_by(n.desc())
            )

        counts = _Tallied(conn) if tally.fresh(conn) else None
        totals = {
            "ratings": conn.execute(select(func.count()).select_from(ratings)).scalar_one(),
            "grids": conn.execute(select(func.count()).select_from(grids)).scalar_one(),
            "rejected": conn.execute(select(func.count()).select_from(rejected_rows)).scalar_one(),
        }
        if counts:
            totals |= counts.totals()
            first, last = counts.span()
            by_month = counts.by_month()
        else:
            totals["cases"] = conn.execute(select(func.count()).select_from(cases)).scalar_one()
            totals["flagged"] = conn.execute(
                select(func.count()).where(cases.c.quality_flags.is_not(None))
            ).scalar_one()
            first, last = conn.execute(
                select(func.min(cases.c.reported_at), func.max(cases.c.reported_at))
            ).one()
            by_month = frame(
                select(month, func.count().label("cases")).group_by(month).order_by(month)
            )
        rejected = frame(
            select(rejected_rows.c.kind, rejected_rows.c.reason, func.count().label("rows"))
            .group_by(rejected_rows.c.kind, rejected_rows.c.reason)
            .order_by(func.count().desc())
        )
        loads = frame(
            select(
                ingest_log.c.id,
                ingest_log.c.kind,
                ingest_log.c.file,
                ingest_log.c.finished_at,
                ingest_log.c.read,
                ingest_log.c.inserted,
                ingest_log.c.updated,
                ingest_log.c.unchanged,
                ingest_log.c.rejected,
                ingest_log.c.loaded_by,
            )
            .order_by(ingest_log.c.id.desc())
            .limit(recent_loads)
        )
        overview = StoreOverview(
            totals={k: int(v) for k, v in totals.items()},
            first_reported=first,
            last_reported=last,
            by_month=by_month,
            by_district=counted(cases.c.district, "district"),
            by_category=counted(cases.c.category, "category"),
            by_source=counted(cases.c.source, "source"),
            by_status=counted(cases.c.status, "status"),
            rejected=rejected,
            quality=_flags(conn, counts),
            rating_quality=_rating_flags(conn, counts),
            day_precision=_day_precision(conn, counts),
            loads=loads,
        )
    return overview


def _rating_flags(conn, tallied: _Tallied | None) -> pd.DataFrame:
    """Ratings per data-quality flag: the stored ones, and off_case_department for ratings
    of a department that is neither the primary nor an assisting one of its case as it is
    stored now (they count for the department all the same)."""
    counts: dict[str, int] = {}
    flagged = (
        select(ratings.c.quality_flags, func.count().label("n"))
        .where(ratings.c.quality_flags.is_not(None))
        .group_by(ratings.c.quality_flags)
    )
    for flags, n in conn.execute(flagged):
        for flag in flags.split(";"):
            counts[flag] = counts.get(flag, 0) + int(n)
    assisting = func.strpos(
        literal(";") + func.coalesce(cases.c.assist_departments, "") + literal(";"),
        literal(";") + ratings.c.department + literal(";"),
    )
    off = (
        tallied.off_department()
        if tallied
        else conn.execute(
            select(func.count())
            .select_from(ratings.join(cases, cases.c.case_id == ratings.c.case_id))
            .where(
                and_(ratings.c.department != func.coalesce(cases.c.department, ""), assisting == 0)
            )
        ).scalar_one()
    )
    if off:
        counts["off_case_department"] = int(off)
    rows = sorted(counts.items(), key=lambda kv: -kv[1])
    return pd.DataFrame(rows, columns=["flag", "ratings"])


def _day_precision(conn, tallied: _Tallied | None) -> pd.DataFrame:
    """Per timestamp column, how many stored values are known to the day only."""
    if tallied:
        found = tallied.day_precision([day_bit(c) for c in DAY_PRECISION_COLUMNS])
    else:
        dp = cases.c.day_precision
        found = conn.execute(
            select(
                *[
                    func.count().filter(dp.bitwise_and(day_bit(c)) != 0)
                    for c in DAY_PRECISION_COLUMNS
                ]
            )
        ).one()
    rows = [(c, int(n)) for c, n in zip(DAY_PRECISION_COLUMNS, found, strict=True) if n]
    return pd.DataFrame(rows, columns=["column", "values"])


def _flags(conn, tallied: _Tallied | None) -> pd.DataFrame:
    """Cases per data-quality flag (flags are `;`-joined on the case row)."""
    flagged = (
        select(cases.c.quality_flags, func.count().label("n"))
        .where(cases.c.quality_flags.is_not(None))
        .group_by(cases.c.quality_flags)
    )
    counts: dict[str, int] = {}
    for flags, n in tallied.flags() if tallied else conn.execute(flagged):
        for flag in flags.split(";"):
            counts[flag] = counts.get(flag, 0) + int(n)
    rows = sorted(counts.items(), key=lambda kv: -kv[1])
    return pd.DataFrame(rows, columns=["flag", "cases"])


class _Tallied:
    """The overview's figures read from the store's tally (caselog.tally) while it is fresh."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.t = tally.case_tally.c

    def _part(self, part: str):
        return self.t.part == part

    def totals(self) -> dict[str, int]:
        t = self.t
        n, flagged = self.conn.execute(
            select(
                func.coalesce(func.sum(t.n).filter(self._part("month")), 0),
                func.coalesce(func.sum(t.n).filter(self._part("quality"), t.label.is_not(None)), 0),
            )
        ).one()
        return {"cases": int(n), "flagged": int(flagged)}

    def span(self) -> tuple:
        t = self.t
        return self.conn.execute(
            select(func.min(t.first), func.max(t.last)).where(self._part("month"))
        ).one()

    def by_month(self) -> pd.DataFrame:
        t = self.t
        rows = self.conn.execute(
            select(t.month, t.n).where(self._part("month")).order_by(t.month)
        ).all()
        return pd.DataFrame([tuple(r) for r in rows], columns=["month", "cases"])

    def by(self, column: str, label: str) -> pd.DataFrame:
        """Cases per value of ``column`` ('' for none), most first."""
        t = self.t
        if column == "district":  # NULL and '' are groups of their own, as in a GROUP BY
            key, part = t.district, "area"
        else:
            key, part = t.label, column
        n = func.sum(t.n)
        query = (
            select(func.coalesce(key, "").label(label), n.label("cases"))
            .where(self._part(part))
            .group_by(key)
            .order_by(n.desc(), key)
        )
        rows = self.conn.execute(query).all()
        return pd.DataFrame([(k, int(v)) for k, v in rows], columns=[label, "cases"])

    def flags(self) -> list[tuple[str, int]]:
        t = self.t
        query = select(t.label, t.n).where(self._part("quality"), t.label.is_not(None))
        return [(flags, int(n)) for flags, n in self.conn.execute(query)]

    def day_precision(self, bits: list[int]) -> list[int]:
        t = self.t
        rows = self.conn.execute(select(t.label, t.n).where(self._part("precision"))).all()
        return [sum(int(n) for v, n in rows if int(v) & bit) for bit in bits]

    def off_department(self) -> int:
        t = self.t
        found = self.conn.execute(select(t.n).where(self._part("off_department"))).scalar()
        return int(found or 0)
