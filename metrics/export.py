"""Writing assessment tables to CSV (UTF-8 with BOM) and Excel (.xlsx) with the rule set."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

import pandas as pd
import xlsxwriter
from sqlalchemy import Engine
from xlsxwriter.exceptions import FileCreateError

from metrics.assessment import assess, red_black_lists
from metrics.errors import ExportError
from metrics.formats import excel_format, excel_scale
from metrics.freshness import freshness
from metrics.labels import label, value_label
from metrics.registry import LEVELS, SPLIT_LEVELS
from metrics.rules import RuleSet
from metrics.scheme import detail
from metrics.selection import Selection
from metrics.workdays import calendar_note
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
    empty if none); rates as fractions 0–1; empty values as empty fields. XLSX: headers in
    ``lang`` (zh default, en), percent and thousands formats, frozen header, plus 红黑榜 and
    规则集 sheets (which also names ``sel.as_known_at`` when given). Raises MetricsError
    subclasses (one sentence) for an unwritable path.
    """
    by, r = sel.level, sel.rules
    path = _check_path(out_path)
    table = assess(engine, sel)
    meta = assessment_meta(engine, sel, table)
    years = table.attrs.get("assumed_years", ())
    try:
        if path.suffix.lower() == ".csv":
            path.write_bytes(csv_bytes(table, meta))
        else:
            known = sel.as_known_at.isoformat(sep=" ") if sel.as_known_at else ""
            extra = {"calendar_note": calendar_note(years, lang), "as_known_at": known}
            write_xlsx(table, {**meta, **extra}, r, by, path, lang)
    except (OSError, FileCreateError) as exc:
        raise ExportError(f"The file {str(path)!r} cannot be written ({os_reason(exc)}).") from None
    return table


def _check_path(out_path: str | Path) -> Path:
    return checked_out_path(out_path, (".csv", ".xlsx"), ExportError)


def assessment_meta(engine: Engine, sel: Selection, table: pd.DataFrame) -> dict[str, str]:
    """The trailing columns of an assessment CSV (TRAILING) for ``table = assess(engine, sel)``."""
    return {
        "period": sel.period.label,
        "as_of": table.attrs["as_of"].isoformat(sep=" "),
        "rule_set": sel.rules.name,
        "rule_set_hash": sel.rules.hash,
        "data_loaded_at": freshness(engine, sel.as_known_at).columns()["data_loaded_at"],
        "calendar_note": table.attrs.get("calendar_note", ""),
    }


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


def write_xlsx(
    table: pd.DataFrame,
    meta: dict[str, str],
    r: RuleSet,
    by: str,
    path: Path,
    lang: str,
    *,
    info: Sequence[tuple[str, str]] = (),
    sheets: Mapping[str, pd.DataFrame] | None = None,
) -> None:
    """The assessment laid out for people: the table, 红黑榜, further ``sheets`` (name →
    frame) and the rule-set sheet with ``info`` rows (label, text) before the rule set."""
    zh = lang == "zh"
    book = xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": False})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    red, black = red_black_lists(table)
    frames = [table, red, black, *(sheets or {}).values()]
    wanted = {excel_format(c, lang, f[c]) for f in frames for c in f.columns} - {None}
    fmts = {f: book.add_format({"num_format": f}) for f in wanted}
    _table_sheet(book, "考核结果" if zh else "Assessment", table, head, fmts, lang)
    sheet = book.add_worksheet("红黑榜" if zh else "Red and black lists")
    sheet.write(0, 0, "红榜" if zh else "Red list (best)", head)
    _write_frame(sheet, red, 1, head, fmts, lang)
    start = len(red) + 3
    sheet.write(start, 0, "黑榜" if zh else "Black list (worst)", head)
    _write_frame(sheet, black, start + 1, head, fmts, lang)
    _detail_sheet(book, table, r, head, lang)
    for name, frame in (sheets or {}).items():
        extra = book.add_worksheet(name)
        _write_frame(extra, frame, 0, head, fmts, lang)
    sheet = book.add_worksheet("规则集" if zh else "Rule set")
    rows = [
        *info,
        (label("rule_set", lang), meta["rule_set"]),
        (label("rule_set_hash", lang), meta["rule_set_hash"]),
        (label("period", lang), meta["period"]),
        ("考核单位" if zh else "Unit level", by),
        (label("as_of", lang), meta["as_of"]),
        *([(label("as_known_at", lang), meta["as_known_at"])] if meta.get("as_known_at") else []),
        (label("data_loaded_at", lang), meta["data_loaded_at"]),
        (
            "生成时间" if zh else "Generated at",
            datetime.now().isoformat(sep=" ", timespec="seconds"),
        ),
    ]
    if meta["calendar_note"]:
        rows.append((label("calendar_note", lang), meta["calendar_note"]))
    rows.append(("规则集内容 (TOML)" if zh else "Rule set content (TOML)", r.text))
    wrap = book.add_format({"text_wrap": True, "valign": "top", "font_name": "Consolas"})
    for i, (key, value) in enumerate(rows):
        sheet.write_string(i, 0, key, head)
        sheet.write_string(i, 1, value, wrap if i == len(rows) - 1 else None)
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 80)
    book.close()


def _detail_sheet(book, table: pd.DataFrame, r: RuleSet, head, lang: str) -> None:
    """得分明细: per unit (in the table's order), each scored item's KPI value and earned
    points, each deduction's and bonus's KPI value and points, then the composite score."""
    zh = lang == "zh"
    keys = [*_keys(table), *[c for c in ("rank", "small_sample") if c in table.columns]]
    parts = detail(table, r.scheme)
    points = book.add_format({"num_format": "0.00"})
    fmts = {
        c: book.add_format({"num_format": f})
        for c in r.scheme.kpis()
        if (f := excel_format(c, lang))
    }
    heads: list[tuple[str, str | None]] = []  # (header, KPI whose format a value takes)
    for n, item in enumerate(r.scheme.items, 1):
        name = label(item.kpi, lang)
        heads.append((f"{n}. {name}", item.kpi))
        heads.append(
            (
                f"{n}. {name} 得分 (满分 {item.points:g})"
                if zh
                else f"{n}. {name} points (of {item.points:g})",
                None,
            )
        )
    for kind, adjusts in (("deduct", r.scheme.deduct), ("bonus", r.scheme.bonus)):
        word = {"deduct": ("扣分", "deduction"), "bonus": ("加分", "bonus")}[kind][0 if zh else 1]
        for a in adjusts:
            name = label(a.kpi, lang)
            heads.append((f"{word}: {name}", a.kpi))
            heads.append((f"{word}: {name} " + ("分值" if zh else "points"), None))
    heads.append((label("composite_score", lang), None))
    sheet = book.add_worksheet("得分明细" if zh else "Score detail")
    for j, col in enumerate(keys):
        sheet.write_string(0, j, label(col, lang), head)
        for i, value in enumerate(_shown(table, col, lang)):
            _cell(sheet, 1 + i, j, value, None)
    for j, ((text, kid), col) in enumerate(zip(heads, parts.columns, strict=True), len(keys)):
        sheet.write_string(0, j, text, head)
        sheet.set_column(j, j, 14)
        fmt = fmts.get(kid) if kid else points
        for i, value in enumerate(parts[col].tolist()):
            _cell(sheet, 1 + i, j, value, fmt)
    sheet.freeze_panes(1, len(keys))


def _cell(sheet, i: int, j: int, value, fmt) -> None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return
    if isinstance(value, bool):
        sheet.write_boolean(i, j, value)
    elif isinstance(value, int | float):
        sheet.write_number(i, j, float(value), fmt)
    else:
        sheet.write_string(i, j, str(value))


def _table_sheet(book, name, table, head, fmts, lang) -> None:
    sheet = book.add_worksheet(name)
    _write_frame(sheet, table, 0, head, fmts, lang)
    sheet.freeze_panes(1, len(_keys(table)))
    if len(table.columns):
        sheet.autofilter(0, 0, max(len(table), 1), len(table.columns) - 1)


def _write_frame(sheet, frame: pd.DataFrame, row0: int, head, fmts, lang) -> None:
    for j, col in enumerate(frame.columns):
        sheet.write_string(row0, j, label(col, lang), head)
        fmt_name = excel_format(col, lang, frame[col])
        fmt = fmts.get(fmt_name) if fmt_name else None
        sheet.set_column(j, j, 14 if fmt else 12)
        scale = excel_scale(col, frame[col])  # a duration column in days reads in days
        for i, value in enumerate(_shown(frame, col, lang)):
            _cell(sheet, row0 + 1 + i, j, _scaled(value, scale), fmt)


def _scaled(value, scale: float):
    return value * scale if scale != 1 and isinstance(value, int | float) else value


def _keys(table: pd.DataFrame) -> list[str]:
    """The table's key columns (location, department, or the column it is split by)."""
    every = dict.fromkeys(c for keys in LEVELS.values() for c in keys)
    return [c for c in table.columns if c in every]


def _shown(frame: pd.DataFrame, col: str, lang: str) -> list:
    """A column's values for people: a split's stored codes as their labels (CSV keeps codes)."""
    values = frame[col].tolist()
    if col in SPLIT_LEVELS:
        return [v if v is None or v is pd.NA else value_label(col, v, lang) for v in values]
    return values
