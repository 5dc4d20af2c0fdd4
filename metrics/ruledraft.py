"""Editing a rule set: its scheme as tables, back to TOML, and who moves in the ranking."""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from metrics.rules import RuleSet
from metrics.scheme import from_weights

ITEM_COLUMNS = ("kpi", "points", "target", "floor")
ADJUST_COLUMNS = ("kpi", "points", "per", "cap")
TARGET_COLUMNS = ("kpi", "target")
#: Top-level keys the draft writes; every other part of the starting rule set is kept as is.
_DRAFTED = ("name", "min_cases", "levels", "score", "deduct", "bonus", "targets")


@dataclass
class Draft:
    """The editable parts of a rule set: name, min_cases, levels, and tables of the scored
    items, deductions, bonuses and targets (one row each, columns as ITEM_COLUMNS …)."""

    name: str
    min_cases: int
    levels: list[str]
    items: pd.DataFrame
    deduct: pd.DataFrame
    bonus: pd.DataFrame
    targets: pd.DataFrame


def draft_of(rules: RuleSet) -> Draft:
    """The rule set's editable parts (a `[weights]` rule set's three implied items too)."""
    s = rules.scheme
    return Draft(
        name=rules.name,
        min_cases=rules.min_cases,
        levels=list(rules.levels),
        items=_frame([(i.kpi, i.points, i.target, i.floor) for i in s.items], ITEM_COLUMNS),
        deduct=_frame([(a.kpi, a.points, a.per, a.cap) for a in s.deduct], ADJUST_COLUMNS),
        bonus=_frame([(a.kpi, a.points, a.per, a.cap) for a in s.bonus], ADJUST_COLUMNS),
        targets=_frame(sorted((rules.targets or {}).items()), TARGET_COLUMNS),
    )


def _frame(rows: list[tuple], columns: Sequence[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(columns))
    for col in columns[1:]:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    frame["kpi"] = frame["kpi"].astype(object)
    return frame


def compose(base: RuleSet, draft: Draft) -> str:
    """The TOML of ``base`` with the draft's parts in place of its own (its other sections —
    time limits, grades, weights of the cooperation index, calendar — as they were; its
    comments are not kept). Unchanged implied `[weights]` items stay `[weights]`, so the
    hash of an unedited rule set is its own. Rows left wholly empty are dropped; a row with
    a value missing is written without it, for metrics.rules to refuse naming the item."""
    data = {k: v for k, v in tomllib.loads(base.text).items() if k not in _DRAFTED}
    out: dict = {"name": draft.name.strip()}
    if "description" in data:
        out["description"] = data.pop("description")
    if draft.min_cases:
        out["min_cases"] = int(draft.min_cases)
    if draft.levels:
        out["levels"] = list(draft.levels)
    items = _rows(draft.items, ITEM_COLUMNS)
    implied = [
        {"kpi": i.kpi, "points": i.points, "target": i.target, "floor": i.floor}
        for i in from_weights(base.weights).items
    ]
    if base.scored or items != implied:
        data.pop("weights", None)
    else:
        items = []
    out |= data
    targets = {r["kpi"]: r["target"] for r in _rows(draft.targets, TARGET_COLUMNS) if "kpi" in r}
    if targets:
        out["targets"] = targets
    for key, rows in (
        ("score", items),
        ("deduct", _rows(draft.deduct, ADJUST_COLUMNS)),
        ("bonus", _rows(draft.bonus, ADJUST_COLUMNS)),
    ):
        if rows:
            out[key] = rows
    return dump_toml(out)


def _rows(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict]:
    """Each row as {column: value} without its empty cells; wholly empty rows left out."""
    out = []
    for record in frame.reindex(columns=list(columns)).to_dict("records"):
        row = {k: _plain(v) for k, v in record.items() if not _blank(v)}
        if row:
            out.append(row)
    return out


def _blank(value) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, float) and math.isnan(value)


def _plain(value):
    if isinstance(value, str):
        return value.strip()
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    return value


def dump_toml(data: dict) -> str:
    """TOML for a rule set's data: top-level values, then tables, then arrays of tables."""
    lines: list[str] = []
    tables = {k: v for k, v in data.items() if isinstance(v, dict)}
    arrays = {
        k: v
        for k, v in data.items()
        if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)
    }
    for key, value in data.items():
        if key not in tables and key not in arrays:
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, table in tables.items():
        lines += ["", f"[{_key(key)}]"]
        lines += [f"{_key(k)} = {_value(v)}" for k, v in table.items()]
    for key, rows in arrays.items():
        for row in rows:
            lines += ["", f"[[{_key(key)}]]"]
            lines += [f"{_key(k)} = {_value(v)}" for k, v in row.items()]
    return "\n".join(lines) + "\n"


def _key(key: str) -> str:
    bare = (
        key.replace("_", "").replace("-", "").isascii()
        and key.replace("_", "a").replace("-", "a").isalnum()
    )
    return key if bare else json.dumps(key, ensure_ascii=False)


def _value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else "nan"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to a rule set")


def movers(before: pd.DataFrame, after: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Each unit's rank, score and grade before and after a change of rules, and ``moved``
    (rank before − rank after: positive = up; empty when unranked on either side); the
    biggest moves first, then by the new rank."""
    cols = [*keys, "rank", "composite_score", "grade"]
    both = before[cols].merge(after[cols], on=list(keys), how="outer", suffixes=("_before", ""))
    both = both.rename(
        columns={"rank": "rank_after", "composite_score": "score_after", "grade": "grade_after"}
    ).rename(columns={"composite_score_before": "score_before"})
    both["moved"] = (
        both["rank_before"].astype("Int64") - both["rank_after"].astype("Int64")
    ).astype("Int64")
    order = both["moved"].abs().astype("Float64").fillna(-1.0)
    both = both.assign(_order=-order).sort_values(
        ["_order", "rank_after", *keys], na_position="last", kind="stable"
    )
    out = [*keys, "rank_before", "rank_after", "moved", "score_before", "score_after"]
    return both[[*out, "grade_before", "grade_after"]].reset_index(drop=True)
