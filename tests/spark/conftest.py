"""The Spark tests' server: the cluster scripts/test.sh starts (GRIDPULSE_SPARK), one session."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "metrics"))


@pytest.fixture(scope="session")
def spark_url() -> str:
    """The sc:// address of the cluster; skipped without one (a failure when
    GRIDPULSE_REQUIRE_SPARK is set, as in CI)."""
    url = os.environ.get("GRIDPULSE_SPARK")
    if not url:
        message = (
            "GRIDPULSE_SPARK is not set (scripts/test.sh starts a local cluster with "
            "scripts/spark.sh start and sets it)"
        )
        if os.environ.get("GRIDPULSE_REQUIRE_SPARK"):
            pytest.fail(message)
        pytest.skip(message)
    return url


@pytest.fixture(scope="session")
def open_on_spark(spark_url):
    """open(folder) -> the lake there on the cluster; every lake opened is closed at the end."""
    from lake.spark import open_lake

    opened = []

    def open_(folder: Path):
        lake = open_lake(spark_url, folder)
        opened.append(lake)
        return lake

    yield open_
    for lake in opened:
        lake.close()
