"""The bulletin's sections from its figures: every number formatted by metrics.formats."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from bulletin.content import Chart, Section, Table
from bulletin.figures import HEADLINE, Figures
from bulletin.narrative import keys_shown, narrative, ranked, unit_name
from bulletin.parts import TOP, appeals, categories, cooperation, fmt, overdue, statement, table
from bulletin.words import word
from metrics.assessment import red_black_lists, small_samples
from metrics.formats import EMPTY, format_gap
from metrics.labels import label, level_label
from metrics.targets import targets, verdict

#: A ranking longer than MAX_ROWS units shows its first and last CUT_ROWS (a grid level of a
#: whole city would run to hundreds of pages; the assessment export has every row).
MAX_ROWS = 500
CUT_ROWS = 100


def title_and_facts(f: Figures, lang: str, city: str) -> tuple[str, list[tuple[str, str]]]:
    """The title (city, scope, level, period) and the (label, text) facts under it."""
    sel, pub = f.sel, f.publication
    where = " ".join(x for x in (city.strip() or word("city", lang), sel.scope_path) if x)
    level = level_label(sel.level, lang)
    if lang == "zh":
        heading = f"{where} {level}{word('bulletin', lang)}（{sel.period.label}）"
    else:
        heading = f"{where}: {level} {word('bulletin', lang)}, {sel.period.label}"
    status = word("published", lang, id=pub.id) if pub else word("preliminary", lang)
    facts = [
        (word("status", lang), status),
        (word("scope", lang), sel.scope_path or word("city", lang)),
        (label("period", lang), sel.period.label),
        (word("level", lang), level),
        (label("as_of", lang), f.meta.get("as_of", "")[:19]),
        (label("rule_set", lang), sel.rules.name),
        (label("rule_set_hash", lang), sel.rules_hash),
    ]
    if f.meta.get("data_loaded_at"):
        facts.append((label("data_loaded_at", lang), f.meta["data_loaded_at"][:19]))
    if pub is not None:
        facts.append((word("published_at", lang), f"{pub.published_at:%Y-%m-%d %H:%M:%S}"))
        facts.append((word("published_by", lang), pub.published_by))
    facts.append((word("generated_at", lang), f"{f.generated_at:%Y-%m-%d %H:%M:%S}"))
    return heading, facts


def sections(f: Figures, lang: str) -> list[Section]:
    """The numbered sections in order (the departments' statement only by department)."""
    out = [
        Section(
            "summary",
            word("s_summary", lang),
            tuple(narrative(f, lang)),
            (headline(f, lang),),
            _trend_chart(f, lang),
        ),
        Section("ranking", word("s_ranking", lang), (), (ranking(f, lang),), _rank_chart(f, lang)),
        Section("lists", word("s_lists", lang), (), tuple(lists(f, lang))),
        Section(
            "overdue",
            word("s_overdue", lang),
            (word("overdue_note", lang),),
            tuple(overdue(f, lang)),
            _overdue_chart(f, lang),
        ),
        Section("cooperation", word("s_cooperation", lang), (), (cooperation(f, lang),)),
        Section("categories", word("s_categories", lang), (), (categories(f, lang),)),
    ]
    if f.sel.level == "department":
        table, lines = statement(f, lang)
        name = "s_statement_year" if f.sel.period.kind == "year" else "s_statement"
        out.append(Section("statement", word(name, lang), tuple(lines), (table,)))
    out.append(Section("appeals", word("s_appeals", lang), (), (appeals(f, lang),)))
    out = [replace(s, title=numbered(i, s.title, lang)) for i, s in enumerate(out, 1)]
    out.append(Section("notes", word("s_notes", lang), tuple(notes(f, lang))))
    return out


def numbered(n: int, title: str, lang: str) -> str:
    """'三、红榜与黑榜' / '3. Red and black lists' (n from 1 to 10)."""
    return f"{'一二三四五六七八九十'[n - 1]}、{title}" if lang == "zh" else f"{n}. {title}"


def headline(f: Figures, lang: str) -> Table:
    """Each HEADLINE KPI: this period, previous (环比), a year earlier (同比), target."""
    h, goals = f.headline, targets(f.sel.rules)
    rows = []
    for k in HEADLINE:
        now, prev, ago = (
            h.at[name, k] if name in h.index else None for name in ("now", "previous", "year_ago")
        )
        goal = goals.get(k)
        rows.append(
            [
                label(k, lang),
                fmt(k, now, lang),
                fmt(k, prev, lang),
                change(k, now, prev, lang),
                fmt(k, ago, lang),
                change(k, now, ago, lang),
                fmt(k, goal.value, lang) if goal else EMPTY,
                (verdict(goal, now, lang) or EMPTY) if goal else EMPTY,
            ]
        )
    heads = ["kpi", "now", "previous", "mom", "year_ago", "yoy", "target", "attainment"]
    return table("headline", word("t_headline", lang), [word(x, lang) for x in heads], rows, lang)


def change(kpi_id: str, now: object, before: object, lang: str) -> str:
    """now − before in the KPI's unit (percentage points for rates); case counts add the
    relative change; '—' when either is empty."""
    if pd.isna(now) or pd.isna(before):
        return EMPTY
    text = format_gap(kpi_id, float(now) - float(before), lang) or EMPTY
    if kpi_id == "cases" and float(before) > 0:
        text += f" ({(float(now) - float(before)) / float(before) * 100:+.1f}%)"
    return text


def item_kpis(f: Figures) -> list[str]:
    """The scheme's scored items' KPIs in the table, in the scheme's order."""
    seen = ["cases", "composite_score"]
    out = []
    for item in f.sel.rules.scheme.items:
        if item.kpi in f.table.columns and item.kpi not in seen + out:
            out.append(item.kpi)
    return out


def ranking(f: Figures, lang: str) -> Table:
    """Rank, unit, cases, score, grade, the scheme's items and rank change, every unit in
    the assessment's (or publication's) order (beyond MAX_ROWS units, the first and last
    CUT_ROWS, said in the note); a small sample's rank says so."""
    keys, items = keys_shown(f), item_kpis(f)
    cols = ["cases", "composite_score", "grade", *items, "rank_change"]
    shown = pd.Series(small_samples(f.table).to_numpy(), index=f.table.index)
    notes = []
    if len(f.table) > MAX_ROWS:
        shown = pd.concat([shown.head(CUT_ROWS), shown.tail(CUT_ROWS)])
        notes.append(word("cut", lang, n=len(f.table), k=CUT_ROWS))
    rows = []
    for i, small in shown.items():
        r = f.table.loc[i]
        rank = word("small", lang) if small else fmt("rank", r["rank"], lang)
        rows.append([rank, *[str(r[k]) for k in keys], *[fmt(c, r[c], lang) for c in cols]])
    if len(ranked(f)) <= 1:
        notes.append(word("one_unit", lang))
    if f.sel.rules.min_cases and small_samples(f.table).any():
        notes.append(word("small_note", lang, n=f.sel.rules.min_cases))
    heads = [label("rank", lang), *[label(k, lang) for k in keys], *[label(c, lang) for c in cols]]
    return table("ranking", word("t_ranking", lang), heads, rows, lang, " ".join(notes))


def lists(f: Figures, lang: str) -> list[Table]:
    """红榜 and 黑榜 (small samples excluded), then the biggest risers and fallers."""
    best = ranked(f)
    heads = [
        label("rank", lang),
        word("unit", lang),
        label("composite_score", lang),
        label("grade", lang),
    ]
    if len(best) <= 1:
        note = word("one_unit", lang)
        return [
            table(k, word(f"t_{k}", lang, n=1), heads, [], lang, note) for k in ("red", "black")
        ]
    n = 5 if len(best) >= 10 else max(1, len(best) // 2)
    red, black = red_black_lists(f.table, n)

    def rows(frame: pd.DataFrame) -> list[list[str]]:
        return [
            [
                fmt("rank", r["rank"], lang),
                unit_name(r, keys_shown(f)),
                fmt("composite_score", r["composite_score"], lang),
                str(r["grade"] or EMPTY),
            ]
            for _, r in frame.iterrows()
        ]

    out = [
        table("red", word("t_red", lang, n=n), heads, rows(red), lang),
        table("black", word("t_black", lang, n=n), heads, rows(black), lang),
    ]
    moved = best[best["rank_change"].notna()]
    move_heads = [
        word("unit", lang),
        label("rank", lang),
        label("rank_change", lang),
        label("composite_score", lang),
    ]
    for key, frame in (
        (
            "risers",
            moved[moved["rank_change"] > 0].sort_values(
                "rank_change", ascending=False, kind="stable"
            ),
        ),
        ("fallers", moved[moved["rank_change"] < 0].sort_values("rank_change", kind="stable")),
    ):
        rows_ = [
            [
                unit_name(r, keys_shown(f)),
                fmt("rank", r["rank"], lang),
                fmt("rank_change", r["rank_change"], lang),
                fmt("composite_score", r["composite_score"], lang),
            ]
            for _, r in frame.head(3).iterrows()
        ]
        note = "" if len(moved) else word("no_changes", lang)
        out.append(table(key, word(f"t_{key}", lang), move_heads, rows_, lang, note))
    return out


def notes(f: Figures, lang: str) -> list[str]:
    """What a reader should know: preliminary or not, the rule set, small samples."""
    sel, out = f.sel, []
    if f.publication is None:
        out.append(word("preliminary", lang))
    out.append(
        f"{label('rule_set', lang)}: {sel.rules.name}; "
        f"{label('rule_set_hash', lang)}: {sel.rules_hash}"
    )
    if sel.rules.min_cases:
        out.append(word("small_note", lang, n=sel.rules.min_cases))
    if f.meta.get("calendar_note"):
        out.append(f.meta["calendar_note"])
    return out


def _trend_chart(f: Figures, lang: str) -> tuple[Chart, ...]:
    t = f.trend
    if t.empty:
        return ()
    return (
        Chart(
            "trend",
            word("c_trend", lang, n=len(t)),
            "trend",
            tuple(t["ds"].dt.strftime("%Y-%m")),
            tuple(float(x) for x in t["cases"]),
            label("cases", lang),
            tuple(float(x) for x in t["on_time_rate"]),
            label("on_time_rate", lang),
        ),
    )


def _rank_chart(f: Figures, lang: str) -> tuple[Chart, ...]:
    best = ranked(f)
    best = best[best["composite_score"].notna()]
    if best.empty:
        return ()
    title = word("c_ranking", lang)
    if len(best) > 2 * (TOP // 2 + 3):
        half = TOP // 2 + 3
        best = pd.concat([best.head(half), best.tail(half)])
        title = word("c_ranking_cut", lang, n=half)
    names = tuple(unit_name(r, keys_shown(f)[-1:]) for _, r in best.iterrows())
    return (
        Chart(
            "ranking",
            title,
            "bars",
            names,
            tuple(float(x) for x in best["composite_score"]),
            label("composite_score", lang),
            column="composite_score",
        ),
    )


def _overdue_chart(f: Figures, lang: str) -> tuple[Chart, ...]:
    d = f.overdue["department"]
    d = d[d["overdue"] > 0].head(TOP)
    if d.empty:
        return ()
    return (
        Chart(
            "overdue",
            word("c_overdue", lang),
            "bars",
            tuple(d["department"].astype(str)),
            tuple(float(x) for x in d["overdue"]),
            label("overdue", lang),
            column="overdue",
        ),
    )
