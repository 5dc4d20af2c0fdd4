"""A rule set as tables for people, in Chinese or English: items, points, targets, deductions."""

from __future__ import annotations

from typing import NamedTuple

from metrics.formats import UNITS
from metrics.labels import label, level_label, value_label
from metrics.registry import kpi
from metrics.rules import RuleSet
from metrics.scheme import Adjust, Item

# Every word the sheet uses, (zh, en); the KPI, level and value names come from metrics.labels.
_WORDS: dict[str, tuple[str, str]] = {
    "items": ("考核项目", "Scored items"),
    "no": ("序号", "No."),
    "kpi": ("指标", "Indicator"),
    "points": ("满分", "Full points"),
    "weight": ("权重", "Weight"),
    "target": ("达标线（满分）", "Target (full points)"),
    "floor": ("零分线（0 分）", "Floor (0 points)"),
    "how": ("计分方法", "How points are earned"),
    "higher": (
        "达到达标线得满分，低于零分线得 0 分，其间按比例计分（越高越好）",
        "full points at or above the target, none at or below the floor, linear in between "
        "(higher is better)",
    ),
    "lower": (
        "不超过达标线得满分，超过零分线得 0 分，其间按比例计分（越低越好）",
        "full points at or below the target, none at or above the floor, linear in between "
        "(lower is better)",
    ),
    "deduct": ("扣分项", "Deductions"),
    "bonus": ("加分项", "Bonuses"),
    "per": ("计量", "Per"),
    "each": ("每计量扣/加分", "Points per step"),
    "cap": ("封顶", "Cap"),
    "no_cap": ("不封顶", "no cap"),
    "rule": ("说明", "Rule"),
    "deduct_rule": ("每 {per} 扣 {points:g} 分", "{points:g} points off per {per}"),
    "bonus_rule": ("每 {per} 加 {points:g} 分", "{points:g} points added per {per}"),
    "formula": ("综合得分计算", "Composite score"),
    "formula_text": (
        "综合得分 = 100 × 各考核项目得分之和 ÷ 有数据的考核项目满分之和 − 扣分 + 加分，"
        "最低 0 分；某项指标无数据时该项不计入分母",
        "100 × points earned ÷ full points of the items with data, minus deductions, plus "
        "bonuses, never below 0; an item without data is left out",
    ),
    "grades": ("等级划分", "Grades"),
    "grade": ("等级", "Grade"),
    "bound": ("综合得分", "Composite score"),
    "at_least": ("≥ {v:g} 分", "at least {v:g}"),
    "below": ("< {v:g} 分", "below {v:g}"),
    "other": ("其他规则", "Other rules"),
    "setting": ("规则", "Setting"),
    "value": ("取值", "Value"),
    "min_cases": (
        "最少案件数（不足者不评等级、不排名）",
        "Minimum cases (fewer: no grade, no rank)",
    ),
    "none": ("无", "none"),
    "cases_n": ("{n} 件", "{n} cases"),
    "excluded": ("只计入受理量的诉求类型", "Request types counted in cases only"),
    "basic": (
        "“基本满意”折算为满意的比例",
        "Share of satisfied a basically satisfied rating counts as",
    ),
    "sla": ("响应时限", "Response time limit"),
    "sla_default": ("一般案件 {v:g} 分钟", "{v:g} min for other cases"),
    "sla_whistle": ("吹哨报到 {v:g} 分钟", "{v:g} min for whistle calls"),
    "deadline": ("处置时限（案件未给时限时）", "Handling deadline (when a case has none)"),
    "hours": ("{v:g} 小时", "{v:g} h"),
    "days": ("{v:g} 个工作日", "{v:g} working days"),
    "targets": ("达标线（只展示，不计分）", "Targets (shown, not scored)"),
    "cooperation": ("部门协同指数权重", "Department cooperation index weights"),
    "levels": ("适用层级", "Made for levels"),
    "any_level": ("所有层级", "any level"),
}
_COOPERATION = {
    "response": ("响应率", "response rate"),
    "on_time": ("按期结案率", "on-time closure rate"),
    "rating": ("评价均分", "mean rating"),
    "no_reassign": ("未退单率", "share not pushed back"),
}


class Section(NamedTuple):
    """One table of the rule-set sheet: its title, header row and rows of text or numbers."""

    title: str
    header: list[str]
    rows: list[list[object]]


def _w(key: str, lang: str) -> str:
    pair = _WORDS[key]
    return pair[0] if lang == "zh" else pair[1]


def _value(kid: str, v: float, lang: str) -> str:
    """A threshold in its KPI's unit ('95.0%', '24.0 小时', '1 件'); scores as numbers."""
    unit = kpi(kid).unit
    if unit == "fraction":  # exactly as written in the rule set, not rounded to the KPI's decimals
        return f"{v * 100:.10g}%"
    if unit in ("minutes", "hours"):
        return f"{v:g}" + (UNITS[unit].suffix_zh if lang == "zh" else UNITS[unit].suffix_en)
    return f"{v:g} 件" if unit == "cases" and lang == "zh" else f"{v:g}"


def sections(r: RuleSet, lang: str = "zh") -> list[Section]:
    """The rule set ``r`` as tables in ``lang``: scored items, deductions, bonuses, the
    composite score's formula, grades and the other settings; no section for an empty list."""
    out = [_items(r.scheme.items, lang, r.scored)]
    for kind, adjusts in (("deduct", r.scheme.deduct), ("bonus", r.scheme.bonus)):
        if adjusts:
            out.append(_adjusts(kind, adjusts, lang))
    out.append(Section(_w("formula", lang), [_w("rule", lang)], [[_w("formula_text", lang)]]))
    out.append(_grades(r, lang))
    out.append(_other(r, lang))
    return out


def _items(items: tuple[Item, ...], lang: str, scored: bool) -> Section:
    """[[score]] items with their full points; a [weights] rule set's three rates with their
    weights (its items' points are the weights, contract §3)."""
    points = "points" if scored else "weight"
    head = [_w(k, lang) for k in ("no", "kpi", points, "target", "floor", "how")]
    rows: list[list[object]] = [
        [
            n,
            label(i.kpi, lang),
            i.points,
            _value(i.kpi, i.target, lang),
            _value(i.kpi, i.floor, lang),
            _w("lower" if i.floor > i.target else "higher", lang),
        ]
        for n, i in enumerate(items, 1)
    ]
    return Section(_w("items", lang), head, rows)


def _adjusts(kind: str, adjusts: tuple[Adjust, ...], lang: str) -> Section:
    head = [_w(k, lang) for k in ("no", "kpi", "per", "each", "cap", "rule")]
    rows: list[list[object]] = []
    for n, a in enumerate(adjusts, 1):
        per = _value(a.kpi, a.per, lang)
        rule = _w(f"{kind}_rule", lang).format(per=per, points=a.points)
        cap = _w("no_cap", lang) if a.cap is None else a.cap
        rows.append([n, label(a.kpi, lang), per, a.points, cap, rule])
    return Section(_w(kind, lang), head, rows)


def _grades(r: RuleSet, lang: str) -> Section:
    bounds = sorted(r.grades.items(), key=lambda kv: -kv[1])
    rows: list[list[object]] = [[letter, _w("at_least", lang).format(v=v)] for letter, v in bounds]
    rows.append(["E", _w("below", lang).format(v=bounds[-1][1])])
    return Section(_w("grades", lang), [_w("grade", lang), _w("bound", lang)], rows)


def _other(r: RuleSet, lang: str) -> Section:
    sep = "；" if lang == "zh" else "; "
    none = _w("none", lang)
    sla = r.response_sla_minutes
    deadlines = r.deadline_working_days if r.calendar == "working_days" else r.deadline_hours
    unit = "days" if r.calendar == "working_days" else "hours"
    rows: list[list[object]] = [
        [_w("min_cases", lang), _w("cases_n", lang).format(n=r.min_cases) if r.min_cases else none],
        [
            _w("excluded", lang),
            sep.join(value_label("request_type", t, lang) for t in r.exclude_types) or none,
        ],
        [_w("basic", lang), f"{r.basically_satisfied:g}"],
        [
            _w("sla", lang),
            sep.join(
                _w(f"sla_{k}", lang).format(v=sla[k]) for k in ("default", "whistle") if k in sla
            ),
        ],
        [
            _w("deadline", lang),
            sep.join(
                f"{value_label('urgency', u, lang)} {_w(unit, lang).format(v=v)}"
                for u, v in deadlines.items()
            ),
        ],
        [
            _w("targets", lang),
            sep.join(f"{label(k, lang)} {_value(k, v, lang)}" for k, v in (r.targets or {}).items())
            or none,
        ],
        [
            _w("cooperation", lang),
            sep.join(
                f"{_COOPERATION[k][0 if lang == 'zh' else 1]} {w:g}"
                for k, w in r.cooperation_weights.items()
            ),
        ],
        [
            _w("levels", lang),
            sep.join(level_label(lv, lang) for lv in r.levels) or _w("any_level", lang),
        ],
    ]
    return Section(_w("other", lang), [_w("setting", lang), _w("value", lang)], rows)
