"""Writing assessment tables to CSV (UTF-8 with BOM) and Excel (.xlsx) with the rule set."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from metrics.assessment import assess
from metrics.errors import ExportError
from metrics.freshness import freshness
from metrics.selection import Selection
from outfile import checked_out_path, os_reason

TRAILING = ("period", "as_of", "rule_set", "rule_set_hash", "data_loaded_at", "calendar_note")


def write_assessment(
    engine: Engine, sel: Selection, out_path: str | Path, *, lang: str = "zh"
) -> pd.DataFrame:
    """Compute the assessment of ``sel`` and write it to ``out_path`` (.csv or .xlsx); return
    the table.

    CSV: UTF-8 with BOM, a plain table with the contract columns first, extras after, and
    the trailing columns period, as_of (数据截至), rule_set, rule_set_hash, data_loaded_at
    (when the latest case file was loaded; with ``sel.as_known_at``, the latest one loaded
    by then, so the file equals the one written at that moment byte for byte) and
    calendar_note (the years whose working-day deadlines rest on statutory holidays only;
    empty if none); rates as fractions 0–1; empty values as empty fields. XLSX: the same
    figures laid out for people in ``lang`` (zh default, en) by metrics.workbook: title and
    period/as-of rows, rank first, headers with units, print set-up, 红黑榜, 得分明细 and the
    rule set as tables (which also names ``sel.as_known_at`` when given). Raises MetricsError
    subclasses (one sentence) for an unwritable path.
    """
    path = _check_path(out_path)
    table = assess(engine, sel)
    meta = assessment_meta(engine, sel, table)
    if path.suffix.lower() == ".csv":
        try:
            path.write_bytes(csv_bytes(table, meta))
        except OSError as exc:
            raise ExportError(_unwritable(path, exc)) from None
    else:
        _write_workbook(table, meta, sel, path, lang)
    return table


def _write_workbook(
    table: pd.DataFrame, meta: dict[str, str], sel: Selection, path: Path, lang: str
) -> None:
    """The .xlsx of write_assessment (its modules are imported here: a CSV needs none)."""
    from xlsxwriter.exceptions import FileCreateError

    from metrics.workbook import title, write_xlsx
    from metrics.workdays import calendar_note

    years = table.attrs.get("assumed_years", ())
    known = sel.as_known_at.isoformat(sep=" ") if sel.as_known_at else ""
    extra = {"calendar_note": calendar_note(years, lang), "as_known_at": known}
    heading = title(sel.scope_path, sel.level, sel.period.label, lang)
    try:
        write_xlsx(table, {**meta, **extra}, sel.rules, sel.level, path, lang, heading=heading)
    except (OSError, FileCreateError) as exc:
        raise ExportError(_unwritable(path, exc)) from None


def _unwritable(path: Path, exc: Exception) -> str:
    return f"The file {str(path)!r} cannot be written ({os_reason(exc)})."


def _check_path(out_path: str | Path) -> Path:
    return checked_out_path(out_path, (".csv", ".xlsx"), ExportError)


def assessment_meta(engine: Engine, sel: Selection, table: pd.DataFrame) -> dict[str, str]:
    """The trailing columns of an assessment CSV (TRAILING) for ``table = assess(engine, sel)``."""
    return {
        "period": sel.period.label,
        "as_of": table.attrs["as_of"].isoformat(sep=" "),
        "rule_set": sel.rules.name,
        "rule_set_hash": sel.rules.hash,
        "data_loaded_at": _loaded_at(engine, sel),
        "calendar_note": table.attrs.get("calendar_note", ""),
    }


def _loaded_at(engine: Engine, sel: Selection) -> str:
    """When the newest case file was loaded (a lake, lake.spark: as its manifest says)."""
    lake = getattr(engine, "data_loaded_at", None)
    if lake is not None:
        return lake
    return freshness(engine, sel.as_known_at).columns()["data_loaded_at"]


def csv_bytes(table: pd.DataFrame, meta: dict[str, str]) -> bytes:
    """The assessment CSV as bytes: UTF-8 with BOM, ``table`` then ``meta``'s columns, rates
    as fractions to 15 significant digits, empty values as empty fields."""
    out = table.copy()
    for col in ("households",):
        if col in out:
            out[col] = out[col].astype("Int64")
    for key, value in meta.items():
        out[key] = value
    text = out.to_csv(index=False, na_rep="", float_format="%.15g", lineterminator="\n")
    return text.encode("utf-8-sig")
