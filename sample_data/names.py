"""Pools of made-up Chinese place names for the synthetic city (data and a unique-name sampler)."""

from __future__ import annotations

import numpy as np

CITY_NAME = "青澜市"

DISTRICTS = (
    "东澜区",
    "西澜区",
    "临江区",
    "望湖区",
    "松岭区",
    "柳河区",
    "石桥区",
    "云台区",
    "清源区",
    "北宸区",
    "南浦区",
    "金湾区",
)

_FIRST = (
    "安宝昌春丹德东福广和红华嘉建金锦景康乐丽龙明宁平庆仁瑞盛泰天"
    "文祥新兴阳永裕振中光长桂海惠柳梅南青荣双太西北玉月"
)
_SECOND = "安宝昌城丰福和华家江林门宁平桥泉山胜苑台坛亭湾溪祥新阳园源州庄兴营口坊岗河湖堡塘店屯"
_COMMUNITY_SUFFIX = ("", "东里", "西里", "南里", "北里", "北苑", "南苑", "家园", "花园", "新城")
# One village variant per estate suffix, so a (pair, variant) code names exactly one place.
_VILLAGE_SUFFIX = ("", "东", "西", "南", "北", "上", "下", "前", "后", "新")


def _pairs() -> list[str]:
    return [a + b for a in _FIRST for b in _SECOND if a != b]


def street_names(count: int, towns: np.ndarray, rng: np.random.Generator) -> list[str]:
    """`count` unique street names; where `towns` is true the name ends in 镇, else 街道."""
    pairs = _pairs()
    if count > len(pairs):
        raise ValueError(f"cannot name {count} streets uniquely (at most {len(pairs)})")
    picked = rng.choice(len(pairs), size=count, replace=False)
    return [pairs[p] + ("镇" if town else "街道") for p, town in zip(picked, towns, strict=True)]


def community_names(count: int, villages: np.ndarray, rng: np.random.Generator) -> list[str]:
    """`count` unique community names: XX(estate)社区, or XX(part)村 where `villages` is true."""
    pairs = _pairs()
    variants = len(_COMMUNITY_SUFFIX)
    if count > len(pairs) * variants:
        raise ValueError(
            f"cannot name {count} communities uniquely (at most {len(pairs) * variants})"
        )
    picked = rng.choice(len(pairs) * variants, size=count, replace=False)
    return [
        pairs[code // variants] + _VILLAGE_SUFFIX[code % variants] + "村"
        if village
        else pairs[code // variants] + _COMMUNITY_SUFFIX[code % variants] + "社区"
        for code, village in zip(picked, villages, strict=True)
    ]
