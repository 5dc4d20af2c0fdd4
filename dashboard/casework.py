"""Appeals and supervision orders in the app: one write with its audit entry, and their tables."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import TypeVar

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

import accounts
from dashboard import data
from dashboard.auth import OPEN
from dashboard.components import guarded, passing_trouble, preparing
from dashboard.i18n import kpi_label, t, value_label
from records.scope import RecordError
from services.afterload import after_load

T = TypeVar("T")
#: Columns named by the metrics label table; the others by this page's ``col_…`` labels.
_METRIC_COLUMNS = ("case_id", "district", "street", "department")
#: Coded columns and the value vocabulary that names them.
_CODED = {
    "kind": "appeal_kind",
    "status": "appeal_status",
    "state": "order_state",
    "to_kind": "to_kind",
}


def holder(account: accounts.Account) -> accounts.Account | None:
    """The account a record action is checked against: None for the app without accounts,
    whose one user holds the store as the command line does (records.appeals)."""
    return None if account is OPEN else account


def write(
    url: str,
    account: accounts.Account,
    action: str,
    do: Callable[[Engine], T],
    detail: Callable[[T], dict],
) -> T | None:
    """Run the record write ``do`` on the app's writer, then log it (``action``, ``detail``
    of its result) and do the work after a load: the write renewed the store's data version,
    so the KPI cube and the pages' tables are computed again (services.afterload), and the
    cached figures are dropped. A refusal or a busy store is one sentence; None then."""
    try:
        done = do(data.writer(url))
    except RecordError as exc:
        st.error(t(f"rec_{exc.key}", **exc.values))
        return None
    except Exception as exc:  # any other failure: one sentence, nothing else happens
        busy = passing_trouble(exc, writing=True)
        first = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0]
        st.warning(busy) if busy else st.error(t("store_error", error=first))
        return None
    what = detail(done)
    guarded(
        lambda: accounts.record(data.accounts_engine(url), account.username, action, detail=what)
    )
    data.forget_cached_data()
    bar = st.progress(0.0, text=t("recomputing"))
    after_load(url, preparing(bar))  # a failure there is logged: the pages compute it later
    bar.empty()
    return done


def moment(day: date | None, at: time | None) -> datetime | None:
    """A date and time of day from two inputs as one timestamp (None without a date)."""
    return None if day is None else datetime.combine(day, at or time(0, 0))


def shown(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """``frame``'s ``columns`` for people: coded values and empty units named, timestamps to
    the minute, headers in the page's language (``columns`` maps a column to its header key;
    '' for a metrics column)."""
    out = frame[list(columns)].copy()
    for col in out.columns:
        if col in _CODED:
            out[col] = out[col].map(lambda v, c=col: value_label(_CODED[c], v))
        elif col == "filed_unit":
            out[col] = out[col].map(lambda v: v or t("whole_city"))
        elif pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d %H:%M").fillna("")
    out = out.astype(object).where(out.notna(), "")
    out.columns = [kpi_label(c) if c in _METRIC_COLUMNS else t(columns[c]) for c in columns]
    return out
