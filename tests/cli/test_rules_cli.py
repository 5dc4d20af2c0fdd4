"""``gridpulse rules save|list|activate``, and ``assess`` without --rules using the rule set
active for its level; every save and activation in the audit log."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest

import accounts
from metrics.rules import default_rules, load_rules
from tests.cli.test_cli import gridpulse as cli
from tests.conftest import sample_store

ROOT = Path(__file__).resolve().parents[2]
AREA = ROOT / "sample_data" / "rules" / "area-evaluation.toml"


def gridpulse(db: str, *args: str) -> subprocess.CompletedProcess:
    return cli(*args, db=db)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rules_city")
    return sample_store(folder, grids=20, years=1, cases_per_year=2000, seed=11), folder


def _assessed(db: str, out: Path, *args: str) -> list[dict]:
    done = gridpulse(db, "assess", "--period", "2025", "--out", str(out), "--by", *args)
    assert done.returncode == 0, done.stderr
    with out.open(encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def test_activation_changes_what_assess_uses(store, monkeypatch):
    db, folder = store
    audit_db = f"sqlite:///{folder / 'audit.sqlite'}"
    monkeypatch.setenv("GRIDPULSE_ACCOUNTS_DB", audit_db)
    area = load_rules(AREA)
    before = _assessed(db, folder / "before.csv", "street")
    assert {r["rule_set_hash"] for r in before} == {default_rules().hash}

    done = gridpulse(db, "--as", "chief", "rules", "save", str(AREA), "--no-warm")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        f"saved rule set 'area-evaluation' as version 1 (hash {area.hash[:12]})"
    )
    again = gridpulse(db, "rules", "save", str(AREA), "--no-warm")
    assert again.returncode == 1
    assert again.stderr.strip() == (
        "error: this rule set is saved already as version 1; nothing was saved."
    )
    refused = gridpulse(db, "rules", "activate", "1", "--level", "district", "--no-warm")
    assert refused.returncode == 1 and "not district" in refused.stderr
    done = gridpulse(
        db, "--as", "chief", "rules", "activate", "1", "--level", "street", "--no-warm"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "version 1 is now the street rule set"

    after = _assessed(db, folder / "after.csv", "street")
    assert {r["rule_set"] for r in after} == {"area-evaluation"}
    assert {r["rule_set_hash"] for r in after} == {area.hash}
    # the district level has nothing active: still the default
    districts = _assessed(db, folder / "districts.csv", "district")
    assert {r["rule_set_hash"] for r in districts} == {default_rules().hash}
    # --rules wins over the active rule set
    given = _assessed(
        db, folder / "given.csv", "street", "--rules", str(ROOT / "metrics" / "default.toml")
    )
    assert {r["rule_set_hash"] for r in given} == {default_rules().hash}

    listed = gridpulse(db, "rules", "list")
    assert (
        listed.returncode == 0 and "area-evaluation" in listed.stdout and "street" in listed.stdout
    )
    done = gridpulse(db, "rules", "activate", "default", "--level", "street", "--no-warm")
    assert done.stdout.strip() == "the built-in default is now the street rule set"
    back = _assessed(db, folder / "back.csv", "street")
    assert {r["rule_set_hash"] for r in back} == {default_rules().hash}

    log = accounts.recent(accounts.open_accounts(audit_db))
    entries = log[log["action"] == "rule_set"]
    details = [json.loads(d) for d in entries["detail"]][::-1]
    assert [(d["do"], d["id"]) for d in details] == [
        ("save", 1),
        ("activate", 1),
        ("activate", None),
    ]
    assert entries["username"].tolist()[::-1] == ["chief", "chief", "local-admin"]
    assert details[0]["hash"] == area.hash
