"""Per-unit summaries of stored runs and alerts, as the grid map shows them."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from forecasting import alert_counts, horizon_totals


def test_horizon_totals_sum_each_unit_over_the_horizon():
    run = SimpleNamespace(
        forecasts=pd.DataFrame(
            {"unique_id": ["G1", "G1", "G2", "G2"], "yhat": [1.5, 2.0, 0.25, 0.0]}
        )
    )
    totals = horizon_totals(run).set_index("unique_id")["yhat"].to_dict()
    assert totals == {"G1": 3.5, "G2": 0.25}


def test_alert_counts_only_the_chosen_kinds():
    alerts = pd.DataFrame(
        {
            "unique_id": ["G1", "G1", "G2", "噪声扰民"],
            "kind": ["grid", "grid_category", "grid", "category"],
        }
    )
    counts = alert_counts(alerts).set_index("unique_id")["alerts"].to_dict()
    assert counts == {"G1": 2, "G2": 1}
    assert alert_counts(pd.DataFrame()).empty
