"""Supervision orders (督办单): issued on an overdue case to its street or department, answered.

An order is *late* when it is open past its due time, or was answered after it
(docs/appeals.md). Orders are never deleted; an order only gains its answer.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import BigInteger, Engine, case, cast, func, insert, select, update

from caselog.schema import cases
from metrics.selection import Selection
from metrics.supervision import overdue_case
from records.scope import (
    RecordError,
    case_filter,
    case_in_scope,
    clean_text,
    department_of,
    find_case,
    store_now,
)
from records.tables import supervision_orders

TARGETS = ("department", "street")
#: Roles that may issue orders.
ISSUERS = ("city", "district")
#: Columns of :func:`list_orders`, in order (``state``: open, late, answered, answered_late).
COLUMNS = (
    "id",
    "case_id",
    "to_kind",
    "to_unit",
    "issued_by",
    "issued_at",
    "due_at",
    "note",
    "state",
    "answer",
    "answered_by",
    "answered_at",
)
#: Columns of :func:`order_counts` after the unit's ``to_kind, to_unit``.
COUNTS = ("orders", "open", "answered", "late")


def issue_order(
    engine: Engine,
    sel: Selection,
    case_id: str,
    to_kind: str,
    to_unit: str,
    due_at: datetime,
    note: str,
    *,
    by: str,
    account=None,
    at: datetime | None = None,
) -> int:
    """Issue an order on ``case_id`` to its street (``to_unit`` 区/街道) or to its primary or an
    assisting department, due at ``due_at``; return its id.

    ``account``: a city or district account, the case and the receiving unit inside its
    scope (None: the store's holder). The case must be a red card of ``sel`` (open and
    overdue at its as_of, under its rule set: metrics.supervision.overdue_case). Refused with
    RecordError (one sentence, nothing written) otherwise, or when the due time is not after
    the moment of issue, or the note is empty."""
    case_id = (case_id or "").replace("\x00", "").strip()
    if to_kind not in TARGETS:
        raise RecordError(
            "bad_target",
            f"an order goes to a department or a street, not {to_kind!r}.",
            kind=to_kind,
        )
    to_unit = clean_text(to_unit, "unit", limit=400)
    note = clean_text(note, "note")
    row = find_case(engine, case_id)
    if account is not None:
        if account.role not in ISSUERS or department_of(account) is not None:
            raise RecordError(
                "not_issuer", "only a city or district account issues supervision orders."
            )
        inside = account.scope_path
        if to_kind == "street" and inside and not to_unit.startswith(f"{inside}/"):
            raise RecordError(
                "unit_outside",
                f"{to_unit} is outside your scope; nothing was written.",
                unit=to_unit,
            )
        if not case_in_scope(engine, case_id, account):
            raise RecordError(
                "case_outside",
                f"case {case_id} is outside your scope; nothing was written.",
                case=case_id,
            )
    _check_receiver(row, to_kind, to_unit)
    if not overdue_case(engine, sel, case_id):
        raise RecordError(
            "not_overdue",
            f"case {case_id} is not open and overdue; orders are issued on overdue cases only.",
            case=case_id,
        )
    stamp = at or store_now(engine)
    if due_at <= stamp:
        due, now = f"{due_at:%Y-%m-%d %H:%M}", f"{stamp:%Y-%m-%d %H:%M}"
        raise RecordError(
            "due_not_after",
            f"the due time {due} is not after now ({now}); nothing was written.",
            due=due,
            now=now,
        )
    with engine.begin() as conn:
        return conn.execute(
            insert(supervision_orders)
            .values(
                case_id=case_id,
                to_kind=to_kind,
                to_unit=to_unit,
                issued_by=clean_text(by, "by", limit=200),
                issued_at=stamp,
                due_at=due_at,
                note=note,
            )
            .returning(supervision_orders.c.id)
        ).scalar_one()


def _units(row) -> list[tuple[str, str]]:
    """A case row's possible receivers: ('street', '区/街道'), then ('department', name) for
    its primary and assisting departments."""
    out = [("street", f"{row.district}/{row.street}")] if row.street else []
    assisting = [d.strip() for d in (row.assist_departments or "").split(";") if d.strip()]
    out += [("department", name) for name in dict.fromkeys([row.department, *assisting]) if name]
    return out


def _check_receiver(row, to_kind: str, to_unit: str) -> None:
    """Refuse a receiving unit that is not the case's street or one of its departments."""
    units = _units(row)
    if (to_kind, to_unit) in units:
        return
    if to_kind == "street":
        own = next((unit for kind, unit in units if kind == "street"), "—")
        raise RecordError(
            "not_case_street",
            f"{to_unit} is not the street of case {row.case_id} ({own}); nothing was written.",
            unit=to_unit,
            case=row.case_id,
            own=own,
        )
    raise RecordError(
        "not_case_department",
        f"{to_unit} is neither the primary nor an assisting department of case "
        f"{row.case_id}; nothing was written.",
        unit=to_unit,
        case=row.case_id,
    )


def receivers(engine: Engine, case_id: str) -> list[tuple[str, str]]:
    """Where an order on ``case_id`` may go (its street, then its departments); none for an
    unknown case."""
    try:
        return _units(find_case(engine, case_id))
    except RecordError:
        return []


def receives(account, order) -> bool:
    """Whether ``account`` is the receiver of ``order`` (a row or dict with to_kind, to_unit):
    the street account of that street, or that department's account."""
    department = department_of(account)
    if order["to_kind"] == "department":
        return department == order["to_unit"]
    return (
        department is None and account.role == "street" and account.scope_path == order["to_unit"]
    )


def answer_order(
    engine: Engine,
    order_id: int,
    text: str,
    *,
    by: str,
    account=None,
    at: datetime | None = None,
) -> int:
    """Record the receiver's answer to order ``order_id`` (returned). ``account`` must be its receiver
    (None: the store's holder). Refused with RecordError: an unknown id, an order answered
    already, an empty answer, an account that is not the receiver."""
    text = clean_text(text, "answer")
    o = supervision_orders.c
    with engine.begin() as conn:
        row = conn.execute(select(supervision_orders).where(o.id == order_id)).first()
        if row is None:
            raise RecordError("no_order", f"there is no supervision order {order_id}.", id=order_id)
        if account is not None and not receives(account, row._mapping):
            raise RecordError(
                "not_receiver",
                f"order {order_id} goes to {row.to_unit}, not to you; nothing was written.",
                id=order_id,
                unit=row.to_unit,
            )
        if row.answered_at is not None:
            raise RecordError(
                "answered_already",
                f"order {order_id} was answered already by {row.answered_by}; nothing was written.",
                id=order_id,
                by=row.answered_by,
            )
        done = conn.execute(
            update(supervision_orders)
            .where(o.id == order_id, o.answered_at.is_(None))
            .values(
                answer=text,
                answered_by=clean_text(by, "by", limit=200),
                answered_at=at or store_now(engine),
            )
            .returning(o.id)
        ).first()
        if done is None:
            raise RecordError(
                "answered_meanwhile",
                f"order {order_id} was answered meanwhile; nothing was written.",
                id=order_id,
            )
    return order_id


def _state(o, now: datetime):
    """SQL over order columns ``o``: open, late (open past due), answered, answered_late
    (answered after the due time)."""
    return case(
        (o.answered_at.is_(None) & (o.due_at < now), "late"),
        (o.answered_at.is_(None), "open"),
        (o.answered_at > o.due_at, "answered_late"),
        else_="answered",
    )


def _visible(account):
    """The orders on cases inside ``account``'s scope and those to its department, as a
    subquery with the orders' columns (None: every order)."""
    o = supervision_orders.c
    query = select(supervision_orders).select_from(
        supervision_orders.outerjoin(cases, cases.c.case_id == o.case_id)
    )
    if account is not None:
        department = department_of(account)
        mine = case_filter(account)
        if department is not None:
            mine = mine | ((o.to_kind == "department") & (o.to_unit == department))
        query = query.where(mine)
    return query.subquery("o")


def list_orders(engine: Engine, account=None, *, now: datetime | None = None) -> pd.DataFrame:
    """The orders ``account`` may see (None: all), newest first: :data:`COLUMNS`, ``state``
    judged at ``now`` (default: the store's clock)."""
    now = now or store_now(engine)
    s = _visible(account)
    state = _state(s.c, now).label("state")
    query = select(*[state if n == "state" else s.c[n] for n in COLUMNS])
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(s.c.id.desc())).all()
    return pd.DataFrame(rows, columns=list(COLUMNS))


def order_counts(engine: Engine, account=None, *, now: datetime | None = None) -> pd.DataFrame:
    """Per receiving unit (``to_kind, to_unit``) of the orders ``account`` may see: orders,
    open (not answered), answered, late (open past due, or answered after due); most late
    first. ``now`` as for :func:`list_orders`."""
    now = now or store_now(engine)
    s = _visible(account)
    state = _state(s.c, now)

    def n(*states: str):
        return cast(func.sum(case((state.in_(states), 1), else_=0)), BigInteger)

    query = select(
        s.c.to_kind,
        s.c.to_unit,
        cast(func.count(), BigInteger).label("orders"),
        n("open", "late").label("open"),
        n("answered", "answered_late").label("answered"),
        n("late", "answered_late").label("late"),
    ).group_by(s.c.to_kind, s.c.to_unit)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    out = pd.DataFrame(rows, columns=["to_kind", "to_unit", *COUNTS])
    out = out.sort_values(
        ["late", "open", "to_kind", "to_unit"], ascending=[False, False, True, True]
    )
    return out.reset_index(drop=True)
