"""A hand-sized city for the record tests: six cases in two streets, loaded by ``ingest``."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from gridpulse.cli import main

PERIOD = "2025-03"
AS_OF = "2025-03-31 00:00:00"
A, B = "东城区/东华门街道", "东城区/景山街道"
#: An extension of A3 (closed 03-06 10:00, a day late) to 03-06 12:00: it closed on time.
EXTEND_A3 = ("--kind", "extend", "--until", "2025-03-06 12:00", "--reason", "暴雨")
HEADER = (
    "case_id,reported_at,category,district,street,community,grid_id,department,"
    "assist_departments,dispatched_at,closed_at,deadline"
)
# Every case reported 03-03 08:00 with the deadline 03-05 08:00 and dispatched at 09:00.
# 东华门街道: A1 closed on time, A2 and A3 closed late, A4 open (overdue at AS_OF);
# 景山街道: B1 on time, B2 late. A4 is 城管局's, 水务局 assisting.
ROWS = {
    "A1": ("东华门街道", "社区A", "G1", "城管局", "", "2025-03-04 10:00"),
    "A2": ("东华门街道", "社区A", "G1", "城管局", "", "2025-03-07 10:00"),
    "A3": ("东华门街道", "社区A", "G1", "房管局", "", "2025-03-06 10:00"),
    "A4": ("东华门街道", "社区A", "G1", "城管局", "水务局;交通委", ""),
    "B1": ("景山街道", "社区B", "G2", "城管局", "", "2025-03-04 10:00"),
    "B2": ("景山街道", "社区B", "G2", "房管局", "", "2025-03-08 10:00"),
}


def make_city(folder: Path) -> str:
    """The store URL of the six cases loaded into a DuckDB file in ``folder``."""
    lines = [HEADER]
    for case_id, (street, community, grid, dept, assist, closed) in ROWS.items():
        lines.append(
            f"{case_id},2025-03-03 08:00,市容环境,东城区,{street},{community},{grid},{dept},"
            f"{assist},2025-03-03 09:00,{closed},2025-03-05 08:00"
        )
    (folder / "cases.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = f"duckdb:///{folder / 'city.duckdb'}"
    assert main(["--db", db, "ingest", str(folder / "cases.csv"), "--no-warm"]) == 0
    return db


def assess_csv(db: str, folder: Path, name: str, *extra: str) -> pd.DataFrame:
    """``gridpulse assess --by street`` of PERIOD at AS_OF, read back by street."""
    out = folder / f"{name}.csv"
    args = ["--db", db, "assess", "--by", "street", "--period", PERIOD, "--as-of", AS_OF]
    assert main([*args, *extra, "--out", str(out)]) == 0
    frame = pd.read_csv(out)
    frame["unit"] = frame["district"] + "/" + frame["street"]
    return frame.set_index("unit").drop(columns=["rank"], errors="ignore")


def cli(db: str, *args: str) -> int:
    """Run one verb on ``db`` (the after-write warm-up skipped unless a test asks for it)."""
    return main(["--db", db, *args])


def department_account(name: str) -> SimpleNamespace:
    """An account of the department role (条), in the shape accounts.Account takes when the
    department accounts' part adds it: ``department`` set, no area scope."""
    return SimpleNamespace(
        username=name, role="department", department=name, scope=(), scope_path="", is_city=False
    )
