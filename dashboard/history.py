"""The case history shown beside explained cases: each version, its load, what it changed."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.chrome import actor_name
from dashboard.components import load, table
from dashboard.filters import Filters
from dashboard.i18n import flag_label, kpi_label, t, value_label

#: Coded case columns shown in words (status, source and urgency: components.table).
CODED = ("satisfaction", "request_type")


def case_history(f: Filters, case_ids: list[str]) -> None:
    """A case picker over ``case_ids`` and the chosen case's versions inside the account's
    scope (metrics.case_versions), the changed columns named in the page's language."""
    st.subheader(t("case_history_title"))
    chosen = st.selectbox(kpi_label("case_id"), case_ids, key="history_case")
    versions = load(lambda: data.case_versions(f.url, chosen, f.scope))
    if versions is None:
        return
    if versions.empty:
        st.caption(t("case_history_none"))
        return
    st.caption(t("case_history_caption"))
    changed = versions["changed"].map(
        lambda names: (
            "、".join(kpi_label(n) for n in names.split(";")) if names else t("first_version")
        )
    )
    shown = versions.assign(
        changed=changed,
        newest=versions["newest"].map(lambda v: "✓" if v else ""),
        loaded_by=versions["loaded_by"].map(actor_name),
        quality_flags=versions["quality_flags"].map(
            lambda v: "、".join(flag_label(x) for x in v.split(";")) if v else ""
        ),
        **{c: versions[c].map(lambda v, c=c: value_label(c, v) if v else "") for c in CODED},
    )
    table(shown, key="case_history", height=240)
