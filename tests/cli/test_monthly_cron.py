"""The monthly cron line of docs/deployment.md, run as cron runs it: it publishes last month and
writes that publication's bulletin as Word and PDF; a month without cases stops it."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from datetime import date, timedelta

import pytest

from caselog import open_store
from records.publications import list_publications
from tests.cli.test_cli import ROOT, gridpulse
from tests.records.publication_city import MAR, rows, write

DOC = ROOT / "docs" / "deployment.md"


def _cron_line() -> tuple[str, str]:
    """The schedule and the command of the documented line that publishes."""
    lines = [ln for ln in DOC.read_text(encoding="utf-8").splitlines() if "gridpulse publish" in ln]
    cron = [ln for ln in lines if re.match(r"^[\d*/,-]+( [\d*/,-]+){4} ", ln)]
    assert len(cron) == 1, cron
    fields = cron[0].split(" ", 5)
    return " ".join(fields[:5]), fields[5]


def _as_cron_runs(command: str, tmp_path) -> str:
    """``command`` as cron hands it to /bin/sh (``\\%`` is ``%``; a bare ``%`` would end the
    command), with this checkout, this Python and folders under ``tmp_path``."""
    assert not re.search(r"(?<!\\)%", command), "a bare % ends a cron command"
    shell = command.replace("\\%", "%")
    shell = shell.replace("cd /opt/gridpulse", f"cd {shlex.quote(str(ROOT))}")
    shell = shell.replace(".venv/bin/python", shlex.quote(sys.executable))
    shell = shell.replace("/var/lib/gridpulse", str(tmp_path / "lib"))
    return shell.replace("/var/log/gridpulse", str(tmp_path / "log"))


@pytest.fixture
def shell_env(tmp_path):
    if gridpulse("report", "--help").returncode != 0:
        pytest.skip("the report verb comes with the bulletin (branch h-bulletin)")
    (tmp_path / "lib" / "bulletins").mkdir(parents=True)
    (tmp_path / "log").mkdir()
    db = f"duckdb:///{tmp_path / 'm.duckdb'}"
    env = {
        **os.environ,
        "GRIDPULSE_DB": db,
        "GRIDPULSE_ACCOUNTS_DB": f"sqlite:///{tmp_path / 'log.sqlite'}",
    }
    return db, env


def test_the_line_publishes_last_month_and_writes_its_bulletin(shell_env, tmp_path):
    schedule, command = _cron_line()
    assert schedule == "0 6 1 * *"  # on the 1st, when 'last month' is always a real date
    db, env = shell_env
    last = (date.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    # the three streets' March cases moved to the month just ended (by plain date arithmetic)
    cases = [[c.replace("2025-03", last) for c in row] for row in rows(3, MAR)]
    done = gridpulse("ingest", str(write(tmp_path / "c.csv", cases)), db=db)
    assert done.returncode == 0, done.stderr
    run = subprocess.run(["/bin/sh", "-c", _as_cron_runs(command, tmp_path)], env=env)
    log = (tmp_path / "log" / "monthly.log").read_text(encoding="utf-8")
    assert run.returncode == 0, log
    engine = open_store(db, read_only=True)
    try:
        pubs = list_publications(engine)
    finally:
        engine.dispose()
    assert list(pubs["period"]) == [last] and list(pubs["level"]) == ["street"]
    assert list(pubs["published_by"]) == ["monthly-cron"]
    assert log.splitlines()[1] == str(pubs["id"].iloc[0])  # publish's output reached the log
    for ext in ("docx", "pdf"):
        out = tmp_path / "lib" / "bulletins" / f"bulletin-street-{last}.{ext}"
        assert out.stat().st_size > 1000, ext
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "lib" / "bulletins" / f"bulletin-street-{last}.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"第 {pubs['id'].iloc[0]} 号发布" in text and "丙街道" in text


def test_a_month_without_cases_stops_the_line(shell_env, tmp_path):
    _, command = _cron_line()
    db, env = shell_env
    done = gridpulse("ingest", str(write(tmp_path / "c.csv", rows(3, MAR))), db=db)  # 2025 only
    assert done.returncode == 0, done.stderr
    run = subprocess.run(["/bin/sh", "-c", _as_cron_runs(command, tmp_path)], env=env)
    assert run.returncode != 0  # the scheduler reports it
    assert not list((tmp_path / "lib" / "bulletins").iterdir())  # no bulletin without publication
    log = (tmp_path / "log" / "monthly.log").read_text(encoding="utf-8")
    assert "Traceback" not in log and log.strip()
