"""The ``user`` and ``audit`` verbs: accounts with a role and scope, and the audit log."""

from __future__ import annotations

import argparse
import getpass
import sys


def add_parsers(verbs) -> None:
    """Register ``user add|password|disable|enable|list`` and ``audit``."""
    user = verbs.add_parser("user", help="manage accounts (role and scope)")
    actions = user.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="create an account")
    add.add_argument("username", help="a name, or the e-mail the identity provider reports")
    add.add_argument(
        "--role", required=True, choices=["city", "district", "street", "community", "department"]
    )
    add.add_argument("--scope", default="", help="district[/street[/community]] for the role")
    add.add_argument(
        "--department", default="", help="the department of a department account (条), e.g. 城管委"
    )
    add.add_argument("--name", default="", help="display name")
    _password_options(add)
    add.add_argument(
        "--oidc-only", action="store_true", help="no password: signs in through the provider"
    )
    password = actions.add_parser("password", help="set an account's password")
    password.add_argument("username")
    _password_options(password)
    for verb, text in (("disable", "stop an account signing in"), ("enable", "allow it again")):
        actions.add_parser(verb, help=text).add_argument("username")
    actions.add_parser("list", help="list accounts")

    audit = verbs.add_parser("audit", help="show the audit log (sign-ins, exports)")
    audit.add_argument("--limit", type=int, default=50)
    audit.add_argument("--user", dest="username")


def _password_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )


def run_user(args, error: type[Exception]) -> int:
    """Carry out one ``user`` action; ``error`` is the CLI's one-sentence error type."""
    import accounts

    engine = _accounts(args)
    try:
        if args.action == "list":
            frame = accounts.list_accounts(engine)
            print(frame.to_string(index=False) if not frame.empty else "no accounts")
            return 0
        if args.action in ("disable", "enable"):
            accounts.set_disabled(engine, args.username, args.action == "disable")
            detail = f"{args.action} {args.username}"
        elif args.action == "password":
            accounts.set_password(engine, args.username, _read_password(args, error))
            detail = f"password {args.username}"
        else:
            _check_scope(args, error)
            password = None if args.oidc_only else _read_password(args, error)
            account = accounts.add_account(
                engine, args.username, args.role, args.scope, password, args.name, args.department
            )
            detail = f"add {account.username} {account.role} {account.scope_path}".strip()
        accounts.record(engine, _operator(), "account", detail=detail)
    except ValueError as exc:
        raise error(str(exc)) from exc
    finally:
        engine.dispose()
    print(f"done: {detail}")
    return 0


def run_audit(args, error: type[Exception]) -> int:
    """Print the newest audit-log entries."""
    import accounts

    if args.limit <= 0:
        raise error("--limit must be a positive number.")
    engine = _accounts(args)
    try:
        frame = accounts.recent(engine, args.limit, args.username)
    finally:
        engine.dispose()
    print(frame.to_string(index=False) if not frame.empty else "the audit log is empty")
    return 0


def record_export(db: str | None, what: dict) -> None:
    """Write a command-line export to the audit log; a log that cannot be written is
    reported on stderr without undoing the export that was asked for."""
    import accounts

    try:
        engine = _accounts(argparse.Namespace(db=db))
        try:
            accounts.record(engine, _operator(), "export", detail=what)
        finally:
            engine.dispose()
    except Exception as exc:  # the file is written; say the log entry is missing
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        print(f"warning: the export was not written to the audit log ({first}).", file=sys.stderr)


def _accounts(args):
    import accounts
    from caselog import default_url

    return accounts.open_accounts(accounts.accounts_url(args.db or default_url()))


def _operator() -> str:
    """Who ran the command, as the audit log names command-line users."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _read_password(args, error: type[Exception]) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise error("give the password with --password-stdin, or run in a terminal.")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise error("the two passwords differ; nothing was changed.")
    return first


def _check_scope(args, error: type[Exception]) -> None:
    """Refuse a scope or department the store has no cases for (a typo would make an account
    see nothing); a department belongs to department accounts only."""
    import accounts
    from caselog import open_store
    from caselog.columns import PARTY
    from caselog.overview import count_cases

    department = args.department.strip()
    if department and args.role != "department":
        raise error(f"--department is for department accounts, not {args.role} ones.")
    if args.role == "department" and not department:
        raise error("a department account needs --department, e.g. --department 城管委.")
    try:
        scope = accounts.scope_from_path(args.role, args.scope)
    except ValueError as exc:
        raise error(str(exc)) from exc
    if not department and not scope:
        return
    where = scope or {PARTY: department}
    asked = f"in {args.scope}" if scope else f"of the department {department}"
    engine = open_store(args.db, read_only=True)
    try:
        if count_cases(engine) and not count_cases(engine, where):
            raise error(f"the store has no cases {asked}; check the spelling.")
    finally:
        engine.dispose()
