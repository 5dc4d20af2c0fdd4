"""Rule sets: the versioned assessment rules (TOML), validated, named and content-hashed."""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from metrics.errors import RuleSetError
from metrics.registry import LEVEL_NAMES, kpi
from metrics.scheme import NO_SCHEME, Scheme, parse_scheme
from metrics.workdays import NO_CITY, CityCalendar, parse_city

URGENCIES = ("emergency", "utility", "general", "complex")
CALENDARS = ("natural", "working_days")
_SECTIONS: dict[str, tuple[str, ...]] = {
    "weights": ("response", "solved", "satisfaction"),
    "cooperation_weights": ("response", "on_time", "rating", "no_reassign"),
    "satisfaction": ("basically_satisfied",),
    "response_sla_minutes": ("default", "whistle"),
    "deadline_hours": URGENCIES,
    "deadline_working_days": URGENCIES,
    "grades": ("A", "B", "C", "D"),
}
_SCHEME_KEYS = ("min_cases", "levels", "request_types", "score", "deduct", "bonus", "targets")
_TOP = ("name", "description", "calendar", "workdays", *_SECTIONS, *_SCHEME_KEYS)
REQUEST_TYPES = ("complaint", "request", "consultation", "suggestion", "report", "praise")


@dataclass(frozen=True, eq=False)
class RuleSet:
    """A validated rule set; ``hash`` identifies its effective content (see docs/metrics.md)."""

    name: str
    weights: dict[str, float]
    cooperation_weights: dict[str, float]
    basically_satisfied: float
    response_sla_minutes: dict[str, float]
    deadline_hours: dict[str, float]
    grades: dict[str, float]
    calendar: str
    deadline_working_days: dict[str, int]
    text: str
    hash: str
    workdays: CityCalendar = NO_CITY  # the city's copy of the yearly holiday notice
    scheme: Scheme = NO_SCHEME  # [[score]] items, or [weights] as items (parse_rules)
    scored: bool = False  # True when the scheme has [[score]] items of its own
    min_cases: int = 0  # fewer cases: small_sample, no rank, no grade
    exclude_types: tuple[str, ...] = ()  # [request_types] exclude: counted in cases only
    targets: dict[str, float] | None = None  # [targets]: 达标线 shown, not scored
    levels: tuple[str, ...] = ()  # the levels the rule set is made for (none: any)

    def canonical(self) -> dict[str, Any]:
        """The effective rules as plain data (everything the hash covers; not the name)."""
        return _canonical(self)

    def grade(self, score: float | None) -> str | None:
        """Grade A–E for a composite score (bounds are inclusive lower bounds); None if empty."""
        if score is None or (isinstance(score, float) and math.isnan(score)):
            return None
        for letter in ("A", "B", "C", "D"):
            if score >= self.grades[letter] - 1e-9:
                return letter
        return "E"


def _canonical(r: RuleSet) -> dict[str, Any]:
    out = {
        "calendar": r.calendar,
        "weights": {k: float(v) for k, v in r.weights.items()},
        "cooperation_weights": {k: float(v) for k, v in r.cooperation_weights.items()},
        "satisfaction": {"basically_satisfied": float(r.basically_satisfied)},
        "response_sla_minutes": {k: float(v) for k, v in r.response_sla_minutes.items()},
        "deadline_hours": {k: float(v) for k, v in r.deadline_hours.items()},
        "deadline_working_days": {k: int(v) for k, v in r.deadline_working_days.items()},
        "grades": {k: float(v) for k, v in r.grades.items()},
    }
    if r.workdays:  # only when given, so rule sets without one keep their hash
        out["workdays"] = r.workdays.canonical()
    # A scheme's parts only when given, so [weights]-only rule sets keep their hash.
    if r.scored or r.scheme.deduct or r.scheme.bonus:
        out["scheme"] = r.scheme.canonical()
    if r.min_cases:
        out["min_cases"] = r.min_cases
    if r.exclude_types:
        out["request_types_exclude"] = sorted(r.exclude_types)
    if r.targets:
        out["targets"] = {k: float(v) for k, v in sorted(r.targets.items())}
    if r.levels:
        out["levels"] = sorted(r.levels)
    return out


def content_hash(canonical: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON: sorted keys, no spaces (numbers as _canonical
    gives them: floats, whole working days as integers)."""
    blob = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@cache
def default_rules() -> RuleSet:
    """The built-in rule set shipped as metrics/default.toml (the contract's §3)."""
    text = resources.files("metrics").joinpath("default.toml").read_text(encoding="utf-8")
    return parse_rules(text)


def load_rules(source: str | Path | RuleSet | None = None) -> RuleSet:
    """A rule set from a TOML file path (None: the default; a RuleSet is returned as is)."""
    if source is None:
        return default_rules()
    if isinstance(source, RuleSet):
        return source
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise RuleSetError(f"The rule set file {str(path)!r} cannot be read.") from None
    return parse_rules(text, origin=str(path))


def parse_rules(text: str, origin: str = "the rule set") -> RuleSet:
    """Parse and validate rule-set TOML; raise RuleSetError (one sentence) when invalid.

    Sections left out take the default's values; weights are relative (renormalised).
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleSetError(f"{_cap(origin)} is not valid TOML ({exc}).") from None
    for key in data:
        if key not in _TOP:
            raise RuleSetError(f"{_cap(origin)} has an unknown key {key!r}.")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RuleSetError(f'{_cap(origin)} needs a name, e.g. name = "default".')
    base = _DEFAULTS
    sec = {s: _section(data, s, origin, base.get(s)) for s in _SECTIONS}
    calendar = data.get("calendar", "natural")
    if calendar not in CALENDARS:
        raise RuleSetError(
            f"{_cap(origin)} has calendar = {calendar!r}; use natural or working_days."
        )
    for s in ("weights", "cooperation_weights"):
        if sum(sec[s].values()) <= 0:
            raise RuleSetError(f"The [{s}] of {origin} must not all be zero.")
    for s in ("response_sla_minutes", "deadline_hours"):
        for k, v in sec[s].items():
            if v <= 0:
                raise RuleSetError(f"The value {s}.{k} of {origin} must be greater than zero.")
    bs = sec["satisfaction"]["basically_satisfied"]
    if not 0 <= bs <= 1:
        raise RuleSetError(f"satisfaction.basically_satisfied of {origin} must be between 0 and 1.")
    g = sec["grades"]
    if not (100 >= g["A"] > g["B"] > g["C"] > g["D"] >= 0):
        raise RuleSetError(f"The [grades] of {origin} must fall from A to D within 0 to 100.")
    wd = sec["deadline_working_days"]
    for k, v in wd.items():
        if v != int(v) or v < 1:
            raise RuleSetError(
                f"deadline_working_days.{k} of {origin} must be a whole number of days, at least 1."
            )
    if calendar == "working_days" and not wd:
        raise RuleSetError(f"{_cap(origin)} uses working days but has no [deadline_working_days].")
    if calendar == "natural" and wd:
        raise RuleSetError(
            f'[deadline_working_days] in {origin} needs calendar = "working_days" at the top.'
        )
    workdays = parse_city(data["workdays"], origin) if "workdays" in data else NO_CITY
    if workdays and calendar != "working_days":
        raise RuleSetError(f'[workdays] in {origin} needs calendar = "working_days" at the top.')
    scheme, scored = parse_scheme(data, sec["weights"], origin)
    if scored and sum(i.points for i in scheme.items) <= 0:
        raise RuleSetError(f"The [[score]] items of {origin} must not all have zero points.")
    r = RuleSet(
        name=name.strip(),
        weights=sec["weights"],
        cooperation_weights=sec["cooperation_weights"],
        basically_satisfied=bs,
        response_sla_minutes=sec["response_sla_minutes"],
        deadline_hours=sec["deadline_hours"],
        grades=g,
        calendar=calendar,
        deadline_working_days={k: int(v) for k, v in wd.items()},
        text=text,
        hash="",
        workdays=workdays,
        scheme=scheme,
        scored=scored,
        min_cases=_min_cases(data, origin),
        exclude_types=_exclude(data, origin),
        targets=_targets(data, origin),
        levels=_levels(data, origin),
    )
    object.__setattr__(r, "hash", content_hash(_canonical(r)))
    return r


def _section(data: dict, name: str, origin: str, default: dict | None) -> dict[str, float]:
    raw = data.get(name)
    if raw is None:
        return dict(default or {})
    if not isinstance(raw, dict):
        raise RuleSetError(f"[{name}] in {origin} must be a table of numbers.")
    allowed = _SECTIONS[name]
    out: dict[str, float] = {}
    for key, value in raw.items():
        if key not in allowed:
            raise RuleSetError(f"[{name}] in {origin} has an unknown key {key!r}.")
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise RuleSetError(f"The value {name}.{key} in {origin} must be a number.")
        if value < 0:
            raise RuleSetError(f"The value {name}.{key} in {origin} must not be negative.")
        out[key] = value
    if name != "deadline_working_days":
        missing = [k for k in allowed if k not in out]
        if missing:
            raise RuleSetError(f"[{name}] in {origin} lacks {', '.join(missing)}.")
    return {k: out[k] for k in allowed if k in out}


def _min_cases(data: dict, origin: str) -> int:
    value = data.get("min_cases", 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RuleSetError(f"min_cases in {origin} must be a whole number, at least 0.")
    return value


def _exclude(data: dict, origin: str) -> tuple[str, ...]:
    raw = data.get("request_types", {})
    if not isinstance(raw, dict) or set(raw) - {"exclude"}:
        raise RuleSetError(f"[request_types] in {origin} takes only exclude = [...].")
    types = raw.get("exclude", [])
    if not isinstance(types, list):
        raise RuleSetError(f"request_types.exclude in {origin} must be a list of request types.")
    for t in types:
        if t not in REQUEST_TYPES:
            raise RuleSetError(
                f"request_types.exclude in {origin} names {t!r}, not one of "
                f"{', '.join(REQUEST_TYPES)}."
            )
    return tuple(dict.fromkeys(types))


def _targets(data: dict, origin: str) -> dict[str, float] | None:
    raw = data.get("targets")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise RuleSetError(f"[targets] in {origin} must be a table of KPI = number.")
    for key, value in raw.items():
        try:
            kpi(key)
        except KeyError:
            raise RuleSetError(
                f"[targets] in {origin}: {key!r} is not a KPI of the registry."
            ) from None
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise RuleSetError(f"The value targets.{key} in {origin} must be a number.")
    return {k: float(v) for k, v in raw.items()}


def _levels(data: dict, origin: str) -> tuple[str, ...]:
    raw = data.get("levels", [])
    if not isinstance(raw, list) or any(x not in LEVEL_NAMES for x in raw):
        raise RuleSetError(f"levels in {origin} must be a list of {', '.join(LEVEL_NAMES)}.")
    return tuple(dict.fromkeys(raw))


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


_DEFAULTS: dict[str, dict[str, float]] = {
    "weights": {"response": 0.1, "solved": 0.5, "satisfaction": 0.4},
    "cooperation_weights": {"response": 0.25, "on_time": 0.25, "rating": 0.30, "no_reassign": 0.20},
    "satisfaction": {"basically_satisfied": 0.9},
    "response_sla_minutes": {"default": 120, "whistle": 30},
    "deadline_hours": {"emergency": 2, "utility": 24, "general": 168, "complex": 360},
    "deadline_working_days": {},
    "grades": {"A": 90, "B": 75, "C": 60, "D": 40},
}
