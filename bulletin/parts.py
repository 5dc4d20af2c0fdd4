"""The bulletin's supervision, cooperation, category, statement and appeal tables."""

from __future__ import annotations

import pandas as pd

from bulletin.content import Table
from bulletin.figures import Figures
from bulletin.words import word
from metrics.formats import EMPTY, format_value
from metrics.labels import label

#: Rows of a supervision table before it is cut.
TOP = 15


def table(
    key: str, title: str, headers: list[str], rows: list[list[str]], lang: str, note: str = ""
) -> Table:
    """A Table of formatted rows; an empty one says there is nothing to show."""
    if not rows and not note:
        note = word("no_rows", lang)
    return Table(key, title, tuple(headers), tuple(tuple(r) for r in rows), note)


def fmt(col: str, value: object, lang: str) -> str:
    """A value in its column's one format (metrics.formats.format_value)."""
    return format_value(col, value, lang)


def overdue(f: Figures, lang: str) -> list[Table]:
    """Open, overdue and due-soon cases now with the supervision orders received, by
    department and by street, the TOP most overdue of each."""
    out = []
    cols = ["open_cases", "overdue", "due_soon", "max_hours_overdue"]
    for level, keys in (("department", ["department"]), ("street", ["district", "street"])):
        frame = f.overdue[level]
        frame = frame[frame["open_cases"] > 0]
        rows = [
            [
                *[str(r[k]) for k in keys],
                *[fmt(c, r[c], lang) for c in cols],
                fmt("cases", r["orders"], lang),
                fmt("cases", r["orders_late"], lang),
            ]
            for _, r in frame.head(TOP).iterrows()
        ]
        note = ""
        if len(frame) > TOP:
            note = (
                f"共 {len(frame)} 个单位有在办案件，列超期最多的 {TOP} 个。"
                if lang == "zh"
                else f"{len(frame)} units have open cases; the {TOP} most overdue are listed."
            )
        heads = [
            *[label(k, lang) for k in keys],
            *[label(c, lang) for c in cols],
            word("orders", lang),
            word("orders_late", lang),
        ]
        out.append(
            table(f"overdue_{level}", word(f"t_overdue_{level}", lang), heads, rows, lang, note)
        )
    return out


def cooperation(f: Figures, lang: str) -> Table:
    """Per department: cases, cases assisted, rating mean and count, whistle calls and
    their 30-minute response, and the cooperation index (metrics.cooperation_table)."""
    cols = [
        "cases",
        "assist_cases",
        "rating_mean",
        "rating_count",
        "whistle_cases",
        "whistle_response_rate",
        "cooperation_score",
    ]
    c = f.cooperation
    c = c[(c["cases"] > 0) | (c["assist_cases"] > 0) | (c["rating_count"] > 0)]
    rows = [[str(r["department"]), *[fmt(k, r[k], lang) for k in cols]] for _, r in c.iterrows()]
    heads = [label("department", lang), *[label(k, lang) for k in cols]]
    return table("cooperation", word("t_cooperation", lang), heads, rows, lang)


def categories(f: Figures, lang: str) -> Table:
    """The categories whose case count grew most against the previous period."""
    rows = [
        [
            str(r["category"]),
            fmt("cases", r["current"], lang),
            fmt("cases", r["previous"], lang),
            fmt("cases", r["change"], lang),
            EMPTY if pd.isna(r["change_pct"]) else f"{r['change_pct'] * 100:+.1f}%",
        ]
        for _, r in f.categories.iterrows()
    ]
    heads = [
        label("category", lang),
        *[word(x, lang) for x in ("current", "before", "change", "change_pct")],
    ]
    return table("categories", word("t_categories", lang), heads, rows, lang)


def statement(f: Figures, lang: str) -> tuple[Table, list[str]]:
    """晒单: per department, cases, whistle calls, mean response and handling, closure
    and mean rating (the assessment's figures; whistle calls from the cooperation table),
    as a table and as one sentence each."""
    cols = [
        "cases",
        "whistle_cases",
        "mean_response_min",
        "mean_handling_h",
        "closure_rate",
        "rating_mean",
    ]
    whistles = f.cooperation.set_index("department")["whistle_cases"]
    t = f.table[f.table["cases"].fillna(0) > 0].copy()
    t["whistle_cases"] = t["department"].map(whistles).fillna(0).astype("int64")
    rows, lines = [], []
    for _, r in t.iterrows():
        shown = {c: fmt(c, r[c], lang) for c in cols}
        rows.append([str(r["department"]), *shown.values()])
        lines.append(
            word(
                "statement_line",
                lang,
                unit=r["department"],
                period=f.sel.period.label,
                cases=shown["cases"],
                whistle=shown["whistle_cases"],
                resp=shown["mean_response_min"],
                handling=shown["mean_handling_h"],
                closure=shown["closure_rate"],
                rating=shown["rating_mean"],
            )
        )
    heads = [label("department", lang), *[label(c, lang) for c in cols]]
    return table("statement", word("t_statement", lang), heads, rows, lang), lines


def appeals(f: Figures, lang: str) -> Table:
    """The approved appeals in force for the figures (as the publication lists them)."""
    kinds = {"exclude": word("kind_exclude", lang), "extend": word("kind_extend", lang)}
    rows = [
        [
            str(a["case_id"]),
            a.get("unit") or EMPTY,
            kinds.get(a["kind"], a["kind"]),
            (a.get("until") or EMPTY)[:16],
            a.get("reason") or EMPTY,
            a.get("decided_by") or EMPTY,
            (a.get("decided_at") or EMPTY)[:16],
        ]
        for a in f.appeals
    ]
    heads = [
        label("case_id", lang),
        word("unit", lang),
        word("kind", lang),
        word("until", lang),
        word("reason", lang),
        word("decided_by", lang),
        word("decided_at", lang),
    ]
    note = "" if rows else word("no_appeals", lang)
    return table("appeals", word("t_appeals", lang), heads, rows, lang, note)
