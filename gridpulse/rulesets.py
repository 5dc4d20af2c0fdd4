"""The ``rules`` verb: save rule sets as versions, list them, activate one per level."""

from __future__ import annotations

from pathlib import Path

from gridpulse.appeals import _audit, _show, _store, _warm, _warm_option
from metrics.registry import LEVEL_NAMES


def add_parsers(verbs) -> None:
    """Register ``rules save|list|activate``."""
    rules = verbs.add_parser(
        "rules", help="saved rule sets: versions, and the one active per level"
    )
    steps = rules.add_subparsers(dest="action", required=True, metavar="ACTION")
    save = steps.add_parser("save", help="keep a rule set TOML as a new version")
    save.add_argument("file", type=Path, metavar="TOML")
    _warm_option(save)
    steps.add_parser("list", help="the saved versions (hash, author, date, active levels)")
    activate = steps.add_parser("activate", help="make a version the level's rule set")
    activate.add_argument("version", metavar="ID|default", help="a version id, or default")
    activate.add_argument("--level", required=True, choices=LEVEL_NAMES)
    _warm_option(activate)


def run_rules(args, error: type[Exception], actor: str) -> int:
    """Carry out one ``rules`` action as ``actor``; ``error`` is the CLI's error type."""
    from records import rulesets

    if args.action == "list":
        with _store(args, error, read_only=True) as engine:
            return _show(rulesets.versions(engine), False, "no saved rule sets")
    if args.action == "save":
        try:
            text = args.file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise error(f"the rule set file {str(args.file)!r} cannot be read.") from None
        with _store(args, error) as engine:
            new, rules = rulesets.save_version(engine, text, by=actor, based_on=args.file.name)
        detail = {"do": "save", "id": new, "name": rules.name, "hash": rules.hash}
        said = f"saved rule set {rules.name!r} as version {new} (hash {rules.hash[:12]})"
    else:
        version = None if args.version == "default" else _version(args.version, error)
        with _store(args, error) as engine:
            rulesets.activate(engine, version, args.level, by=actor)
        detail = {"do": "activate", "id": version, "level": args.level}
        what = "the built-in default" if version is None else f"version {version}"
        said = f"{what} is now the {args.level} rule set"
    _audit(args, actor, "rule_set", detail)
    print(said)
    _warm(args)
    return 0


def _version(text: str, error: type[Exception]) -> int:
    if not text.isdigit():
        raise error(f"{text!r} is not a version id (a number, or default).")
    return int(text)


def active_or_file(engine, level: str, path: Path | None):
    """The rule set ``assess`` uses: --rules FILE when given, else the one active for the
    level in the store (records.rulesets.active_rules), else None (the built-in default)."""
    if path is not None:
        return path
    from records.rulesets import active_rules

    return active_rules(engine, level)
