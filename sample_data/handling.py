"""Request types, on-the-spot handling (自行处置), extensions (延期) and suspensions (缓办)."""

from __future__ import annotations

import numpy as np

from sample_data import catalog
from sample_data.cases import Batch
from sample_data.lifecycle import CANCELLED, CLOSED, DISPATCHED, OPEN, RESOLVED

# Canonical order; the export writes the Chinese names.
REQUEST_TYPES = ("投诉", "求助", "咨询", "建议", "举报", "表扬")
# Request type mix of the cases citizens bring (per source); the city's own finds (patrol,
# video, whistle) carry no type, which ingest reads as a request.
_REQUEST_MIX = {
    "hotline": (0.33, 0.33, 0.15, 0.06, 0.10, 0.03),
    "app": (0.42, 0.36, 0.04, 0.07, 0.10, 0.01),
    "other": (0.30, 0.45, 0.10, 0.05, 0.08, 0.02),
}
_PATROL = catalog.SOURCES.index("patrol")
_GENERAL = catalog.URGENCIES.index("general")
_COMPLEX = catalog.URGENCIES.index("complex")
_EMERGENCY = catalog.URGENCIES.index("emergency")
# Share of general-urgency patrol cases the grid worker settles on the spot, never dispatched.
_ON_THE_SPOT = 0.48
# Chance of an approved extension: a case running late, a complex one, any other.
_EXTEND = {"late": 0.45, "complex": 0.25, "other": 0.03}
# Share of dispatched cases suspended (缓办) for a while and then resumed.
_SUSPEND = 0.015


def handle(batch: Batch, end: float, rng: np.random.Generator) -> None:
    """Add request_type, self_handled (1/0, -1 = not known), extended, suspended and resumed
    (float seconds, NaN = none) to a simulated batch, in place. On-the-spot cases lose their
    dispatch; suspended cases finish later by the time paused; events after `end` are cut
    and the statuses follow the remaining timestamps."""
    n = len(batch["reported"])
    batch["request_type"] = _request_types(batch["source"], rng)
    live = batch["status"] != CANCELLED
    spot = live & (batch["source"] == _PATROL) & (batch["urgency"] == _GENERAL)
    spot &= ~batch["parked"] & (rng.random(n) < _ON_THE_SPOT)
    _on_the_spot(batch, spot, rng)
    batch["self_handled"] = np.where(spot, 1, np.where(np.isnan(batch["dispatched"]), -1, 0))
    batch["self_handled"][~live] = -1
    dispatched = live & ~np.isnan(batch["dispatched"])
    batch["extended"] = _extensions(batch, dispatched, end, rng)
    _suspensions(batch, dispatched, rng)
    for key in ("resolved", "closed", "suspended", "resumed"):
        batch[key][batch[key] > end] = np.nan
    _statuses(batch)


def _request_types(source: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Index into REQUEST_TYPES per case (-1 = no type written)."""
    kind = np.full(len(source), -1)
    u = rng.random(len(source))
    for name, mix in _REQUEST_MIX.items():
        rows = source == catalog.SOURCES.index(name)
        kind[rows] = np.searchsorted(np.cumsum(mix), u[rows] * sum(mix), side="right")
    return np.minimum(kind, len(REQUEST_TYPES) - 1)


def _on_the_spot(batch: Batch, spot: np.ndarray, rng: np.random.Generator) -> None:
    """Settled by the grid worker within the hour, closed after the community checks it."""
    k = int(spot.sum())
    resolved = batch["accepted"][spot] + 60 * rng.lognormal(np.log(25.0), 0.7, k)
    batch["resolved"][spot] = resolved
    batch["closed"][spot] = resolved + 3600 * rng.lognormal(np.log(3.0), 0.8, k)
    for key in ("dispatched", "responded"):
        batch[key][spot] = np.nan
    batch["department"][spot] = -1
    batch["assists"][spot] = -1
    batch["reassigned"][spot] = 0
    batch["reopened"][spot] = 0


def _extensions(
    batch: Batch, dispatched: np.ndarray, end: float, rng: np.random.Generator
) -> np.ndarray:
    """The extended deadline of cases whose extension was approved (NaN for the others).

    Departments ask near the deadline, mostly when the case runs late; the extension covers
    part of the deadline again, or most of the overrun."""
    n = len(dispatched)
    hours = catalog.DEADLINE_HOURS[batch["urgency"]]
    deadline = batch["reported"] + 3600 * hours
    finish = np.where(np.isnan(batch["resolved"]), end, batch["resolved"])
    late = finish > deadline
    chance = np.where(
        late, _EXTEND["late"], np.where(batch["urgency"] == _COMPLEX, _EXTEND["complex"], 0.0)
    )
    chance = np.maximum(chance, _EXTEND["other"])
    asked = dispatched & (batch["urgency"] != _EMERGENCY) & (deadline - 86400 <= end)
    asked &= rng.random(n) < chance
    overrun_h = np.maximum(finish - deadline, 0) / 3600
    span_h = np.maximum(hours * rng.uniform(0.3, 1.0, n), overrun_h * rng.uniform(0.6, 1.3, n))
    return np.where(asked, np.floor(deadline + 3600 * np.maximum(span_h, 24.0)), np.nan)


def _suspensions(batch: Batch, dispatched: np.ndarray, rng: np.random.Generator) -> None:
    """Suspended some time after the response and resumed days later (the case finishes
    later by as much); parked cases (挂账) are suspended and never resumed."""
    n = len(dispatched)
    responded = batch["responded"]
    resolved = batch["resolved"]
    answered = dispatched & ~np.isnan(responded)
    chosen = answered & ~batch["parked"] & (rng.random(n) < _SUSPEND)
    working = np.where(
        np.isnan(resolved), 3600 * catalog.DEADLINE_HOURS[batch["urgency"]], resolved - responded
    )
    start = np.floor(responded + rng.uniform(0.1, 0.9, n) * np.maximum(working, 0))
    paused = np.floor(3600 * rng.lognormal(np.log(96.0), 0.8, n))
    parked = answered & batch["parked"]
    parked_start = np.floor(responded + 3600 * rng.lognormal(np.log(48.0), 0.6, n))
    batch["suspended"] = np.where(chosen, start, np.where(parked, parked_start, np.nan))
    batch["resumed"] = np.where(chosen, start + paused, np.nan)
    for key in ("resolved", "closed"):
        batch[key] = np.where(chosen, batch[key] + paused, batch[key])


def _statuses(batch: Batch) -> None:
    """Statuses from the remaining timestamps; a callback needs a closed case."""
    status = batch["status"]
    live = status != CANCELLED
    now = np.full(len(status), OPEN)
    for code, key in ((DISPATCHED, "dispatched"), (RESOLVED, "resolved"), (CLOSED, "closed")):
        now[~np.isnan(batch[key])] = code
    batch["status"] = np.where(live, now, CANCELLED)
    unclosed = batch["status"] != CLOSED
    batch["solved"][unclosed] = -1
    batch["satisfaction"][unclosed] = -1
