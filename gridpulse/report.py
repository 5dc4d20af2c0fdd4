"""The ``report`` verb: the bulletin (通报) as Word or PDF, from a publication or computed now."""

from __future__ import annotations

import sys
from pathlib import Path

from metrics.registry import UNIT_LEVELS as LEVELS

SUFFIXES = (".docx", ".pdf")


def add_parsers(verbs) -> None:
    """Register ``report``."""
    rep = verbs.add_parser(
        "report", help="write the bulletin (通报) as .docx or .pdf, from a publication or now"
    )
    rep.add_argument("--period", help="e.g. 2025-03 (with --publication: must match it)")
    rep.add_argument("--by", choices=LEVELS, default=None, help="unit level (default: street)")
    rep.add_argument("--publication", help="a publication's number: its figures exactly")
    rep.add_argument("--scope", default="", help="an area: 区 or 区/街道 (default: the city)")
    rep.add_argument(
        "--rules", type=Path, help="rule set TOML (default: the one active for --by, else built-in)"
    )
    rep.add_argument("--as-of", dest="as_of")
    rep.add_argument("--lang", choices=("zh", "en"), default="zh")
    rep.add_argument("--city", default="", help="the city's name in the title (default: 全市)")
    rep.add_argument("--title", default="", help="replaces the whole title")
    rep.add_argument("--out", required=True, type=Path, help="FILE.docx or FILE.pdf")


def run_report(args, error: type[Exception]) -> int:
    """Build the bulletin the arguments name and write it to ``--out``; one sentence on
    stdout for what was written, warnings on stderr."""
    from bulletin import build_bulletin, to_docx, to_pdf
    from bulletin.fonts import cjk_font
    from bulletin.words import word
    from gridpulse.cli import _open, selection
    from gridpulse.users import record_export
    from outfile import checked_out_path

    out = checked_out_path(args.out, SUFFIXES, error)  # before anything is computed
    if args.publication is None and not args.period:
        raise error("report needs --period (such as 2025-03) or --publication ID.")
    engine = _open(args, read_only=True, existing=True)
    try:
        if args.publication is not None:
            source = _publication(engine, args, error)
        else:
            args.by = args.by or "street"
            source = selection(args, engine)
        content = build_bulletin(engine, source, lang=args.lang, city=args.city, title=args.title)
    except ValueError as exc:  # metrics and records raise ValueError subclasses: one sentence
        raise error(str(exc)) from exc
    finally:
        engine.dispose()
    if cjk_font() is None:
        print(f"warning: {word('font_warning', 'en')}", file=sys.stderr)
    try:
        (to_pdf if out.suffix.lower() == ".pdf" else to_docx)(content, out)
    except ValueError as exc:
        raise error(str(exc)) from exc
    record_export(args.db, {"report": content.title, "file": str(out)})
    kind = f"publication {content.publication_id}" if content.published else "preliminary"
    print(f"wrote the bulletin ({kind}) {content.title} to {out}")
    return 0


def _publication(engine, args, error: type[Exception]):
    """The publication ``--publication`` names; --period, --by and --scope, when given, must
    be its own, and its rule set and as-of cannot be replaced."""
    from metrics.period import parse_period
    from records.publications import get_publication

    pub = get_publication(engine, args.publication)
    fixed = [name for name, value in (("--rules", args.rules), ("--as-of", args.as_of)) if value]
    if fixed:
        raise error(f"A publication fixes its rule set and as-of; drop {' and '.join(fixed)}.")
    asked = {
        "period": parse_period(args.period).label if args.period else None,
        "level": args.by,
        "scope": args.scope.strip("/ ") or None,
    }
    for key, value in asked.items():
        own = getattr(pub, key)
        if value is not None and value != own:
            raise error(f"Publication {pub.id} is of {key} {own or 'the city'}, not {value}.")
    return pub
