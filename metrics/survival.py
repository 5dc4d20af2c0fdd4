"""Kaplan–Meier handling times: unresolved cases count as censored, not as missing."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from metrics.cohort import build_cohort, km_inputs
from metrics.cube import query as cubequery
from metrics.known import any_appeals, known_at
from metrics.party import cubable, own_rows
from metrics.query import fetch, level_keys, reading, resolve_as_of
from metrics.selection import Selection

COLUMNS = ("resolved", "censored", "median_handling_h", "km_median_handling_h")


def km_curve(t: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Event times and survival after each, for times ``t`` sorted ascending and events
    ``e`` (1 = resolved, 0 = censored) — statsmodels' ``surv_times``/``surv_prob``: the same
    risk sets, log-sum product and clipping at 1e-16 as ``SurvfuncRight``, without a fit
    per unit (the tests compare the two bit for bit)."""
    starts = np.flatnonzero(np.r_[True, t[1:] != t[:-1]])
    counts = np.diff(np.r_[starts, len(t)])
    d = np.add.reduceat(e, starts).astype(np.float64)
    n = np.cumsum(counts[::-1])[::-1]  # at risk just before each time
    ii = np.flatnonzero(d > 0)
    sp = 1 - d[ii] / n[ii].astype(np.float64)
    zero = sp < 1e-16
    sp[zero] = 1e-16
    sp = np.exp(np.cumsum(np.log(sp)))
    sp[zero] = 0
    return t[starts[ii]], sp


def km_median(sf_or_times, surv: np.ndarray | None = None) -> float:
    """The Kaplan–Meier median: the first event time where survival falls to 0.5 or below,
    and where it sits exactly at 0.5 the midpoint to the next event time (R's survfit
    convention) — so without censoring it is the plain median. (statsmodels' own quantile
    lands on either side of such a tie by floating-point chance.) NaN when survival never
    reaches 0.5. Takes a fitted statsmodels SurvfuncRight, or event times and survival."""
    if surv is None:
        times, surv = sf_or_times.surv_times, sf_or_times.surv_prob
    else:
        times = sf_or_times
    times, surv = np.asarray(times, float), np.asarray(surv, float)
    below = np.flatnonzero(surv <= 0.5 + 1e-9)
    if not below.size:
        return float("nan")
    i = int(below[0])
    if abs(surv[i] - 0.5) <= 1e-9 and i + 1 < len(times):
        return float((times[i] + times[i + 1]) / 2)
    return float(times[i])


def km_handling(engine: Engine, sel: Selection) -> pd.DataFrame:
    """Handling time (dispatched → resolved, hours) per unit, counting unresolved cases as
    censored at closed_at or as_of: columns keys, resolved, censored, median_handling_h
    (plain median of resolved cases) and km_median_handling_h (Kaplan–Meier median; NaN
    when fewer than half have been resolved). Negative durations are left out."""
    by, p, r, scope = sel.level, sel.period, sel.rules, sel.scope_map
    keys = list(level_keys(by))
    known = known_at(engine, sel.as_known_at)
    moment = resolve_as_of(engine, sel.as_of, p, known)
    coh = build_cohort(
        engine.dialect.name,
        r,
        moment,
        period=p,
        scope=scope,
        known_at=known,
        appeals=any_appeals(engine, known),
    )
    cube_rules = r if cubable(scope) and known is None else None
    with reading(engine, cube_rules, moment) as (conn, version, found):
        if found is not None:
            kept = cubequery.km_kept(found, by, p, scope)
            if kept is not None:
                frame = fetch(engine, conn, version, kept)
                return frame.sort_values(keys, kind="stable").reset_index(drop=True)
            rows = fetch(engine, conn, version, cubequery.km_rows(found, by, p, scope), False)
            names = None
            if keys:
                names = fetch(engine, conn, version, cubequery.unit_names(found, by))
                names = names.set_index("key")
            return per_unit(rows, keys, names)
        v = coh.cte
        seconds, event = km_inputs(v, coh.as_of_e)
        conds = [seconds.is_not(None)] + ([v.c[keys[-1]].is_not(None)] if keys else [])
        conds += own_rows(v.c.department, keys, scope)
        stmt = select(*[v.c[k] for k in keys], seconds.label("t"), event.label("e"))
        rows = fetch(engine, conn, version, stmt.where(*conds), False)
    names = None
    if keys:
        codes = rows.groupby(keys, dropna=False, sort=False).ngroup()
        names = rows[keys].drop_duplicates().reset_index(drop=True)
        rows = pd.DataFrame({"k": codes, "t": rows["t"], "e": rows["e"]})
    return per_unit(rows, keys, names)


BLOCK = 1 << 18  # rows worked on at once: small arrays are reused, not fresh pages each time


def per_unit(rows: pd.DataFrame, keys: list[str], names: pd.DataFrame | None) -> pd.DataFrame:
    """Counts, plain and Kaplan–Meier medians per unit, from the rows sorted by unit and time
    (risk sets and event counts for many units at once; the survival product per unit).

    The work goes in blocks of about BLOCK rows: on a year of cases, arrays of all 5 million
    rows at once cost more in fresh memory (page faults) than in arithmetic."""
    t = rows["t"].to_numpy(np.float64)
    k = rows["k"].to_numpy() if keys else np.zeros(len(t), np.int64)
    return unit_table(k, t, rows["e"].to_numpy(), keys, names)


def unit_table(
    k: np.ndarray, t: np.ndarray, e: np.ndarray, keys: list[str], names: pd.DataFrame | None
) -> pd.DataFrame:
    """:func:`per_unit` over arrays: unit codes ``k`` (their ``keys`` columns in ``names``,
    indexed by code), times ``t`` in seconds and events ``e``."""
    if not len(t):  # no case: the city still has its (empty) row, other levels none
        empty = {"resolved": 0, "censored": 0}
        return pd.DataFrame([] if keys else [empty], columns=[*keys, *COLUMNS])
    starts, ordered = _unit_starts(k, t)
    if not ordered:  # the cube keeps department rows sorted; anything else is sorted here
        order = np.lexsort((t, k))
        t, e, k = t[order], e[order], k[order]
        starts, _ = _unit_starts(k, t)
    bounds = np.append(starts, len(t))
    out = []
    u = 0
    while u < len(starts):
        # the units from u on that fit in a block (at least one)
        last = max(u + 1, int(np.searchsorted(bounds, bounds[u] + BLOCK, side="right")) - 1)
        lo, hi = bounds[u], bounds[last]
        figures = _units(t[lo:hi], e[lo:hi], bounds[u : last + 1] - lo)
        for j, (resolved, censored, mid, km) in enumerate(figures):
            rec = dict(names.loc[k[bounds[u + j]]]) if keys else {}
            rec.update(
                resolved=resolved,
                censored=censored,
                median_handling_h=mid,
                km_median_handling_h=km,
            )
            out.append(rec)
        u = last
    frame = pd.DataFrame(out, columns=[*keys, *COLUMNS])
    if keys:
        frame = frame.sort_values(keys, kind="stable").reset_index(drop=True)
    return frame


def _unit_starts(k: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, bool]:
    """The first row of each unit, and whether the rows are sorted by unit, then time."""
    starts = [np.zeros(1, np.int64)]
    ordered = True
    for lo in range(1, len(k), BLOCK):
        hi = min(lo + BLOCK, len(k))
        now, before = k[lo:hi], k[lo - 1 : hi - 1]
        new = now != before
        ordered = ordered and bool(
            np.all(now >= before) and np.all(new | (t[lo:hi] >= t[lo - 1 : hi - 1]))
        )
        starts.append(np.flatnonzero(new) + lo)
    return np.concatenate(starts), ordered


def _units(t: np.ndarray, e: np.ndarray, bounds: np.ndarray) -> list[tuple]:
    """(resolved, censored, plain median h, Kaplan–Meier median h) of each unit whose rows
    are ``t[bounds[i]:bounds[i + 1]]`` (sorted by time), computed together."""
    n = len(t)
    starts, ends = bounds[:-1], bounds[1:]
    first = np.zeros(n, bool)
    first[starts] = True
    # runs of equal times within a unit: events and the risk set just before each
    runs = np.flatnonzero(first | _changes(t))
    events = np.add.reduceat(e, runs, dtype=np.int64)
    hit = events > 0
    ev_runs, ev_d = runs[hit], events[hit]
    ev_unit = np.searchsorted(starts, ev_runs, side="right") - 1
    ev_n = ends[ev_unit] - ev_runs  # rows of the unit from this time on
    ev_bounds = np.searchsorted(ev_unit, np.arange(len(starts) + 1))
    out = []
    for u, (lo, hi) in enumerate(itertools.pairwise(ev_bounds)):
        km = mid = np.nan
        resolved = 0
        if hi > lo:
            times, d = t[ev_runs[lo:hi]], ev_d[lo:hi]
            sp = 1 - d / ev_n[lo:hi].astype(np.float64)  # as statsmodels computes it
            zero = sp < 1e-16
            sp[zero] = 1e-16
            sp = np.exp(np.cumsum(np.log(sp)))
            sp[zero] = 0
            km = km_median(times, sp) / 3600
            # the plain median of the resolved times: the middle one or two
            upto = np.cumsum(d)
            resolved = int(upto[-1])
            middle = np.searchsorted(upto, [(resolved + 1) // 2, resolved // 2 + 1])
            mid = float(np.mean(times[middle])) / 3600
        out.append((resolved, int(ends[u] - starts[u] - resolved), mid, km))
    return out


def _changes(values: np.ndarray) -> np.ndarray:
    """True where a value differs from the one before it (and at the first)."""
    out = np.empty(len(values), bool)
    out[0] = True
    np.not_equal(values[1:], values[:-1], out=out[1:])
    return out
