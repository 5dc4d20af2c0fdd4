"""Publications (考核结果发布): an assessment frozen with its rule set, as_of, who and when.

A publication is computed exactly as ``gridpulse assess`` computes the same selection with
the data as known at the publication moment (``as_known_at = published_at``), written as the
same CSV, and stored with that CSV's bytes in one transaction; nothing changes it afterwards.
Its ``rank_change`` column is measured against the previous publication (docs/records.md).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import Connection, Engine, exists, insert, select, text

from caselog.schema import ingest_log
from caselog.store import get_timezone
from metrics.assessment import assess
from metrics.export import assessment_meta, csv_bytes
from metrics.known import city_now, utc_of
from metrics.labels import level_label
from metrics.period import PeriodError, parse_period
from metrics.registry import UNIT_LEVELS
from metrics.selection import Selection
from records.frozen import rank_change_since, read_frozen
from records.inforce import appeals_in_force
from records.tables import appeals, publications

#: Levels a publication ranks (units, not the category or source splits).
LEVELS = UNIT_LEVELS
#: Two publications of one selection less than this apart are one made twice at one moment.
SAME_MOMENT = timedelta(seconds=1)
_PG_LOCK = 0x6770_7075_626C  # "gppubl": the PostgreSQL advisory lock of publishers
_publishing = threading.Lock()  # publishers of this process (the app's sessions) one by one
_LISTED = (
    "id",
    "title",
    "level",
    "period",
    "scope",
    "rule_set",
    "rules_hash",
    "as_of",
    "as_known_at",
    "published_at",
    "published_by",
    "previous_id",
)


class PublicationError(ValueError):
    """A publication refused or not found; the message is one plain sentence, ``kind`` and
    ``values`` say the same for a page that words it in its own language ("empty": period,
    scope; "twin": id, when; "" for the rest)."""

    def __init__(self, message: str, kind: str = "", **values) -> None:
        super().__init__(message)
        self.kind = kind
        self.values = values


@dataclass(frozen=True)
class Publication:
    """One stored publication: what was frozen, when and by whom, its appeals and CSV."""

    id: int
    title: str
    level: str
    period: str
    scope: str
    rule_set: str
    rules_hash: str
    rules_text: str
    as_of: datetime
    as_known_at: datetime
    published_at: datetime
    published_by: str
    previous_id: int | None
    appeals: list[dict]
    csv: bytes

    def table(self) -> pd.DataFrame:
        """The frozen table (records.frozen.read_frozen), without the trailing columns."""
        return read_frozen(self.csv, self.level)[0]

    def meta(self) -> dict[str, str]:
        """The frozen CSV's trailing columns (period, as_of, rule_set, rule_set_hash …)."""
        return read_frozen(self.csv, self.level)[1]


def moment(timezone: str | None = None) -> datetime:
    """Now, as wall-clock time in the store's city time zone (``timezone``; None: the
    default), the clock of case times, appeal decisions and Selection.as_known_at
    (metrics.known converts it for the load log, which keeps UTC)."""
    return city_now(timezone)


def to_second(moment: datetime) -> datetime:
    """A publication time as shown: city wall-clock time to the second."""
    return moment.replace(microsecond=0)


def may_publish(role: str, own_scope: str, scope: str) -> bool:
    """Whether an account of ``role`` whose scope is ``own_scope`` ('东城区'; '' for the city)
    may publish a ranking of ``scope``: a city account anywhere, a district account its own
    district exactly, no other role."""
    return role == "city" or (role == "district" and bool(own_scope) and scope == own_scope)


def visible_to(own_scope: str, scope: str) -> bool:
    """Whether a publication of ``scope`` lies inside an account's ``own_scope`` ('' sees all)."""
    return not own_scope or scope == own_scope or scope.startswith(f"{own_scope}/")


def default_title(sel: Selection) -> str:
    """'全市 街道(乡镇)考核排名 2025-03' (the scope, the level and the period)."""
    return f"{sel.scope_path or '全市'} {level_label(sel.level)}考核排名 {sel.period.label}"


def publish(
    engine: Engine, sel: Selection, *, title: str, by: str, asked: datetime | None = None
) -> int:
    """Compute the assessment of ``sel`` as known now, freeze it and return its id.

    Refused with a PublicationError (one sentence, nothing written): a level that ranks no
    units, a period with no case in the scope, and the same level, period, scope and rule
    set published less than SAME_MOMENT before the publisher asked (``asked``, default: this
    call) or while it waited for another publisher (publishers take turns: this process's
    lock, PostgreSQL's advisory lock, a DuckDB file's single writer).

    The publication's moment (``published_at`` = ``as_known_at``) is taken when its figures
    are ready: they are computed as known at a moment just before, and computed again should
    a load or an appeal decision have finished in between, so the data as known at the
    moment are the data the figures come from."""
    if sel.level not in LEVELS:
        raise PublicationError(f"A publication ranks units ({', '.join(LEVELS)}), not {sel.level}.")
    if sel.period is None:
        raise PublicationError("A publication needs a period, such as 2025-03.")
    who = (by or "").strip()
    if not who:
        raise PublicationError("A publication needs the name of who publishes it.")
    zone = get_timezone(engine)
    asked = asked or moment(zone)
    with _publishing, engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
        _refuse_twin(conn, sel, asked - SAME_MOMENT)
        computed = moment(zone)
        for _ in range(3):
            table, meta = _figures(engine, sel, computed)
            published_at = moment(zone)
            if not _news(engine, computed, published_at, zone):
                break
            computed = published_at
        else:
            raise PublicationError(
                "The store kept changing while the ranking was computed; publish again."
            )
        previous = _previous(conn, sel)
        before = read_frozen(previous.csv, sel.level)[0] if previous is not None else None
        table["rank_change"] = rank_change_since(table, before, sel.level)
        row = {
            "title": (title or "").strip() or default_title(sel),
            "level": sel.level,
            "period": sel.period.label,
            "scope": sel.scope_path,
            "rule_set": sel.rules.name,
            "rules_hash": sel.rules_hash,
            "rules_text": sel.rules.text,
            "as_of": table.attrs["as_of"],
            "as_known_at": published_at,
            "published_at": published_at,
            "published_by": who,
            "previous_id": previous.id if previous is not None else None,
            "appeals": json.dumps(appeals_in_force(engine, sel, computed), ensure_ascii=False),
            "csv": csv_bytes(table, meta),
        }
        return conn.execute(
            insert(publications).values(**row).returning(publications.c.id)
        ).scalar_one()


def _figures(engine: Engine, sel: Selection, known_at: datetime):
    """The assessment of ``sel`` as known at ``known_at`` (rank change left empty) and its
    CSV's trailing columns; PublicationError when the period has no case in the scope."""
    frozen = replace(sel, as_known_at=known_at)
    table = assess(engine, frozen, rank_change=False)
    if not len(table) or not table["cases"].fillna(0).sum():
        where = sel.scope_path or "the city"
        raise PublicationError(
            f"{sel.period.label} has no case in {where}; nothing was published.",
            "empty",
            period=sel.period.label,
            scope=sel.scope_path,
        )
    return table, assessment_meta(engine, frozen, table)


def _news(engine: Engine, after: datetime, until: datetime, zone: str | None) -> bool:
    """Whether a load finished or an appeal was decided in (after, until] (city time; the
    load log keeps UTC): then the data as known at ``until`` are not those as known at
    ``after``. Read on a connection of its own: the publishing transaction's snapshot
    (DuckDB) would not see a load committed since."""
    loads = select(ingest_log.c.id).where(
        ingest_log.c.finished_at > utc_of(after, zone),
        ingest_log.c.finished_at <= utc_of(until, zone),
    )
    decided = select(appeals.c.id).where(
        appeals.c.decided_at > after, appeals.c.decided_at <= until
    )
    with engine.connect() as conn:
        return bool(conn.execute(select(exists(loads) | exists(decided))).scalar())


def _refuse_twin(conn: Connection, sel: Selection, since: datetime) -> None:
    p = publications.c
    twin = conn.execute(
        select(p.id, p.published_at)
        .where(*_same(sel), p.published_at >= since)
        .order_by(p.id.desc())
        .limit(1)
    ).first()
    if twin is not None:
        when = f"{twin.published_at:%Y-%m-%d %H:%M:%S}"
        raise PublicationError(
            f"The same ranking was published at the same moment ({when}, number "
            f"{twin.id}); nothing was published.",
            "twin",
            id=twin.id,
            when=twin.published_at,
        )


def _same(sel: Selection) -> list:
    p = publications.c
    return [
        p.level == sel.level,
        p.period == sel.period.label,
        p.scope == sel.scope_path,
        p.rules_hash == sel.rules_hash,
    ]


def _previous(conn: Connection, sel: Selection) -> Publication | None:
    """The base of rank change: among publications of the same level, scope and rule set
    (hash) whose period ends before this one begins, the newest of the latest period."""
    p = publications.c
    rows = conn.execute(
        select(p.id, p.period, p.published_at).where(
            p.level == sel.level, p.scope == sel.scope_path, p.rules_hash == sel.rules_hash
        )
    ).all()
    start = sel.period.start
    best = None
    for row in rows:
        try:
            end = parse_period(row.period).end
        except PeriodError:  # a label this version cannot read is no base
            continue
        if end < start and (best is None or (end, row.published_at, row.id) > best):
            best = (end, row.published_at, row.id)
    if best is None:
        return None
    found = conn.execute(select(publications).where(p.id == best[2])).one()
    return _publication(found)


def list_publications(engine: Engine) -> pd.DataFrame:
    """Every publication, newest first: id, title, level, period, scope, rule_set,
    rules_hash, as_of, as_known_at, published_at, published_by, previous_id and appeals
    (how many appeals were in force)."""
    p = publications.c
    with engine.connect() as conn:
        rows = conn.execute(select(*[p[c] for c in _LISTED], p.appeals).order_by(p.id.desc())).all()
    frame = pd.DataFrame(rows, columns=[*_LISTED, "appeals"])
    frame["appeals"] = [len(json.loads(a or "[]")) for a in frame["appeals"]]
    frame["previous_id"] = frame["previous_id"].astype("Int64")
    return frame


def get_publication(engine: Engine, pub_id: int | str) -> Publication:
    """The publication ``pub_id``; PublicationError when there is none."""
    try:
        number = int(str(pub_id).strip())
    except ValueError:
        raise PublicationError(f"{pub_id!r} is not a publication number.") from None
    with engine.connect() as conn:
        row = conn.execute(select(publications).where(publications.c.id == number)).first()
    if row is None:
        raise PublicationError(f"There is no publication number {number}.")
    return _publication(row)


def latest_of(engine: Engine, sel: Selection) -> Publication | None:
    """The newest publication of ``sel``'s level, period, scope and rule set, or None."""
    if sel.period is None or sel.level not in LEVELS:
        return None
    with engine.connect() as conn:
        row = conn.execute(
            select(publications)
            .where(*_same(sel))
            .order_by(publications.c.published_at.desc(), publications.c.id.desc())
            .limit(1)
        ).first()
    return _publication(row) if row is not None else None


def _publication(row) -> Publication:
    values = dict(row._mapping)
    values["appeals"] = json.loads(values["appeals"] or "[]")
    values["csv"] = bytes(values["csv"])
    return Publication(**values)
