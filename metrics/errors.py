"""The errors the metrics layer raises: each message is one plain sentence."""

from __future__ import annotations


class MetricsError(ValueError):
    """Base class: a request the metrics layer cannot answer; the message is one sentence."""


class PeriodError(MetricsError):
    """A period or as-of instant that cannot be parsed."""


class RuleSetError(MetricsError):
    """A rule set that cannot be read or does not validate."""


class UnitError(MetricsError):
    """An unknown unit level (`by`), KPI or unit name."""


class ExportError(MetricsError):
    """An assessment that cannot be written to the requested file."""
