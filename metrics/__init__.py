"""KPI registry, query builder, assessment, supervision, cooperation, fairness and exports."""

# The public names are loaded on first use (PEP 562), so that a caller needing one module
# (the command line's assess: no charts, survival curves or trend models) imports only it.
from __future__ import annotations

import importlib
import sys
import types

_HOMES: dict[str, tuple[str, ...]] = {
    "metrics.assessment": (
        "assess",
        "composite_score",
        "cooperation_score",
        "rank_scores",
        "red_black_lists",
    ),
    "metrics.cooperation": ("cooperation_table",),
    "metrics.errors": ("ExportError", "MetricsError", "PeriodError", "RuleSetError", "UnitError"),
    "metrics.explain": ("explain", "explain_counts"),
    "metrics.export": ("write_assessment",),
    "metrics.fairness": ("ALTERNATIVE_WEIGHTS", "funnel", "rank_stability", "wilson"),
    "metrics.formats": ("format_delta", "format_value"),
    "metrics.freshness": ("Freshness", "freshness"),
    "metrics.history": ("case_versions", "loads"),
    "metrics.labels": ("label", "level_label", "value_label"),
    "metrics.period": ("Period", "latest_full_month", "parse_as_of", "parse_period", "span"),
    "metrics.query": ("check_scope", "kpi_table", "latest_timestamp", "resolve_as_of"),
    "metrics.registry": (
        "HANDLING_COLUMNS",
        "KPIS",
        "LEVELS",
        "MEASURES",
        "Kpi",
        "kpi",
        "validate_registry",
    ),
    "metrics.rules": ("RuleSet", "default_rules", "load_rules", "parse_rules"),
    "metrics.selection": ("Selection",),
    "metrics.supervision": ("ageing", "overdue_counts", "red_cards", "yellow_cards"),
    "metrics.survival": ("km_handling",),
    "metrics.timeseries": ("kpi_series",),
    "metrics.trends": ("decompose", "rising_units"),
}
_HOME = {name: module for module, names in _HOMES.items() for name in names}
#: Names that are both a function here and a submodule: the function keeps the name.
_SHADOWED = frozenset(name for name in _HOME if name == _HOME[name].rpartition(".")[2])


def __getattr__(name: str):
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Package(types.ModuleType):
    """Keeps ``metrics.explain`` and ``metrics.freshness`` the functions once their
    submodules are imported (the import system sets a submodule as its package's attribute)."""

    def __setattr__(self, name: str, value) -> None:
        if name in _SHADOWED and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

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
