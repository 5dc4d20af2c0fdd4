"""Targets on pages: a KPI's 达标线 as a chart line and as met/missed text (metrics.targets)."""

from __future__ import annotations

from dashboard.i18n import LABELS, lang, t
from metrics.formats import format_value
from metrics.rules import RuleSet
from metrics.targets import targets, verdict, with_attainment

LABELS.update({"target_line": ("达标线", "Target")})


def target_text(kid: str, value, rules: RuleSet) -> str | None:
    """'达标线 95.0% · 未达标 -3.2 个百分点' for a KPI with a target; None without one."""
    target = targets(rules).get(kid)
    if target is None:
        return None
    said = verdict(target, value, lang())
    line = f"{t('target_line')} {format_value(kid, target.value, lang())}"
    return f"{line} · {said}" if said else line


def draw_target(fig, kid: str, rules: RuleSet, scale: float = 1.0) -> None:
    """A dashed horizontal line at the KPI's target, labelled, on a chart whose y is ``kid``
    (multiplied by ``scale``: a duration drawn in days)."""
    target = targets(rules).get(kid)
    if target is None:
        return
    fig.add_hline(
        y=target.value * scale,
        line_dash="dash",
        line_color="#d62728",
        annotation_text=f"{t('target_line')} {format_value(kid, target.value, lang())}",
        annotation_position="top left",
    )


def attained(frame, rules: RuleSet):
    """``frame`` with a 达标情况 column after each KPI that has a target."""
    return with_attainment(frame, rules, lang())
