"""The one exception forecasting raises for a request it cannot serve."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["ForecastError", "Progress"]

# A progress callback receives (done, total): work counted in series processed, one step
# per unit and model fitted (the command line's progress bar shows it as "series").
Progress = Callable[[int, int], None]


class ForecastError(Exception):
    """A forecast that cannot be made; the message is one plain sentence for the user."""
