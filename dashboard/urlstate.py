"""The view in the URL: filters and page choices in the query string, a shared link checked.

A session's filters live in its session state (dashboard.filters); the query string mirrors
them after every run, so a reload, a bookmark or a link sent to a colleague opens the same
view. A link is read once, on a session's first run, and each of its values is checked
against the store and the signed-in account before it is used: a value that cannot be used
gives way to the nearest valid one with a note above the page, never an error and never
anything outside the account's scope.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import RerunException, get_script_run_ctx

import accounts
import metrics
from dashboard import data
from dashboard.i18n import LABELS, LANGUAGES, level_label, t
from records import rulesets

Params = dict[str, list[str]]

#: Query-string name → the session-state key of a sidebar filter (dashboard.filters).
GLOBAL = {
    "period": "period",
    "level": "level",
    "scope": "scope",
    "rules": "rules_version",
    "known": "known_at",
}
#: Each page's own choices kept in the query string: widget key → "one", "many" or "int".
PAGE_FILTERS: dict[str, dict[str, str]] = {
    "assessment": {
        "funnel_kpi": "one",
        "split_by": "one",
        "explain_unit": "one",
        "explain_kpi": "one",
        "explain_part": "one",
    },
    "compare": {"compare_units": "many", "compare_kpi": "one"},
    "trends": {"trend_kpi": "one", "trend_freq": "one", "trend_split": "one", "trend_top": "int"},
    "map": {"map_measure": "one", "map_district": "one"},
    "forecasts": {"fc_level": "one", "fc_unit": "one"},
    "publications": {"pub_chosen": "int"},
}
_IN, _APPLIED, _NOTES, _EXPECT = "_url_in", "_url_applied", "_url_notes", "_url_expect"
_PATH = "_url_path"

LABELS.update(
    {
        "link_bad_period": (
            "链接中的周期“{text}”无法识别，已显示 {period}。",
            "The link's period “{text}” is not a period; showing {period}.",
        ),
        "link_bad_level": (
            "链接中的层级“{text}”不可用，已显示{level}。",
            "The link's level “{text}” is not available; showing {level}.",
        ),
        "link_outside_scope": (
            "链接中的范围“{text}”超出您的权限，已显示您的范围：{scope}。",
            "The link's scope “{text}” is outside your access; showing your own: {scope}.",
        ),
        "link_unknown_scope": (
            "链接中的范围“{text}”无法打开，已显示最接近的范围：{scope}。",
            "The link's scope “{text}” cannot be shown; showing the nearest: {scope}.",
        ),
        "link_bad_rules": (
            "链接中的规则集版本“{text}”不存在，已使用当前启用的规则集。",
            "The link's rule set version “{text}” does not exist; using the active rule set.",
        ),
        "link_bad_known": (
            "链接中的数据版本“{text}”不存在，已显示最新数据。",
            "The link's data version “{text}” does not exist; showing the latest data.",
        ),
        "link_bad_choice": (
            "链接中的选项“{text}”在本页不可选，已改用默认选项。",
            "The link's choice “{text}” is not offered on this page; using the default.",
        ),
        "link_dropped": (
            "链接中的“{text}”在本页不可选，已略去。",
            "The link's “{text}” is not offered on this page; left out.",
        ),
        "link_unknown_page": (
            "没有“{path}”这个页面（或您的账户不能打开它），已打开城市总览。",
            "There is no page “{path}” (or your account may not open it); the city overview "
            "is shown instead.",
        ),
        "page_lost": ("页面不存在", "Page not found"),
        "page_compare": ("单位对比", "Compare units"),
        "rules_version_active": ("本层级启用的规则集", "The one active for the level"),
    }
)


def arrive() -> None:
    """On a session's first run, keep the link's query string (before sign-in, which may
    take several runs) and take its language at once."""
    s = st.session_state
    if _IN in s:
        return
    qp = st.query_params
    s[_IN] = {key: qp.get_all(key) for key in qp}
    s[_PATH] = requested_page() or ""
    s[_NOTES] = []
    lang = _one(s[_IN], "lang")
    if lang in LANGUAGES:
        s["lang"] = lang


def requested_page() -> str | None:
    """The page path a browser asked for by URL on this run (``overview`` for /overview),
    None on a run that names its page otherwise (a click, a page switch) or at the root.

    Streamlit keeps it in the run's page manager; read defensively so that a Streamlit
    without it only loses the unknown-page note."""
    manager = getattr(get_script_run_ctx(), "pages_manager", None)
    if manager is None or getattr(manager, "intended_page_script_hash", ""):
        return None
    return getattr(manager, "intended_page_name", None) or None


def note(text: str) -> None:
    """A note shown above the page at the end of this run (or the next one that ends)."""
    st.session_state.setdefault(_NOTES, []).append(text)


def apply_link(url: str, account: accounts.Account, page: str, known: set[str]) -> str | None:
    """Once per session, after sign-in: the link's filters (or, without any, the account's
    default view) into the session, each checked. ``page`` is the page this run shows ('' at
    the root or an unknown path), ``known`` the account's pages. Returns the page to open
    instead of the root: the one the link named when sign-in came between (the run after
    it starts at the root), else the default view's; None to stay."""
    s = st.session_state
    if s.get(_APPLIED):
        return None
    s[_APPLIED] = True
    params: Params = s.get(_IN) or {}
    arrival = s.get(_PATH) or ""
    target = None
    if not page and arrival:
        if arrival in known:
            target = arrival
        else:
            note(t("link_unknown_page", path=arrival))
    if not params:
        found = _default_view(url, account)
        if found is not None:
            target, params = target or found[0], found[1]
    apply_params(url, account, params)
    expect_page(target or page, params)
    return target if target and not page else None


def apply_params(url: str, account: accounts.Account, params: Params) -> None:
    """Set the sidebar's filters from ``params`` (a link's or a saved view's), each value
    checked; a value that cannot be used is left out with a note (the sidebar's default or
    the nearest valid value shows instead)."""
    s = st.session_state
    if (text := _one(params, "period")) is not None:
        try:
            metrics.parse_period(text)
            s["period"] = text
        except metrics.PeriodError:
            fallback = metrics.latest_full_month(data.overview(url).last_reported)
            note(t("link_bad_period", text=text, period=fallback.label))
            s["period"] = fallback.label
    if (text := _one(params, "level")) is not None:
        if text in account.levels:
            s["level"] = text
        else:
            level = "street" if "street" in account.levels else account.levels[0]
            note(t("link_bad_level", text=text, level=level_label(level)))
            s["level"] = level
    if (text := _one(params, "scope")) is not None:
        s["scope"] = nearest_scope(url, account, text)
    if (text := _one(params, "rules")) is not None:
        s["rules_version"] = text if _version_exists(url, text) else ""
        if not s["rules_version"]:
            note(t("link_bad_rules", text=text))
    if (text := _one(params, "known")) is not None:
        known = {f"{at:%Y-%m-%d %H:%M:%S.%f}" for at in data.loads(url)["loaded_at"]}
        s["known_at"] = text if text in known else ""
        if text and text not in known:
            note(t("link_bad_known", text=text))


def nearest_scope(url: str, account: accounts.Account, text: str) -> str:
    """The scope path to show for a requested one: inside the account's scope (its own when
    the request lies outside), trimmed to the areas the store has and the sidebar offers the
    account, with a note whenever it differs from the request."""
    from dashboard.filters import scope_of  # the sidebar imports this module

    requested = scope_of(text)
    own = tuple(p for p in account.scope if p[0] in accounts.SCOPE_KEYS)
    try:
        confined = accounts.confine(account.scope, requested)
    except accounts.AccessDenied:
        confined = None
    areas = tuple(p for p in confined or () if p[0] in accounts.SCOPE_KEYS)
    if confined is None or len(areas) != len(requested):  # another unit's, or wider
        shown = "/".join(v for _, v in own)
        note(t("link_outside_scope", text=text, scope=shown or t("whole_city")))
        return shown
    if not (account.is_city or account.is_department):
        areas = areas[: len(own) + 1]  # the sidebar offers its own scope and one level inside
    while len(areas) > len(own) and not data.scope_exists(url, areas):
        areas = areas[:-1]
    shown = "/".join(v for _, v in areas)
    if areas != requested:
        note(t("link_unknown_scope", text=text, scope=shown or t("whole_city")))
    return shown


def expect_page(page: str, params: Params) -> None:
    """Put the link's choices for ``page`` into its widgets' state (drawn later this run or
    on the page's first run), and remember them to say so if the page cannot offer one."""
    s = st.session_state
    wanted = {}
    for key, kind in PAGE_FILTERS.get(page, {}).items():
        values = params.get(key)
        if not values:
            continue
        if kind == "many":
            value = list(values)
        elif kind == "int":
            value = int(values[-1]) if values[-1].lstrip("-").isdigit() else values[-1]
        else:
            value = values[-1]
        s[key] = wanted[key] = value
    s[_EXPECT] = (page, wanted)


def finish(page: str, box, after=None) -> None:
    """After the page ran: note each link choice the page could not offer, show the notes in
    ``box`` (above the page), write the view into the query string, then call ``after``.
    Not on a run cut short by a rerun or a page switch: the next run does it all."""
    s = st.session_state
    where, wanted = s.pop(_EXPECT, ("", {}))
    if where == page:
        for key, value in wanted.items():
            got = s.get(key)
            missing = [v for v in value if v not in got] if isinstance(value, list) else []
            if isinstance(value, list) and missing:
                note(t("link_dropped", text="、".join(map(str, missing))))
            elif not isinstance(value, list) and got != value:
                note(t("link_bad_choice", text=value))
    elif wanted:
        s[_EXPECT] = (where, wanted)  # the link's page has not run yet
    for text in s.get(_NOTES, []):
        box.warning(text, icon=":material/link_off:")
    s[_NOTES] = []
    want = current_params(page)
    if {k: st.query_params.get_all(k) for k in st.query_params} != want:
        st.query_params.from_dict(want)
    if after is not None:
        after()


def current_params(page: str) -> Params:
    """This session's view as query parameters: the sidebar's filters, the page's choices
    and the language when it is not Chinese."""
    s = st.session_state
    out: Params = {}
    for name, key in GLOBAL.items():
        value = s.get(key)
        if value not in (None, ""):
            out[name] = [str(value)]
    for key in PAGE_FILTERS.get(page, {}):
        value = s.get(key)
        if isinstance(value, list | tuple):
            if value:
                out[key] = [str(v) for v in value]
        elif value is not None and value != "":
            out[key] = [str(value)]
    if s.get("lang", "zh") != "zh":
        out["lang"] = [s["lang"]]
    return out


def run_page(page, box, after=None) -> None:
    """Run the chosen page, then :func:`finish` it (also when it stops early), then call
    ``after`` (what needs the page's choices: the sidebar's link)."""
    try:
        page.run()
    except RerunException:
        raise
    except BaseException:
        finish(page.url_path, box, after=after)
        raise
    finish(page.url_path, box, after=after)


def _one(params: Params, name: str) -> str | None:
    values = params.get(name)
    return values[-1] if values else None


def _default_view(url: str, account: accounts.Account) -> tuple[str, Params] | None:
    try:
        return accounts.default_view(data.accounts_engine(url), account.username)
    except Exception:  # an unreachable accounts database: open the plain view
        return None


def _version_exists(url: str, text: str) -> bool:
    return text.isdigit() and version_text(url, int(text)) is not None


@st.cache_data(ttl=300, show_spinner=False)
def version_text(url: str, version: int) -> str | None:
    """The TOML of saved rule set ``version``; None when the store has no such version."""
    try:
        return rulesets.load_version(data.engine(url), version).text
    except rulesets.RecordError:
        return None


@st.cache_data(ttl=300, show_spinner=False)
def version_names(url: str) -> dict[str, str]:
    """Saved rule set versions, newest first: id (as text) → name."""
    frame = rulesets.versions(data.engine(url))
    return {str(i): name for i, name in zip(frame["id"], frame["name"], strict=True)}
