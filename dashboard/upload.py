"""The data page's upload form: save the files to a temporary folder and call ingest."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from caselog.ingest import ingest_files
from dashboard import data
from dashboard.chrome import upload_limit_mb
from dashboard.components import passing_trouble, preparing
from dashboard.i18n import flag_label, t, value_label
from services.afterload import after_load

CASE_TYPES = ["csv", "xlsx", "parquet", "json"]


def _too_big(files) -> bool:
    limit = upload_limit_mb()
    big = [f for f in files if f is not None and f.size > limit * 1024 * 1024]
    if big:
        st.error(t("upload_limit", mb=limit))
    return bool(big)


def upload_form(url: str, username: str) -> None:
    """File pickers for a case log, an optional mapping and ratings, and a load button; the
    load is recorded as made by ``username`` (the signed-in account)."""
    st.subheader(t("upload_title"))
    st.caption(t("upload_limit", mb=upload_limit_mb()))  # said once: the uploaders' own is hidden
    c1, c2, c3 = st.columns(3)
    cases = c1.file_uploader(t("upload_files"), type=CASE_TYPES, key="up_cases")
    mapping = c2.file_uploader(t("upload_mapping"), type=["toml"], key="up_mapping")
    ratings = c3.file_uploader(t("upload_ratings"), type=["csv", "xlsx"], key="up_ratings")
    go = st.button(t("upload_go"), key="up_go", type="primary", disabled=cases is None)
    if not go or cases is None or _too_big([cases, mapping, ratings]):
        return
    bar = st.progress(0.0, text=t("loading"))

    def report(phase: str, done: int, total: int) -> None:
        # the reader reports from pyarrow's worker threads too, where streamlit has no session
        if get_script_run_ctx(suppress_warning=True) is None:
            return
        share = min(max(done / total, 0.0), 1.0) if total else 0.0
        bar.progress(share, text=f"{t('loading')} · {phase}")

    with tempfile.TemporaryDirectory() as folder:
        paths = {}
        for name, upload in (("cases", cases), ("mapping", mapping), ("ratings", ratings)):
            if upload is not None:
                path = Path(folder) / Path(upload.name).name
                path.write_bytes(upload.getvalue())
                paths[name] = path
        try:
            summary = ingest_files(
                data.writer(url),
                [paths["cases"]],
                mapping=paths.get("mapping"),
                ratings=[paths["ratings"]] if "ratings" in paths else [],
                progress=report,
                loaded_by=username,
            )
        except Exception as exc:  # refused files and any other failure: one sentence
            bar.empty()
            busy = passing_trouble(exc, writing=True)
            if busy:
                st.warning(busy)
            else:
                st.error(t("upload_refused", error=str(exc).splitlines()[0] if str(exc) else exc))
            return
    data.forget_cached_data()
    after_load(url, preparing(bar))  # a failure there is logged: the pages compute it later
    bar.progress(1.0, text=t("upload_finished"))
    c = summary.cases
    st.success(
        t(
            "upload_done",
            read=c.read,
            inserted=c.inserted,
            updated=c.updated,
            unchanged=c.unchanged,
            rejected=c.rejected,
        )
    )
    for report in summary.files:
        if report.unused:  # a misspelt header (dispatch_time) would otherwise just be empty
            st.info(
                t("upload_unused", file=Path(report.file).name, columns="、".join(report.unused))
            )
    if c.reasons:
        reasons = pd.DataFrame(
            {
                t("reason"): [value_label("reason", r) for r in c.reasons],
                t("rows"): list(c.reasons.values()),
            }
        )
        st.dataframe(reasons, hide_index=True, key="up_reasons")
    # Values treated specially among the loaded rows: flagged, or known to the day only.
    # (No flag is both a case's and a rating's: ratings have rated_at and off_case_department.)
    noted = {**c.flags, **summary.ratings.flags}
    noted |= {f"day_precision:{k}": n for k, n in c.day_precision.items()}
    if noted:
        flags = pd.DataFrame(
            {
                t("flag"): [flag_label(k) for k in noted],
                t("rows"): list(noted.values()),
            }
        )
        st.dataframe(flags, hide_index=True, key="up_flags")
