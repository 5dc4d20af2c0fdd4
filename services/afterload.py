"""The work that follows a load, for the command line and the app alike: the KPI cube, then the pages' opening tables."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from metrics.cube.warm import WARMED_LEVELS, warm_pages

#: Steps reported to ``progress``: the KPI cube, then each warmed level in two periods.
STEPS = 1 + 2 * len(WARMED_LEVELS)


@dataclass(frozen=True)
class AfterLoad:
    """What followed a load: the periods whose tables were computed (empty for PostgreSQL,
    which has no result cache and gets only its KPI cube, for an empty store or a store
    another writer holds), and the error that stopped it, if any."""

    periods: list[str]
    error: str | None = None


def after_load(url: str, progress: Callable[[str], None] | None = None) -> AfterLoad:
    """After a load into the store at ``url``: build the KPI cube for the default rules and
    compute the tables the pages open with (metrics.cube.warm), ``progress`` naming each of
    the ``STEPS`` steps, so the first page views are answered from the result cache.

    The load has succeeded by then: a failure here only means the tables are computed when
    first viewed, so it is logged and returned as one sentence, never raised."""
    try:
        return AfterLoad(warm_pages(url, progress))
    except Exception as exc:  # an optimisation only; the pages compute what is missing
        logging.getLogger(__name__).warning("preparing the pages' tables failed", exc_info=True)
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return AfterLoad([], f"the pages' tables were not prepared ({first})")
