"""The pandas way of computing the street assessment from Parquet (bench_assess.py's baseline).

What an analyst would write: load the Parquet, derive the per-case flags, group by street,
compute the same KPIs, composite, grade, rank and rank change, and write the CSV.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

HOURS = {"emergency": 2, "utility": 24, "general": 168, "complex": 360}
W = {"response_rate": 0.1, "solved_rate": 0.5, "satisfaction_rate": 0.4}
COLS = [
    "case_id",
    "reported_at",
    "district",
    "street",
    "source",
    "urgency",
    "dispatched_at",
    "responded_at",
    "resolved_at",
    "closed_at",
    "accepted_at",
    "deadline",
    "status",
    "solved",
    "satisfaction",
    "reopened",
]
TS = ["reported_at", "accepted_at", "dispatched_at", "responded_at", "resolved_at", "closed_at"]


def street_table(df: pd.DataFrame, grids: pd.DataFrame, year: int, as_of) -> pd.DataFrame:
    keys = ["district", "street"]
    v = df[(df.reported_at.dt.year == year) & (df.status != "cancelled")]
    v = v[v.street.notna()]
    sec = np.timedelta64(1, "s")
    a = (as_of - pd.Timestamp(0)) / sec
    rep = (v.reported_at - pd.Timestamp(0)) / sec
    disp = (v.dispatched_at - pd.Timestamp(0)) / sec
    resp = (v.responded_at - pd.Timestamp(0)) / sec
    res = (v.resolved_at - pd.Timestamp(0)) / sec
    clo = (v.closed_at - pd.Timestamp(0)) / sec
    due = ((v.deadline - pd.Timestamp(0)) / sec).fillna(rep + v.urgency.map(HOURS) * 3600)
    sla = np.where(v.source == "whistle", 1800.0, 7200.0)
    rd = resp - disp
    hd = res - disp
    closed_ok = clo.notna() & (clo >= rep)
    sat = v.satisfaction.map({"satisfied": 1.0, "basic": 0.9, "dissatisfied": 0.0})
    f = pd.DataFrame(
        {
            "district": v.district,
            "street": v.street,
            "cases": 1,
            "resp_ok": disp.notna() & (rd >= 0) & (rd <= sla),
            "resp_due": disp.notna() & ((rd >= 0) | (resp.isna() & (disp + sla < a))),
            "resp_min": rd.where(rd >= 0) / 60,
            "closed": clo.notna(),
            "ot_ok": closed_ok & (clo <= due),
            "ot_due": closed_ok | (clo.isna() & (due < a)),
            "overdue_open": clo.isna() & (due < a),
            "sol_ok": v.solved.eq(True),
            "sol_n": v.solved.notna(),
            "sat_pts": sat,
            "sat_n": sat.notna(),
            "rework": res.notna() & (v.reopened.fillna(0) > 0),
            "resolved": res.notna(),
            "hand_h": hd.where(hd >= 0) / 3600,
        }
    )
    g = f.groupby(keys)
    t = g[[c for c in f.columns if c not in (*keys, "resp_min", "hand_h")]].sum()
    t["median_response_min"] = g["resp_min"].median()
    t["median_handling_h"] = g["hand_h"].median()
    t = t.reset_index()

    def rate(n, d):
        return t[n] / t[d].where(t[d] > 0)

    out = t[[*keys, "cases"]].copy()
    out["response_rate"] = rate("resp_ok", "resp_due")
    out["median_response_min"] = t["median_response_min"]
    out["closure_rate"] = rate("closed", "cases")
    out["on_time_rate"] = rate("ot_ok", "ot_due")
    out["overdue_open"] = t["overdue_open"]
    out["solved_rate"] = rate("sol_ok", "sol_n")
    out["satisfaction_rate"] = rate("sat_pts", "sat_n")
    out["rework_rate"] = rate("rework", "resolved")
    out["median_handling_h"] = t["median_handling_h"]
    num = sum(out[c].fillna(0) * w for c, w in W.items())
    den = sum(out[c].notna() * w for c, w in W.items())
    out["composite_score"] = 100 * num / den.where(den > 0)
    out["grade"] = pd.cut(
        out.composite_score, [-np.inf, 40, 60, 75, 90, np.inf], right=False, labels=list("EDCBA")
    ).astype(object)
    out["rank"] = out.composite_score.round(9).rank(method="min", ascending=False).astype("Int64")
    hh = grids.groupby(keys, as_index=False)["households"].sum()
    out = hh.merge(out, on=keys, how="outer")
    out["cases"] = out["cases"].fillna(0).astype(int)
    out["volume_per_1k_households"] = out.cases * 1000 / out.households
    return out


def main(pq: Path, out_path: Path, year: int) -> None:
    df = pd.read_parquet(pq / "cases.parquet", columns=COLS)
    grids = pd.read_parquet(pq / "grids.parquet")
    as_of = max(df[c].max() for c in TS)
    cur = street_table(df, grids, year, as_of)
    prev = street_table(df, grids, year - 1, as_of)[["district", "street", "rank"]]
    cur = cur.merge(prev.rename(columns={"rank": "prev"}), on=["district", "street"], how="left")
    cur["rank_change"] = cur["prev"] - cur["rank"]
    cur = cur.drop(columns="prev").sort_values(["rank", "district", "street"], na_position="last")
    cur.to_csv(out_path, index=False, encoding="utf-8-sig")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]))
