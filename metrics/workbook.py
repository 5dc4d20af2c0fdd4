"""The assessment workbook for people: title rows, rank first, units, print set-up, rules."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

import pandas as pd
import xlsxwriter

from metrics.assessment import red_black_lists
from metrics.formats import UNITS, excel_format
from metrics.labels import label, level_label, unit_of, value_label
from metrics.period import Period, parse_period
from metrics.registry import LEVELS, SPLIT_LEVELS
from metrics.rules import RuleSet
from metrics.rulesheet import sections
from metrics.scheme import detail

#: Columns of the assessment table that stay in the CSV only: the small-sample flag, a
#: TRUE/FALSE for machines that the workbook says in words in NOTE (备注) instead.
INTERNAL = ("small_sample",)
#: Shown right after rank and the unit, before the KPIs.
FRONT = ("grade", "composite_score", "rank_change")
NOTE = "note"  # the 备注 column: why a unit has no rank
HEAD_ROWS = 3  # title, period/as-of, header
_COUNT_WORDS = {"households": "户", "rating_count": "条", "reopened": "次", "reassigned": "次"}
_WORDS: dict[str, tuple[str, str]] = {
    "title": (
        "{scope} {level}考核排名（{period}）",
        "{level} assessment ranking, {scope}, {period}",
    ),
    "city": ("全市", "whole city"),
    "period": ("考核周期：{period}（{start} 至 {end}）", "Period: {period} ({start} to {end})"),
    "as_of": ("数据截至：{v}", "Data as of: {v}"),
    "rules": ("规则集：{name}（哈希 {short}）", "Rule set: {name} (hash {short})"),
    "known": ("数据版本：截至 {v} 已导入", "Data as known at {v}"),
    "note": ("备注", "Note"),
    "small": ("样本不足，不评等级、不排名", "Too few cases: no grade, no rank"),
    "small_note": (
        "注：受理量少于 {n} 件的单位样本不足，列出但不评等级、不排名。",
        "Note: units with fewer than {n} cases are listed without grade or rank.",
    ),
    "change_note": (
        "注：排名变化为上期排名减本期排名，正数表示名次上升。",
        "Note: rank change is the previous rank minus this rank; positive means moved up.",
    ),
    "sheet_table": ("考核结果", "Assessment"),
    "sheet_lists": ("红黑榜", "Red and black lists"),
    "sheet_detail": ("得分明细", "Score detail"),
    "sheet_rules": ("规则集", "Rule set"),
    "red": ("红榜", "Red list (best)"),
    "black": ("黑榜", "Black list (worst)"),
    "level": ("考核层级", "Unit level"),
    "generated": ("生成时间", "Generated at"),
    "particulars": ("基本信息", "Particulars"),
    "footer": ("&C第 &P 页，共 &N 页", "&CPage &P of &N"),
    "of": ("{n}. {name} 得分（满分 {p:g}）", "{n}. {name} points (of {p:g})"),
    "of_weight": ("{n}. {name} 加权得分（权重 {p:g}）", "{n}. {name} weighted (weight {p:g})"),
    "deduct": ("扣分", "deduction"),
    "bonus": ("加分", "bonus"),
    "amount": ("分值", "points"),
}
_MONTHS_EN = "January February March April May June July August September October November December"


def _w(key: str, lang: str) -> str:
    return _WORDS[key][0 if lang == "zh" else 1]


def period_text(period: Period, lang: str = "zh") -> str:
    """A period as a heading reads: 2025年3月, 2025年第1季度, 2025年第9周, 2025年 (March 2025,
    2025 Q1, 2025 week 9, 2025); a range as its two dates."""
    s, zh = period.start, lang == "zh"
    if period.kind == "year":
        return f"{s.year}年" if zh else str(s.year)
    if period.kind == "quarter":
        q = (s.month - 1) // 3 + 1
        return f"{s.year}年第{q}季度" if zh else f"{s.year} Q{q}"
    if period.kind == "month":
        return f"{s.year}年{s.month}月" if zh else f"{_MONTHS_EN.split()[s.month - 1]} {s.year}"
    if period.kind == "week":
        year, week, _ = s.isocalendar()
        return f"{year}年第{week}周" if zh else f"{year} week {week}"
    return f"{s.isoformat()} 至 {period.end.isoformat()}" if zh else period.label


def title(scope: str, level: str, period: str, lang: str = "zh") -> str:
    """The workbook's title: scope ('' = the whole city), level and period."""
    return _w("title", lang).format(
        scope=scope or _w("city", lang),
        level=level_label(level, lang),
        period=period_text(parse_period(period), lang),
    )


def subtitle(meta: Mapping[str, str], lang: str = "zh", extra: Sequence[str] = ()) -> str:
    """The period/as-of row: period with its dates, 数据截至, the rule set and its short
    hash, the data version when given, then ``extra`` (a publication's id)."""
    p = parse_period(meta["period"])
    parts = [
        _w("period", lang).format(period=p.label, start=p.start, end=p.end),
        _w("as_of", lang).format(v=meta["as_of"]),
        _w("rules", lang).format(name=meta["rule_set"], short=meta["rule_set_hash"][:8]),
    ]
    if meta.get("as_known_at"):
        parts.append(_w("known", lang).format(v=meta["as_known_at"]))
    return ("　" if lang == "zh" else "  ·  ").join([*parts, *extra])


def header(column: str, lang: str = "zh") -> str:
    """A column's header with the unit its cells are counted in: 受理量（件）, 响应时长（分钟）,
    Median handling time (h); rates carry % in their cells and ranks, grades and text none."""
    name, _ = unit_of(column)
    text = label(column, lang) if column != NOTE else _w("note", lang)
    if name in ("minutes", "hours"):
        suffix = (UNITS[name].suffix_zh if lang == "zh" else UNITS[name].suffix_en).strip()
        return f"{text}（{suffix}）" if lang == "zh" else f"{text} ({suffix})"
    if lang == "zh" and name in ("cases", "per_1000"):
        return f"{text}（件）"
    if lang == "zh" and column in _COUNT_WORDS:
        return f"{text}（{_COUNT_WORDS[column]}）"
    return text


def cell_format(column: str, lang: str = "zh") -> str | None:
    """The Excel number format of a column's cells when the header names the unit: the
    label table's format without the unit text ('0.0%', '#,##0', '#,##0.0', '+0;-0;0')."""
    fmt = excel_format(column, lang)
    return fmt.split('"')[0] if fmt else None


def keys(table: pd.DataFrame) -> list[str]:
    """The table's key columns (location, department, or the column it is split by)."""
    every = dict.fromkeys(c for ks in LEVELS.values() for c in ks)
    return [c for c in table.columns if c in every]


def columns(table: pd.DataFrame) -> list[str]:
    """The columns people see, in order: rank, the unit, grade, score and rank change, the
    KPIs in the table's order without INTERNAL ones, and NOTE when a unit has too few cases."""
    ks = keys(table)
    first = [c for c in ("rank", *ks, *FRONT) if c in table.columns]
    rest = [c for c in table.columns if c not in first and c not in INTERNAL]
    note = [NOTE] if _small(table).any() else []
    return [*first, *rest, *note]


def _small(table: pd.DataFrame) -> pd.Series:
    if "small_sample" not in table:
        return pd.Series(False, index=table.index)
    return table["small_sample"].astype("boolean").fillna(False).astype(bool)


def people_frame(table: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """``table`` as the workbook shows it: columns() in order with the split codes as their
    labels and NOTE in words; values otherwise exactly the table's (headers still ids)."""
    out = pd.DataFrame(index=table.index)
    for col in columns(table):
        if col == NOTE:
            out[col] = _small(table).map({True: _w("small", lang), False: None})
        elif col in SPLIT_LEVELS:
            out[col] = [
                v if v is None or v is pd.NA else value_label(col, v, lang) for v in table[col]
            ]
        else:
            out[col] = table[col]
    return out


def write_xlsx(
    table: pd.DataFrame,
    meta: dict[str, str],
    r: RuleSet,
    by: str,
    path: Path,
    lang: str,
    *,
    heading: str,
    info: Sequence[tuple[str, str]] = (),
    extra: Sequence[str] = (),
    sheets: Mapping[str, pd.DataFrame] | None = None,
) -> None:
    """The assessment laid out for people at ``path``: 考核结果 (``heading``, the period/as-of
    row with ``extra`` parts, rank first, units, print set-up), 红黑榜, 得分明细, further
    ``sheets`` (name → frame) and 规则集 (``info`` rows, then the rule set as tables)."""
    book = xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": False})
    fmt = _Formats(book, lang)
    shown = people_frame(table, lang)
    sheet = book.add_worksheet(_w("sheet_table", lang))
    n = len(shown.columns)
    sheet.merge_range(0, 0, 0, max(n - 1, 0), heading, fmt.title)
    sheet.merge_range(1, 0, 1, max(n - 1, 0), subtitle(meta, lang, extra), fmt.sub)
    sheet.set_row(0, 28)
    _frame(sheet, shown, HEAD_ROWS - 1, fmt, lang)
    sheet.freeze_panes(HEAD_ROWS, 1 + len(keys(table)))
    sheet.autofilter(HEAD_ROWS - 1, 0, HEAD_ROWS - 1 + max(len(shown), 1), n - 1)
    notes = [_w("change_note", lang)] if "rank_change" in shown else []
    if NOTE in shown:
        notes.insert(0, _w("small_note", lang).format(n=r.min_cases))
    for i, text in enumerate(notes):
        sheet.write_string(HEAD_ROWS + len(shown) + 1 + i, 0, text)
    _print(sheet, HEAD_ROWS - 1, lang)
    _lists(book, table, fmt, lang)
    _detail(book, table, r, fmt, lang)
    for name, frame in (sheets or {}).items():
        extra_sheet = book.add_worksheet(name)
        _frame(extra_sheet, frame, 0, fmt, lang)
        _print(extra_sheet, 0, lang)
    _rules(book, meta, r, by, fmt, lang, info)
    book.close()


class _Formats:
    """The workbook's cell formats, made once per book."""

    def __init__(self, book, lang: str) -> None:
        self.book, self.lang, self._num = book, lang, {}
        self.title = book.add_format({"bold": True, "font_size": 14, "align": "center"})
        self.sub = book.add_format({"align": "center", "font_color": "#404040"})
        self.head = book.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}
        )
        self.head.set_align("center")
        self.head.set_align("vcenter")
        self.bold = book.add_format({"bold": True, "font_size": 12})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.points = book.add_format({"num_format": "0.00"})

    def number(self, fmt: str | None):
        if fmt is None:
            return None
        if fmt not in self._num:
            self._num[fmt] = self.book.add_format({"num_format": fmt})
        return self._num[fmt]


def _print(sheet, head_row: int | None, lang: str, *, landscape: bool = True) -> None:
    """A4, one page wide (as many pages tall as needed), rows 0..``head_row`` on every page."""
    if landscape:
        sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    if head_row is not None:
        sheet.repeat_rows(0, head_row)
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.center_horizontally()
    sheet.set_footer(_w("footer", lang))


def _cell(sheet, i: int, j: int, value, fmt) -> None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return
    if isinstance(value, bool):
        sheet.write_boolean(i, j, value)
    elif isinstance(value, int | float):
        sheet.write_number(i, j, float(value), fmt)
    else:
        sheet.write_string(i, j, str(value), fmt)


def width(column: str) -> float:
    """A column's width in characters: names wide, ranks and grades narrow, figures (at most
    '100.0%' or '12,345.6') 8.5, their headers wrapping onto three lines."""
    if column in (NOTE, "department", "street", "community") or column in SPLIT_LEVELS:
        return 15
    if column in ("district", "grid_id"):
        return 10
    if column in ("rank", "grade", "rank_change"):
        return 6.5 if column == "rank_change" else 5
    return 8.5 if unit_of(column)[0] else 12  # other text (an appeal's reason, a time) wider


def _frame(sheet, frame: pd.DataFrame, row0: int, fmt: _Formats, lang: str) -> None:
    """``frame`` with its header at ``row0``: headers with units, numbers formatted."""
    sheet.set_row(row0, 45)
    for j, col in enumerate(frame.columns):
        sheet.write_string(row0, j, header(col, lang), fmt.head)
        number = fmt.number(cell_format(col, lang))
        sheet.set_column(j, j, width(col))
        for i, value in enumerate(frame[col].tolist()):
            _cell(sheet, row0 + 1 + i, j, value, number)


def _lists(book, table: pd.DataFrame, fmt: _Formats, lang: str) -> None:
    red, black = red_black_lists(table)
    sheet = book.add_worksheet(_w("sheet_lists", lang))
    sheet.write(0, 0, _w("red", lang), fmt.bold)
    _frame(sheet, people_frame(red, lang), 1, fmt, lang)
    start = len(red) + 3
    sheet.write(start, 0, _w("black", lang), fmt.bold)
    _frame(sheet, people_frame(black, lang), start + 1, fmt, lang)
    _print(sheet, 1, lang)


def _detail(book, table: pd.DataFrame, r: RuleSet, fmt: _Formats, lang: str) -> None:
    """得分明细: per unit (rank first, in the table's order), each scored item's KPI value and
    earned points, each deduction's and bonus's KPI value and points, then the score."""
    front = [c for c in ("rank", *keys(table)) if c in table.columns]
    parts = detail(table, r.scheme)
    heads: list[tuple[str, str | None]] = []  # (header, KPI whose format a value takes)
    for n, item in enumerate(r.scheme.items, 1):
        heads.append((f"{n}. {header(item.kpi, lang)}", item.kpi))
        of = _w("of" if r.scored else "of_weight", lang)
        heads.append((of.format(n=n, name=label(item.kpi, lang), p=item.points), None))
    for kind, adjusts in (("deduct", r.scheme.deduct), ("bonus", r.scheme.bonus)):
        for a in adjusts:
            name = f"{_w(kind, lang)}: {label(a.kpi, lang)}"
            heads.append((f"{name}（{header(a.kpi, lang)}）" if lang == "zh" else name, a.kpi))
            heads.append((f"{name} {_w('amount', lang)}", None))
    heads.append((label("composite_score", lang), None))
    sheet = book.add_worksheet(_w("sheet_detail", lang))
    _frame(sheet, people_frame(table, lang)[front], 0, fmt, lang)
    for j, ((text, kid), col) in enumerate(zip(heads, parts.columns, strict=True), len(front)):
        sheet.write_string(0, j, text, fmt.head)
        sheet.set_column(j, j, 13)
        number = fmt.number(cell_format(kid, lang)) if kid else fmt.points
        for i, value in enumerate(parts[col].tolist()):
            _cell(sheet, 1 + i, j, value, number)
    sheet.freeze_panes(1, len(front))
    _print(sheet, 0, lang)


def _rules(book, meta, r: RuleSet, by: str, fmt: _Formats, lang: str, info) -> None:
    """规则集: the particulars (publication, rule set and hash, period, level, data times),
    then the rule set as tables in ``lang`` (metrics.rulesheet), never its raw TOML."""
    sheet = book.add_worksheet(_w("sheet_rules", lang))
    rows = [
        *info,
        (label("rule_set", lang), meta["rule_set"]),
        (label("rule_set_hash", lang), meta["rule_set_hash"]),
        (label("period", lang), meta["period"]),
        (_w("level", lang), level_label(by, lang)),
        (label("as_of", lang), meta["as_of"]),
        *([(label("as_known_at", lang), meta["as_known_at"])] if meta.get("as_known_at") else []),
        (label("data_loaded_at", lang), meta["data_loaded_at"]),
        (_w("generated", lang), datetime.now().isoformat(sep=" ", timespec="seconds")),
    ]
    if meta.get("calendar_note"):
        rows.append((label("calendar_note", lang), meta["calendar_note"]))
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 4, 16)
    sheet.set_column(5, 5, 56)
    for i, (key, value) in enumerate(rows):
        sheet.write_string(i, 0, key, fmt.head)
        sheet.merge_range(i, 1, i, 5, value, fmt.wrap)
    row = len(rows) + 1
    for sec in sections(r, lang):
        sheet.write_string(row, 0, sec.title, fmt.bold)
        wide = len(sec.header) == 2 or len(sec.header) == 1
        for j, text in enumerate(sec.header):
            if j == len(sec.header) - 1 and wide and j < 5:
                sheet.merge_range(row + 1, j, row + 1, 5, text, fmt.head)
            else:
                sheet.write_string(row + 1, j, text, fmt.head)
        for i, values in enumerate(sec.rows, row + 2):
            for j, value in enumerate(values):
                if j == len(values) - 1 and wide and j < 5:
                    sheet.merge_range(i, j, i, 5, str(value), fmt.wrap)
                else:
                    _cell(sheet, i, j, value, fmt.wrap if isinstance(value, str) else None)
        row += len(sec.rows) + 3
    _print(sheet, None, lang, landscape=False)
