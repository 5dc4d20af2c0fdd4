"""规则集管理 — saved versions, one active rule set per level, and the editor with the ranking
before and after a change (city accounts only)."""

from dataclasses import replace
from pathlib import Path

import pandas as pd
import streamlit as st

import metrics
from dashboard import data
from dashboard.casework import holder, write
from dashboard.chrome import actor_name, rules_name
from dashboard.components import load, table
from dashboard.filters import current, require_city
from dashboard.i18n import LABELS, kpi_label, level_label, named, t
from dashboard.rulesets import active_text
from metrics.registry import KPIS
from metrics.ruledraft import Draft, compose, draft_of, movers
from metrics.rules import LEVEL_NAMES, load_rules, parse_rules
from metrics.scheme import UNSCORABLE
from records import rulesets

EXAMPLES = Path(__file__).resolve().parents[2] / "sample_data" / "rules"
SCORABLE = [k.id for k in KPIS if k.id not in UNSCORABLE]
LEVELS = [lv for lv in LEVEL_NAMES if lv != "city"]  # ranked levels (city: the headline)

require_city()
f = current()
st.title(t("page_rule_sets"))
who = f.account.username
saved = load(lambda: rulesets.versions(data.engine(f.url)))
if saved is None:
    st.stop()

st.subheader(t("rules_versions"))
if saved.empty:
    st.info(t("rules_none_saved"))
else:
    listed = saved.assign(
        rules_hash=saved["rules_hash"].str[:12],
        saved_by=saved["saved_by"].map(actor_name),
        active_for=saved["active_for"].map(
            lambda v: ", ".join(level_label(x) for x in v.split(", ")) if v else ""
        ),
    )
    listed.columns = [f"col_{c}" for c in listed.columns]
    table(listed, key="rule_versions", height=240)

st.subheader(t("rules_activate_title"))
choices = [None, *saved["id"].tolist()]
c1, c2, c3 = st.columns([2, 3, 1])
level = c1.selectbox(t("rules_level"), LEVEL_NAMES, format_func=level_label, key="rules_level")
pick = c2.selectbox(
    t("rules_version"),
    choices,
    format_func=lambda v: (
        t("rules_default") if v is None else f"{v} · " + saved.set_index("id").loc[v, "name"]
    ),
    key="rules_pick",
)
if c3.button(t("rules_activate"), key="rules_activate"):
    done = write(
        f.url,
        f.account,
        "rule_set",
        lambda e: rulesets.activate(e, pick, level, by=who, account=holder(f.account)),
        lambda _: {"do": "activate", "id": pick, "level": level},
    )
    if done is not None:
        what = t("rules_default") if pick is None else f"{pick}"
        st.session_state["rules_note"] = t("rules_activated", what=what, level=level_label(level))
        st.rerun()
note = st.session_state.pop("rules_note", None)
if note:
    st.success(note)

st.subheader(t("rules_edit_title"))
sources = ["default", *[f"example:{p.name}" for p in sorted(EXAMPLES.glob("*.toml"))]]
sources += [f"version:{v}" for v in saved["id"].tolist()]


def _source_label(source: str) -> str:
    kind, _, name = source.partition(":")
    if kind == "example":
        stem = name.removesuffix(".toml")
        key = f"rules_example_{stem}"
        return t("rules_example", name=t(key) if key in LABELS else stem)
    if kind == "version":
        named_as = saved.set_index("id").loc[int(name), "name"]
        return t("rules_saved_version", id=name, name=rules_name(named_as))
    return t("rules_default")


source = st.selectbox(t("rules_start"), sources, format_func=_source_label, key="rules_source")
kind, _, ref = source.partition(":")
if kind == "example":
    base = load_rules(EXAMPLES / ref)
elif kind == "version":
    base = rulesets.load_version(data.engine(f.url), int(ref))
else:
    base = metrics.default_rules()
start = draft_of(base)
tag = f"{source}:{base.hash[:12]}"  # new editors (fresh tables) for another starting point
left, mid, right = st.columns([2, 1, 2])
name = left.text_input(t("rules_name"), value=start.name, key=f"rules_name:{tag}")
min_cases = mid.number_input(
    t("rules_min_cases"), min_value=0, step=1, value=start.min_cases, key=f"rules_min:{tag}"
)
levels = right.multiselect(
    t("rules_levels"),
    LEVELS,
    default=start.levels,
    format_func=level_label,
    key=f"rules_lv:{tag}",
    placeholder=t("choose"),  # Streamlit's own is English ("Choose options")
)
kpi_column = st.column_config.SelectboxColumn(
    t("kpi"), options=SCORABLE, format_func=kpi_label, required=True
)
numbers = {
    c: st.column_config.NumberColumn(t(f"rules_col_{c}"), format="%g")
    for c in ("points", "target", "floor", "per", "cap")
}


def _editor(title: str, frame: pd.DataFrame, key: str) -> pd.DataFrame:
    st.markdown(f"**{t(title)}**")
    config = {"kpi": kpi_column, **{c: numbers[c] for c in frame.columns if c in numbers}}
    return st.data_editor(
        frame, num_rows="dynamic", column_config=config, hide_index=True, key=f"{key}:{tag}"
    )


draft = Draft(
    name=name,
    min_cases=int(min_cases),
    levels=list(levels),
    items=_editor("rules_items", start.items, "rules_items"),
    deduct=_editor("rules_deduct", start.deduct, "rules_deduct"),
    bonus=_editor("rules_bonus", start.bonus, "rules_bonus"),
    targets=_editor("rules_targets", start.targets, "rules_targets"),
)
text = compose(base, draft)
with st.expander(t("rules_toml")):
    st.code(text, language="toml")
try:
    after = parse_rules(text, "the rule set")
except metrics.RuleSetError as exc:
    st.error(t("rules_invalid", error=str(exc)))
    st.stop()

st.subheader(t("rules_compare_title"))
ranked_at = st.selectbox(
    t("rules_level"),
    LEVELS,
    index=LEVELS.index(f.level) if f.level in LEVELS else 1,
    format_func=named(LEVELS, level_label),
    key="rules_compare_level",
)
before = data.rules(active_text(f.url, ranked_at))
sel = f.sel.by(ranked_at)
st.caption(
    t(
        "rules_compare_caption",
        level=level_label(ranked_at),
        period=f.period,
        before=f"{rules_name(before.name)} · {before.hash[:12]}",
        after=f"{rules_name(after.name)} · {after.hash[:12]}",
    )
)
old = load(lambda: data.assessment(f.url, replace(sel, rules=before)))
new = load(lambda: data.assessment(f.url, replace(sel, rules=after)))
if old is not None and new is not None:
    moved = movers(old, new, metrics.LEVELS[ranked_at])
    st.caption(t("rules_moved", n=int((moved["moved"].fillna(0) != 0).sum())))
    renamed = {c: f"col_{c}" for c in moved.columns if c.endswith(("_before", "_after"))}
    table(moved.rename(columns={**renamed, "moved": "col_moved"}), key="rules_movers", height=360)

keep = st.checkbox(
    t("rules_activate_after", level=level_label(ranked_at)), key="rules_activate_after"
)
if st.button(t("rules_save"), key="rules_save", type="primary"):
    done = write(
        f.url,
        f.account,
        "rule_set",
        lambda e: rulesets.save_version(
            e, text, by=who, based_on=_source_label(source), account=holder(f.account)
        ),
        lambda made: {"do": "save", "id": made[0], "name": made[1].name, "hash": made[1].hash},
    )
    if done is not None:
        new_id, made = done
        said = t("rules_saved", id=new_id, hash=made.hash[:12])
        if (
            keep
            and write(
                f.url,
                f.account,
                "rule_set",
                lambda e: rulesets.activate(
                    e, new_id, ranked_at, by=who, account=holder(f.account)
                ),
                lambda _: {"do": "activate", "id": new_id, "level": ranked_at},
            )
            is not None
        ):
            said += " " + t("rules_activated", what=new_id, level=level_label(ranked_at))
        st.session_state["rules_note"] = said
        st.rerun()
