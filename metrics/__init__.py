"""KPI registry, query builder, assessment, supervision, cooperation, fairness and exports."""

from metrics.assessment import (
    assess,
    composite_score,
    cooperation_score,
    rank_scores,
    red_black_lists,
)
from metrics.cooperation import cooperation_table
from metrics.errors import ExportError, MetricsError, PeriodError, RuleSetError, UnitError
from metrics.explain import explain, explain_counts
from metrics.export import write_assessment
from metrics.fairness import (
    ALTERNATIVE_WEIGHTS,
    funnel,
    rank_stability,
    wilson,
)
from metrics.formats import format_delta, format_value
from metrics.freshness import Freshness, freshness
from metrics.history import case_versions, loads
from metrics.labels import label, level_label, value_label
from metrics.period import Period, latest_full_month, parse_as_of, parse_period, span
from metrics.query import check_scope, kpi_table, latest_timestamp, resolve_as_of
from metrics.registry import (
    HANDLING_COLUMNS,
    KPIS,
    LEVELS,
    MEASURES,
    Kpi,
    kpi,
    validate_registry,
)
from metrics.rules import RuleSet, default_rules, load_rules, parse_rules
from metrics.selection import Selection
from metrics.supervision import ageing, overdue_counts, red_cards, yellow_cards
from metrics.survival import km_handling
from metrics.timeseries import kpi_series
from metrics.trends import decompose, rising_units

__all__ = [
    "ALTERNATIVE_WEIGHTS",
    "HANDLING_COLUMNS",
    "KPIS",
    "LEVELS",
    "MEASURES",
    "ExportError",
    "Freshness",
    "Kpi",
    "MetricsError",
    "Period",
    "PeriodError",
    "RuleSet",
    "RuleSetError",
    "Selection",
    "UnitError",
    "ageing",
    "assess",
    "case_versions",
    "check_scope",
    "composite_score",
    "cooperation_score",
    "cooperation_table",
    "decompose",
    "default_rules",
    "explain",
    "explain_counts",
    "format_delta",
    "format_value",
    "freshness",
    "funnel",
    "km_handling",
    "kpi",
    "kpi_series",
    "kpi_table",
    "label",
    "latest_full_month",
    "latest_timestamp",
    "level_label",
    "load_rules",
    "loads",
    "overdue_counts",
    "parse_as_of",
    "parse_period",
    "parse_rules",
    "rank_scores",
    "rank_stability",
    "red_black_lists",
    "red_cards",
    "resolve_as_of",
    "rising_units",
    "span",
    "validate_registry",
    "value_label",
    "wilson",
    "write_assessment",
    "yellow_cards",
]
