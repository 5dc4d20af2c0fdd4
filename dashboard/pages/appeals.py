"""申诉 — file an appeal on a case in scope, decide pending ones (city), and list them all."""

from datetime import time

import streamlit as st

from dashboard import data
from dashboard.casework import holder, moment, shown, write
from dashboard.components import guarded
from dashboard.filters import current
from dashboard.i18n import kpi_label, named, t, value_label
from records.appeals import FILERS, KINDS, decide, file_appeal
from records.scope import department_of

COLUMNS = {
    "id": "col_id",
    "case_id": "",
    "district": "",
    "street": "",
    "department": "",
    "kind": "col_kind",
    "until": "col_until",
    "reason": "col_reason",
    "filed_by": "col_filed_by",
    "filed_unit": "col_filed_unit",
    "filed_at": "col_filed_at",
    "status": "col_status",
    "decided_by": "col_decided_by",
    "decided_at": "col_decided_at",
    "note": "col_note",
}

f = current()
account = f.account
st.title(t("page_appeals"))
st.caption(t("appeals_help"))
if holder(account) is None:
    st.info(t("appeals_open_mode"))
if "ap_done" in st.session_state:  # what the last action did, shown after its rerun
    st.success(st.session_state.pop("ap_done"))

if holder(account) is None or account.role in FILERS or department_of(account):
    st.subheader(t("appeal_file_title"))
    with st.form("appeal_form"):
        case_id = st.text_input(kpi_label("case_id"), key="ap_case", max_chars=200)
        kind = st.radio(
            t("appeal_kind"),
            KINDS,
            format_func=named(KINDS, lambda k: value_label("appeal_kind", k)),
            key="ap_kind",
            horizontal=True,
        )
        left, right = st.columns(2)
        day = left.date_input(t("appeal_until_day"), value=None, key="ap_until_day")
        at = right.time_input(t("appeal_until_time"), value=time(18, 0), key="ap_until_time")
        reason = st.text_area(t("appeal_reason"), key="ap_reason", max_chars=4000)
        filed = st.form_submit_button(t("appeal_submit"), key="ap_file", type="primary")
    if filed:
        until = moment(day, at) if kind == "extend" else None
        new = write(
            f.url,
            account,
            "appeal",
            lambda engine: file_appeal(
                engine,
                case_id,
                kind,
                reason,
                by=account.username,
                until=until,
                account=holder(account),
            ),
            lambda new: (
                {"do": "file", "id": new, "case_id": case_id.strip(), "kind": kind}
                | ({"until": until} if until else {})
                | {"reason": reason.strip()}
            ),
        )
        if new is not None:
            st.session_state["ap_done"] = t("appeal_filed", id=new, case=case_id.strip())
            st.rerun()

if account.is_city:
    st.subheader(t("appeal_decide_title"))
    pending = guarded(lambda: data.appeal_list(f.url, account, "pending"))
    if pending is not None and pending.empty:
        st.info(t("no_pending"))
    elif pending is not None:
        labels = {
            r.id: f"#{r.id} · {r.case_id} · {value_label('appeal_kind', r.kind)} · {r.reason[:40]}"
            for r in pending.itertuples()
        }
        chosen = st.selectbox(t("appeal_pick"), list(labels), format_func=labels.get, key="ap_pick")
        note = st.text_area(t("appeal_note"), key="ap_note", max_chars=4000)
        left, right = st.columns(2)
        approve = left.button(t("approve"), key="ap_approve", type="primary")
        reject = right.button(t("reject"), key="ap_reject")
        decision = "approve" if approve else "reject" if reject else None
        if decision and not note.strip():
            st.error(t("rec_empty_note"))
        elif decision:
            row = write(
                f.url,
                account,
                "appeal",
                lambda engine: decide(
                    engine, chosen, decision, by=account.username, note=note, account=account
                ),
                lambda row: {
                    "do": "decide",
                    "id": row["id"],
                    "case_id": row["case_id"],
                    "status": row["status"],
                    "note": row["note"],
                },
            )
            if row is not None:
                status = value_label("appeal_status", row["status"])
                said = t("appeal_decided", id=row["id"], case=row["case_id"], status=status)
                st.session_state["ap_done"] = said
                st.rerun()  # the pending list without it

st.subheader(t("appeal_list_title"))
listed = guarded(lambda: data.appeal_list(f.url, account))
if listed is not None and listed.empty:
    st.info(t("no_appeals"))
elif listed is not None:
    st.dataframe(shown(listed, COLUMNS), hide_index=True, key="ap_list")
