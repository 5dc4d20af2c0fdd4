"""Who may see what: accounts with a role and a scope, sign-in, and the audit log."""

from accounts.audit import ACTIONS, recent, record
from accounts.directory import (
    MAX_FAILURES,
    MIN_PASSWORD,
    SignInRefused,
    add_account,
    authenticate,
    find_account,
    has_accounts,
    list_accounts,
    set_disabled,
    set_password,
)
from accounts.scope import (
    AREA_ROLES,
    LEVELS_OF_ROLE,
    ROLES,
    SCOPE_KEYS,
    AccessDenied,
    Account,
    Scope,
    confine,
    contains,
    scope_from_path,
)
from accounts.tables import accounts_url, open_accounts

__all__ = [
    "ACTIONS",
    "AREA_ROLES",
    "LEVELS_OF_ROLE",
    "MAX_FAILURES",
    "MIN_PASSWORD",
    "ROLES",
    "SCOPE_KEYS",
    "AccessDenied",
    "Account",
    "Scope",
    "SignInRefused",
    "accounts_url",
    "add_account",
    "authenticate",
    "confine",
    "contains",
    "find_account",
    "has_accounts",
    "list_accounts",
    "open_accounts",
    "recent",
    "record",
    "scope_from_path",
    "set_disabled",
    "set_password",
]
