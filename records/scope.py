"""Which cases and records an account may act on: its area, or its department's cases."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, and_, func, literal, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from caselog import get_timezone
from caselog.schema import cases
from metrics.known import city_now


class RecordError(ValueError):
    """A refused record action (unknown case, wrong scope, decided already …): one plain
    sentence, and nothing was written. ``key`` and ``values`` name it for the app's zh/en
    label table (dashboard.i18n: ``rec_<key>``)."""

    def __init__(self, key: str, message: str, **values):
        super().__init__(message)
        self.key = key
        self.values = values


#: What an empty text field is called in a refusal.
FIELDS = {
    "reason": "a reason (--reason)",
    "note": "a note",
    "answer": "an answer",
    "unit": "the receiving unit",
    "by": "who acts",
}


def department_of(account) -> str | None:
    """The account's department (a department account, 条), or None for an area account.
    Read with getattr: accounts.Account gains ``department`` with the department role."""
    return (getattr(account, "department", None) or "").strip() or None


def unit_of(account) -> str:
    """The unit an account acts for: its department, or its scope path ('' for the city)."""
    return department_of(account) or account.scope_path


def case_filter(account, c=cases.c) -> ColumnElement:
    """The SQL condition on case columns ``c`` for the cases inside ``account``'s scope: a
    department account's cases are those where it is the primary or an assisting department
    (``assist_departments`` is ';'-joined); an area account's those of its district, street or
    community; a city account's every case."""
    department = department_of(account)
    if department is not None:
        joined = literal(";") + func.coalesce(c.assist_departments, "") + literal(";")
        return or_(
            c.department == department,
            joined.contains(f";{department};", autoescape=True),
        )
    parts = [c[key] == value for key, value in account.scope]
    return and_(*parts) if parts else true()


def case_in_scope(engine: Engine, case_id: str, account) -> bool:
    """Whether the case ``case_id`` (its newest version) exists and lies in ``account``'s scope."""
    query = select(cases.c.case_id).where(cases.c.case_id == case_id, case_filter(account))
    with engine.connect() as conn:
        return conn.execute(query.limit(1)).first() is not None


def find_case(engine: Engine, case_id: str):
    """The newest version of case ``case_id`` (a row), or RecordError when there is none."""
    with engine.connect() as conn:
        row = conn.execute(select(cases).where(cases.c.case_id == case_id)).first()
    if row is None:
        raise RecordError(
            "no_case",
            f"there is no case {case_id!r} in the store; nothing was written.",
            case=case_id,
        )
    return row


def clean_text(value: str | None, field: str, *, required: bool = True, limit: int = 4000) -> str:
    """``value`` stripped (no NUL: PostgreSQL refuses one), at most ``limit`` characters;
    RecordError when it is required and empty. ``field`` is a key of :data:`FIELDS`."""
    text = (value or "").replace("\x00", "").strip()
    if required and not text:
        raise RecordError(f"empty_{field}", f"give {FIELDS[field]}; nothing was written.")
    if len(text) > limit:
        raise RecordError(
            "too_long",
            f"{FIELDS[field]} is longer than {limit:,} characters; nothing was written.",
            limit=limit,
        )
    return text


def store_now(engine: Engine) -> datetime:
    """The wall-clock time in the store's city time zone, to the second: the clock records are
    stamped with, the same clock as the cases' timestamps and ``--as-known-at``."""
    return city_now(get_timezone(engine)).replace(microsecond=0)
