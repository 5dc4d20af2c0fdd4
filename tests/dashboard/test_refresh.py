"""A load by another process shows up on the next page run once the version check is due,
not after the cached figures' ten-minute lifetime."""

from __future__ import annotations

import csv

from caselog import open_store
from caselog.ingest import ingest_files
from dashboard import data
from tests.dashboard.conftest import _build, open_page


def _headline_cases(at) -> int:
    metric = next(m for m in at.metric if m.label == "受理量")
    return int(metric.value.replace(",", ""))


def test_a_command_line_load_refreshes_the_pages(tmp_path, monkeypatch):
    url = _build(tmp_path)
    at = open_page(url, monkeypatch, "overview", period="2025-11")
    before = _headline_cases(at)
    extra = tmp_path / "more.csv"
    with extra.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["case_id", "reported_at", "category", "district", "street", "grid_id"])
        for i in range(25):
            out.writerow(
                [f"NEW{i}", "2025-11-15 09:00:00", "市容环境", "东澜区", "丹塘街道", "G0001"]
            )
    writer = open_store(url)
    ingest_files(writer, [extra])
    writer.dispose()

    at.run()  # within the check interval: the cached figures are still shown
    assert _headline_cases(at) == before
    data._version.clear()  # the check interval has passed
    at.run()
    assert _headline_cases(at) == before + 25
