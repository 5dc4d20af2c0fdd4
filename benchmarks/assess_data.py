"""Synthetic Beijing-scale year for bench_assess.py, generated with DuckDB SQL.

5.5 million cases in 2025 over 25,000 grids, 3,125 communities, 300 streets and 16 districts,
written straight into a DuckDB store file (the project's schema) and as Parquet files.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

N_GRIDS = 25_000
N_STREETS = 300
N_DISTRICTS = 16
N_DEPTS = 40
DISTRICTS = [
    "东城区",
    "西城区",
    "朝阳区",
    "海淀区",
    "丰台区",
    "石景山区",
    "门头沟区",
    "房山区",
    "通州区",
    "顺义区",
    "昌平区",
    "大兴区",
    "怀柔区",
    "平谷区",
    "密云区",
    "延庆区",
]
DEPTS = [
    "城管执法",
    "住建",
    "交通",
    "水务",
    "园林绿化",
    "市场监管",
    "公安",
    "生态环境",
    "供电",
    "燃气",
    "热力",
    "街道办事处",
    "卫健",
    "民政",
]
CATEGORIES = [
    "市容环境",
    "街面秩序",
    "宣传广告",
    "施工管理",
    "突发事件",
    "设施管理",
    "园林绿化",
    "交通管理",
    "房屋管理",
    "其他",
]


def _sql_list(items: list[str]) -> str:
    return "[" + ", ".join(f"'{x}'" for x in items) + "]"


def build(cache: Path, n_cases: int = 5_500_000) -> tuple[Path, Path]:
    """Create ``cache/store.duckdb`` and ``cache/*.parquet`` unless present; return both paths."""
    cache.mkdir(parents=True, exist_ok=True)
    db = cache / f"store_{n_cases}.duckdb"
    pq = cache / f"parquet_{n_cases}"
    from caselog import open_store

    if db.exists() and (pq / "cases.parquet").exists():
        open_store(f"duckdb:///{db}").dispose()  # a store kept from an earlier version: upgraded
        return db, pq

    t0 = time.perf_counter()
    engine = open_store(f"duckdb:///{db}")
    engine.dispose()
    con = duckdb.connect(str(db))
    con.execute("CREATE OR REPLACE MACRO u(i, s) AS (hash(i, s) % 1000003 + 1) / 1000004.0")
    con.execute(f"""
        INSERT INTO grids
        SELECT printf('G%05d', g) AS grid_id,
               printf('社区%04d', g // 8) AS community,
               printf('街道%03d', g * {N_STREETS} // {N_GRIDS}) AS street,
               {_sql_list(DISTRICTS)}[1 + (g * {N_STREETS} // {N_GRIDS}) * {N_DISTRICTS}
                                       // {N_STREETS}] AS district,
               CAST(120 + floor(u(g, 'hh') * 380) AS INTEGER) AS households,
               NULL, 'x', 1
        FROM range({N_GRIDS}) t(g)
    """)
    depts = [
        f"{d}{i // len(DEPTS) + 1}" if i >= len(DEPTS) else d for i, d in enumerate(DEPTS * 3)
    ][:N_DEPTS]
    con.execute(f"""
        CREATE TEMP TABLE raw AS
        SELECT i,
          TIMESTAMP '2025-01-01' + to_seconds(CAST(floor(u(i,'d') * 365) * 86400
              + 21600 + floor(pow(u(i,'h'), 0.9) * 57600) AS BIGINT)) AS reported_at,
          CAST(floor(pow(u(i,'g'), 1.4) * {N_GRIDS}) AS INTEGER) AS g,
          u(i,'src') AS us, u(i,'urg') AS uu, u(i,'can') AS uc, u(i,'dis') AS ud,
          u(i,'dis2') AS ud2, u(i,'rsp') AS ur, u(i,'rsp2') AS ur2, u(i,'res') AS uv,
          u(i,'res2') AS uv2, u(i,'clo') AS ucl, u(i,'clo2') AS ucl2, u(i,'sol') AS uso,
          u(i,'sat') AS usa, u(i,'rew') AS urw, u(i,'rea') AS ure, u(i,'ast') AS ua,
          u(i,'dep') AS udp, u(i,'cat') AS uct, u(i,'bad') AS ub
        FROM range({n_cases}) t(i)
    """)
    con.execute("""
        CREATE TEMP TABLE staged AS
        WITH a AS (
          SELECT r.*, gr.grid_id, gr.community, gr.street, gr.district,
            CASE WHEN us < 0.45 THEN 'patrol' WHEN us < 0.75 THEN 'hotline'
                 WHEN us < 0.88 THEN 'app' WHEN us < 0.96 THEN 'video'
                 WHEN us < 0.99 THEN 'whistle' ELSE 'other' END AS source,
            CASE WHEN uu < 0.05 THEN 'emergency' WHEN uu < 0.13 THEN 'utility'
                 WHEN uu < 0.93 THEN 'general' ELSE 'complex' END AS urgency,
            CASE WHEN ud < 0.97 THEN reported_at + to_seconds(CAST(-ln(ud2) * 2400 AS BIGINT))
                 END AS dispatched_at
          FROM raw r JOIN grids gr ON gr.grid_id = printf('G%05d', r.g)
        ), b AS (
          SELECT *,
            CASE WHEN dispatched_at IS NOT NULL AND ur < 0.95 THEN dispatched_at
                 + to_seconds(CAST(-ln(ur2) * (CASE WHEN source = 'whistle' THEN 900 ELSE 3600
                 END) AS BIGINT)) END AS responded_at,
            CASE WHEN dispatched_at IS NOT NULL AND uv < 0.92 THEN dispatched_at
                 + to_seconds(CAST(-ln(uv2) * 172800 AS BIGINT)) END AS resolved_at0
          FROM a
        ), c AS (
          SELECT *,
            CASE WHEN resolved_at0 IS NOT NULL AND ucl < 0.95 THEN resolved_at0
                 + to_seconds(CAST(-ln(ucl2) * 43200 AS BIGINT)) END AS closed_at0
          FROM b
        )
        SELECT i, reported_at, grid_id, community, street, district, source, urgency,
          dispatched_at, responded_at, resolved_at0 AS resolved_at,
          CASE WHEN ub < 0.001 THEN reported_at - INTERVAL 1 HOUR ELSE closed_at0 END
            AS closed_at,
          uc, uso, usa, urw, ure, ua, udp, uct
        FROM c
    """)
    end = "TIMESTAMP '2026-01-01'"
    cut = {
        c: f"CASE WHEN {c} < {end} THEN {c} END"
        for c in ("dispatched_at", "responded_at", "resolved_at", "closed_at")
    }
    con.execute(f"""
        INSERT INTO cases
        SELECT printf('BJ2025%08d', i) AS case_id, reported_at,
          {_sql_list(CATEGORIES)}[1 + CAST(floor(uct * 10) AS INTEGER)] AS category,
          NULL AS subcategory, district, street, community, grid_id, source, urgency,
          CASE WHEN dispatched IS NOT NULL THEN {_sql_list(depts)}[1 + CAST(floor(pow(udp, 1.6)
               * {N_DEPTS}) AS INTEGER)] END AS department,
          CASE WHEN dispatched IS NOT NULL AND ua < 0.1 THEN
               {_sql_list(depts)}[1 + CAST(floor(ua * 10 * {N_DEPTS}) AS INTEGER)] || ';'
               || {_sql_list(depts)}[1 + CAST(floor(usa * {N_DEPTS}) AS INTEGER)] END,
          reported_at + INTERVAL 5 MINUTE AS accepted_at,
          dispatched, responded, resolved, closed, NULL AS deadline,
          CASE WHEN uc < 0.01 THEN 'cancelled' WHEN closed IS NOT NULL THEN 'closed'
               WHEN resolved IS NOT NULL THEN 'resolved'
               WHEN dispatched IS NOT NULL THEN 'dispatched' ELSE 'open' END AS status,
          CASE WHEN closed IS NOT NULL AND uso < 0.7 THEN (uso * 10) % 1 < 0.88 END AS solved,
          CASE WHEN closed IS NOT NULL AND usa < 0.6 THEN CASE WHEN (usa * 10) % 1 < 0.7
               THEN 'satisfied' WHEN (usa * 10) % 1 < 0.88 THEN 'basic'
               ELSE 'dissatisfied' END END AS satisfaction,
          CASE WHEN resolved IS NOT NULL THEN CASE WHEN urw < 0.03 THEN 1 ELSE 0 END END,
          CASE WHEN dispatched IS NOT NULL THEN CASE WHEN ure < 0.05 THEN 1 ELSE 0 END END,
          NULL, NULL, NULL, 'x', 1,
          'request' AS request_type, NULL AS self_handled, NULL AS extended_deadline,
          NULL AS suspended_at, NULL AS resumed_at, 0 AS day_precision
        FROM (SELECT *, {cut["dispatched_at"]} AS dispatched, {cut["responded_at"]} AS responded,
                     {cut["resolved_at"]} AS resolved, {cut["closed_at"]} AS closed
              FROM staged) s
        ORDER BY reported_at
    """)
    con.execute("""
        INSERT INTO ratings
        SELECT case_id, department, 60 + floor((hash(case_id, 'sc') % 1000) / 25.0),
               closed_at, 'x', 1, NULL
        FROM cases WHERE closed_at IS NOT NULL AND department IS NOT NULL
          AND hash(case_id, 'rt') % 10 = 0
    """)
    con.execute("DROP TABLE raw")
    con.execute("DROP TABLE staged")
    con.execute("CHECKPOINT")
    pq.mkdir(exist_ok=True)
    for table in ("cases", "ratings", "grids"):
        con.execute(f"COPY {table} TO '{pq / (table + '.parquet')}' (FORMAT parquet)")
    n = con.execute("SELECT count(*) FROM cases").fetchone()[0]
    con.close()
    print(f"generated {n:,} cases in {time.perf_counter() - t0:.0f} s -> {db}", file=sys.stderr)
    return db, pq


if __name__ == "__main__":
    build(
        Path(__file__).resolve().parent / ".cache" / "assess",
        int(sys.argv[1]) if len(sys.argv) > 1 else 5_500_000,
    )
