"""Appeals (申诉): a case contested by a unit, decided by the city; filed, decided, listed.

An approved ``exclude`` leaves the case out of every KPI but ``cases``; an approved
``extend`` replaces its extended deadline with ``until`` (metrics.known.appeals_in_force
applies them to whatever is computed as known after the decision). An appeal is never
deleted; it only gains its decision.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, func, insert, select, update

from caselog.schema import cases
from records.scope import (
    RecordError,
    case_filter,
    case_in_scope,
    clean_text,
    department_of,
    find_case,
    store_now,
    unit_of,
)
from records.tables import appeals

KINDS = ("exclude", "extend")
#: The decision words of the command line and the status they set.
DECISIONS = {"approve": "approved", "reject": "rejected"}
#: Roles that may file an appeal (a department account: a non-empty ``department``).
FILERS = ("street", "community")
#: Columns of :func:`list_appeals`, in order.
COLUMNS = (
    "id",
    "case_id",
    "district",
    "street",
    "department",
    "kind",
    "until",
    "reason",
    "filed_by",
    "filed_unit",
    "filed_at",
    "status",
    "decided_by",
    "decided_at",
    "note",
)


def file_appeal(
    engine: Engine,
    case_id: str,
    kind: str,
    reason: str,
    *,
    by: str,
    until: datetime | None = None,
    account=None,
    at: datetime | None = None,
) -> int:
    """File an appeal on ``case_id`` and return its id.

    ``account`` is the signed-in filer: a street, community or department account, and the
    case must lie in its scope; None is the store's holder (the command line, an app without
    accounts), who may file on any case for the whole city. Refused with RecordError (one
    sentence, nothing written): an unknown case, a kind other than exclude/extend, ``until``
    missing for extend, given for exclude or not after the case's report, an empty reason, a
    case with a pending appeal already."""
    case_id = (case_id or "").replace("\x00", "").strip()
    if kind not in KINDS:
        raise RecordError(
            "bad_kind", f"the kind of an appeal is exclude or extend, not {kind!r}.", kind=kind
        )
    if kind == "extend" and until is None:
        raise RecordError(
            "no_until", "an extension needs the new deadline (--until); nothing was written."
        )
    if kind == "exclude" and until is not None:
        raise RecordError(
            "until_for_extend", "--until goes with --kind extend only; nothing was written."
        )
    reason = clean_text(reason, "reason")
    row = find_case(engine, case_id)
    if account is not None:
        if account.role not in FILERS and department_of(account) is None:
            raise RecordError(
                "not_filer", "only a street, community or department account files appeals."
            )
        if not case_in_scope(engine, case_id, account):
            raise RecordError(
                "case_outside",
                f"case {case_id} is outside your scope; nothing was written.",
                case=case_id,
            )
    if until is not None and until <= row.reported_at:
        when, reported = f"{until:%Y-%m-%d %H:%M}", f"{row.reported_at:%Y-%m-%d %H:%M}"
        raise RecordError(
            "until_before_report",
            f"the new deadline {when} is not after case {case_id} was reported ({reported}); "
            "nothing was written.",
            until=when,
            case=case_id,
            reported=reported,
        )
    a = appeals.c
    with engine.begin() as conn:
        pending = conn.execute(
            select(a.id).where(a.case_id == case_id, a.status == "pending").limit(1)
        ).scalar()
        if pending is not None:
            raise RecordError(
                "pending_exists",
                f"case {case_id} has a pending appeal already (appeal {pending}); "
                "nothing was written.",
                case=case_id,
                id=pending,
            )
        return conn.execute(
            insert(appeals)
            .values(
                case_id=case_id,
                kind=kind,
                until=until,
                reason=reason,
                filed_by=clean_text(by, "by", limit=200),
                filed_unit="" if account is None else unit_of(account),
                filed_at=at or store_now(engine),
                status="pending",
            )
            .returning(a.id)
        ).scalar_one()


def decide(
    engine: Engine,
    appeal_id: int,
    decision: str,
    *,
    by: str,
    note: str = "",
    account=None,
    at: datetime | None = None,
) -> dict:
    """Approve or reject the pending appeal ``appeal_id`` (``decision``: approve|reject) and
    return its row as a dict. ``account`` must be a city account (None: the store's holder).
    Refused with RecordError: an unknown id, an appeal decided already, another decision word,
    a decider who is not the city."""
    if decision not in DECISIONS:
        raise RecordError(
            "bad_decision", f"decide approve or reject, not {decision!r}.", decision=decision
        )
    if account is not None and not account.is_city:
        raise RecordError(
            "not_decider", "only a city account decides appeals; nothing was written."
        )
    note = clean_text(note, "note", required=False)
    who = clean_text(by, "by", limit=200)
    a = appeals.c
    with engine.begin() as conn:
        row = conn.execute(select(appeals).where(a.id == appeal_id)).first()
        if row is None:
            raise RecordError("no_appeal", f"there is no appeal {appeal_id}.", id=appeal_id)
        if row.status != "pending":
            when = f"{row.decided_at:%Y-%m-%d %H:%M}"
            raise RecordError(
                "decided_already",
                f"appeal {appeal_id} was {row.status} already by {row.decided_by} on {when}; "
                "nothing was written.",
                id=appeal_id,
                status=row.status,
                by=row.decided_by,
                at=when,
            )
        stamp = at or store_now(engine)
        status = DECISIONS[decision]
        done = conn.execute(
            update(appeals)
            .where(a.id == appeal_id, a.status == "pending")  # a concurrent decision wins once
            .values(status=status, decided_by=who, decided_at=stamp, note=note or None)
            .returning(a.id)
        ).first()
        if done is None:
            raise RecordError(
                "decided_meanwhile",
                f"appeal {appeal_id} was decided meanwhile; nothing was written.",
                id=appeal_id,
            )
    return row._asdict() | {"status": status, "decided_by": who, "decided_at": stamp, "note": note}


def list_appeals(engine: Engine, account=None, *, status: str | None = None) -> pd.DataFrame:
    """The appeals on cases inside ``account``'s scope (None: every appeal), newest first,
    with the case's district, street and department: :data:`COLUMNS`."""
    a, c = appeals.c, cases.c
    query = select(*[a[n] if n in appeals.c else c[n] for n in COLUMNS]).select_from(
        appeals.outerjoin(cases, c.case_id == a.case_id)
    )
    if account is not None:
        query = query.where(case_filter(account))
    if status is not None:
        query = query.where(a.status == status)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(a.id.desc())).all()
    return pd.DataFrame(rows, columns=list(COLUMNS))


def version(engine: Engine) -> tuple:
    """A value that changes with every appeal filed or decided (a decision is an update,
    which a table's row count and largest id do not show)."""
    a = appeals.c
    with engine.connect() as conn:
        row = conn.execute(
            select(func.count(), func.count(a.decided_at), func.max(a.id), func.max(a.decided_at))
        ).one()
    return tuple(row)
