"""An ingest killed with SIGKILL half-way leaves the store exactly as it was (DuckDB, PostgreSQL)."""

from __future__ import annotations

import signal

import pytest
from trust_helpers import (
    case_total,
    fingerprint,
    finish,
    ingest_cli,
    make_city,
    url_of,
    wait_until_writing,
)

pytestmark = pytest.mark.slow


def test_an_ingest_killed_during_its_write_changes_nothing(store, tmp_path):
    city = make_city(tmp_path / "city")
    url = url_of(store)
    first = finish(ingest_cli(url, city.first_half, "--grids", city.grids))
    assert first["inserted"] > 90_000
    before = fingerprint(store)

    proc = ingest_cli(url, city.cases, "--ratings", city.ratings)
    wait_until_writing(store, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    assert fingerprint(store) == before  # counts and checksums of every table

    again = finish(ingest_cli(url, city.cases, "--ratings", city.ratings))
    assert again["read"] == 200_200
    assert again["read"] == sum(again[k] for k in ("inserted", "updated", "unchanged", "rejected"))
    assert again["unchanged"] > 99_000  # the first half, loaded before the killed run
    assert again["inserted"] > 99_000  # the second half, which the killed run did not keep
    assert case_total(store) == first["inserted"] + again["inserted"]
    assert again["ratings"]["inserted"] == city.rating_count
    after = fingerprint(store)
    assert after["ratings"][0] == city.rating_count
    assert after["ingest_log"][0] == before["ingest_log"][0] + 2  # no row from the killed run
