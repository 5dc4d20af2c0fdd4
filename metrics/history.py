"""The versions of the store: the loads that made them, and one case's versions load by load."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, and_, literal, select, union_all

from caselog.schema import case_history, cases, ingest_log
from caselog.store import get_timezone
from metrics.known import local_of

#: Columns that say how a version was stored, not what it says about the case.
_BOOKKEEPING = ("row_hash", "ingest_id", "superseded_by")
VERSION_COLUMNS = ("version", "loaded_at", "file", "loaded_by", "newest", "changed")


def loads(engine: Engine) -> pd.DataFrame:
    """One row per ingest run that loaded cases or ratings, newest first: ``loaded_at`` (when
    it finished, city wall-clock to the microsecond, so the data as known at it include the
    run), ``files`` (its file names joined with '、') and ``loaded_by`` ('' before revision
    0003 recorded it). The runs of an empty store: an empty frame with these columns."""
    log = ingest_log.c
    stmt = (
        select(log.finished_at, log.file, log.loaded_by)
        .where(log.kind.in_(("cases", "ratings")))
        .order_by(log.id)
    )
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    zone = get_timezone(engine)
    runs: dict[datetime, tuple[list[str], str]] = {}
    for finished, file, by in rows:
        files, _ = runs.setdefault(finished, ([], by or ""))
        files.append(file)
    frame = pd.DataFrame(
        [
            {"loaded_at": local_of(at, zone), "files": "、".join(files), "loaded_by": by}
            for at, (files, by) in runs.items()
        ],
        columns=["loaded_at", "files", "loaded_by"],
    )
    return frame.sort_values("loaded_at", ascending=False, ignore_index=True)


def case_versions(
    engine: Engine, case_id: str, scope: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Every stored version of one case, oldest first: ``version`` (1, 2, …), the load that
    brought it (``loaded_at`` city wall-clock, ``file``, ``loaded_by``; empty when the log
    does not name it), ``newest`` (True for the stored row) and ``changed``
    (the case columns whose value differs from the version before, in table order; empty
    for the first), then the case's columns. Only versions inside ``scope`` (column ->
    value, e.g. a signed-in account's district and street) are listed; an unknown case or
    one outside the scope: an empty frame."""
    names = [c.name for c in cases.columns]
    now = select(*[cases.c[n] for n in names], literal(True).label("current")).where(
        cases.c.case_id == case_id
    )
    then = select(*[case_history.c[n] for n in names], literal(False).label("current")).where(
        case_history.c.case_id == case_id
    )
    versions = union_all(then, now).subquery("versions")
    v, log = versions.c, ingest_log.c
    conds = [v[k] == str(value) for k, value in (scope or {}).items() if k in v]
    stmt = (
        select(versions, log.finished_at, log.file, log.loaded_by)
        .select_from(versions.outerjoin(ingest_log, log.id == v.ingest_id))
        .where(and_(True, *conds))
        # a load's id grows with its run; the stored row is the newest whatever its load
        .order_by(v.current, log.finished_at, v.ingest_id)
    )
    with engine.connect() as conn:
        result = conn.execute(stmt)
        frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    zone = get_timezone(engine)
    shown = [n for n in names if n not in _BOOKKEEPING]
    changed, before = [], None
    for row in frame[shown].itertuples(index=False):
        values = tuple(None if pd.isna(x) else x for x in row)
        changed.append(
            ""
            if before is None
            else ";".join(n for n, a, b in zip(shown, before, values, strict=True) if a != b)
        )
        before = values
    out = pd.DataFrame(
        {
            "version": range(1, len(frame) + 1),
            "loaded_at": [
                local_of(t, zone) if t is not None and not pd.isna(t) else None
                for t in frame["finished_at"]
            ],
            "file": frame["file"].fillna(""),
            "loaded_by": frame["loaded_by"].fillna(""),
            "newest": frame["current"].astype(bool),
            "changed": changed,
        }
    )
    return pd.concat([out, frame[shown].reset_index(drop=True)], axis=1)
