"""Fixtures shared by the KPI cube's tests (DuckDB files and PostgreSQL stores)."""

from __future__ import annotations

import pytest

from metrics.cube import store as cube


@pytest.fixture
def attached(monkeypatch):
    """The cubes attached from now on: one entry per query answered from a cube."""
    used: list[str] = []
    real = cube.attach

    def spy(conn, found):
        real(conn, found)
        used.append(found.alias)

    monkeypatch.setattr(cube, "attach", spy)
    return used
