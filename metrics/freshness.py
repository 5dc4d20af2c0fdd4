"""How fresh the figures are: 数据截至 (the store's latest case time) and the load it came from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath

from sqlalchemy import Engine, select

from caselog import get_timezone
from caselog.schema import ingest_log
from metrics.known import Known, known_at, local_of
from metrics.query import latest_timestamp


@dataclass(frozen=True)
class Freshness:
    """``as_of``: the latest case timestamp in the store (the instant open cases are judged
    at unless a selection names another); ``loaded_at`` and ``file``: when the latest case
    file finished loading (local time of the store's zone, as the case times) and its name.
    All None for an empty store."""

    as_of: datetime | None
    loaded_at: datetime | None
    file: str | None

    def columns(self) -> dict[str, str]:
        """The trailing columns every export carries: as_of and data_loaded_at ('' if none)."""
        return {"as_of": _text(self.as_of), "data_loaded_at": _text(self.loaded_at)}


def freshness(engine: Engine, known: datetime | Known | None = None) -> Freshness:
    """The store's 数据截至 and its latest case load (two short reads); as known at ``known``
    (city wall-clock, metrics.known): the data's 数据截至 then and the last case load by then."""
    known = known_at(engine, known)
    latest = select(ingest_log.c.finished_at, ingest_log.c.file).where(ingest_log.c.kind == "cases")
    if known is not None:
        latest = latest.where(ingest_log.c.id.in_(list(known.loads)))
    with engine.connect() as conn:
        row = conn.execute(latest.order_by(ingest_log.c.id.desc()).limit(1)).first()
    if row is None:
        return Freshness(latest_timestamp(engine, known), None, None)
    local = local_of(row[0], get_timezone(engine))  # the log keeps UTC
    return Freshness(
        latest_timestamp(engine, known), local.replace(microsecond=0), PurePath(row[1]).name
    )


def _text(moment: datetime | None) -> str:
    return moment.isoformat(sep=" ", timespec="seconds") if moment else ""
