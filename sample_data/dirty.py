"""Deliberately dirty case rows, like those real exports carry, so ingest has work to do.

Each kind is planted at a fixed rate of the cases of every chunk (rounded per chunk, at
least one per chunk of 2,000 cases or more), on rows that carry no other defect and whose
case has no ratings; about 0.35 % of rows in all. Counts for the default city
(2,000 grids, 2023-2025, 200,000 cases a year, seed 42) are in brackets.

- ``missing_category``   0.06 %: empty category (a required column) [360]
- ``bad_reported_at``    0.04 %: unparseable reported_at, e.g. ``2024-13-45 25:61``,
  ``unknown`` [240]
- ``empty_case_id``      0.03 %: empty case_id (a required column) [180]
- ``duplicate_case``     0.10 %: the case appears twice: an earlier progress row (status
  dispatched, no response, resolution, closure or callback) where the case sits in time
  order, and the final row at the end of its chunk (same case_id) [600]
- ``closed_before_reported`` 0.05 %: closed_at 1-72 hours before reported_at [300]
- ``junk_satisfaction``  0.04 %: satisfaction outside the vocabulary, e.g. ``很好`` [240]
- ``negative_reopened``  0.03 %: reopened = -1 [180]
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sample_data.cases import Batch
from sample_data.lifecycle import CANCELLED, CLOSED, RESOLVED

KINDS = (
    "duplicate_case",
    "closed_before_reported",
    "junk_satisfaction",
    "negative_reopened",
    "missing_category",
    "bad_reported_at",
    "empty_case_id",
)
RATES = {
    "duplicate_case": 0.0010,
    "closed_before_reported": 0.0005,
    "junk_satisfaction": 0.0004,
    "negative_reopened": 0.0003,
    "missing_category": 0.0006,
    "bad_reported_at": 0.0004,
    "empty_case_id": 0.0003,
}
BAD_TIMESTAMPS = (
    "2024-13-45 25:61",
    "unknown",
    "0000-00-00 00:00:00",
    "#VALUE!",
    "2024/02/30 10:00",
    "待补录",
)
JUNK_SATISFACTION = ("很好", "一般般", "5星", "N/A", "？")
# Columns a progress row (an earlier export of a case still being handled) does not have yet.
_NOT_YET = (
    *("responded_at", "resolved_at", "closed_at", "solved", "satisfaction"),
    *("extended_deadline", "suspended_at", "resumed_at"),
)

Plan = dict[str, np.ndarray]


def choose(batch: Batch, rated: np.ndarray, rng: np.random.Generator) -> Plan:
    """Pick disjoint sorted row indices for each kind among the rows it can apply to.

    Rows in `rated` (cases with ratings) are left clean, so every rating names a valid case.
    """
    n = len(batch["status"])
    status = batch["status"]
    eligible = {
        # A progress row says "dispatched": only of a case that was.
        "duplicate_case": ((status == RESOLVED) | (status == CLOSED)) & (batch["department"] >= 0),
        "closed_before_reported": status == CLOSED,
        "junk_satisfaction": batch["satisfaction"] >= 0,
        "negative_reopened": (status == RESOLVED) | (status == CLOSED),
    }
    free = np.ones(n, dtype=bool)
    free[rated] = False
    plan: Plan = {}
    for kind in KINDS:
        pool = np.flatnonzero(free & eligible.get(kind, status != CANCELLED))
        # Even a small sample (2,000 cases or more) carries one row of each kind.
        count = min(len(pool), max(round(RATES[kind] * n), int(n >= 2_000)))
        picked = np.sort(rng.choice(pool, size=count, replace=False))
        free[picked] = False
        plan[kind] = picked
    return plan


def apply_to_batch(batch: Batch, plan: Plan, rng: np.random.Generator) -> None:
    """Plant the numeric defects (closed before reported, negative rework count) in place."""
    rows = plan["closed_before_reported"]
    batch["closed"][rows] = np.floor(
        batch["reported"][rows] - rng.uniform(3600, 72 * 3600, len(rows))
    )
    batch["reopened"][plan["negative_reopened"]] = -1


def _replace(table: pa.Table, column: str, rows: np.ndarray, values: pa.Array) -> pa.Table:
    mask = np.zeros(table.num_rows, dtype=bool)
    mask[rows] = True
    index = table.schema.get_field_index(column)
    new = pc.replace_with_mask(table.column(column).combine_chunks(), pa.array(mask), values)
    return table.set_column(index, column, new)


def apply_to_table(table: pa.Table, plan: Plan, rng: np.random.Generator) -> pa.Table:
    """Plant the text defects and the duplicates in a chunk's case table (all text columns)."""
    bad = plan["bad_reported_at"]
    table = _replace(
        table, "reported_at", bad, pa.array(rng.choice(BAD_TIMESTAMPS, len(bad)), pa.string())
    )
    junk = plan["junk_satisfaction"]
    table = _replace(
        table, "satisfaction", junk, pa.array(rng.choice(JUNK_SATISFACTION, len(junk)), pa.string())
    )
    missing = plan["missing_category"]
    table = _replace(table, "category", missing, pa.nulls(len(missing), pa.string()))
    empty = plan["empty_case_id"]
    table = _replace(table, "case_id", empty, pa.nulls(len(empty), pa.string()))
    dup = plan["duplicate_case"]
    final = table.take(pa.array(dup))
    table = _replace(table, "status", dup, pa.array(["dispatched"] * len(dup), pa.string()))
    for column in _NOT_YET:
        table = _replace(table, column, dup, pa.nulls(len(dup), table.schema.field(column).type))
    table = _replace(
        table, "reopened", dup, pa.array(np.zeros(len(dup), dtype=np.int64), pa.int64())
    )
    return pa.concat_tables([table, final])
