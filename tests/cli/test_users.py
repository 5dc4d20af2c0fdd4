"""The ``user`` and ``audit`` verbs: accounts from the command line, exports in the log."""

from __future__ import annotations

import subprocess
import sys

import accounts
from tests.cli.test_cli import ROOT, city  # noqa: F401  (the module's loaded city)


def run(db: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gridpulse", "--db", db, *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _street(db: str) -> str:
    from caselog import open_store
    from forecasting import hierarchy

    engine = open_store(db, read_only=True)
    try:
        return hierarchy(engine, "street")["street"].iloc[0]
    finally:
        engine.dispose()


def test_accounts_are_added_listed_changed_and_disabled(city):  # noqa: F811
    _folder, db, _ = city
    street = _street(db)
    done = run(
        db,
        "user",
        "add",
        "dh",
        "--role",
        "street",
        "--scope",
        street,
        "--name",
        "丹塘",
        "--password-stdin",
        stdin="first-pass-1\n",
    )
    assert done.returncode == 0, done.stderr
    assert f"add dh street {street}" in done.stdout
    directory = accounts.open_accounts(accounts.accounts_url(db))
    assert accounts.authenticate(directory, "dh", "first-pass-1").scope_path == street
    done = run(db, "user", "password", "dh", "--password-stdin", stdin="second-pass-2\n")
    assert done.returncode == 0, done.stderr
    assert accounts.authenticate(directory, "dh", "second-pass-2").username == "dh"
    listed = run(db, "user", "list")
    assert "dh" in listed.stdout and street in listed.stdout and "$argon2" not in listed.stdout
    assert run(db, "user", "disable", "dh").returncode == 0
    assert accounts.find_account(directory, "dh") is None
    log = run(db, "audit", "--limit", "10")
    assert log.returncode == 0
    assert "add dh street" in log.stdout and "disable dh" in log.stdout
    directory.dispose()


def test_refusals_are_one_plain_sentence(city):  # noqa: F811
    _folder, db, _ = city
    cases = [
        (
            [
                "user",
                "add",
                "x",
                "--role",
                "street",
                "--scope",
                "无此区/无此街道",
                "--password-stdin",
            ],
            "no cases in 无此区/无此街道",
        ),
        (
            ["user", "add", "x", "--role", "street", "--scope", "只有区", "--password-stdin"],
            "scope is district/street",
        ),
        (["user", "add", "x", "--role", "city", "--password-stdin"], "at least 8"),
        (["user", "password", "nobody", "--password-stdin"], "no account 'nobody'"),
        (["user", "add", "x", "--role", "city"], "--password-stdin"),
    ]
    for args, words in cases:
        done = run(db, *args, stdin="long-enough-1\n" if "nobody" in args else "short\n")
        assert done.returncode == 1, (args, done.stderr)
        assert words in done.stderr and "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1


def test_assess_exports_are_audited(city):  # noqa: F811
    folder, db, _ = city
    out = folder / "audited.csv"
    done = run(db, "assess", "--by", "district", "--period", "2025", "--out", str(out))
    assert done.returncode == 0, done.stderr
    directory = accounts.open_accounts(accounts.accounts_url(db))
    log = accounts.recent(directory, 50)
    directory.dispose()
    entry = log[(log["action"] == "export") & log["detail"].str.contains("audited.csv")]
    assert len(entry) == 1
    assert entry["username"].iloc[0].startswith("cli")
    assert '"by": "district"' in entry["detail"].iloc[0]
