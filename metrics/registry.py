"""The KPI registry: every KPI declared as data (labels, unit, direction, base measures)."""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("count", "ratio", "median", "mean", "derived")
DIRECTIONS = ("higher", "lower", None)  # None: neither is better
UNITS = ("cases", "fraction", "minutes", "hours", "score", "grade", "rank", "per_1000")


@dataclass(frozen=True)
class Measure:
    """A base measure: a per-case count, sum, median or mean that KPIs refer to by name."""

    name: str
    agg: str  # count | sum | median | mean
    description: str
    decimals: int = 0  # shown with this many decimals as a KPI's numerator or denominator


@dataclass(frozen=True)
class Kpi:
    """One KPI. Ratios name their numerator and denominator measures; nothing repeats a formula."""

    id: str
    label_zh: str
    label_en: str
    kind: str
    unit: str
    direction: str | None  # which way is better: higher, lower, or None
    description: str
    numerator: str | None = None  # measure name (count/median/mean use numerator only)
    denominator: str | None = None
    scale: float = 1.0
    inputs: tuple[str, ...] = ()  # KPIs a derived KPI is computed from
    department_only: bool = False
    decimals: int | None = None  # shown with this many decimals (required; checked at load)


MEASURES: tuple[Measure, ...] = (
    Measure("cases", "count", "cases in V (reported in the period, not cancelled)"),
    Measure("assessed", "count", "cases in V that no approved appeal excludes"),
    Measure("response_ok", "count", "dispatched, responded with 0 ≤ responded−dispatched ≤ SLA"),
    Measure(
        "response_due",
        "count",
        "dispatched, and responded (duration ≥ 0) or unresponded with SLA window ended before as_of",
    ),
    Measure("response_minutes", "median", "responded − dispatched in minutes, when ≥ 0"),
    Measure("closed", "count", "cases with closed_at"),
    Measure("closed_on_time", "count", "closed_at ≤ deadline (closed_at ≥ reported_at)"),
    Measure("closure_due", "count", "closed (closed_at ≥ reported_at) or deadline before as_of"),
    Measure("overdue_open", "count", "not closed, deadline before as_of"),
    Measure("solved_yes", "count", "solved = yes"),
    Measure("solved_known", "count", "a solved verdict is present"),
    Measure(
        "satisfaction_points", "sum", "满意 = 1, 基本满意 = basically_satisfied, 不满意 = 0", 1
    ),
    Measure("satisfaction_known", "count", "a satisfaction value is present"),
    Measure("reworked", "count", "resolved with reopened > 0"),
    Measure("resolved", "count", "cases with resolved_at"),
    Measure("handling_hours", "median", "resolved − dispatched in hours, when ≥ 0"),
    Measure("resolved_on_time", "count", "resolved_at ≤ deadline (resolved_at ≥ reported_at)"),
    Measure(
        "handling_due", "count", "resolved (resolved_at ≥ reported_at) or deadline before as_of"
    ),
    Measure("dispatched", "count", "cases with dispatched_at"),
    Measure("reassigned_cases", "count", "dispatched with reassigned > 0"),
    Measure("proactive", "count", "source is patrol or video (主动发现)"),
    Measure("self_handled", "count", "closed, and handled on the spot (self_handled = yes)"),
    Measure("extended", "count", "an extended deadline (延期), given or by an approved appeal"),
    Measure("suspended_open", "count", "suspended at as_of (not resumed) and not closed"),
    Measure("response_minutes_mean", "mean", "mean of the response_minutes durations"),
    Measure("handling_hours_mean", "mean", "mean of the handling_hours durations"),
    Measure("households", "sum", "grids.households summed over the unit's grids"),
    Measure("rating_score", "mean", "ratings of the department on V cases (primary or assisting)"),
)

KPIS: tuple[Kpi, ...] = (
    Kpi(
        "cases",
        "受理量",
        "Cases received",
        "count",
        "cases",
        None,
        "Number of cases in V.",
        numerator="cases",
        decimals=0,
    ),
    Kpi(
        "response_rate",
        "响应率",
        "Response rate",
        "ratio",
        "fraction",
        "higher",
        "Dispatched cases responded within their SLA (whistle cases: whistle minutes), over "
        "dispatched cases that responded or whose SLA window ended by as_of.",
        numerator="response_ok",
        denominator="response_due",
        decimals=1,
    ),
    Kpi(
        "median_response_min",
        "响应时长",
        "Response time",
        "median",
        "minutes",
        "lower",
        "Median of responded − dispatched in minutes over responded cases.",
        numerator="response_minutes",
        decimals=1,
    ),
    Kpi(
        "closure_rate",
        "结案率",
        "Closure rate",
        "ratio",
        "fraction",
        "higher",
        "Cases with closed_at over cases (an appeal's exclusion leaves a case out of both).",
        numerator="closed",
        denominator="assessed",
        decimals=1,
    ),
    Kpi(
        "on_time_rate",
        "按期结案率",
        "On-time closure rate",
        "ratio",
        "fraction",
        "higher",
        "Cases closed at or before their deadline over cases closed or past their deadline.",
        numerator="closed_on_time",
        denominator="closure_due",
        decimals=1,
    ),
    Kpi(
        "overdue_open",
        "超期未结",
        "Overdue open cases",
        "count",
        "cases",
        "lower",
        "Cases not closed whose deadline is before as_of.",
        numerator="overdue_open",
        decimals=0,
    ),
    Kpi(
        "solved_rate",
        "解决率",
        "Solved rate",
        "ratio",
        "fraction",
        "higher",
        "Solved = yes over cases with a solved verdict.",
        numerator="solved_yes",
        denominator="solved_known",
        decimals=1,
    ),
    Kpi(
        "satisfaction_rate",
        "满意率",
        "Satisfaction rate",
        "ratio",
        "fraction",
        "higher",
        "(满意 + basically_satisfied × 基本满意) over cases with a satisfaction value.",
        numerator="satisfaction_points",
        denominator="satisfaction_known",
        decimals=1,
    ),
    Kpi(
        "rework_rate",
        "返工率",
        "Rework rate",
        "ratio",
        "fraction",
        "lower",
        "Resolved cases with reopened > 0 over resolved cases.",
        numerator="reworked",
        denominator="resolved",
        decimals=1,
    ),
    Kpi(
        "median_handling_h",
        "处置时长",
        "Handling time",
        "median",
        "hours",
        "lower",
        "Median of resolved − dispatched in hours over resolved cases.",
        numerator="handling_hours",
        decimals=1,
    ),
    Kpi(
        "composite_score",
        "综合得分",
        "Composite score",
        "derived",
        "score",
        "higher",
        "100 × Σ weight × rate over response, solved and satisfaction rates; weights of empty "
        "rates left out and the rest renormalised.",
        inputs=("response_rate", "solved_rate", "satisfaction_rate"),
        decimals=1,
    ),
    Kpi(
        "grade",
        "等级",
        "Grade",
        "derived",
        "grade",
        None,
        "A–E from composite_score by the rule set's lower bounds.",
        inputs=("composite_score",),
        decimals=0,
    ),
    Kpi(
        "rank",
        "排名",
        "Rank",
        "derived",
        "rank",
        "lower",
        "1 = highest composite_score; ties share the best rank; units without a score unranked.",
        inputs=("composite_score",),
        decimals=0,
    ),
    Kpi(
        "rating_mean",
        "评价均分",
        "Mean rating",
        "mean",
        "score",
        "higher",
        "Mean rating of the department on the period's non-cancelled cases, primary or assisting.",
        numerator="rating_score",
        department_only=True,
        decimals=1,
    ),
    Kpi(
        "reassign_rate",
        "退单率",
        "Push-back rate",
        "ratio",
        "fraction",
        "lower",
        "Dispatched cases with reassigned > 0 over dispatched cases.",
        numerator="reassigned_cases",
        denominator="dispatched",
        department_only=True,
        decimals=1,
    ),
    Kpi(
        "cooperation_score",
        "部门协同指数",
        "Department cooperation index",
        "derived",
        "score",
        "higher",
        "100 × Σ cooperation weight × (response_rate, on_time_rate, rating_mean/100, "
        "1 − reassign_rate), empty parts left out and the rest renormalised.",
        inputs=("response_rate", "on_time_rate", "rating_mean", "reassign_rate"),
        department_only=True,
        decimals=1,
    ),
    Kpi(
        "handling_rate",
        "处置率",
        "Handling rate",
        "ratio",
        "fraction",
        "higher",
        "Cases with resolved_at over cases (an appeal's exclusion leaves a case out of both).",
        numerator="resolved",
        denominator="assessed",
        decimals=1,
    ),
    Kpi(
        "on_time_handling_rate",
        "按期处置率",
        "On-time handling rate",
        "ratio",
        "fraction",
        "higher",
        "Cases resolved at or before their deadline over cases resolved or past their deadline.",
        numerator="resolved_on_time",
        denominator="handling_due",
        decimals=1,
    ),
    Kpi(
        "volume_per_1k_households",
        "千户受理量",
        "Cases per 1,000 households",
        "ratio",
        "per_1000",
        None,
        "Cases per 1,000 households of the unit's grids.",
        numerator="cases",
        denominator="households",
        scale=1000.0,
        decimals=1,
    ),
)

_HANDLING_KPIS = (
    Kpi(
        "proactive_rate",
        "主动发现率",
        "Proactive discovery rate",
        "ratio",
        "fraction",
        "higher",
        "Cases whose source is patrol or video over cases (an appeal's exclusion leaves a case "
        "out of both).",
        numerator="proactive",
        denominator="assessed",
        decimals=1,
    ),
    Kpi(
        "self_handled_rate",
        "就地解决率",
        "On-the-spot resolution rate",
        "ratio",
        "fraction",
        "higher",
        "Closed cases handled on the spot by the grid or community over closed cases.",
        numerator="self_handled",
        denominator="closed",
        decimals=1,
    ),
    Kpi(
        "due_cases",
        "应结案数",
        "Cases due",
        "count",
        "cases",
        None,
        "Cases closed, or whose deadline (extended, shifted by suspension) is before as_of: "
        "the denominator of on_time_rate.",
        numerator="closure_due",
        decimals=0,
    ),
    Kpi(
        "extension_rate",
        "延期率",
        "Extension rate",
        "ratio",
        "fraction",
        "lower",
        "Cases with an extended deadline over cases.",
        numerator="extended",
        denominator="assessed",
        decimals=1,
    ),
    Kpi(
        "suspended_open",
        "挂账数",
        "Suspended open cases",
        "count",
        "cases",
        "lower",
        "Cases suspended, not resumed and not closed at as_of.",
        numerator="suspended_open",
        decimals=0,
    ),
    Kpi(
        "mean_response_min",
        "平均响应时长",
        "Mean response time",
        "mean",
        "minutes",
        "lower",
        "Mean of responded − dispatched in minutes over the cases of the median.",
        numerator="response_minutes_mean",
        decimals=1,
    ),
    Kpi(
        "mean_handling_h",
        "平均处置时长",
        "Mean handling time",
        "mean",
        "hours",
        "lower",
        "Mean of resolved − dispatched in hours over the cases of the median.",
        numerator="handling_hours_mean",
        decimals=1,
    ),
)
KPIS = (*KPIS, *_HANDLING_KPIS)

ASSESSMENT_COLUMNS: tuple[str, ...] = (
    "cases",
    "response_rate",
    "median_response_min",
    "closure_rate",
    "on_time_rate",
    "overdue_open",
    "solved_rate",
    "satisfaction_rate",
    "rework_rate",
    "median_handling_h",
    "composite_score",
    "grade",
    "rank",
)
DEPARTMENT_COLUMNS: tuple[str, ...] = ("rating_mean", "reassign_rate", "cooperation_score")
#: The handling-level KPIs of contract §4, after the department columns, for every unit.
HANDLING_COLUMNS: tuple[str, ...] = tuple(k.id for k in _HANDLING_KPIS)

LEVELS: dict[str, tuple[str, ...]] = {
    "city": (),
    "district": ("district",),
    "street": ("district", "street"),
    "community": ("district", "street", "community"),
    "grid": ("district", "street", "community", "grid_id"),
    "department": ("department",),
    "category": ("category",),
    "source": ("source",),
    "urgency": ("urgency",),
    "request_type": ("request_type",),
}
LOCATION_LEVELS = ("city", "district", "street", "community", "grid")
#: The levels whose units are ranked (publications, bulletins, the ``publish`` verb).
UNIT_LEVELS = ("district", "street", "community", "grid", "department")
#: The levels a rule set can be made for or made active for (city: the headline).
LEVEL_NAMES = (*UNIT_LEVELS, "city")
#: Splits of the cohort by a case column instead of by unit (``assess --by category`` …).
SPLIT_LEVELS = ("category", "source", "urgency", "request_type")

_BY_ID = {k.id: k for k in KPIS}
_MEASURES = {m.name: m for m in MEASURES}


def kpi(kpi_id: str) -> Kpi:
    """The KPI with this id; KeyError when unknown."""
    return _BY_ID[kpi_id]


def measure(name: str) -> Measure:
    """The base measure with this name; KeyError when unknown."""
    return _MEASURES[name]


def validate_registry() -> list[str]:
    """Every inconsistency in the registry as a sentence; empty when it is sound."""
    issues: list[str] = []
    seen: set[str] = set()
    for k in KPIS:
        if k.id in seen:
            issues.append(f"KPI {k.id} is declared twice.")
        seen.add(k.id)
        if k.kind not in KINDS:
            issues.append(f"KPI {k.id} has unknown kind {k.kind}.")
        if k.unit not in UNITS:
            issues.append(f"KPI {k.id} has unknown unit {k.unit}.")
        if k.direction not in DIRECTIONS:
            issues.append(f"KPI {k.id} has unknown direction {k.direction}.")
        if not (k.label_zh and k.label_en and k.description):
            issues.append(f"KPI {k.id} lacks a label or description.")
        if not isinstance(k.decimals, int) or not 0 <= k.decimals <= 3:
            issues.append(f"KPI {k.id} lacks its number of decimals (0–3).")
        if k.kind == "derived":
            if not k.inputs or k.numerator or k.denominator:
                issues.append(f"Derived KPI {k.id} must name inputs and no measures.")
            issues += [f"KPI {k.id} uses unknown input {i}." for i in k.inputs if i not in seen]
            continue
        if k.numerator not in _MEASURES:
            issues.append(f"KPI {k.id} has unknown numerator {k.numerator}.")
        elif _MEASURES[k.numerator].agg not in _AGG_FOR_KIND[k.kind]:
            issues.append(f"KPI {k.id} of kind {k.kind} cannot use measure {k.numerator}.")
        if (k.kind == "ratio") != (k.denominator is not None):
            issues.append(f"KPI {k.id}: only ratios have a denominator.")
        if k.denominator is not None and k.denominator not in _MEASURES:
            issues.append(f"KPI {k.id} has unknown denominator {k.denominator}.")
        if k.kind == "ratio" and k.unit == "fraction" and k.scale != 1.0:
            issues.append(f"Fraction KPI {k.id} must not be scaled.")
    for col in (*ASSESSMENT_COLUMNS, *DEPARTMENT_COLUMNS, *HANDLING_COLUMNS):
        if col not in _BY_ID:
            issues.append(f"Assessment column {col} is not a KPI.")
    for attr in ("label_zh", "label_en"):
        names = [getattr(k, attr) for k in KPIS]
        issues += [
            f"Two KPIs are named {n!r}." for n in sorted({n for n in names if names.count(n) > 1})
        ]
    return issues


_AGG_FOR_KIND = {
    "count": ("count",),
    "ratio": ("count", "sum"),
    "median": ("median",),
    "mean": ("mean",),
}

_ISSUES = validate_registry()
if _ISSUES:  # a broken registry is a programming error: fail at import, not on a page
    raise RuntimeError("The KPI registry is inconsistent: " + " ".join(_ISSUES))
