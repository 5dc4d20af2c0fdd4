"""Surge alerts on the sample city: false alerts on its own weeks, precision and recall on
surges injected into random grids, per-unit 95 % ends against Benjamini–Hochberg at 5 %.

Run from the repository root:

    .venv/bin/python benchmarks/bench_surges.py [--grids 2000] [--trials 5] [--db URL]

The sample city (sample_data, 2,000 grids × 3 years, China's holidays) is built into a
temporary store (or read from ``--db``, a store built the same way); its grid panel is read once. Each trial adds ``extra`` cases spread over
the last 7 days of 40 random grids (about 0.25 cases a day each, so 1.75 a week) and runs
:func:`forecasting.alerts.window_surges` with China's calendar. Untouched, every alert is
false (the generator has no surges).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from caselog import open_store
from forecasting.alerts import window_surges
from forecasting.series import Panel, extract_panel

RULES = {"per-unit 95 % end": None, "Benjamini–Hochberg 5 %": 0.05}
HOT = 40


def _alerts(panel: Panel, fdr: float | None) -> set[str]:
    found = window_surges(panel, days=7, level_pct=95, min_cases=5, fdr=fdr, country="CN")
    return set(found["unique_id"].astype(str))


def main(argv: list[str]) -> int:
    grids = int(argv[argv.index("--grids") + 1]) if "--grids" in argv else 2000
    trials = int(argv[argv.index("--trials") + 1]) if "--trials" in argv else 5
    from services.sample import build_sample_store

    print(f"# Surge alerts ({time.strftime('%Y-%m-%d %H:%M')}, load {os.getloadavg()[0]:.1f})")
    if "--db" in argv:
        engine = open_store(argv[argv.index("--db") + 1])
        panel = extract_panel(engine, "grid")
        engine.dispose()
    else:
        with tempfile.TemporaryDirectory() as tmp:
            engine = open_store(f"duckdb:///{Path(tmp) / 'sample.duckdb'}")
            build_sample_store(engine, Path(tmp) / "sample", grids=grids, years=3, seed=42)
            panel = extract_panel(engine, "grid")
            engine.dispose()
    week = panel.y[:, -7:].sum(axis=1).mean()
    print(f"\n{len(panel.ids):,} grids, {week:.2f} cases a grid in the last week.\n")
    print("| rule | injected cases a week | alerts | recall | precision | false alerts |")
    print("|---|---|---|---|---|---|")
    for rule, fdr in RULES.items():
        false = _alerts(panel, fdr)
        print(f"| {rule} | none | {len(false)} | — | — | {len(false)} |")
        for extra in (4, 6, 10):
            found = hits = wrong = 0
            for trial in range(trials):
                rng = np.random.default_rng(trial)
                hot = rng.choice(len(panel.ids), HOT, replace=False)
                y = panel.y.copy()
                for i in hot:
                    y[i, -7:] += np.bincount(rng.integers(0, 7, extra), minlength=7)
                alerts = _alerts(Panel(panel.ids, panel.start, y), fdr)
                truth = set(panel.ids[hot].astype(str))
                found += len(alerts)
                hits += len(alerts & truth)
                wrong += len(alerts - truth)
            recall = hits / (HOT * trials)
            precision = hits / found if found else float("nan")
            print(
                f"| {rule} | {extra} | {found / trials:.1f} | {recall:.2f} | {precision:.2f} "
                f"| {wrong / trials:.1f} |"
            )
    print(f"\n({trials} trials of {HOT} surged grids each; alerts and false alerts per trial.)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
