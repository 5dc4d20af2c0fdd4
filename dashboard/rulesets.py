"""Saved rule sets in the app: the one active for the sidebar's level, and the editor's labels."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.i18n import LABELS, VALUE_LABELS
from records import rulesets

VALUE_LABELS["action"]["rule_set"] = ("规则集", "rule set")
LABELS.update(
    {
        "page_rule_sets": ("规则集管理", "Rule sets"),
        "rules_active_for": ("启用规则集：{name}（{level}）", "Active rule set: {name} ({level})"),
        "rules_versions": ("已保存的版本", "Saved versions"),
        "rules_none_saved": (
            "还没有保存的规则集；下面从内置默认或示例开始编辑。",
            "No rule set is saved yet; start below from the built-in default or an example.",
        ),
        "rules_activate_title": ("每个层级启用一个规则集", "One active rule set per level"),
        "rules_level": ("层级", "Level"),
        "rules_version": ("版本", "Version"),
        "rules_activate": ("启用", "Activate"),
        "rules_activated": ("{what} 已在{level}层级启用。", "{what} is now active for {level}."),
        "rules_edit_title": ("编辑规则集", "Edit a rule set"),
        "rules_start": ("从哪个规则集开始", "Start from"),
        "rules_example": ("示例：{name}", "example: {name}"),
        "rules_saved_version": ("版本 {id}：{name}", "version {id}: {name}"),
        "rules_name": ("新版本名称", "Name of the new version"),
        "rules_min_cases": ("最少案件数", "Minimum cases (min_cases)"),
        "rules_levels": ("适用层级", "Made for levels (levels)"),
        "rules_items": ("考核项目", "Scored items ([[score]])"),
        "rules_deduct": ("扣分项", "Deductions ([[deduct]])"),
        "rules_bonus": ("加分项", "Bonuses ([[bonus]])"),
        "rules_targets": ("达标线", "Targets ([targets])"),
        "rules_col_points": ("分值", "points"),
        "rules_col_target": ("达标线", "target"),
        "rules_col_floor": ("零分线", "floor"),
        "rules_col_per": ("每", "per"),
        "rules_col_cap": ("封顶", "cap"),
        "rules_invalid": ("规则集无效：{error}", "The rule set is invalid: {error}"),
        "rules_compare_title": ("修改前后排名对比", "Ranking before and after"),
        "rules_compare_caption": (
            "{level} · {period}：修改前为该层级当前启用的规则集 {before}，修改后为本草稿 {after}。",
            "{level} · {period}: before is the rule set active for the level ({before}), after "
            "is this draft ({after}).",
        ),
        "rules_moved": ("{n} 个单位名次变化", "{n} units change rank"),
        "rules_toml": ("草稿的 TOML", "The draft as TOML"),
        "rules_activate_after": ("保存后在{level}层级启用", "Activate for {level} after saving"),
        "rules_save": ("保存为新版本", "Save as a new version"),
        "rules_saved": ("已保存为版本 {id}（{hash}）。", "Saved as version {id} ({hash})."),
        "col_rank_before": ("修改前排名", "Rank before"),
        "col_rank_after": ("修改后排名", "Rank after"),
        "col_moved": ("名次变化", "Moved"),
        "col_score_before": ("修改前得分", "Score before"),
        "col_score_after": ("修改后得分", "Score after"),
        "col_grade_before": ("修改前等级", "Grade before"),
        "col_grade_after": ("修改后等级", "Grade after"),
        "col_name": ("名称", "Name"),
        "col_rules_hash": ("哈希", "Hash"),
        "col_saved_by": ("保存人", "Saved by"),
        "col_saved_at": ("保存时间", "Saved at"),
        "col_based_on": ("基于", "Based on"),
        "col_active_for": ("启用层级", "Active for"),
        "rec_rules_not_city": (
            "只有市级账户可以编辑规则集。",
            "Only city accounts edit rule sets.",
        ),
        "rec_rules_invalid": ("规则集无效：{error}", "The rule set is invalid: {error}"),
        "rec_rules_saved_already": (
            "该规则集已保存为版本 {id}，未重复保存。",
            "This rule set is saved already as version {id}; nothing was saved.",
        ),
        "rec_rules_no_version": ("没有版本 {id}。", "There is no version {id}."),
        "rec_rules_bad_level": ("层级 {level} 不存在。", "There is no level {level}."),
        "rec_rules_not_for_level": (
            "版本 {id} 不适用于{level}层级（见其适用层级）。",
            "Version {id} is not made for {level} (see its levels).",
        ),
    }
)


@st.cache_data(ttl=300, show_spinner=False)
def active_text(url: str, level: str) -> str | None:
    """The TOML of the rule set active for ``level`` in the store; None: the built-in default
    (also when the store cannot say: the default is what every page used before)."""
    try:
        found = rulesets.active_rules(data.engine(url), level)
    except Exception:  # a busy store: the default now, the active one at the next view
        return None
    return None if found is None else found.text
