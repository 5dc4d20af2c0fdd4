"""The one answer to "what is being assessed": a frozen, validated Selection."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from caselog.columns import PARTY, SCOPE_COLUMNS, SCOPE_KEYS
from metrics.errors import PeriodError, UnitError
from metrics.period import Period, parse_as_of, parse_period
from metrics.registry import LEVELS
from metrics.rules import RuleSet, load_rules

Scope = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Selection:
    """What is assessed: the unit level, the period (with its 环比 and 同比 periods), the
    scope, the rule set, the instant open cases are judged at (``as_of``; None: the store's
    latest case timestamp) and the moment the data are taken as known at (``as_known_at``;
    None: now).

    Built once at the edge (command line, sidebar) by :meth:`build`; every metrics entry
    point takes it and none re-parses its parts. Equal selections have equal ``key``s
    (the rule set compares by its name and content hash)."""

    level: str
    period: Period | None  # None: any report date (supervision of every open case)
    scope: Scope = ()
    rules: RuleSet = field(default=None, compare=False)  # type: ignore[assignment]
    as_of: datetime | None = None
    as_known_at: datetime | None = None
    rules_hash: str = field(init=False, default="")

    def __post_init__(self) -> None:
        if self.rules is None:
            object.__setattr__(self, "rules", load_rules(None))
        object.__setattr__(self, "rules_hash", self.rules.hash)

    @property
    def previous(self) -> Period:
        """环比: the period just before (see Period.previous)."""
        return self._period().previous()

    @property
    def year_ago(self) -> Period:
        """同比: the same period a year earlier (see Period.year_ago)."""
        return self._period().year_ago()

    def _period(self) -> Period:
        if self.period is None:
            raise PeriodError("This view needs a period, such as 2025-03.")
        return self.period

    @classmethod
    def build(
        cls,
        level: str,
        period: str | Period | None,
        *,
        scope: Mapping[str, str] | Iterable[tuple[str, str]] | str | None = None,
        rules: RuleSet | str | Path | None = None,
        as_of: str | datetime | date | None = None,
        as_known_at: str | datetime | date | None = None,
        timezone: str | None = None,
    ) -> Selection:
        """Parse and validate every part once; raise a MetricsError subclass whose message is
        one sentence naming the problem (unknown level, impossible period, unknown scope
        key, a rule set that does not validate, an unreadable time). ``period`` None: any
        report date. ``timezone``: the store's, for times given with an offset."""
        return cls(
            level=_level(level),
            period=None if period is None else parse_period(period),
            scope=parse_scope(scope),
            rules=load_rules(rules),
            as_of=parse_as_of(as_of, timezone),
            as_known_at=_known_at(as_known_at, timezone),
        )

    @property
    def scope_map(self) -> dict[str, str] | None:
        """The scope as {key: name}, None for the whole city."""
        return dict(self.scope) or None

    @property
    def scope_path(self) -> str:
        """The scope as people write it (东城区/东华门街道); '' for the whole city."""
        return "/".join(v for _, v in self.scope)

    @property
    def key(self) -> tuple:
        """A hashable value naming the selection (for caches and audit records)."""
        return (
            self.level,
            self.period.label if self.period else "",
            self.scope,
            self.rules.name,
            self.rules_hash,
            self.as_of,
            self.as_known_at,
        )

    def at(self, period: Period) -> Selection:
        """The same selection over another period (its 环比 or 同比)."""
        return replace(self, period=period)

    def by(self, level: str) -> Selection:
        """The same selection at another unit level."""
        return replace(self, level=_level(level))

    def within(
        self, scope: Mapping[str, str] | Iterable[tuple[str, str]] | str | None
    ) -> Selection:
        """The same selection inside another scope."""
        return replace(self, scope=parse_scope(scope))

    def describe(self) -> dict[str, str]:
        """The selection as plain strings (exports, audit records)."""
        return {
            "level": self.level,
            "period": self.period.label if self.period else "",
            "scope": self.scope_path,
            "rule_set": self.rules.name,
            "rule_set_hash": self.rules_hash,
            "as_of": self.as_of.isoformat(sep=" ") if self.as_of else "",
            "as_known_at": self.as_known_at.isoformat(sep=" ") if self.as_known_at else "",
        }


def _known_at(value: str | datetime | date | None, timezone: str | None) -> datetime | None:
    try:
        return parse_as_of(value, timezone)
    except PeriodError:
        raise PeriodError(
            f"The as-known-at time {value!r} is not a timestamp such as 2025-04-10 00:00:00."
        ) from None


def _level(level: str) -> str:
    if level not in LEVELS:
        raise UnitError(f"The unit {level!r} is not one of {', '.join(LEVELS)}.")
    return level


def parse_scope(
    scope: Mapping[str, str] | Iterable[tuple[str, str]] | str | None,
) -> Scope:
    """A scope as ((key, name), …) in SCOPE_COLUMNS order from a mapping or pairs (areas,
    then grid_id, department, category, source, urgency, and last ``party``: a department
    account's cases as primary or assisting, metrics.party), or from a path of areas
    ('东城区/东华门街道'); () for the whole city. Any other key is a UnitError."""
    if scope is None or scope == "":
        return ()
    if isinstance(scope, str):
        parts = [p.strip() for p in scope.split("/") if p.strip()]
        if len(parts) > len(SCOPE_KEYS):
            raise UnitError(f"The scope {scope!r} has more parts than district/street/community.")
        return tuple(zip(SCOPE_KEYS, parts, strict=False))
    pairs = dict(scope.items() if isinstance(scope, Mapping) else scope)
    known = (*SCOPE_COLUMNS, PARTY)
    for key in pairs:
        if key not in known:
            raise UnitError(f"The scope {key!r} is not one of {', '.join(known)}.")
    given = [k for k in known if pairs.get(k) is not None and pairs.get(k) != ""]
    return tuple((k, str(pairs[k])) for k in given)
