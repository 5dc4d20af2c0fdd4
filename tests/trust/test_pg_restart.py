"""A PostgreSQL restart while the app is in use: a plain message while it is down, then the
next page load works (the pool pings connections before use)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from trust_helpers import ROOT, case_total, finish, ingest_cli, make_city

from caselog import open_store
from dashboard import data

pytestmark = pytest.mark.postgres


class Cluster:
    """A throw-away PostgreSQL cluster (as scripts/postgres.sh starts one), stoppable."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.folder = Path(tempfile.mkdtemp(prefix="gridpulse-pg-restart-"))
        self.as_owner: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
            self.as_owner = ["runuser", "-u", "postgres", "--"]
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self._run("initdb", "-D", f"{self.folder}/db", "-A", "trust", "-U", "gridpulse")
        self.url = f"postgresql+psycopg://gridpulse@localhost:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        command = [*self.as_owner, str(self.bindir / tool), *args]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=localhost -c fsync=off"
        self._run("pg_ctl", "-D", f"{self.folder}/db", "-l", f"{self.folder}/log", "-w",
                  "-o", options, "start")  # fmt: skip

    def stop(self) -> None:
        self._run("pg_ctl", "-D", f"{self.folder}/db", "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        subprocess.run(
            [*self.as_owner, str(self.bindir / "pg_ctl"), "-D", f"{self.folder}/db", "-m",
             "immediate", "stop"],
            capture_output=True,
        )  # fmt: skip
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def cluster():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[4]))
    if not found:
        message = "no PostgreSQL server binaries (/usr/lib/postgresql/*/bin)"
        if os.environ.get("GRIDPULSE_REQUIRE_PG"):
            pytest.fail(message)
        pytest.skip(message)
    server = Cluster(Path(found[-1]))
    try:
        server.start()
        yield server
    finally:
        server.remove()


def _page(at: AppTest) -> AppTest:
    data.forget_cached_data()  # what a load does, and what the five-minute TTL does anyway
    return at.run()


def test_the_app_survives_a_postgresql_restart(cluster, tmp_path, monkeypatch):
    city = make_city(tmp_path / "city", cases_per_year=4000)
    finish(ingest_cli(cluster.url, city.cases, "--grids", city.grids))
    monkeypatch.setenv("GRIDPULSE_DB", cluster.url)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.session_state["db_url"] = cluster.url
    try:
        _page(at)
        assert not at.exception and not at.error and not at.warning

        cluster.stop()
        _page(at)
        assert not at.exception and not at.error
        assert [w.value for w in at.warning] == ["暂时无法连接数据库，请稍后刷新。"]

        cluster.start()
        _page(at)
        assert not at.exception and not at.error and not at.warning
        engine = open_store(cluster.url, create=False)
        assert case_total(engine) > 3000
        engine.dispose()
    finally:
        data.engine(cluster.url).dispose()
        data.engine.clear()
