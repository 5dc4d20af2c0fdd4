"""Saved rule sets (versions with hash, author and date) and the one active for each level.

The tables live on their own ``MetaData`` (as records/tables.py) and are made by revision 0004.
Nothing is ever deleted or changed: a version keeps its text; an activation is a new row, and
the newest row of a level names the level's active rule set (NULL: the built-in default).
Only a city account edits; ``account`` None is the command line's local administrator.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    MetaData,
    Sequence,
    String,
    Table,
    Text,
    func,
    insert,
    select,
)

from metrics.errors import RuleSetError
from metrics.registry import SPLIT_LEVELS
from metrics.rules import LEVEL_NAMES, RuleSet, parse_rules
from records.scope import RecordError, store_now

metadata = MetaData()

rule_sets = Table(
    "rule_sets",
    metadata,
    Column("id", BigInteger, Sequence("rule_sets_id_seq"), primary_key=True),
    Column("name", String, nullable=False),  # the rule set's own name (name = "…")
    Column("rules_hash", String, nullable=False),  # metrics.rules content hash of the text
    Column("rules_text", Text, nullable=False),  # the TOML exactly as saved
    Column("based_on", String, nullable=False),  # what the editor started from
    Column("saved_by", String, nullable=False),
    Column("saved_at", DateTime, nullable=False),
)

rule_set_activations = Table(
    "rule_set_activations",
    metadata,
    Column("id", BigInteger, Sequence("rule_set_activations_id_seq"), primary_key=True),
    Column("level", String, nullable=False),  # metrics.rules.LEVEL_NAMES
    Column("rule_set_id", BigInteger, nullable=True),  # None: the built-in default again
    Column("activated_by", String, nullable=False),
    Column("activated_at", DateTime, nullable=False),
)

#: Columns of :func:`versions`, in order.
COLUMNS = ("id", "name", "rules_hash", "saved_by", "saved_at", "based_on", "active_for")


def _editor(account) -> None:
    if account is not None and not account.is_city:
        raise RecordError("rules_not_city", "only city accounts edit rule sets.")


def save_version(
    engine: Engine, text: str, *, by: str, based_on: str = "", account=None
) -> tuple[int, RuleSet]:
    """Validate ``text`` (metrics.rules) and keep it as a new version; its id and rule set.
    RecordError: not a city account, an invalid rule set (the sentence naming the item), or
    the same content saved already (the version that holds it)."""
    _editor(account)
    try:
        rules = parse_rules(text, "the rule set")
    except RuleSetError as exc:
        raise RecordError("rules_invalid", f"{exc} Nothing was saved.", error=str(exc)) from None
    with engine.begin() as conn:
        same = conn.execute(
            select(rule_sets.c.id).where(rule_sets.c.rules_hash == rules.hash).limit(1)
        ).scalar()
        if same is not None:
            raise RecordError(
                "rules_saved_already",
                f"this rule set is saved already as version {same}; nothing was saved.",
                id=same,
            )
        new_id = conn.execute(
            insert(rule_sets)
            .values(
                name=rules.name,
                rules_hash=rules.hash,
                rules_text=text,
                based_on=(based_on or "")[:200],
                saved_by=by,
                saved_at=store_now(engine),
            )
            .returning(rule_sets.c.id)
        ).scalar_one()
    return int(new_id), rules


def load_version(engine: Engine, version: int) -> RuleSet:
    """The saved version as a rule set (its hash is the one saved); RecordError if unknown."""
    with engine.connect() as conn:
        row = conn.execute(select(rule_sets).where(rule_sets.c.id == version)).first()
    if row is None:
        raise RecordError("rules_no_version", f"there is no saved rule set {version}.", id=version)
    return parse_rules(row.rules_text, f"saved rule set {version}")


def activate(engine: Engine, version: int | None, level: str, *, by: str, account=None) -> str:
    """Make ``version`` (None: the built-in default) the active rule set of ``level``; the level.
    RecordError: not a city account, an unknown level or version, or a rule set whose
    ``levels`` leave this level out."""
    _editor(account)
    if level not in LEVEL_NAMES:
        raise RecordError(
            "rules_bad_level",
            f"the level {level!r} is not one of {', '.join(LEVEL_NAMES)}.",
            level=level,
        )
    if version is not None:
        rules = load_version(engine, version)
        if rules.levels and level not in rules.levels:
            raise RecordError(
                "rules_not_for_level",
                f"rule set {version} is made for {', '.join(rules.levels)}, not {level}.",
                id=version,
                level=level,
            )
    with engine.begin() as conn:
        conn.execute(
            insert(rule_set_activations).values(
                level=level, rule_set_id=version, activated_by=by, activated_at=store_now(engine)
            )
        )
    return level


def active_versions(engine: Engine) -> dict[str, int]:
    """The saved version active for each level that has one (the default elsewhere)."""
    a = rule_set_activations.c
    newest = select(a.level, func.max(a.id).label("id")).group_by(a.level).subquery()
    query = select(a.level, a.rule_set_id).join(newest, newest.c.id == a.id)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return {level: int(v) for level, v in rows if v is not None}


def active_rules(engine: Engine, level: str) -> RuleSet | None:
    """The rule set active for ``level`` (a split by category, source, urgency or request
    type, or the city headline: the one active for city); None: the built-in default."""
    key = "city" if level in SPLIT_LEVELS else level
    version = active_versions(engine).get(key)
    return None if version is None else load_version(engine, version)


def versions(engine: Engine) -> pd.DataFrame:
    """Every saved version, newest first (:data:`COLUMNS`; active_for: the levels it is
    active for, comma-joined)."""
    r = rule_sets.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(r.id, r.name, r.rules_hash, r.saved_by, r.saved_at, r.based_on).order_by(
                r.id.desc()
            )
        ).all()
    frame = pd.DataFrame(rows, columns=list(COLUMNS[:-1]))
    active = active_versions(engine)
    frame["active_for"] = [
        ", ".join(lv for lv in LEVEL_NAMES if active.get(lv) == v) for v in frame["id"]
    ]
    return frame
