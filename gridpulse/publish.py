"""The ``publish`` and ``published list|get`` verbs: assessments frozen as publications."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from metrics.registry import UNIT_LEVELS as LEVELS


def add_parsers(verbs) -> None:
    """Register ``publish`` and ``published list|get``."""
    pub = verbs.add_parser("publish", help="freeze an assessment as a publication (考核结果发布)")
    pub.add_argument("--by", required=True, choices=LEVELS)
    pub.add_argument("--period", required=True)
    pub.add_argument("--rules", type=Path)
    pub.add_argument("--as-of", dest="as_of")
    pub.add_argument("--title", default="", help="default: scope, level and period")
    pub.add_argument("--scope", default="", help="an area: 区 or 区/街道 (default: the city)")
    pub.add_argument("--json", action="store_true", help="print one JSON object as last line")

    published = verbs.add_parser("published", help="list publications or write one to a file")
    actions = published.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="every publication, newest first")
    listing.add_argument("--json", action="store_true", help="one JSON array as last line")
    get = actions.add_parser("get", help="write a publication (.csv as stored, or .xlsx)")
    get.add_argument("id", metavar="ID")
    get.add_argument("--out", required=True, type=Path)
    get.add_argument(
        "--lang",
        choices=("zh", "en"),
        default="zh",
        help="language of an .xlsx (the CSV is as stored)",
    )


def run_publish(args, error: type[Exception], who: str) -> int:
    """Publish the assessment the arguments name, as ``who``; print its id on the last line."""
    from caselog import get_timezone
    from gridpulse.cli import selection
    from metrics.known import local_of
    from services.publishing import describe, publish_recorded

    # before waiting for the store: a publisher that finished meanwhile was at once (taken
    # in UTC, as the store's time zone is known only once it is open)
    asked = datetime.now(UTC).replace(tzinfo=None)
    store = _store(args, error)
    try:
        asked = local_of(asked, get_timezone(store))  # the store's city time, as publications
        sel = selection(args, store)
        log = _log(args)
        try:
            done = publish_recorded(store, log, sel, title=args.title, by=who, asked=asked)
        finally:
            log.dispose()
    except ValueError as exc:  # metrics and records raise ValueError subclasses: one sentence
        raise error(str(exc)) from exc
    finally:
        store.dispose()
    if done.audit_error:
        print(f"warning: {done.audit_error}.", file=sys.stderr)
    where = sel.scope_path or "the city"
    if args.json:
        print(json.dumps(describe(done.publication), ensure_ascii=False))
    else:
        print(f"published the {args.by} ranking of {where} for {sel.period.label} as {who}")
        print(done.id)
    return 0


def run_published(args, error: type[Exception], who: str) -> int:
    """``published list`` or ``published get ID --out FILE`` (audited as ``who``)."""
    from records.download import check_out_path, write_publication
    from records.publications import get_publication, list_publications
    from services.publishing import record_download

    store = _store(args, error, read_only=True)
    try:
        if args.action == "list":
            frame = list_publications(store)
        else:
            check_out_path(args.out)  # before anything is read
            pub = get_publication(store, args.id)
            path = write_publication(pub, args.out, args.lang)
    except ValueError as exc:
        raise error(str(exc)) from exc
    finally:
        store.dispose()
    if args.action == "list":
        _print_list(frame, args.json)
        return 0
    log = _log(args)
    try:
        problem = record_download(log, who, pub, str(path))
    finally:
        log.dispose()
    if problem:
        print(f"warning: {problem}.", file=sys.stderr)
    print(f"wrote publication {pub.id} ({pub.title}) to {path}")
    return 0


def _print_list(frame, as_json: bool) -> None:
    """The list as text (times to the second; publication times are the store's city
    time), or as JSON with the stored values."""
    from records.publications import to_second

    times = ("as_of", "as_known_at", "published_at")
    if as_json:
        rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
        for row in rows:
            for key in times:
                row[key] = row[key].isoformat(sep=" ") if row[key] is not None else None
        print(json.dumps(rows, ensure_ascii=False))
        return
    if frame.empty:
        print("no publications")
        return
    shown = frame.assign(
        rules_hash=frame["rules_hash"].str[:12],
        as_of=frame["as_of"].map(lambda v: f"{v:%Y-%m-%d %H:%M:%S}"),
        published_at=frame["published_at"].map(lambda v: str(to_second(v))),
    ).drop(columns=["as_known_at"])
    print(shown.to_string(index=False))


def _store(args, error: type[Exception], *, read_only: bool = False):
    """The store's engine (a writer upgrades an older store, as ingest does); a DuckDB file
    that is not there is an error rather than a new, empty store."""
    from caselog import open_store
    from caselog.store import store_file

    path = store_file(args.db)
    if path is not None and not path.exists():
        raise error(f"there is no store at {path}; load a case log first (gridpulse ingest).")
    return open_store(args.db, read_only=read_only)


def _log(args):
    import accounts
    from caselog import default_url

    return accounts.open_accounts(accounts.accounts_url(args.db or default_url()))
