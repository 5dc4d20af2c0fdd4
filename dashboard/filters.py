"""The shared sidebar (period, level, scope, rule set) and the filter values pages read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import streamlit as st

import accounts
import metrics
from caselog.columns import PARTY
from dashboard import data, urlstate
from dashboard.auth import OPEN, signed_in
from dashboard.chrome import actor_name, rules_name
from dashboard.i18n import lang, level_label, named, t
from dashboard.rulesets import active_text

LEVELS = ("district", "street", "community", "grid", "department")
MAX_RULES_BYTES = 64 * 1024


@dataclass(frozen=True)
class Filters:
    """What the sidebar chose, as plain values for the cached loaders."""

    url: str
    sel: metrics.Selection
    rules_text: str | None
    account: accounts.Account = OPEN

    @property
    def period(self) -> str:
        """The period's label (2025-03)."""
        return self.sel.period.label

    @property
    def level(self) -> str:
        return self.sel.level

    @property
    def scope(self) -> data.Scope:
        return self.sel.scope

    @property
    def areas(self) -> data.Scope:
        """The scope's areas only (a department account's party left out): for polygons."""
        return tuple(p for p in self.scope if p[0] in accounts.SCOPE_KEYS)

    @property
    def scope_name(self) -> str:
        areas = "/".join(v for _, v in self.areas) or t("whole_city")
        party = dict(self.scope).get(PARTY)
        return t("party_scope", department=party, areas=areas) if party else areas


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


def require_areas() -> accounts.Account:
    """Stop a page that counts every department's cases by area (forecasts): a department
    account would read the other departments' workload there."""
    account = _account()
    if account.is_department:
        st.error(t("department_refused"))
        st.stop()
    return account


def _roams(account: accounts.Account) -> bool:
    """Whether the account may narrow to any area: the city, and a department (its cases
    lie anywhere; its party scope stays on whatever area it picks)."""
    return account.is_city or account.is_department


def _scope_options(url: str, account: accounts.Account) -> list[str]:
    """What the scope box offers: the account's own scope and the units one level inside
    (the city's areas for a city or department account)."""
    if _roams(account):
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
    fallback = metrics.latest_full_month(ov.last_reported)
    default = fallback.label
    st.session_state.setdefault("period", default)
    st.session_state.setdefault("level", "street")
    st.session_state.setdefault("scope", "")
    st.subheader(t("filters"))
    _edited("period", lambda key: st.text_input(t("period"), key=key, help=t("period_help")))
    try:
        period = metrics.parse_period(st.session_state["period"])
    except metrics.PeriodError as exc:
        st.warning(t("bad_period", text=st.session_state["period"], error=str(exc), period=default))
        period = fallback
    st.session_state["_period"] = period  # parsed once here; current() hands it on
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
        if _roams(account) and data.scope_exists(url, scope_of(st.session_state["scope"])):
            options.append(st.session_state["scope"])
        else:
            if _roams(account):
                st.warning(t("unknown_scope", scope=st.session_state["scope"]))
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
    chosen = _rules_version(url)
    _data_version(url)
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
    if text is None:  # no upload: the version chosen, the one active for the level, the default
        text = chosen or active_text(url, st.session_state["level"])
    st.session_state["rules_text"] = text
    rs = data.rules(text)
    st.caption(t("rules_in_use", name=rules_name(rs.name), hash=rs.hash[:12]))
    fresh = data.freshness(url, known_at())
    if fresh.as_of is not None:
        st.caption(
            t(
                "data_as_of",
                as_of=f"{fresh.as_of:%Y-%m-%d %H:%M}",
                load=t("loaded_from", file=fresh.file, at=f"{fresh.loaded_at:%Y-%m-%d %H:%M}")
                if fresh.loaded_at
                else "",
            )
        )
    if data.cube_missing(url, text):  # after a load without warm-up, or new time limits
        with st.spinner(t("preparing_kpis")):
            data.build_cube(url, text)


def _rules_version(url: str) -> str | None:
    """The saved rule set version box (shown once a version is saved; a link names it as
    ``rules=ID``): its TOML, or None for the one active for the level."""
    names = urlstate.version_names(url)
    st.session_state.setdefault("rules_version", "")
    if st.session_state["rules_version"] not in names:
        st.session_state["rules_version"] = ""
    if not names:
        return None
    options = ["", *names]
    labels = {"": t("rules_version_active")} | {
        v: t("rules_saved_version", id=v, name=name) for v, name in names.items()
    }
    _edited(
        "rules_version",
        lambda key: st.selectbox(t("rules"), options, format_func=labels.get, key=key),
    )
    chosen = st.session_state["rules_version"]
    return urlstate.version_text(url, int(chosen)) if chosen else None


def _data_version(url: str) -> None:
    """The data version box: 最新, or the data as known right after one of the loads."""
    runs = data.loads(url)
    options = ["", *(f"{at:%Y-%m-%d %H:%M:%S.%f}" for at in runs["loaded_at"])]
    names = {"": t("data_version_latest")}
    for value, row in zip(options[1:], runs.itertuples(index=False), strict=True):
        by = actor_name(row.loaded_by)
        names[value] = t(
            "data_version_option", at=f"{row.loaded_at:%Y-%m-%d %H:%M:%S}", files=row.files, by=by
        )
    st.session_state.setdefault("known_at", "")
    if st.session_state["known_at"] not in options:  # a store changed under the session
        st.session_state["known_at"] = ""
    _edited(
        "known_at",
        lambda key: st.selectbox(
            t("data_version"), options, format_func=names.get, key=key, help=t("data_version_help")
        ),
    )


def known_at() -> datetime | None:
    """The data version chosen in the sidebar (city time), None for the newest data."""
    chosen = st.session_state.get("known_at") or ""
    return datetime.fromisoformat(chosen) if chosen else None


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
    period = s.get("_period")
    if not isinstance(period, metrics.Period):  # a page run without the router's sidebar
        period = metrics.latest_full_month(None)
    sel = metrics.Selection.build(
        level if level in account.levels else account.levels[0],
        period,
        scope=scope,
        rules=data.rules(s.get("rules_text")),
        as_known_at=known_at(),
    )
    return Filters(
        url=s.get("db_url") or data.default_url(),
        sel=sel,
        rules_text=s.get("rules_text"),
        account=account,
    )
