"""The approved appeals (申诉) in force for an assessment: decided by a moment, on its cases."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select

from caselog.columns import PARTY
from caselog.party import involves
from metrics.known import case_source
from metrics.known import known_at as resolve_known
from metrics.registry import LEVELS
from metrics.selection import Selection
from records.tables import appeals

#: What a publication records of each appeal in force (its JSON keys, in this order).
FIELDS = (
    "id",
    "case_id",
    "unit",
    "kind",
    "until",
    "reason",
    "filed_by",
    "filed_unit",
    "filed_at",
    "decided_by",
    "decided_at",
    "note",
)


def appeals_in_force(engine: Engine, sel: Selection, known_at: datetime) -> list[dict]:
    """The approved appeals decided at or before ``known_at`` on the cases the assessment of
    ``sel`` counts (reported in its period, inside its scope — a party scope: the
    department's cases as primary or assisting — not cancelled, as known at ``known_at``),
    oldest first; each a dict of FIELDS with times as ISO text and ``unit``
    the case's unit at the selection's level (东城区/东华门街道; '' when it names none)."""
    src = case_source(resolve_known(engine, known_at))
    c, a = src.c, appeals.c
    lo, hi = sel.period.bounds()
    keys = LEVELS[sel.level]
    conds = [
        a.status == "approved",
        a.decided_at <= known_at,
        c.status != "cancelled",
        c.reported_at >= lo,
        c.reported_at < hi,
        *[involves(c, v) if k == PARTY else c[k] == v for k, v in sel.scope],
    ]
    query = (
        select(*[a[f] for f in FIELDS if f != "unit"], *[c[k] for k in keys])
        .select_from(appeals.join(src, c.case_id == a.case_id))
        .where(*conds)
        .order_by(a.decided_at, a.id)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    out = []
    for row in rows:
        names = [row[k] for k in keys]
        item = {f: row[f] for f in FIELDS if f != "unit"}
        item["unit"] = "/".join(str(n) for n in names) if all(names) else ""
        out.append({f: _text(item[f]) for f in FIELDS})
    return out


def _text(value):
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    return value
