"""What happens to each case after it is reported: the case loop, its outcome and callbacks."""

from __future__ import annotations

import numpy as np

from sample_data import catalog
from sample_data.cases import Batch

STATUSES = ("open", "dispatched", "resolved", "closed", "cancelled")
OPEN, DISPATCHED, RESOLVED, CLOSED, CANCELLED = range(5)
SATISFACTION = ("满意", "基本满意", "不满意")
TIME_KEYS = ("accepted", "dispatched", "responded", "resolved", "closed")

_WHISTLE = catalog.SOURCES.index("whistle")
_EMERGENCY, _UTILITY, _GENERAL, _COMPLEX = range(4)
_RESPONSE_MIN = catalog.department_column("response_min")
_RESPONSE_SIGMA = catalog.department_column("response_sigma")
_PACE = catalog.department_column("pace")
_HANDLING_SIGMA = catalog.department_column("handling_sigma")
_REASSIGN = catalog.department_column("reassign")
_REWORK = catalog.department_column("rework")
_RATING = catalog.department_column("rating")
_ROUND_THE_CLOCK = catalog.department_column("round_the_clock")
# Share of cases whose deadline is left out of the export (the metrics derive it).
_NO_DEADLINE = 0.05
# Share of cases held for a decision on who is responsible before dispatch.
_HELD = 0.01
# Share of cases parked after response (挂账): never resolved within the period.
_LONG_PENDING = 0.002


def _lognormal(
    rng: np.random.Generator, median: np.ndarray | float, sigma: float, n: int
) -> np.ndarray:
    return rng.lognormal(np.log(median), sigma, n)


def _hour(t: np.ndarray) -> np.ndarray:
    return (t % 86400) // 3600


def _counts(rng: np.random.Generator, p: np.ndarray, n: int, second: float) -> np.ndarray:
    """0 with probability 1-p, else 1, or 2 with probability `second` given it happened."""
    happened = rng.random(n) < p
    return (happened * (1 + (rng.random(n) < second))).astype(np.int64)


def _assists(batch: Batch, rng: np.random.Generator) -> np.ndarray:
    """Up to three assisting departments per case (-1 = none), never the lead department.

    Whistle calls summon one to three departments; complex cases are sometimes handled
    jointly (会商办) with one or two.
    """
    n = len(batch["source"])
    whistle = batch["source"] == _WHISTLE
    u = rng.random(n)
    joint = np.where(batch["urgency"] == _COMPLEX, 0.20, 0.004)
    k = np.where(whistle, 1 + (u > 0.45) + (u > 0.8), 0)
    k = np.where(~whistle & (rng.random(n) < joint), 1 + (u > 0.7), k)
    keys = rng.random((n, len(catalog.DEPARTMENTS)))
    keys[np.arange(n), batch["department"]] = 2.0
    picked = np.argsort(keys, axis=1)[:, :3]
    return np.where(np.arange(3)[None, :] < k[:, None], picked, -1)


def simulate(batch: Batch, end: float, rng: np.random.Generator) -> None:
    """Add the case loop to `batch` in place; times are float seconds, NaN = not (yet) happened.

    Every event after `end` (the export instant) is cut off, so cases reported near the end
    are still open, dispatched or resolved; statuses follow the remaining timestamps.
    """
    n = len(batch["reported"])
    source, urgency = batch["source"], batch["urgency"]
    dept = catalog.SUB_DEPARTMENT[batch["subcategory"]]
    whistle = source == _WHISTLE
    cancelled = rng.random(n) < catalog.CANCEL_SHARE[source]

    accepted = batch["reported"] + 60 * np.maximum(
        0.5, _lognormal(rng, catalog.ACCEPT_MINUTES[source], 0.8, n)
    )
    night = (_hour(accepted) >= 22) | (_hour(accepted) < 7)
    dispatched = accepted + 60 * _lognormal(rng, 12.0, 0.9, n) * np.where(night, 3.0, 1.0)
    # A few cases wait for a decision on who is responsible (待派遣) before dispatch.
    held = rng.random(n) < _HELD
    dispatched[held] += 3600 * _lognormal(rng, 20.0, 0.8, int(held.sum()))
    # Office-hours departments sign for non-emergency night dispatches after 08:00.
    hour = _hour(dispatched)
    waits = (
        ((hour >= 20) | (hour < 8)) & ~_ROUND_THE_CLOCK[dept] & ~whistle & (urgency != _EMERGENCY)
    )
    opening = (np.floor(dispatched / 86400) + (hour >= 20)) * 86400 + 8 * 3600
    response_median = np.where(
        whistle, 12.0, _RESPONSE_MIN[dept] * np.where(urgency == _EMERGENCY, 0.5, 1.0)
    )
    response_sigma = np.where(whistle, 0.55, _RESPONSE_SIGMA[dept])
    responded = np.where(waits, opening, dispatched) + 60 * rng.lognormal(
        np.log(response_median), response_sigma
    )

    reassigned = _counts(rng, _REASSIGN[dept] * np.where(urgency == _COMPLEX, 1.5, 1.0), n, 0.2)
    reopened = _counts(rng, _REWORK[dept], n, 0.2)
    median_h = _PACE[dept] * catalog.DEADLINE_HOURS[urgency] * catalog.HANDLING_FACTOR[urgency]
    handling_h = np.maximum(0.1, rng.lognormal(np.log(median_h), _HANDLING_SIGMA[dept]))
    handling_h += reassigned * _lognormal(rng, 18.0, 0.6, n)
    handling_h += reopened * _lognormal(rng, 30.0, 0.7, n)
    resolved = responded + 3600 * handling_h
    closed = resolved + 3600 * _lognormal(rng, catalog.VERIFY_HOURS[urgency], 0.9, n)
    deadline = batch["reported"] + 3600 * catalog.DEADLINE_HOURS[urgency]
    late = resolved > deadline

    parked = ~cancelled & (rng.random(n) < _LONG_PENDING)
    resolved[parked] = np.nan
    closed[parked] = np.nan
    times = dict(zip(TIME_KEYS, (accepted, dispatched, responded, resolved, closed), strict=True))
    for values in times.values():
        values[cancelled | (values > end)] = np.nan
    batch.update(times)
    batch["deadline"] = np.where(cancelled | (rng.random(n) < _NO_DEADLINE), np.nan, deadline)

    status = np.full(n, OPEN)
    for code, key in ((DISPATCHED, "dispatched"), (RESOLVED, "resolved"), (CLOSED, "closed")):
        status[~np.isnan(times[key])] = code
    status[cancelled] = CANCELLED
    batch["status"] = status
    was_dispatched = ~np.isnan(dispatched)
    batch["department"] = np.where(was_dispatched, dept, -1)
    batch["assists"] = np.where(was_dispatched[:, None], _assists(batch, rng), -1)
    batch["reassigned"] = np.where(was_dispatched, reassigned, 0)
    batch["reopened"] = np.where(np.isnan(resolved), 0, reopened)
    batch["late"] = late & ~np.isnan(resolved)
    batch["parked"] = parked
    _callbacks(batch, rng)


def _callbacks(batch: Batch, rng: np.random.Generator) -> None:
    """Callback verdicts (回访) on part of the closed cases: solved 1/0 and satisfaction index.

    -1 = no value. Lateness, rework and push-backs make a poor verdict more likely.
    """
    n = len(batch["status"])
    asked = (batch["status"] == CLOSED) & (rng.random(n) < catalog.CALLBACK_SHARE[batch["source"]])
    quality = (_RATING[np.maximum(batch["department"], 0)] - 90.0) / 8.0
    latent = (
        quality
        - 0.9 * batch["late"]
        - 0.8 * (batch["reopened"] > 0)
        - 0.4 * (batch["reassigned"] > 0)
        + rng.standard_normal(n)
    )
    mood = latent + 0.5 * rng.standard_normal(n)
    satisfaction = np.where(mood > -0.6, 0, np.where(mood > -1.6, 1, 2))
    batch["solved"] = np.where(asked, (latent > -1.35).astype(np.int64), -1)
    # Some people answer whether it was solved but decline to rate their satisfaction.
    batch["satisfaction"] = np.where(asked & (rng.random(n) > 0.04), satisfaction, -1)
