"""督办单 on 督查督办: issue an order on a red card, answer the orders to one's unit, list and count."""

from __future__ import annotations

from datetime import date, time, timedelta

import streamlit as st

from dashboard import data
from dashboard.casework import holder, moment, shown, write
from dashboard.components import guarded
from dashboard.filters import Filters
from dashboard.i18n import kpi_label, t, value_label
from records.orders import ISSUERS, answer_order, issue_order, receives
from records.scope import department_of

ORDER_COLUMNS = {
    "id": "col_id",
    "case_id": "",
    "to_kind": "col_to_kind",
    "to_unit": "col_to_unit",
    "issued_by": "col_issued_by",
    "issued_at": "col_issued_at",
    "due_at": "col_due_at",
    "note": "col_order_note",
    "state": "col_state",
    "answer": "col_answer",
    "answered_by": "col_answered_by",
    "answered_at": "col_answered_at",
}
COUNT_COLUMNS = {
    "to_kind": "col_to_kind",
    "to_unit": "col_to_unit",
    "orders": "col_orders",
    "open": "col_open",
    "answered": "col_answered",
    "late": "col_late",
}


def orders_section(f: Filters) -> None:
    """The orders part of 督查督办 for the signed-in account (f.account)."""
    st.subheader(t("orders_title"))
    st.caption(t("orders_help"))
    if "ord_done" in st.session_state:  # what the last action did, shown after its rerun
        st.success(st.session_state.pop("ord_done"))
    account = f.account
    if account.role in ISSUERS and department_of(account) is None:
        _issue_form(f)
    listed = guarded(lambda: data.order_list(f.url, account))
    if listed is None:
        return
    mine = [r for r in listed.to_dict("records") if r["answered_at"] is None]
    if holder(account) is not None:
        mine = [r for r in mine if receives(account, r)]
    if holder(account) is None or mine:
        _answer_form(f, mine)
    if listed.empty:
        st.info(t("no_orders"))
        return
    st.markdown(f"**{t('orders_count_title')}**")
    counts = guarded(lambda: data.order_counts(f.url, account))
    if counts is not None:
        st.dataframe(shown(counts, COUNT_COLUMNS), hide_index=True, key="ord_counts")
    st.markdown(f"**{t('orders_list_title')}**")
    st.dataframe(shown(listed, ORDER_COLUMNS), hide_index=True, key="ord_list")


def _issue_form(f: Filters) -> None:
    st.markdown(f"**{t('order_issue_title')}**")
    red = guarded(lambda: data.cards(f.url, "red", f.sel))
    if red is None or red.empty:
        st.info(t("no_overdue_to_order"))
        return
    case_id = st.selectbox(kpi_label("case_id"), list(red["case_id"]), key="ord_case")
    options = data.receivers(f.url, case_id)
    names = {o: f"{value_label('to_kind', o[0])} · {o[1]}" for o in options}
    to = st.selectbox(t("order_to"), options, format_func=names.get, key="ord_to")
    left, right = st.columns(2)
    day = left.date_input(
        t("order_due_day"), value=date.today() + timedelta(days=3), key="ord_due_day"
    )
    at = right.time_input(t("order_due_time"), value=time(18, 0), key="ord_due_time")
    note = st.text_area(t("order_note"), key="ord_note", max_chars=4000)
    if not st.button(t("order_issue"), key="ord_issue", type="primary"):
        return
    if to is None:
        st.error(t("rec_empty_unit"))
        return
    due = moment(day, at)
    new = write(
        f.url,
        f.account,
        "order",
        lambda engine: issue_order(
            engine,
            f.sel,
            case_id,
            to[0],
            to[1],
            due,
            note,
            by=f.account.username,
            account=holder(f.account),
        ),
        lambda new: (
            {"do": "issue", "id": new, "case_id": case_id, "to": to[1], "due": due}
            | {"note": note.strip()}
        ),
    )
    if new is not None:
        st.session_state["ord_done"] = t("order_issued", id=new, case=case_id, unit=to[1])
        st.rerun()


def _answer_form(f: Filters, waiting: list[dict]) -> None:
    st.markdown(f"**{t('order_answer_title')}**")
    if not waiting:
        st.info(t("no_orders_to_answer"))
        return
    labels = {
        r["id"]: f"#{r['id']} · {r['case_id']} · {r['to_unit']} · {r['note'][:40]}" for r in waiting
    }
    chosen = st.selectbox(t("order_pick"), list(labels), format_func=labels.get, key="ord_pick")
    text = st.text_area(t("order_answer"), key="ord_answer", max_chars=4000)
    if not st.button(t("order_send"), key="ord_send", type="primary"):
        return
    done = write(
        f.url,
        f.account,
        "order",
        lambda engine: answer_order(
            engine, chosen, text, by=f.account.username, account=holder(f.account)
        ),
        lambda _: {"do": "answer", "id": chosen},
    )
    if done is not None:
        st.session_state["ord_done"] = t("order_answered", id=chosen)
        st.rerun()
