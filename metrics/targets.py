"""Targets (达标线): each KPI's target under a rule set, and whether a value meets it, by how much."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from metrics.formats import format_gap
from metrics.registry import kpi
from metrics.rules import RuleSet

#: The column of an assessment table that says how a KPI stands against its target.
SUFFIX = "_vs_target"
_TOLERANCE = 1e-9  # a value equal to the target up to float noise meets it


@dataclass(frozen=True)
class Target:
    """A KPI's target; ``lower`` when a value at or below it meets it (else at or above)."""

    kpi: str
    value: float
    lower: bool

    def met(self, value: object) -> bool | None:
        """Whether ``value`` meets the target; None when the value is empty."""
        if _empty(value):
            return None
        x = float(value)  # type: ignore[arg-type]
        return x <= self.value + _TOLERANCE if self.lower else x >= self.value - _TOLERANCE

    def gap(self, value: object) -> float | None:
        """value − target in the KPI's own unit (a fraction for rates); None when empty."""
        return None if _empty(value) else float(value) - self.value  # type: ignore[arg-type]


def _empty(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def targets(rules: RuleSet) -> dict[str, Target]:
    """Every KPI with a target under ``rules``: each [[score]] item's target (lower is better
    when its floor lies above it), overridden by [targets] (the registry's direction; a KPI
    without one is met at or above). A `[weights]` rule set's implied items (target 100 %)
    are scores, not 达标线, and give none."""
    out: dict[str, Target] = {}
    if rules.scored:
        for item in rules.scheme.items:
            out.setdefault(item.kpi, Target(item.kpi, item.target, item.floor > item.target))
    for kid, value in (rules.targets or {}).items():
        out[kid] = Target(kid, value, kpi(kid).direction == "lower")
    return out


def verdict(target: Target, value: object, lang: str = "zh") -> str | None:
    """'达标 +1.2 个百分点' / '未达标 -3.2 个百分点' ('met, +1.2 pp' / 'missed, -3.2 pp'): met
    or missed and the signed distance value − target in the KPI's format; None when empty."""
    met = target.met(value)
    if met is None:
        return None
    gap = format_gap(target.kpi, target.gap(value), lang)
    if lang == "zh":
        return f"{'达标' if met else '未达标'} {gap}"
    return f"{'met' if met else 'missed'}, {gap}"


def attainment(table: pd.DataFrame, rules: RuleSet, lang: str = "zh") -> pd.DataFrame:
    """For each KPI of ``table`` with a target, the column ``<kpi>_vs_target``: each row's
    verdict (None when the KPI is empty), in the table's index."""
    out = pd.DataFrame(index=table.index)
    for kid, target in targets(rules).items():
        if kid in table.columns:
            out[kid + SUFFIX] = [verdict(target, v, lang) for v in table[kid].tolist()]
    return out


def with_attainment(table: pd.DataFrame, rules: RuleSet, lang: str = "zh") -> pd.DataFrame:
    """``table`` with each ``<kpi>_vs_target`` column right after its KPI."""
    verdicts = attainment(table, rules, lang)
    cols: list[str] = []
    for col in table.columns:
        cols.append(col)
        if col + SUFFIX in verdicts:
            cols.append(col + SUFFIX)
    return pd.concat([table, verdicts], axis=1)[cols]
