"""Scoring schemes (考核细则): scored items, deductions and bonuses over any KPI (contract §3)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from metrics.errors import RuleSetError
from metrics.registry import kpi

#: KPIs a scheme may score: every KPI with a number per unit, except the scores themselves.
UNSCORABLE = ("composite_score", "grade", "rank")
#: `[weights]` keys and the KPI each scores (a rule set without [[score]] items).
WEIGHT_KPIS = {
    "response": "response_rate",
    "solved": "solved_rate",
    "satisfaction": "satisfaction_rate",
}
_ITEM_KEYS = ("kpi", "points", "target", "floor")
_ADJUST_KEYS = ("kpi", "points", "per", "cap")


@dataclass(frozen=True)
class Item:
    """A scored item: full ``points`` at or beyond ``target``, 0 at or beyond ``floor``,
    linear in between (floor > target: lower is better)."""

    kpi: str
    points: float
    target: float
    floor: float

    def earned(self, value: pd.Series) -> pd.Series:
        """Points earned per unit; NaN where the KPI is empty."""
        share = ((value - self.floor) / (self.target - self.floor)).clip(0.0, 1.0)
        return self.points * share


@dataclass(frozen=True)
class Adjust:
    """A deduction (扣分) or bonus (加分): ``points`` × value / ``per``, at most ``cap``."""

    kpi: str
    points: float
    per: float
    cap: float | None = None

    def amount(self, value: pd.Series) -> pd.Series:
        """Points deducted or added per unit; 0 where the KPI is empty."""
        raw = (self.points * value.clip(lower=0.0) / self.per).fillna(0.0)
        return raw if self.cap is None else raw.clip(upper=self.cap)


@dataclass(frozen=True)
class Scheme:
    """The scored items, deductions and bonuses of a rule set."""

    items: tuple[Item, ...]
    deduct: tuple[Adjust, ...] = ()
    bonus: tuple[Adjust, ...] = ()

    def kpis(self) -> list[str]:
        """Every KPI id the scheme reads, in order, once."""
        names = [x.kpi for x in (*self.items, *self.deduct, *self.bonus)]
        return list(dict.fromkeys(names))

    def canonical(self) -> dict[str, Any]:
        """The scheme as plain data for the rule set's hash."""
        items = [
            {"kpi": i.kpi, "points": i.points, "target": i.target, "floor": i.floor}
            for i in self.items
        ]
        return {
            "score": items,
            "deduct": [_adjust_data(a) for a in self.deduct],
            "bonus": [_adjust_data(a) for a in self.bonus],
        }


NO_SCHEME = Scheme(())  # a rule set built without parse_rules scores nothing


def _adjust_data(a: Adjust) -> dict[str, Any]:
    out: dict[str, Any] = {"kpi": a.kpi, "points": float(a.points), "per": float(a.per)}
    if a.cap is not None:
        out["cap"] = float(a.cap)
    return out


def from_weights(weights: dict[str, float]) -> Scheme:
    """`[weights]` as a scheme: one item per weight, points = weight, target 1, floor 0."""
    return Scheme(tuple(Item(WEIGHT_KPIS[k], w, 1.0, 0.0) for k, w in weights.items()))


def parse_scheme(data: dict, weights: dict[str, float], origin: str) -> tuple[Scheme, bool]:
    """The scheme of a parsed rule-set TOML (``[weights]`` when it has no [[score]] items) and
    whether it came from [[score]] items; RuleSetError naming the item when one is invalid."""
    raw_items = _tables(data, "score", origin)
    if raw_items and "weights" in data:
        raise RuleSetError(
            f"{origin[:1].upper()}{origin[1:]} has both [weights] and [[score]] items; keep one."
        )
    items = tuple(_item(n, raw) for n, raw in enumerate(raw_items, 1))
    deduct, bonus = (
        tuple(_adjust(kind, n, raw) for n, raw in enumerate(_tables(data, kind, origin), 1))
        for kind in ("deduct", "bonus")
    )
    if raw_items:
        return Scheme(items, deduct, bonus), True
    return Scheme(from_weights(weights).items, deduct, bonus), False


def _tables(data: dict, name: str, origin: str) -> list[dict]:
    raw = data.get(name, [])
    if not isinstance(raw, list) or not all(isinstance(x, dict) for x in raw):
        raise RuleSetError(f"{name} in {origin} must be written as [[{name}]] tables.")
    return raw


def _kpi_of(kind: str, n: int, raw: dict, keys: tuple[str, ...]) -> tuple[str, str]:
    kid = raw.get("kpi")
    where = f"{kind} item {n}" + (f" ({kid})" if isinstance(kid, str) else "")
    for key in raw:
        if key not in keys:
            raise RuleSetError(f"{where}: unknown key {key!r}.")
    if not isinstance(kid, str):
        raise RuleSetError(f'{where}: needs kpi = "<KPI id>".')
    try:
        k = kpi(kid)
    except KeyError:
        raise RuleSetError(f"{where}: {kid!r} is not a KPI of the registry.") from None
    if k.id in UNSCORABLE:
        raise RuleSetError(f"{where}: {kid} is the assessment's own result and cannot be scored.")
    return kid, where


def _number(raw: dict, key: str, where: str, required: bool = True) -> float | None:
    value = raw.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RuleSetError(f"{where}: {key} must be a number.")
    return float(value)


def _item(n: int, raw: dict) -> Item:
    kid, where = _kpi_of("score", n, raw, _ITEM_KEYS)
    points, target, floor = (_number(raw, k, where) for k in ("points", "target", "floor"))
    if points < 0:
        raise RuleSetError(f"{where}: points must not be negative.")
    if target == floor:
        raise RuleSetError(f"{where}: floor equals target.")
    return Item(kid, points, target, floor)


def _adjust(kind: str, n: int, raw: dict) -> Adjust:
    kid, where = _kpi_of(kind, n, raw, _ADJUST_KEYS)
    points, per = _number(raw, "points", where), _number(raw, "per", where)
    cap = _number(raw, "cap", where, required=False)
    if points < 0:
        raise RuleSetError(f"{where}: points must not be negative.")
    if per <= 0:
        raise RuleSetError(f"{where}: per must be greater than zero.")
    if cap is not None and cap < 0:
        raise RuleSetError(f"{where}: cap must not be negative.")
    return Adjust(kid, points, per, cap)


def _value(frame: pd.DataFrame, kid: str) -> pd.Series:
    """A KPI's column as floats; all NaN where the table lacks it (a department-only KPI at a
    location level)."""
    if kid not in frame.columns:
        return pd.Series(np.nan, index=frame.index)
    return pd.to_numeric(frame[kid], errors="coerce").astype(float)


def score(frame: pd.DataFrame, scheme: Scheme) -> pd.Series:
    """composite_score: 100 × Σ earned / Σ points of the items whose KPI is not empty, −
    deductions + bonuses, never below 0; NaN when every item is empty (contract §3)."""
    num = pd.Series(0.0, index=frame.index)
    den = pd.Series(0.0, index=frame.index)
    for item in scheme.items:
        earned = item.earned(_value(frame, item.kpi))
        present = earned.notna()
        num += np.where(present, earned.fillna(0.0), 0.0)
        den += np.where(present, item.points, 0.0)
    out = (100.0 * num / den.where(den > 0)).astype(float)
    if scheme.deduct or scheme.bonus:  # untouched otherwise: [weights] results stay exact
        for a in scheme.deduct:
            out = out - a.amount(_value(frame, a.kpi))
        for a in scheme.bonus:
            out = out + a.amount(_value(frame, a.kpi))
        out = out.clip(lower=0.0)
    return out


def detail(frame: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """得分明细: per unit, each item's KPI value and earned points, each deduction's and bonus's
    KPI value and points, then composite_score. Columns are named by part and KPI
    (``score 1 response_rate``, ``earned 1 response_rate``, ``deduct 1 overdue_open`` …)."""
    out = pd.DataFrame(index=frame.index)
    for n, item in enumerate(scheme.items, 1):
        value = _value(frame, item.kpi)
        out[f"score {n} {item.kpi}"] = value
        out[f"earned {n} {item.kpi}"] = item.earned(value)
    for kind, parts in (("deduct", scheme.deduct), ("bonus", scheme.bonus)):
        for n, a in enumerate(parts, 1):
            value = _value(frame, a.kpi)
            out[f"{kind} {n} {a.kpi} value"] = value
            out[f"{kind} {n} {a.kpi}"] = a.amount(value)
    out["composite_score"] = score(frame, scheme)
    return out
