"""红黑榜's notes: units left out for too few cases, and why a rank moved far (metrics.movers)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import metrics
from dashboard.components import fmt_kpi, table
from dashboard.i18n import kpi_label, t
from metrics.assessment import small_samples
from metrics.movers import BIG_MOVE, rank_moves, with_moves
from metrics.units import unit_path


def small_sample_note(ranked: pd.DataFrame, level: str, min_cases: int) -> None:
    """A caption naming the units flagged small_sample (not ranked, on neither list)."""
    small = ranked[small_samples(ranked)]
    if small.empty:
        return
    names = [unit_path(r, level) for r in small.to_dict("records")]
    shown = "、".join(names[:10]) + ("…" if len(names) > 10 else "")
    st.caption(t("small_left_out", n=len(names), min=min_cases, names=shown))


def moves(now: pd.DataFrame, before: pd.DataFrame | None, level: str, rules) -> pd.DataFrame:
    """The big rank moves of ``now`` against ``before`` (the previous period as rank_change
    judged it: data.previous_scores) with a ``move_note`` in words."""
    keys = list(metrics.LEVELS[level])
    if before is None:
        before = pd.DataFrame()
    found = rank_moves(now, before, keys, rules.scheme)
    found["move_note"] = [_note(r) for r in found.to_dict("records")]
    return found


def _note(row: dict) -> str:
    """'上升 27 位：受理量 +50.0%；响应率得分 +20.0'."""
    places = int(row["rank_change"])
    parts = [t("move_up" if places > 0 else "move_down", n=abs(places))]
    volume = row["volume_change"]
    why = [
        t("move_volume_new")
        if pd.isna(volume)
        else t("move_volume", change=f"{volume * 100:+,.1f}%")
    ]
    if isinstance(row["moved_kpi"], str):
        why.append(
            t(
                "move_part",
                kpi=kpi_label(row["moved_kpi"]),
                points=fmt_kpi("points_change", row["points_change"]),
            )
        )
    return t("move_note", move=parts[0], why=t("move_joiner").join(why))


def with_notes(frame: pd.DataFrame, found: pd.DataFrame, level: str) -> pd.DataFrame:
    """``frame`` with a move_note column (empty where the rank did not move far)."""
    out = with_moves(frame, found, list(metrics.LEVELS[level]))
    out["move_note"] = [_note(r) if r["big_move"] else "" for r in out.to_dict("records")]
    return out


def moves_section(found: pd.DataFrame, level: str) -> None:
    """The big moves as a table under a caption saying what is marked."""
    keys = list(metrics.LEVELS[level])
    with st.expander(t("moves_title", n=BIG_MOVE)):
        st.caption(t("moves_caption", n=BIG_MOVE))
        if found.empty:
            st.caption(t("no_big_moves", n=BIG_MOVE))
            return
        table(found[[*keys, "rank_change", "move_note"]], key="big_moves")
