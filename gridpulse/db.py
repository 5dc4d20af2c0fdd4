"""The ``db`` verbs: upgrade the store's schema (caselog.migrations), print its revision."""

from __future__ import annotations

_STATES = {
    "head": "{revision} (head)",
    "behind": "{revision} (head is {head}; run 'python -m gridpulse db upgrade')",
    "unstamped": "none: made before schema migrations (run 'python -m gridpulse db upgrade')",
    "empty": "none: an empty store (its first open makes revision {head})",
    "newer": "{revision} (newer than this version's head {head}; use the version that upgraded it)",
}
_FROM = {
    "behind": "revision {revision}",
    "unstamped": "a store made before schema migrations",
    "empty": "an empty store",
}


def add_parsers(verbs) -> None:
    """Register ``db upgrade`` and ``db current``."""
    db = verbs.add_parser("db", help="upgrade the store's schema or show its revision")
    steps = db.add_subparsers(dest="step", required=True, metavar="STEP")
    steps.add_parser("upgrade", help="bring the store to this version's schema (keeps all rows)")
    steps.add_parser("current", help="print the store's schema revision")


def run_db(args, error: type[Exception]) -> int:
    """Upgrade the store at ``args.db`` to head, or print where it stands; ``error`` carries
    a one-sentence failure (a missing DuckDB file, a later version's store, a failed step)."""
    from sqlalchemy.exc import OperationalError

    from caselog import migrations, open_store
    from caselog.store import store_file

    path = store_file(args.db)
    if path is not None and not path.exists():
        raise error(f"there is no store at {path}; load a case log first (gridpulse ingest).")
    engine = open_store(args.db, create=False, read_only=args.step == "current")
    try:
        with engine.connect() as conn:
            where = migrations.state(conn)
            revision = migrations.current(conn)
        head = migrations.head()
        if args.step == "current":
            print(_STATES[where].format(revision=revision, head=head))
            return 0
        if where == "newer":
            raise error(
                f"the store is at revision {revision}, newer than this version of GridPulse "
                f"knows (head {head}); use the version that upgraded it."
            )
        if where == "head":
            print(f"the store is already at revision {head} (head); nothing to do.")
            return 0
        try:
            migrations.upgrade(engine)
        except OperationalError:
            raise  # an unreachable server: the command line's own plain sentence
        except Exception as exc:  # one transaction: the store is as it was
            first = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0]
            raise error(
                f"the upgrade failed and the store was left as it was ({first or type(exc).__name__})."
            ) from exc
    finally:
        engine.dispose()
    print(f"upgraded the store from {_FROM[where].format(revision=revision)} to {head} (head).")
    return 0
