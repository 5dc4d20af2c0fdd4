"""Accounts: create, change, disable, list, and sign in with a password (argon2id)."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, func, insert, select, update

from accounts.audit import record
from accounts.scope import Account, scope_from_path
from accounts.tables import accounts, audit_log, now

if TYPE_CHECKING:  # pandas is imported by the calls that return a frame
    import pandas as pd

#: Shortest password accepted (NIST SP 800-63B's minimum for user-chosen secrets).
MIN_PASSWORD = 8
#: Failed sign-ins of one username within LOCK_WINDOW that lock it for the rest of the window.
MAX_FAILURES = 5
LOCK_WINDOW = timedelta(minutes=15)

_hasher = PasswordHasher()


class SignInRefused(Exception):
    """A refused sign-in; the message is safe to show (it never says which part was wrong)."""


def has_accounts(engine: Engine) -> bool:
    """Whether any account exists, enabled or not (then the app asks everyone to sign in;
    disabling the last account must lock the app, not open it)."""
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(accounts)).scalar_one() > 0


def add_account(
    engine: Engine,
    username: str,
    role: str,
    scope_path: str | None = None,
    password: str | None = None,
    display_name: str = "",
    department: str | None = None,
) -> Account:
    """Create an account; without a password it can sign in only through the identity
    provider (its username is then the e-mail address the provider reports). A department
    account (role ``department``) names its ``department`` and no area."""
    username = _clean_name(username)
    display_name = (display_name or "").replace("\x00", "").strip()[:200]
    department = (department or "").replace("\x00", "").strip()[:200] or None
    scope = scope_from_path(role, scope_path)
    account = Account(username, role, display_name=display_name, department=department, **scope)
    with engine.begin() as conn:
        same = func.lower(accounts.c.username) == username.lower()
        if conn.execute(select(accounts.c.username).where(same)).first():
            raise ValueError(f"The account {username!r} exists already.")
        stamp = now()
        conn.execute(
            insert(accounts).values(
                username=username,
                display_name=display_name,
                role=role,
                password_hash=_hash(password) if password is not None else None,
                disabled=False,
                created_at=stamp,
                updated_at=stamp,
                department=department,
                **{k: scope.get(k) for k in ("district", "street", "community")},
            )
        )
    return account


def set_password(engine: Engine, username: str, password: str) -> None:
    """Replace an account's password."""
    _change(engine, username, password_hash=_hash(password))


def set_disabled(engine: Engine, username: str, disabled: bool = True) -> None:
    """Disable (or enable again) an account; a disabled account cannot sign in."""
    _change(engine, username, disabled=disabled)


def list_accounts(engine: Engine) -> pd.DataFrame:
    """Every account without its password hash: username, display_name, role, scope (the
    area path, or a department account's department), disabled, password (whether one is
    set), created_at, last_sign_in."""
    import pandas as pd

    a = accounts.c
    last = (
        select(audit_log.c.username, func.max(audit_log.c.at).label("last_sign_in"))
        .where(audit_log.c.action == "sign_in", audit_log.c.ok.is_(True))
        .group_by(audit_log.c.username)
        .subquery()
    )
    query = (
        select(
            a.username,
            a.display_name,
            a.role,
            a.district,
            a.street,
            a.community,
            a.department,
            a.disabled,
            a.password_hash.is_not(None).label("password"),
            a.created_at,
            last.c.last_sign_in,
        )
        .outerjoin(last, last.c.username == a.username)
        .order_by(a.username)
    )
    with engine.connect() as conn:
        result = conn.execute(query)
        frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    parts = frame[["district", "street", "community", "department"]].fillna("")
    frame.insert(3, "scope", ["/".join(v for v in r if v) for r in parts.itertuples(index=False)])
    return frame.drop(columns=["district", "street", "community", "department"])


def find_account(engine: Engine, username: str) -> Account | None:
    """The enabled account called ``username`` (case-insensitive), or None."""
    row = _row(engine, username)
    if row is None or row.disabled:
        return None
    return _account(row)


def authenticate(engine: Engine, username: str, password: str) -> Account:
    """The account when ``password`` is right; raises SignInRefused otherwise.

    Every attempt is written to the audit log. After MAX_FAILURES failures within
    LOCK_WINDOW the username is refused until the window has passed, whatever is typed.
    """
    # no stored name holds a NUL (PostgreSQL refuses one even as a parameter)
    name = (username or "").replace("\x00", "").strip()
    if _recent_failures(engine, name) >= MAX_FAILURES:
        record(engine, name or "?", "sign_in", ok=False, detail="locked")
        minutes = int(LOCK_WINDOW.total_seconds() // 60)
        raise SignInRefused(f"Too many failed sign-ins; try again in {minutes} minutes.")
    row = _row(engine, name)
    ok = False
    if row is not None and not row.disabled and row.password_hash:
        try:
            ok = _hasher.verify(row.password_hash, password or "")
        except (VerificationError, InvalidHashError):
            ok = False
    else:
        # spend the same time as a real check, so timing does not tell which names exist
        with contextlib.suppress(VerificationError, InvalidHashError):
            _hasher.verify(_dummy(), password or "")
    if not ok:
        record(engine, name or "?", "sign_in", ok=False, detail="password")
        raise SignInRefused("The username or password is not right.")
    if _hasher.check_needs_rehash(row.password_hash):
        _change(engine, row.username, password_hash=_hash(password))
    record(engine, row.username, "sign_in", detail="password")
    return _account(row)


def _recent_failures(engine: Engine, username: str) -> int:
    """Failed sign-ins of ``username`` since its last success within LOCK_WINDOW."""
    log = audit_log.c
    since = now() - LOCK_WINDOW
    with engine.connect() as conn:
        last_ok = conn.execute(
            select(func.max(log.at)).where(
                func.lower(log.username) == username.lower(),
                log.action == "sign_in",
                log.ok.is_(True),
            )
        ).scalar_one()
        start = max(since, last_ok) if last_ok else since
        return conn.execute(
            select(func.count()).where(
                func.lower(log.username) == username.lower(),
                log.action == "sign_in",
                log.ok.is_(False),
                log.at >= start,
            )
        ).scalar_one()


def _hash(password: str) -> str:
    if password is None or len(password) < MIN_PASSWORD:
        raise ValueError(f"A password needs at least {MIN_PASSWORD} characters.")
    return _hasher.hash(password)


@cache
def _dummy() -> str:
    """A hash to check unknown names against, made on first use (not at import: a hash
    takes a tenth of a second, and the command line imports this module to audit)."""
    return _hasher.hash("not-a-password-of-anyone")


def _clean_name(username: str) -> str:
    name = (username or "").strip()
    if not name or len(name) > 200 or any(ch.isspace() or ord(ch) < 32 for ch in name):
        raise ValueError("A username is 1–200 characters without spaces.")
    return name


def _row(engine: Engine, username: str):
    name = (username or "").replace("\x00", "").lower()  # no stored name holds a NUL
    with engine.connect() as conn:
        query = select(accounts).where(func.lower(accounts.c.username) == name)
        return conn.execute(query).first()


def _account(row) -> Account:
    return Account(
        row.username,
        row.role,
        row.district,
        row.street,
        row.community,
        row.display_name or "",
        row.department,
    )


def _change(engine: Engine, username: str, **values) -> None:
    with engine.begin() as conn:
        done = conn.execute(
            update(accounts)
            .where(func.lower(accounts.c.username) == username.replace("\x00", "").lower())
            .values(updated_at=now(), **values)
        )
    if done.rowcount == 0:
        raise ValueError(f"There is no account {username!r}.")
