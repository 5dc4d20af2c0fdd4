"""The ``ingest --json`` output contract (§5) through the real command."""

from __future__ import annotations

import json

from ingest_helpers import COUNT_KEYS, messages, run_cli, write_csv, write_lines

from gridpulse.cli import main

KEYS = {*COUNT_KEYS, "reasons"}


def test_json_summary_is_the_last_line(tmp_path, capsys):
    cases = write_lines(
        tmp_path / "cases.csv",
        [
            "case_id,reported_at,category,grid_id,reporter_name",
            "J1,2025-03-01 08:00,市容环境,G1,某甲",
            "J2,2025-03-01 08:00,,G1,某乙",
            "J1,2025-03-01 08:00,市容环境,G2,某甲",
            "J3,2025-03-01 08:00,市容环境",
        ],
    )
    more = write_lines(
        tmp_path / "more.csv",
        [
            "case_id,reported_at,category,grid_id",
            "J4,2025-03-02 08:00,街面秩序,G2",
            "J5,soon,街面秩序,G2",
        ],
    )
    ratings = write_csv(
        tmp_path / "ratings.csv",
        ["case_id", "department", "score", "rated_at"],
        [["J1", "城管委", "88", "2025-03-02 09:00"], ["J4", "城管委", "101", ""]],
    )
    grids = write_csv(
        tmp_path / "grids.csv",
        ["grid_id", "community", "street", "district", "households"],
        [
            ["G1", "多福巷社区", "东华门街道", "东城区", "420"],
            ["G2", "府右街社区", "西长安街街道", "西城区", "380"],
        ],
    )
    db = f"duckdb:///{tmp_path / 'store.duckdb'}"
    args = ["ingest", cases, more, "--ratings", ratings, "--grids", grids]
    result = run_cli(*args, "--json", db=db)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert messages(result.stderr) == []  # only the progress bar on stderr
    lines = result.stdout.strip().splitlines()
    summary = json.loads(lines[-1])
    assert isinstance(summary, dict)
    assert KEYS | {"ratings", "grids"} <= set(summary)
    assert {k: summary[k] for k in KEYS} == {
        "read": 6,
        "inserted": 2,
        "updated": 1,
        "unchanged": 0,
        "rejected": 3,
        "reasons": {"malformed row": 1, "missing category": 1, "unparseable reported_at": 1},
    }
    assert {k: summary["ratings"][k] for k in KEYS} == {
        "read": 2,
        "inserted": 1,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
        "reasons": {"invalid score": 1},
    }
    assert {k: summary["grids"][k] for k in KEYS} == {
        "read": 2,
        "inserted": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "reasons": {},
    }
    for part in (summary, summary["ratings"], summary["grids"]):
        assert all(type(part[k]) is int for k in COUNT_KEYS)
    # The lines before it are the human summary, naming the dropped personal column.
    human = "\n".join(lines[:-1])
    assert "cases: read 6, inserted 2, updated 1, unchanged 0, rejected 3" in human
    assert "ratings: read 2, inserted 1, updated 0, unchanged 0, rejected 1" in human
    assert "cases.csv: personal-data columns dropped: reporter_name" in human

    # Without --json there is no JSON line; a repeat run is all unchanged.
    assert main(["--db", db, *map(str, args)]) == 0
    plain = capsys.readouterr().out
    assert not plain.strip().splitlines()[-1].startswith("{")
    assert "cases: read 6, inserted 0, updated 1, unchanged 2, rejected 3" in plain
    assert "grids: read 2, inserted 0, updated 0, unchanged 2, rejected 0" in plain
