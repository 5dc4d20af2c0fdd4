"""The ranking page's publication parts: how the live figures differ from the published ones,
and the 发布 action with its confirmation."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.auth import OPEN
from dashboard.components import guarded
from dashboard.filters import Filters
from dashboard.i18n import lang, level_label, t
from records.frozen import compare
from records.publications import (
    PublicationError,
    default_title,
    may_publish,
)

_ASKED = "publish_asked"
_DONE = "publish_done"


def when(url: str, moment: datetime) -> str:
    """A publication's moment (the store's city wall-clock time) to the minute
    (2025-04-01 09:30)."""
    return f"{moment:%Y-%m-%d %H:%M}"


def difference_note(f: Filters, ranked: pd.DataFrame) -> None:
    """Say whether the live ranking equals the newest publication of the same level, period,
    scope and rule set, and if not how many units changed rank and the largest score gap."""
    pub = guarded(lambda: data.latest_publication(f.url, f.sel))
    if pub is None:
        return
    diff = compare(ranked, pub.table(), f.level)
    values = {"when": when(f.url, pub.published_at), "id": pub.id}
    if diff.same:
        st.info(t("published_same", **values), icon=":material/verified:")
        return
    changed = diff.units_changed + diff.units_added + diff.units_removed
    st.warning(
        t(
            "published_differs",
            ranks=diff.ranks_changed,
            diff=f"{diff.max_score_diff:.2f}",
            changed=changed,
            **values,
        ),
        icon=":material/difference:",
    )


def publish_panel(f: Filters, ranked: pd.DataFrame) -> None:
    """The 发布 button for city and district accounts (a district its own district only),
    then a confirmation showing what will be frozen, then the new publication's number."""
    done = st.session_state.pop(_DONE, None)
    if done is not None:
        st.success(t("publish_done", id=done), icon=":material/task_alt:")
    account = f.account
    if account is OPEN:
        st.caption(t("publish_open_mode"))
        return
    if account.role not in ("city", "district"):
        return
    if not may_publish(account.role, account.scope_path, f.sel.scope_path):
        st.caption(t("publish_own_scope", scope=account.scope_path))
        return
    if not st.session_state.get(_ASKED):
        if st.button(t("publish_open"), key="publish_open", icon=":material/publish:"):
            st.session_state[_ASKED] = f.sel.key
            st.rerun()
        return
    if st.session_state[_ASKED] != f.sel.key:  # the sidebar changed under the confirmation
        st.session_state.pop(_ASKED, None)
        st.rerun()
    _confirmation(f, ranked)


def _confirmation(f: Filters, ranked: pd.DataFrame) -> None:
    in_force = guarded(lambda: data.appeals_in_force(f.url, f.sel)) or []
    rs, zh = f.sel.rules, lang() == "zh"
    with st.container(border=True):
        st.subheader(t("publish_heading"))
        st.markdown(t("publish_intro"))
        facts = [
            (t("publish_level"), level_label(f.level)),
            (t("period"), f.period),
            (t("publish_scope"), f.scope_name),
            (
                t("publish_rules"),
                f"{rs.name}（{rs.hash[:12]}）" if zh else f"{rs.name} ({rs.hash[:12]})",
            ),
            (t("as_of"), f"{ranked.attrs['as_of']:%Y-%m-%d %H:%M:%S}"),
            (t("publish_units"), f"{len(ranked):,}"),
            (t("publish_appeals"), f"{len(in_force):,}"),
        ]
        colon = "：" if zh else ": "
        st.markdown("\n".join(f"- **{name}**{colon}{value}" for name, value in facts))
        title = st.text_input(t("publish_title"), value=default_title(f.sel), key="publish_name")
        left, right, _ = st.columns([1, 1, 4])
        go = left.button(t("publish_confirm"), key="publish_go", type="primary")
        if right.button(t("publish_cancel"), key="publish_cancel"):
            st.session_state.pop(_ASKED, None)
            st.rerun()
    if go:
        _publish(f, title)


def _publish(f: Filters, title: str) -> None:
    def run():
        try:
            return data.publish(f.url, f.sel, title, f.account.username)
        except PublicationError as exc:
            st.error(_refusal(f, exc))
            return None

    done = guarded(run)  # a busy store or a lost connection: one sentence too
    if done is None:
        return
    if done.audit_error:
        st.warning(done.audit_error)
    st.session_state.pop(_ASKED, None)
    st.session_state[_DONE] = done.id
    st.rerun()


def _refusal(f: Filters, exc: PublicationError) -> str:
    if exc.kind == "empty":
        return t("publish_empty", period=f.period, scope=f.scope_name)
    if exc.kind == "twin":
        moment = exc.values["when"]
        return t("publish_twin", id=exc.values["id"], when=f"{moment:%Y-%m-%d %H:%M:%S}")
    return t("publish_failed", error=str(exc))
