"""Daily case-count series per unit, counted by the database and zero-filled in memory."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

import numpy as np
import pandas as pd
from sqlalchemy import Date, Engine, cast, func, select

from caselog.columns import SCOPE_KEYS
from caselog.schema import cases
from forecasting.errors import ForecastError

__all__ = [
    "GAP_MIN_CASES",
    "GAP_MIN_DAYS",
    "LEVELS",
    "Gap",
    "Panel",
    "data_gaps",
    "day_range",
    "extract_panel",
    "extract_series",
    "fetch",
    "hierarchy",
    "level_within",
    "panel_query",
    "timezone_of",
    "units_within",
]

#: Levels from the finest to the coarsest.
LEVELS: tuple[str, ...] = ("grid", "community", "street", "district", "city")


@dataclass(frozen=True)
class Panel:
    """Daily counts of many series as a matrix: ``y[i, t]`` is unit ``ids[i]`` on ``start + t``.

    Every series spans the same days (the store's first to last reported day), zero-filled.
    """

    ids: np.ndarray
    start: date
    y: np.ndarray

    @property
    def days(self) -> int:
        """Number of days covered."""
        return self.y.shape[1]

    @property
    def end(self) -> date:
        """The last day covered."""
        return self.start + timedelta(days=self.days - 1)

    def dates(self, offset: int = 0, count: int | None = None) -> pd.DatetimeIndex:
        """The dates of columns ``offset … offset + count - 1`` (may run past the end)."""
        count = self.days - offset if count is None else count
        return pd.date_range(pd.Timestamp(self.start) + pd.Timedelta(days=offset), periods=count)

    def head(self, days: int) -> Panel:
        """The first ``days`` days (the history before a backtest cutoff)."""
        return Panel(self.ids, self.start, self.y[:, :days])

    def tail(self, days: int) -> Panel:
        """The last ``days`` days."""
        days = min(days, self.days)
        return Panel(self.ids, self.start + timedelta(days=self.days - days), self.y[:, -days:])

    def select(self, index: np.ndarray) -> Panel:
        """The series at positions (or a boolean mask) ``index``."""
        return Panel(self.ids[index], self.start, self.y[index])

    def to_long(self) -> pd.DataFrame:
        """Long format ``unique_id, ds, y`` sorted by unit and day."""
        n, t = self.y.shape
        return pd.DataFrame(
            {
                "unique_id": np.repeat(self.ids, t),
                "ds": np.tile(self.dates().values, n),
                "y": self.y.reshape(-1).astype(float),
            }
        )


#: A data gap is a run of at least this many days on which the whole store has no case …
GAP_MIN_DAYS = 7
#: … although the store's average day elsewhere would have brought at least this many over
#: the run (a Poisson count with mean 20 is 0 with probability 2·10⁻⁹): a missing extract
#: or an outage, not a quiet week.
GAP_MIN_CASES = 20


@dataclass(frozen=True)
class Gap:
    """Days ``offset … offset + days - 1`` of a panel on which no series has a case."""

    offset: int
    days: int
    first: date
    last: date


def data_gaps(panel: Panel) -> list[Gap]:
    """Runs of empty days that are missing data rather than days without cases, oldest first.

    A run counts when it lasts at least :data:`GAP_MIN_DAYS` days, is followed by a day with
    cases, and the panel's mean over its other days times the run's length is at least
    :data:`GAP_MIN_CASES` (so a sparse store's quiet fortnight is not a gap). Zero-filled,
    such a run looks like history: the 4-week models then forecast 0 right after days with
    thousands of cases, and the store seems to cover enough days for a backtest.
    """
    total = panel.y.sum(axis=0)
    busy = np.flatnonzero(total > 0)
    gaps = []
    for before, after in pairwise(busy):
        length = int(after - before - 1)
        if length < GAP_MIN_DAYS:
            continue
        mean = total.sum() / max(panel.days - length, 1)
        if mean * length >= GAP_MIN_CASES:
            offset = int(before + 1)
            first = panel.start + timedelta(days=offset)
            gaps.append(Gap(offset, length, first, first + timedelta(days=length - 1)))
    return gaps


def _unit_expr(level: str):
    c = cases.c
    if level == "grid":
        return func.coalesce(c.grid_id, c.community, c.street, c.district)
    if level == "community":
        return func.nullif(func.concat_ws("/", c.district, c.street, c.community), "")
    if level == "street":
        return func.nullif(func.concat_ws("/", c.district, c.street), "")
    if level == "district":
        return c.district
    raise ForecastError(f"Unknown level {level!r}; use one of {', '.join(LEVELS)}.")


#: The case columns a scope may name, coarsest first.


def _scope_conditions(scope: Mapping[str, str] | None) -> list:
    conds = []
    for key, value in (scope or {}).items():
        if key not in SCOPE_KEYS:
            raise ForecastError(f"The scope {key!r} is not one of {', '.join(SCOPE_KEYS)}.")
        conds.append(cases.c[key] == str(value))
    return conds


def level_within(level: str, scope: Mapping[str, str] | None) -> bool:
    """Whether units of ``level`` lie inside ``scope``: a street scope holds its street,
    communities and grids, not its district or the city (their totals count other streets)."""
    _check_level(level)
    if not scope:
        return True
    return LEVELS.index(level) <= min(LEVELS.index(k) for k in scope)


def units_within(engine: Engine, level: str, scope: Mapping[str, str] | None) -> list[str] | None:
    """The ids of ``level``'s units inside ``scope`` (None for no scope: every unit).

    A unit belongs where :func:`hierarchy` places it (the parent most of its cases name),
    the same tree the forecasts add up along.
    """
    if not scope:
        return None
    if not level_within(level, scope):
        return []
    tree = hierarchy(engine, level)
    keep = np.ones(len(tree), dtype=bool)
    path = []
    for key in SCOPE_KEYS:
        if key not in scope:
            break
        path.append(str(scope[key]))
        keep &= (tree[key] == "/".join(path)).to_numpy()
    return tree.loc[keep, level].astype(str).tolist()


def fetch(source, query) -> list[tuple]:
    """The rows of ``query`` from a store's engine, or from a source that runs statements
    elsewhere and returns a DataFrame (lake.spark.SparkLake: the same statement on Spark)."""
    if isinstance(source, Engine):
        with source.connect() as conn:
            return [tuple(row) for row in conn.execute(query).all()]
    return list(source.run(query).itertuples(index=False, name=None))


def timezone_of(source) -> str | None:
    """The city time zone of a store's engine, or of a source that knows it (SparkLake)."""
    if isinstance(source, Engine):
        from caselog.store import get_timezone

        return get_timezone(source)
    return source.timezone


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ForecastError(f"Unknown level {level!r}; use one of {', '.join(LEVELS)}.")


def day_range(engine: Engine) -> tuple[date, date]:
    day = cast(cases.c.reported_at, Date)
    # The store's first and last reported days, cancelled cases included: a forecast starts
    # the day after the last day the store knows about.
    query = select(func.min(day).label("first"), func.max(day).label("last"))
    first, last = fetch(engine, query)[0]
    if first is None or pd.isna(first):
        raise ForecastError("The store holds no cases to forecast from.")
    return pd.Timestamp(first).date(), pd.Timestamp(last).date()


def extract_panel(
    engine: Engine,
    level: str,
    *,
    by_category: bool = False,
    categories: list[str] | None = None,
    unit: str | None = None,
    scope: Mapping[str, str] | None = None,
) -> Panel:
    """Daily counts of non-cancelled cases per unit of ``level`` (and per category if asked).

    Days are the local reported days from the store's first to its last reported day
    (of any case, cancelled or not); days without cases are 0. The database does the counting; only (unit, day, count)
    rows travel. With ``by_category`` the unit id is ``<unit>|<category>``
    (at city level just the category). ``unit`` keeps only that unit's series; ``scope``
    (district/street/community values) counts only the cases inside it.
    """
    _check_level(level)
    first, last = day_range(engine)
    query = panel_query(level, by_category, categories, unit, scope)
    keys = [c.name for c in query.selected_columns][:-2]
    rows = pd.DataFrame(fetch(engine, query), columns=[*keys, "ds", "n"])
    return _to_panel(rows, level, by_category, first, last)


def panel_query(
    level: str,
    by_category: bool = False,
    categories: list[str] | None = None,
    unit: str | None = None,
    scope: Mapping[str, str] | None = None,
):
    """The statement behind :func:`extract_panel`: ``[unit,] [category,] ds, n`` rows, the
    non-cancelled cases counted per unit and local reported day."""
    _check_level(level)
    day = cast(cases.c.reported_at, Date).label("ds")
    keys = []
    if level != "city":
        keys.append(_unit_expr(level).label("unit"))
    if by_category:
        keys.append(cases.c.category.label("category"))
    query = select(*keys, day, func.count().label("n")).where(cases.c.status != "cancelled")
    if categories:
        query = query.where(cases.c.category.in_(categories))
    for cond in _scope_conditions(scope):
        query = query.where(cond)
    if level != "city":
        query = query.where(_unit_expr(level).isnot(None))
        if unit is not None:
            query = query.where(_unit_expr(level) == unit)
    return query.group_by(*keys, day)


def _to_panel(rows: pd.DataFrame, level: str, by_category: bool, first: date, last: date) -> Panel:
    days = (last - first).days + 1
    if level == "city" and not by_category:
        uid = pd.Series("city", index=rows.index, dtype=object)
    elif level == "city":
        uid = rows["category"].astype(str)
    elif by_category:
        uid = rows["unit"].astype(str) + "|" + rows["category"].astype(str)
    else:
        uid = rows["unit"].astype(str)
    if level == "city" and not by_category and rows.empty:
        return Panel(np.array(["city"], dtype=object), first, np.zeros((1, days)))
    codes, ids = pd.factorize(uid, sort=True)
    offset = (pd.to_datetime(rows["ds"]) - pd.Timestamp(first)).dt.days.to_numpy()
    y = np.zeros((len(ids), days))
    np.add.at(y, (codes, offset), rows["n"].to_numpy(dtype=float))
    return Panel(np.asarray(ids, dtype=object), first, y)


def extract_series(
    engine: Engine, level: str, *, by_category: bool = False, categories: list[str] | None = None
) -> pd.DataFrame:
    """Long-format ``unique_id, ds, y`` daily counts (see :func:`extract_panel`)."""
    return extract_panel(engine, level, by_category=by_category, categories=categories).to_long()


def hierarchy(engine: Engine, level: str = "grid") -> pd.DataFrame:
    """One row per unit of ``level`` with its unit id at every coarser level.

    Columns are the level names from ``level`` up to ``city``. A unit whose cases name
    several parents (untidy data) is placed under the parent most of its cases name, so
    the hierarchy is a tree and forecasts can add up exactly.
    """
    _check_level(level)
    start = LEVELS.index(level)
    wanted = [lv for lv in LEVELS[start:] if lv != "city"]
    labels = [_unit_expr(lv).label(lv) for lv in wanted]
    query = (
        select(*labels, func.count().label("n"))
        .where(cases.c.status != "cancelled")
        .group_by(*labels)
    )
    rows = pd.DataFrame(fetch(engine, query), columns=[*wanted, "n"])
    rows = rows.dropna(subset=[level]) if level != "city" else rows
    if level == "city":
        return pd.DataFrame({"city": ["city"]})
    rows = rows.sort_values(["n", *wanted], ascending=[False, *([True] * len(wanted))])
    # Community and street ids are paths, so a unit's row names a consistent set of parents.
    tree = rows.drop_duplicates(level).drop(columns="n")
    tree["city"] = "city"
    return tree.sort_values(level).reset_index(drop=True)
