"""Saved views in the sidebar: keep this page and its filters under a name, open, delete, default."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

import accounts
from dashboard import data, urlstate
from dashboard.i18n import LABELS, VALUE_LABELS, t

VALUE_LABELS["action"]["view"] = ("保存的视图", "saved view")
LABELS.update(
    {
        "views_title": ("保存的视图", "Saved views"),
        "views_link": ("本视图的链接（可复制发送）", "This view's link (copy it to send)"),
        "views_name": ("视图名称", "View name"),
        "views_save": ("保存当前视图", "Save this view"),
        "views_saved": ("已保存视图“{name}”。", "Saved the view “{name}”."),
        "views_pick": ("我的视图", "My views"),
        "views_none": ("还没有保存的视图。", "No saved view yet."),
        "views_open": ("打开", "Open"),
        "views_delete": ("删除", "Delete"),
        "views_default": ("设为默认", "Make default"),
        "views_undefault": ("取消默认", "No default"),
        "views_is_default": ("{name}（默认）", "{name} (default)"),
        "views_default_caption": (
            "默认视图在不带链接参数打开时自动显示。",
            "The default view opens when the app is opened without a link's filters.",
        ),
        "views_deleted": ("已删除视图“{name}”。", "Deleted the view “{name}”."),
        "view_no_name": ("请填写视图名称。", "Give the view a name."),
        "view_too_many": (
            "每个账户最多保存 {n} 个视图，请先删除不用的。",
            "An account keeps at most {n} views; delete one first.",
        ),
        "view_unknown": ("没有这个视图。", "There is no such view."),
    }
)


def slugs(pages) -> set[str]:
    """The url paths of the router's pages (a list, or sections of lists)."""
    groups = pages.values() if isinstance(pages, dict) else [pages]
    return {p.url_path for group in groups for p in group}


def page_named(pages, slug: str | None):
    """The router's page whose url path is ``slug`` (None: none of them)."""
    groups = pages.values() if isinstance(pages, dict) else [pages]
    found = [p for group in groups for p in group if slug and p.url_path == slug]
    return found[0] if found else None


def share_link(slug: str) -> str | None:
    """This view's full address (the browser's, with the query string this run writes);
    None when the browser's address is unknown (a test run)."""
    here = st.context.url
    if not here:
        return None
    base = here.split("?", 1)[0].rstrip("/")
    base = base.removesuffix(f"/{slug}") if slug else base
    query = urlencode(urlstate.current_params(slug), doseq=True)
    return f"{base}/{slug}?{query}" if query else f"{base}/{slug}"


def _refused(exc: accounts.ViewError) -> None:
    st.warning(t(f"view_{exc.key}", n=accounts.views.MAX_VIEWS))


def show_link(slot, slug: str) -> None:
    """This view's link in ``slot``, with its copy button (st.code), when the browser's
    address is known: written after the page ran, so that its choices are in it."""
    link = share_link(slug)
    if link:
        with slot.container():
            st.caption(t("views_link"))
            st.code(link, language=None, wrap_lines=True)


def sidebar_box(url: str, account: accounts.Account, pages, slug: str):
    """The saved views of the signed-in account (only its own): save the page shown with
    its filters, open one (its filters checked as a link's are), delete it, make it the
    default. Each change is written to the audit log. Returns the slot for the view's link
    (:func:`show_link`)."""
    engine = data.accounts_engine(url)
    user = account.username
    with st.expander(t("views_title"), icon=":material/bookmarks:"):
        slot = st.empty()  # the view's link, written once the page has run (show_link)
        name = st.text_input(t("views_name"), key="view_name", max_chars=accounts.views.MAX_NAME)
        if st.button(t("views_save"), key="view_save", icon=":material/bookmark_add:"):
            params = urlstate.current_params(slug)
            params.pop("lang", None)  # a view keeps the reader's language
            try:
                saved = accounts.save_view(engine, user, name, slug, params)
            except accounts.ViewError as exc:
                _refused(exc)
            else:
                st.toast(t("views_saved", name=saved))
        listed = accounts.list_views(engine, user)
        if listed.empty:
            st.caption(t("views_none"))
            return slot
        names = list(listed["name"])
        defaults = dict(zip(listed["name"], listed["is_default"], strict=True))
        picked = st.selectbox(
            t("views_pick"),
            names,
            format_func=lambda n: t("views_is_default", name=n) if defaults.get(n) else n,
            key="view_pick",
        )
        left, mid, right = st.columns(3)
        if left.button(t("views_open"), key="view_open"):
            _open(url, account, pages, picked)
        if right.button(t("views_delete"), key="view_delete"):
            accounts.delete_view(engine, user, picked)
            st.toast(t("views_deleted", name=picked))
            st.rerun()
        is_default = bool(defaults.get(picked))
        if mid.button(t("views_undefault" if is_default else "views_default"), key="view_default"):
            accounts.set_default(engine, user, None if is_default else picked)
            st.rerun()
        st.caption(t("views_default_caption"))
    return slot


def _open(url: str, account: accounts.Account, pages, name: str) -> None:
    """Open the saved view ``name``: its filters into the session (checked as a link's), then
    its page."""
    try:
        page, params = accounts.get_view(data.accounts_engine(url), account.username, name)
    except accounts.ViewError as exc:
        _refused(exc)
        return
    urlstate.apply_params(url, account, params)
    target = page_named(pages, page) or page_named(pages, "overview")
    urlstate.expect_page(target.url_path, params)
    st.switch_page(target)
