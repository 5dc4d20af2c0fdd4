"""The shared sidebar (period, level, scope, rule set) and the filter values pages read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import streamlit as st

import accounts
import metrics
from dashboard import data
from dashboard.auth import OPEN, signed_in
from dashboard.i18n import lang, level_label, named, t

LEVELS = ("district", "street", "community", "grid", "department")
MAX_RULES_BYTES = 64 * 1024


@dataclass(frozen=True)
class Filters:
    """What the sidebar chose, as plain values for the cached loaders."""

    url: str
    period: str
    level: str
    scope: data.Scope
    rules_text: str | None
    account: accounts.Account = OPEN

    @property
    def scope_name(self) -> str:
        return "/".join(v for _, v in self.scope) or t("whole_city")


def latest_full_month(last_day: date | datetime | None) -> str:
    """The latest calendar month the store covers to its last day (else the month before)."""
    if last_day is None:
        return f"{date.today():%Y-%m}"
    day = last_day.date() if isinstance(last_day, datetime) else last_day
    if (day + timedelta(days=1)).month == day.month:
        day = day.replace(day=1) - timedelta(days=1)
    return f"{day:%Y-%m}"


_WRITTEN = (  # how people write periods in Chinese offices → the contract's syntax
    (r"(\d{4})\s*年", r"\1"),
    (r"(\d{4})\s*年\s*(\d{1,2})\s*月(份)?", r"\1-\2"),
    (r"(\d{4})\s*年\s*第?\s*([1-4])\s*季度?", r"\1Q\2"),
    (r"(\d{4})\s*年\s*第\s*(\d{1,2})\s*周", r"\1-W\2"),
    (r"(\d{4})\s*[-/ ]?\s*[Qq]([1-4])", r"\1Q\2"),
    (r"(\d{4})[/.](\d{1,2})", r"\1-\2"),
)


def written_period(text: str) -> str:
    """A period as people type it (2025年3月, 2025年第1季度, 2025/03, 2025-Q1, 2025年第9周)
    in the contract's syntax; anything else unchanged (the parser judges it)."""
    raw = text.strip()
    for pattern, repl in _WRITTEN:
        if re.fullmatch(pattern, raw):
            return re.sub(pattern, repl, raw)
    return raw


def _calendar(period: str) -> str:
    """A date range that is exactly a calendar month, quarter or year, as that period
    (2025-03-01..2025-03-31 → 2025-03), so its comparisons are the calendar ones."""
    p = metrics.parse_period(period)
    nxt = p.end + timedelta(days=1)
    if p.kind != "range" or p.start.day != 1 or nxt.day != 1:
        return period
    months = (nxt.year - p.start.year) * 12 + nxt.month - p.start.month
    if months == 1:
        return f"{p.start:%Y-%m}"
    if months == 3 and p.start.month % 3 == 1:
        return f"{p.start.year}Q{(p.start.month - 1) // 3 + 1}"
    if months == 12 and p.start.month == 1:
        return str(p.start.year)
    return period


def _year_before(day: date) -> date:
    return day.replace(year=day.year - 1, day=28 if (day.month, day.day) == (2, 29) else day.day)


def same_period_last_year(period: str) -> str:
    """The period of the same kind one year earlier (2025-03 → 2024-03; a range of dates
    moves to the same calendar dates, 29 February to the 28th)."""
    p = metrics.parse_period(_calendar(period))
    if p.kind == "year":
        return str(p.start.year - 1)
    if p.kind == "quarter":
        return f"{p.start.year - 1}Q{(p.start.month - 1) // 3 + 1}"
    if p.kind == "month":
        return f"{p.start.year - 1}-{p.start.month:02d}"
    if p.kind == "week":
        year, week, _ = p.start.isocalendar()
        if week <= 52 or date(year - 1, 12, 28).isocalendar()[1] == 53:
            return f"{year - 1}-W{week:02d}"
        start, end = p.start - timedelta(days=364), p.end - timedelta(days=364)
        return f"{start.isoformat()}..{end.isoformat()}"
    return f"{_year_before(p.start).isoformat()}..{_year_before(p.end).isoformat()}"


def previous_period(period: str) -> str:
    """The period of the same kind just before (a range that is a calendar month, quarter
    or year: the one before it)."""
    return metrics.parse_period(_calendar(period)).previous().label


def scope_of(text: str) -> data.Scope:
    """'东城区/东华门街道' → (('district', '东城区'), ('street', '东华门街道')); '' → ().

    A third part names the community; further parts are ignored.
    """
    parts = [p for p in text.split("/") if p] if text else []
    return tuple(zip(accounts.SCOPE_KEYS, parts, strict=False))


def _account() -> accounts.Account:
    """The session's account; the router stops every page before sign-in, so a missing
    one here means a page was run on its own: it sees nothing rather than everything."""
    account = signed_in()
    if account is None:
        st.stop()
    return account


def require_city() -> accounts.Account:
    """Stop a page open to city accounts only (loads, quarantine, audit log, sample build)."""
    account = _account()
    if not account.is_city:
        st.error(t("city_only"))
        st.stop()
    return account


def _scope_options(url: str, account: accounts.Account) -> list[str]:
    """What the scope box offers: the account's own scope and the units one level inside."""
    if account.is_city:
        streets = data.unit_ids(url, "street")
        options = ["", *sorted({s.split("/", 1)[0] for s in streets}), *streets]
        chosen = scope_of(st.session_state.get("scope", ""))
        if len(chosen) >= 2:  # a street or one of its communities: offer its communities
            options += data.unit_ids(url, "community", chosen[:2])
        return options
    own = account.scope_path
    finer = {"district": "street", "street": "community"}.get(account.role)
    inner = data.unit_ids(url, finer, account.scope) if finer else []
    return [own, *inner]


def widget_key(name: str) -> str:
    """The key of the sidebar widget that edits the filter ``name`` in this run's language."""
    return f"_{name}_{lang()}"


def _edited(name: str, draw) -> None:
    """Draw a sidebar widget for the filter ``name`` and keep its value in
    ``st.session_state[name]``, a plain value that outlives page switches and the language.

    The widget has its own key per language: Streamlit keeps a selectbox's choice by its
    formatted label, and a label of the other language matches no option (the switch reset
    the level and kept the literal '全市' as a scope). A value set from outside (a drill-down,
    a language switch, a lost widget) is pushed into the widget before it is drawn."""
    key = widget_key(name)
    want = st.session_state[name]
    if st.session_state.get(f"_{name}_seen") != (key, want) or key not in st.session_state:
        st.session_state[key] = want
    value = draw(key)
    st.session_state[name] = value
    st.session_state[f"_{name}_seen"] = (key, value)


def sidebar(url: str) -> None:
    """Draw the shared filters; pages read them with :func:`current`."""
    ov = data.overview(url)
    default = latest_full_month(ov.last_reported)
    st.session_state.setdefault("period", default)
    st.session_state.setdefault("level", "street")
    st.session_state.setdefault("scope", "")
    st.subheader(t("filters"))
    _edited("period", lambda key: st.text_input(t("period"), key=key, help=t("period_help")))
    try:
        period = metrics.parse_period(written_period(st.session_state["period"])).label
    except metrics.PeriodError as exc:
        st.warning(t("bad_period", text=st.session_state["period"], error=str(exc), period=default))
        period = default
    st.session_state["_period"] = period
    account = _account()
    levels = account.levels
    if st.session_state["level"] not in levels:
        st.session_state["level"] = levels[0]
    _edited(
        "level",
        lambda key: st.selectbox(
            t("level"), levels, format_func=named(levels, level_label), key=key
        ),
    )
    options = _scope_options(url, account)
    if st.session_state["scope"] not in options:
        if account.is_city:
            options.append(st.session_state["scope"])
        else:
            st.session_state["scope"] = options[0]
    _edited(
        "scope",
        lambda key: st.selectbox(
            t("scope"),
            options,
            format_func=named(options, lambda v: v or t("whole_city")),
            key=key,
        ),
    )
    upload = st.file_uploader(t("rules_upload"), type=["toml"], key="rules_file")
    text = None
    if upload is not None and upload.size > MAX_RULES_BYTES:
        st.warning(t("rules_too_big", kb=MAX_RULES_BYTES // 1024))
    elif upload is not None:
        text = upload.getvalue().decode("utf-8", errors="replace")
        try:
            data.rules(text)
        except metrics.RuleSetError as exc:
            st.warning(t("rules_error", error=str(exc)))
            text = None
    st.session_state["rules_text"] = text
    rs = data.rules(text)
    st.caption(t("rules_in_use", name=rs.name, hash=rs.hash[:12]))
    if data.cube_missing(url, text):  # after a load without warm-up, or new time limits
        with st.spinner(t("preparing_kpis")):
            data.build_cube(url, text)


def current() -> Filters:
    """The sidebar's values (defaults when the sidebar has not been drawn, e.g. in tests),
    with the scope confined to the signed-in account's: a scope outside it is replaced by
    the account's own (and said so), the level by the account's widest."""
    s = st.session_state
    account = _account()
    requested = scope_of(s.get("scope", ""))
    try:
        scope = accounts.confine(account.scope, requested)
    except accounts.AccessDenied:
        st.warning(t("outside_scope", scope=s.get("scope", "")))
        scope = account.scope
    level = s.get("level", "street")
    return Filters(
        url=s.get("db_url") or data.default_url(),
        period=s.get("_period") or s.get("period") or f"{date.today():%Y-%m}",
        level=level if level in account.levels else account.levels[0],
        scope=scope,
        rules_text=s.get("rules_text"),
        account=account,
    )
