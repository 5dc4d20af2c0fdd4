"""Anonymous department ratings (块呼条应·速办直评) given after whistle and joint cases."""

from __future__ import annotations

import numpy as np

from sample_data import catalog
from sample_data.cases import Batch
from sample_data.lifecycle import CLOSED

_WHISTLE = catalog.SOURCES.index("whistle")
_RATING = catalog.department_column("rating")
# Share of closed joint (non-whistle) cases whose departments are rated.
_JOINT_RATED = 0.5


def draw_ratings(batch: Batch, end: float, rng: np.random.Generator) -> Batch:
    """One rating per department involved in each rated closed case.

    Returns arrays `row` (index into the batch), `department`, `score` (integer 0-100, mostly
    85-100 around the department's mean, lower when the case was late, reworked or pushed
    back) and `rated_at` (float seconds); ratings that would fall after `end` are not given.
    """
    n = len(batch["status"])
    involved = np.concatenate([batch["department"][:, None], batch["assists"]], axis=1)
    joint = batch["assists"][:, 0] >= 0
    rated_case = (batch["status"] == CLOSED) & (
        (batch["source"] == _WHISTLE) | (joint & (rng.random(n) < _JOINT_RATED))
    )
    rated_at_case = batch["closed"] + 3600 * rng.lognormal(np.log(20.0), 0.8, n)
    rated_case &= rated_at_case <= end
    row, slot = np.nonzero(rated_case[:, None] & (involved >= 0))
    department = involved[row, slot]
    m = len(row)
    penalty = (
        6.0 * batch["late"][row]
        + 5.0 * (batch["reopened"][row] > 0)
        + 3.0 * (batch["reassigned"][row] > 0)
    )
    shortfall = 100.0 - _RATING[department] + penalty
    score = 100.0 - rng.gamma(2.5, shortfall / 2.5, m)
    poor = rng.random(m) < 0.03
    score[poor] = rng.uniform(40.0, 80.0, int(poor.sum()))
    spread = 600.0 * rng.random(m)
    return {
        "row": row,
        "department": department,
        "score": np.clip(np.round(score), 0, 100).astype(np.int64),
        "rated_at": np.minimum(np.floor(rated_at_case[row] + spread), end),
    }
