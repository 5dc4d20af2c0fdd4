"""Twenty readers browse through the dashboard's loaders while `gridpulse ingest` loads new data."""

from __future__ import annotations

import random
import threading
import time

import pytest
from trust_helpers import case_total, finish, ingest_cli, make_city, url_of

from caselog import StoreBusy
from dashboard import data
from metrics.selection import Selection

pytestmark = pytest.mark.slow
READERS = 20


def test_readers_see_the_store_before_or_after_a_load_never_between(store, tmp_path):
    city = make_city(tmp_path / "city")
    url = url_of(store)
    finish(ingest_cli(url, city.first_half, "--grids", city.grids))
    before = case_total(store)

    # The loaders' own bodies (not their caches) on the app's reading engine: read-only, with
    # an idle connection let go as soon as a writer waits, as one streamlit server reads.
    count_cases = data.case_count.__wrapped__
    kpi_table = data.kpi_table.__wrapped__
    seen: list[tuple[float, int]] = []
    errors: list[BaseException] = []
    busy: list[StoreBusy] = []
    stop = threading.Event()

    def browse(n: int) -> None:
        rng = random.Random(n)
        while not stop.is_set():
            try:
                seen.append((time.monotonic(), count_cases(url)))
                if n % 4 == 0:
                    sel = Selection.build("district", "2025-06")
                    table = kpi_table(url, sel, ("response_rate",))
                    assert len(table) > 0
            except StoreBusy as exc:  # the plain "being updated" message a user would see
                busy.append(exc)
            except BaseException as exc:  # every other failure fails the test
                errors.append(exc)
            time.sleep(rng.uniform(0.02, 0.2))

    threads = [threading.Thread(target=browse, args=(n,)) for n in range(READERS)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.0)
        started = time.monotonic()
        summary = finish(ingest_cli(url, city.cases, "--ratings", city.ratings))
        ended = time.monotonic()
        time.sleep(1.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)

    after = case_total(store)
    assert after == before + summary["inserted"] and summary["inserted"] > 99_000
    assert not errors, [f"{type(e).__name__}: {e}" for e in errors[:5]]
    assert not busy, f"{len(busy)} reads gave up waiting"
    counts = {n for _, n in seen}
    assert counts <= {before, after}, f"a reader saw a partial load: {sorted(counts)}"
    assert any(started <= t <= ended for t, _ in seen), "no read happened during the ingest"
    assert {n for t, n in seen if t > ended} == {after}
    assert len(seen) > 10 * READERS
    data.engine.clear()  # drop the cached reading engine of this temporary store
