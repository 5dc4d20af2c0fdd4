"""A three-street case log whose scores and ranks are known by hand, for publication tests.

Each case is reported, never dispatched (response_rate empty), so a street's composite score
is 100 × (0.5 × solved_rate + 0.4 × satisfaction_rate) / 0.9 under the default rule set.
"""

from __future__ import annotations

import csv
from pathlib import Path

DISTRICT = "东城区"
STREETS = ("甲街道", "乙街道", "丙街道")
HEADER = ["case_id", "reported_at", "category", "district", "street", "community", "grid_id"]
HEADER += ["solved", "satisfaction"]

#: (solved, satisfied) per street and month: two cases each.
FEB = {"甲街道": (2, 2), "乙街道": (1, 2), "丙街道": (0, 1)}  # ranks 甲 1, 乙 2, 丙 3
MAR = {"甲街道": (0, 1), "乙街道": (1, 2), "丙街道": (2, 2)}  # ranks 丙 1, 乙 2, 甲 3


def score(solved: int, satisfied: int, n: int = 2) -> float:
    """The composite score of a street with ``n`` cases by hand."""
    return 100 * (0.5 * solved / n + 0.4 * satisfied / n) / 0.9


def rows(month: int, plan: dict[str, tuple[int, int]]) -> list[list[str]]:
    """Two cases per street reported in 2025-``month``: ``solved`` of them solved and
    ``satisfied`` of them 满意 (the rest 不满意)."""
    out = []
    for s, street in enumerate(STREETS):
        solved, satisfied = plan[street]
        for i in range(2):
            out.append(
                [
                    f"M{month:02d}-{s}-{i}",
                    f"2025-{month:02d}-{10 + i} 09:00",
                    "市容环境",
                    DISTRICT,
                    street,
                    f"{street}社区",
                    f"G{s}",
                    "是" if i < solved else "否",
                    "满意" if i < satisfied else "不满意",
                ]
            )
    return out


def write(path: Path, *blocks: list[list[str]]) -> Path:
    """A canonical case CSV holding ``blocks`` of rows."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for block in blocks:
            writer.writerows(block)
    return path


def spoiled(block: list[list[str]], street: str) -> list[list[str]]:
    """``block`` with ``street``'s cases neither solved nor satisfied (a later version)."""
    return [[*r[:7], "否", "不满意"] if r[4] == street else r for r in block]
