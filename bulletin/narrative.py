"""The bulletin's plain-language summary, written from its figures (who improved, what is late)."""

from __future__ import annotations

import pandas as pd

from bulletin.figures import Figures
from bulletin.words import word
from metrics.assessment import small_samples
from metrics.formats import format_gap, format_value
from metrics.labels import label
from metrics.registry import LEVELS
from metrics.targets import targets, verdict


def unit_name(row: pd.Series, keys: list[str]) -> str:
    """A unit's name from its key columns ('东城区/东华门街道'); '—' when it has none."""
    parts = [str(row[k]) for k in keys if k in row and pd.notna(row[k])]
    return "/".join(parts) or "—"


def narrative(f: Figures, lang: str) -> list[str]:
    """One paragraph of short sentences: volume and its change, the KPIs that moved, best
    and worst unit, who rose and fell, what is overdue and where, targets missed, the
    fastest-rising category. A sentence whose figures are empty is left out."""
    parts = [
        _volume(f, lang),
        _rates(f, lang),
        _best_worst(f, lang),
        _movers(f, lang),
        _late(f, lang),
        _targets(f, lang),
        _category(f, lang),
    ]
    text = "".join(p for p in parts if p) if lang == "zh" else " ".join(p for p in parts if p)
    return [text] if text else []


def _value(f: Figures, period: str, kpi_id: str):
    h = f.headline
    return h.at[period, kpi_id] if period in h.index and kpi_id in h.columns else None


def _volume(f: Figures, lang: str) -> str:
    now, prev = _value(f, "now", "cases"), _value(f, "previous", "cases")
    where = f.sel.scope_path or ("全市" if lang == "zh" else "the city")
    n = format_value("cases", now, lang)
    if lang == "zh":
        text = f"{f.sel.period.label}，{where}共受理案件 {n} 件"
        if pd.notna(prev) and prev:
            diff = float(now) - float(prev)
            word = "增加" if diff >= 0 else "减少"
            text += f"，环比{word} {abs(diff):,.0f} 件（{diff / float(prev) * 100:+.1f}%）"
        return text + "。"
    text = f"In {f.sel.period.label}, {where} received {n} cases"
    if pd.notna(prev) and prev:
        diff = float(now) - float(prev)
        text += f", {abs(diff):,.0f} {'more' if diff >= 0 else 'fewer'} than the previous period"
        text += f" ({diff / float(prev) * 100:+.1f}%)"
    return text + "."


def _rates(f: Figures, lang: str) -> str:
    said = []
    for k in ("on_time_rate", "satisfaction_rate"):
        now, prev = _value(f, "now", k), _value(f, "previous", k)
        if pd.isna(now):
            continue
        name = label(k, lang)
        if lang == "en" and said:  # mid-sentence
            name = name[0].lower() + name[1:]
        text = f"{name} {format_value(k, now, lang)}"
        if pd.notna(prev):
            gap = format_gap(k, float(now) - float(prev), lang)
            text += f"（环比 {gap}）" if lang == "zh" else f" ({gap} on the previous period)"
        said.append(text)
    if not said:
        return ""
    return ("，".join(said) + "。") if lang == "zh" else ("; ".join(said) + ".")


def ranked(f: Figures) -> pd.DataFrame:
    """The ranked units (a rank, not a small sample), best first."""
    t = f.table
    small = small_samples(t)
    return t[t["rank"].notna() & ~small].sort_values("rank", kind="stable")


def keys_shown(f: Figures) -> list[str]:
    """The level's key columns the scope does not already fix (the unit's own name at least)."""
    fixed, keys = dict(f.sel.scope), list(LEVELS[f.sel.level])
    return [k for k in keys if k not in fixed] or keys[-1:]


def _best_worst(f: Figures, lang: str) -> str:
    units = ranked(f)
    if len(units) < 2:
        return ""
    best, worst = units.iloc[0], units.iloc[-1]
    b, w = unit_name(best, keys_shown(f)), unit_name(worst, keys_shown(f))
    bs = format_value("composite_score", best["composite_score"], lang)
    ws = format_value("composite_score", worst["composite_score"], lang)
    if lang == "zh":
        return f"综合得分最高的是{b}（{bs} 分），最低的是{w}（{ws} 分）。"
    return f"The best composite score is {b}'s ({bs}), the lowest {w}'s ({ws})."


def _movers(f: Figures, lang: str) -> str:
    moved = ranked(f)
    moved = moved[moved["rank_change"].notna()]
    up = moved[moved["rank_change"] > 0].sort_values("rank_change", ascending=False, kind="stable")
    down = moved[moved["rank_change"] < 0].sort_values("rank_change", kind="stable")
    said = []
    if len(up):
        r = up.iloc[0]
        n, name = int(r["rank_change"]), unit_name(r, keys_shown(f))
        said.append(
            f"排名上升最多的是{name}（上升 {n} 位）"
            if lang == "zh"
            else f"{name} rose most ({n} places up)"
        )
    if len(down):
        r = down.iloc[0]
        n, name = -int(r["rank_change"]), unit_name(r, keys_shown(f))
        said.append(
            f"下降最多的是{name}（下降 {n} 位）"
            if lang == "zh"
            else f"{name} fell most ({n} places down)"
        )
    if not said:
        return ""
    return ("，".join(said) + "。") if lang == "zh" else ("; ".join(said) + ".")


def _late(f: Figures, lang: str) -> str:
    d = f.overdue["department"]
    total = int(f.overdue["street"]["overdue"].sum()) if len(f.overdue["street"]) else 0
    total = max(total, int(d["overdue"].sum()) if len(d) else 0)
    as_of = f.meta.get("as_of", "")[:16]
    if not total:
        return (
            f"截至{as_of}，没有超期未结的在办案件。"
            if lang == "zh"
            else f"At {as_of} no open case is overdue."
        )
    worst = d.iloc[0] if len(d) and d.iloc[0]["overdue"] > 0 else None
    late_orders = int(d["orders_late"].sum()) + int(f.overdue["street"]["orders_late"].sum())
    text = word("late_total", lang, as_of=as_of, n=f"{total:,}")
    if worst is not None:
        text += word("late_worst", lang, unit=worst["department"], n=f"{int(worst['overdue']):,}")
    if late_orders:
        text += word("late_orders", lang, n=f"{late_orders:,}")
    return text + word("stop", lang)


def _targets(f: Figures, lang: str) -> str:
    goals = targets(f.sel.rules)
    missed = []
    for k, goal in goals.items():
        now = _value(f, "now", k)
        if now is not None and goal.met(now) is False:
            missed.append(
                f"{label(k, lang)}（{verdict(goal, now, lang)}）"
                if lang == "zh"
                else f"{label(k, lang)} ({verdict(goal, now, lang)})"
            )
    checked = [k for k in goals if _value(f, "now", k) is not None]
    if not checked:
        return ""
    if not missed:
        return "各项有达标线的指标均已达标。" if lang == "zh" else "Every KPI with a target met it."
    if lang == "zh":
        return "未达标的指标：" + "、".join(missed) + "。"
    return "Targets missed: " + ", ".join(missed) + "."


def _category(f: Figures, lang: str) -> str:
    if f.categories.empty:
        return ""
    r = f.categories.iloc[0]
    change = f"{int(r['change']):+,}"
    if lang == "zh":
        return f"受理量增长最快的类别是{r['category']}（环比 {change} 件）。"
    return (
        f"The fastest-rising category is {r['category']} ({change} cases on the previous period)."
    )
