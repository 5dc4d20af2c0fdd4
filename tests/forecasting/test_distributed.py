"""statsforecast on a local Dask cluster through fugue gives the same numbers as in-process."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from forecasting.distributed import forecast_on_dask
from forecasting.models import predict
from forecasting.series import Panel

pytest.importorskip("dask.distributed")
pytest.importorskip("fugue")


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_seasonal_naive_and_ets_on_a_local_dask_cluster():
    from dask.distributed import Client, LocalCluster

    rng = np.random.default_rng(0)
    y = rng.poisson(5, (6, 120)).astype(float)
    panel = Panel(np.array([f"g{i}" for i in range(6)], dtype=object), date(2025, 1, 1), y)
    with (
        LocalCluster(n_workers=2, processes=False, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        out = forecast_on_dask(panel, 14, ("snaive", "ets"), client)
    assert set(out.columns) == {"unique_id", "ds", "snaive", "ets"}
    assert len(out) == 6 * 14
    local = predict("snaive", panel, 14)
    got = out.pivot(index="unique_id", columns="ds", values="snaive").loc[panel.ids].to_numpy()
    np.testing.assert_allclose(got, local)
    ets_local = predict("ets", panel, 14)
    ets_got = out.pivot(index="unique_id", columns="ds", values="ets").loc[panel.ids].to_numpy()
    np.testing.assert_allclose(ets_got, ets_local, rtol=1e-6, atol=1e-6)
