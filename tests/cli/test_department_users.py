"""``user add --role department --department NAME``: a department account from the command line."""

from __future__ import annotations

import accounts
from tests.cli.test_cli import city  # noqa: F401  (the module's loaded city)
from tests.cli.test_users import run


def test_a_department_account_is_added_checked_listed_and_audited(city):  # noqa: F811
    _folder, db, _ = city
    args = ("user", "add", "szsr", "--role", "department", "--department", "市政市容委")
    done = run(db, *args, "--password-stdin", stdin="dept-pass-1\n")
    assert done.returncode == 0, done.stderr
    assert "add szsr department 市政市容委" in done.stdout
    directory = accounts.open_accounts(accounts.accounts_url(db))
    try:
        account = accounts.authenticate(directory, "szsr", "dept-pass-1")
        assert (account.role, account.department, account.district) == (
            "department",
            "市政市容委",
            None,
        )
        listed = accounts.list_accounts(directory).set_index("username")
        assert listed.loc["szsr", "scope"] == "市政市容委"
        log = accounts.recent(directory)
        assert "add szsr department 市政市容委" in set(log["detail"])
    finally:
        directory.dispose()


def test_department_refusals_are_one_plain_sentence(city):  # noqa: F811
    _folder, db, _ = city
    cases = [
        (
            ["--role", "department", "--department", "无此部门"],
            "no cases of the department 无此部门",
        ),
        (["--role", "department"], "needs --department"),
        (["--role", "street", "--department", "市政市容委"], "for department accounts"),
        (
            ["--role", "department", "--department", "市政市容委", "--scope", "东澜区"],
            "names no area",
        ),
    ]
    for extra, words in cases:
        done = run(db, "user", "add", "x", *extra, "--password-stdin", stdin="long-enough-1\n")
        assert done.returncode == 1, (extra, done.stderr)
        assert words in done.stderr and "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
    directory = accounts.open_accounts(accounts.accounts_url(db))
    try:
        assert accounts.find_account(directory, "x") is None
    finally:
        directory.dispose()
