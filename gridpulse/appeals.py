"""The ``appeal`` and ``order`` verbs: appeals (申诉) and supervision orders (督办单)."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager

from gridpulse import users


def add_parsers(verbs) -> None:
    """Register ``appeal add|decide|list`` (contract §5) and ``order add|answer|list``."""
    appeal = verbs.add_parser("appeal", help="file, decide and list appeals (申诉)")
    steps = appeal.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = steps.add_parser("add", help="contest a case: exclude it or extend its deadline")
    add.add_argument("case_id", metavar="CASE_ID")
    add.add_argument("--kind", required=True, choices=["exclude", "extend"])
    add.add_argument("--until", help="the new deadline (extend), e.g. '2025-04-10 18:00'")
    add.add_argument("--reason", required=True)
    _warm_option(add)
    decide = steps.add_parser("decide", help="approve or reject a pending appeal")
    decide.add_argument("appeal_id", type=int, metavar="ID")
    decide.add_argument("decision", choices=["approve", "reject"])
    decide.add_argument("--note", default="")
    _warm_option(decide)
    listing = steps.add_parser("list", help="list appeals with their decisions")
    listing.add_argument("--json", action="store_true", help="one JSON array as the last line")

    order = verbs.add_parser("order", help="issue, answer and list supervision orders (督办单)")
    steps = order.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = steps.add_parser("add", help="order an overdue case's street or department to act")
    add.add_argument("case_id", metavar="CASE_ID")
    to = add.add_mutually_exclusive_group(required=True)
    to.add_argument("--street", help="the case's street as 区/街道")
    to.add_argument("--department", help="the case's primary or an assisting department")
    add.add_argument("--due", required=True, help="when the answer is due")
    add.add_argument("--note", required=True)
    add.add_argument("--rules", help="rule set TOML whose deadlines judge 'overdue'")
    _warm_option(add)
    answer = steps.add_parser("answer", help="answer an order")
    answer.add_argument("order_id", type=int, metavar="ID")
    answer.add_argument("--answer", required=True)
    _warm_option(answer)
    listing = steps.add_parser("list", help="list orders (or count them per unit)")
    listing.add_argument("--counts", action="store_true", help="open/answered/late per unit")
    listing.add_argument("--json", action="store_true", help="one JSON array as the last line")


def _warm_option(parser) -> None:
    parser.add_argument(
        "--no-warm", action="store_true", help="skip recomputing the pages' tables afterwards"
    )


def run_appeal(args, error: type[Exception], actor: str) -> int:
    """Carry out one ``appeal`` action as ``actor``; ``error`` is the CLI's error type."""
    from records import appeals

    if args.action == "list":
        with _store(args, error, read_only=True) as engine:
            frame = appeals.list_appeals(engine)
        return _show(frame, args.json, "no appeals")
    with _store(args, error) as engine:
        if args.action == "add":
            until = _instant(engine, args.until, "--until", error)
            new = appeals.file_appeal(
                engine, args.case_id, args.kind, args.reason, by=actor, until=until
            )
            detail = {"do": "file", "id": new, "case_id": args.case_id, "kind": args.kind}
            detail |= {"until": until, "reason": args.reason} if until else {"reason": args.reason}
            said = f"filed appeal {new} on case {args.case_id} ({args.kind}); pending a decision"
        else:
            row = appeals.decide(engine, args.appeal_id, args.decision, by=actor, note=args.note)
            detail = {"do": "decide", "id": args.appeal_id, "case_id": row["case_id"]}
            detail |= {"status": row["status"], "note": row["note"]}
            said = f"appeal {args.appeal_id} on case {row['case_id']} {row['status']}"
    _audit(args, actor, "appeal", detail)
    print(said)
    _warm(args)
    return 0


def run_order(args, error: type[Exception], actor: str) -> int:
    """Carry out one ``order`` action as ``actor``."""
    from records import orders

    if args.action == "list":
        with _store(args, error, read_only=True) as engine:
            if args.counts:
                return _show(orders.order_counts(engine), args.json, "no supervision orders")
            return _show(orders.list_orders(engine), args.json, "no supervision orders")
    with _store(args, error) as engine:
        if args.action == "add":
            sel = _selection(engine, args, error)
            kind, unit = ("street", args.street) if args.street else ("department", args.department)
            due = _instant(engine, args.due, "--due", error)
            new = orders.issue_order(
                engine, sel, args.case_id, kind, unit, due, args.note, by=actor
            )
            detail = {"do": "issue", "id": new, "case_id": args.case_id, "to": unit}
            detail |= {"due": due, "note": args.note}
            said = f"issued supervision order {new} on case {args.case_id} to {unit}"
        else:
            orders.answer_order(engine, args.order_id, args.answer, by=actor)
            detail = {"do": "answer", "id": args.order_id}
            said = f"answered supervision order {args.order_id}"
    _audit(args, actor, "order", detail)
    print(said)
    _warm(args)
    return 0


@contextmanager
def _store(args, error: type[Exception], *, read_only: bool = False):
    """The store's engine; a missing DuckDB file and a refused record are one sentence."""
    from caselog import open_store
    from caselog.store import store_file
    from records.scope import RecordError

    path = store_file(args.db)
    if path is not None and not path.exists():
        raise error(f"there is no store at {path}; load a case log first (gridpulse ingest).")
    engine = open_store(args.db, read_only=read_only)
    try:
        yield engine
    except (RecordError, ValueError) as exc:
        raise error(str(exc)) from exc
    finally:
        engine.dispose()


def _instant(engine, text: str | None, option: str, error: type[Exception]):
    """``text`` as a store-local timestamp (None stays None)."""
    from caselog import get_timezone
    from metrics.period import PeriodError, parse_as_of

    try:
        return parse_as_of(text, get_timezone(engine))
    except PeriodError:
        raise error(f"{option} {text!r} is not a timestamp such as 2025-04-10 18:00.") from None


def _selection(engine, args, error: type[Exception]):
    """The selection whose as_of and rule set judge whether a case is overdue."""
    from caselog import get_timezone
    from metrics.selection import Selection

    try:
        return Selection.build("street", None, rules=args.rules, timezone=get_timezone(engine))
    except ValueError as exc:
        raise error(str(exc)) from exc


def _show(frame, as_json: bool, empty: str) -> int:
    if as_json:
        rows = json.loads(frame.to_json(orient="records", date_format="iso", force_ascii=False))
        print(json.dumps(rows, ensure_ascii=False))
    else:
        print(frame.to_string(index=False) if not frame.empty else empty)
    return 0


def _audit(args, actor: str, action: str, detail: dict) -> None:
    """Write the action to the audit log as ``actor``; a log that cannot be written is
    reported on stderr (the record itself is kept)."""
    import accounts

    try:
        engine = users._accounts(args)
        try:
            accounts.record(engine, actor, action, detail=detail)
        finally:
            engine.dispose()
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        print(f"warning: the {action} was not written to the audit log ({first}).", file=sys.stderr)


def _warm(args) -> None:
    """The work after a load (services.afterload): the write renewed the store's data
    version, so the KPI cube and the pages' tables are computed again for it."""
    if args.no_warm:
        return
    from caselog import default_url
    from services.afterload import after_load

    done = after_load(args.db or default_url())
    if done.error:
        print(f"note: {done.error}; the pages compute them when first viewed.", file=sys.stderr)
