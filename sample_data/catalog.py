"""The synthetic city's case taxonomy, departments, sources and urgency classes (data tables)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SOURCES = ("patrol", "hotline", "app", "video", "whistle", "other")
SOURCE_SHARE = np.array([0.45, 0.30, 0.12, 0.07, 0.025, 0.035])
# Share of closed cases that get a callback (回访), by source: citizens who called are asked.
CALLBACK_SHARE = np.array([0.50, 0.90, 0.80, 0.40, 0.70, 0.60])
# Cancellations (作废/不予立案): video false alarms and hotline duplicates are the usual ones.
CANCEL_SHARE = np.array([0.015, 0.035, 0.03, 0.05, 0.005, 0.03])
# Minutes from report to registration (立案), median by source.
ACCEPT_MINUTES = np.array([6.0, 4.0, 20.0, 10.0, 2.0, 15.0])

URGENCIES = ("emergency", "utility", "general", "complex")
URGENCY_SHARE = np.array([0.03, 0.10, 0.82, 0.05])
DEADLINE_HOURS = np.array([2.0, 24.0, 168.0, 360.0])
# Hours from resolution to verified closure (核查结案), median by urgency.
VERIFY_HOURS = np.array([0.3, 1.5, 5.0, 8.0])
# Urgent cases are handled with a little more of the deadline to spare.
HANDLING_FACTOR = np.array([0.8, 0.9, 1.0, 0.9])
# Urgency mixes a subcategory can have (rows follow URGENCIES).
URGENCY_PROFILES = {
    "std": (0.01, 0.03, 0.91, 0.05),
    "util": (0.06, 0.75, 0.15, 0.04),
    "emerg": (0.45, 0.25, 0.28, 0.02),
    "safety": (0.25, 0.10, 0.60, 0.05),
    "complex": (0.005, 0.02, 0.70, 0.275),
}


@dataclass(frozen=True)
class Department:
    """How one department behaves: response in minutes, rates as fractions, rating 0-100.

    `pace` is the median handling time as a share of the case's deadline.
    """

    name: str
    response_min: float
    response_sigma: float
    pace: float
    handling_sigma: float
    reassign: float
    rework: float
    rating: float
    round_the_clock: bool


DEPARTMENTS = (
    Department("城管执法局", 25, 0.8, 0.11, 0.9, 0.03, 0.04, 92, True),
    Department("住建委", 95, 1.0, 0.38, 1.0, 0.07, 0.05, 86, False),
    Department("市政市容委", 40, 0.8, 0.15, 0.9, 0.04, 0.04, 90, True),
    Department("园林绿化局", 60, 0.9, 0.25, 1.0, 0.05, 0.04, 89, False),
    Department("生态环境局", 75, 0.9, 0.30, 1.0, 0.06, 0.05, 87, False),
    Department("交通委", 55, 0.9, 0.25, 1.0, 0.05, 0.04, 88, False),
    Department("供热公司", 20, 0.7, 0.12, 0.9, 0.02, 0.06, 88, True),
    Department("水务局", 35, 0.8, 0.10, 0.9, 0.03, 0.03, 91, True),
    Department("公安分局", 12, 0.7, 0.05, 0.9, 0.02, 0.02, 94, True),
    Department("市场监管局", 85, 1.0, 0.30, 1.0, 0.06, 0.04, 86, False),
    Department("街道办事处", 15, 0.7, 0.09, 0.9, 0.02, 0.03, 95, True),
    Department("房管局", 130, 1.1, 0.45, 1.1, 0.08, 0.07, 82, False),
    Department("应急管理局", 10, 0.6, 0.06, 0.9, 0.02, 0.02, 93, True),
)
DEPARTMENT_NAMES = tuple(d.name for d in DEPARTMENTS)
_DEPT = {name: i for i, name in enumerate(DEPARTMENT_NAMES)}

# Major category -> relative affinity of each source (order of SOURCES).
CATEGORIES = {
    "市容环境": (1.3, 0.6, 1.3, 1.4, 0.6, 0.8),
    "街面秩序": (1.3, 0.6, 1.0, 1.8, 1.2, 0.8),
    "宣传广告": (1.5, 0.3, 0.8, 1.0, 0.3, 0.6),
    "施工管理": (1.0, 1.1, 1.0, 1.0, 2.5, 1.0),
    "设施管理": (1.0, 1.2, 1.2, 0.8, 1.0, 1.2),
    "园林绿化": (1.1, 0.9, 1.0, 0.6, 0.8, 1.0),
    "供暖供热": (0.1, 2.6, 1.4, 0.05, 0.5, 1.2),
    "噪声扰民": (0.3, 2.6, 1.2, 0.2, 0.8, 1.0),
    "邻里纠纷": (0.8, 1.7, 0.6, 0.1, 1.6, 1.4),
    "物业管理": (0.5, 2.1, 1.3, 0.2, 1.0, 1.2),
}
CATEGORY_NAMES = tuple(CATEGORIES)
SOURCE_AFFINITY = np.array(list(CATEGORIES.values()))

# (category, subcategory, department, season, night-time, urgency profile, relative weight)
_SUBCATEGORIES = (
    ("市容环境", "暴露垃圾", "市政市容委", "warm", False, "std", 6.0),
    ("市容环境", "积存垃圾渣土", "市政市容委", "flat", False, "std", 3.5),
    ("市容环境", "道路不洁", "市政市容委", "flat", False, "std", 3.0),
    ("市容环境", "垃圾满冒", "市政市容委", "warm", False, "std", 3.5),
    ("市容环境", "积雪结冰", "市政市容委", "snow", False, "safety", 0.8),
    ("街面秩序", "无照经营游商", "城管执法局", "warm", False, "std", 4.5),
    ("街面秩序", "店外经营", "城管执法局", "warm", False, "std", 4.0),
    ("街面秩序", "露天烧烤", "城管执法局", "summer", True, "std", 2.2),
    ("街面秩序", "夜市摊群", "城管执法局", "summer", True, "std", 1.6),
    ("街面秩序", "非机动车乱停放", "交通委", "flat", False, "std", 4.0),
    ("街面秩序", "烟花爆竹燃放", "公安分局", "festival", True, "safety", 0.5),
    ("宣传广告", "非法小广告", "城管执法局", "flat", False, "std", 4.0),
    ("宣传广告", "违规户外广告", "城管执法局", "flat", False, "std", 1.8),
    ("宣传广告", "横幅标语破损", "市政市容委", "flat", False, "std", 0.9),
    ("宣传广告", "广告牌匾破损", "市政市容委", "storm", False, "safety", 0.6),
    ("施工管理", "施工扰民", "住建委", "building", True, "std", 2.2),
    ("施工管理", "施工占道", "交通委", "building", False, "std", 1.2),
    ("施工管理", "渣土遗撒", "城管执法局", "building", False, "std", 1.3),
    ("施工管理", "工地扬尘", "生态环境局", "building", False, "std", 1.4),
    ("施工管理", "违法建设", "城管执法局", "building", False, "complex", 1.3),
    ("设施管理", "井盖破损缺失", "水务局", "flat", False, "util", 1.6),
    ("设施管理", "路灯不亮", "市政市容委", "winter", False, "util", 2.0),
    ("设施管理", "道路破损", "交通委", "flat", False, "std", 2.0),
    ("设施管理", "雨水口堵塞", "水务局", "rain", False, "util", 1.4),
    ("设施管理", "道路积水", "水务局", "storm", False, "emerg", 1.1),
    ("设施管理", "燃气安全隐患", "应急管理局", "winter", False, "emerg", 0.5),
    ("园林绿化", "树木倒伏", "园林绿化局", "storm", False, "emerg", 0.8),
    ("园林绿化", "绿地缺损", "园林绿化局", "flat", False, "std", 1.4),
    ("园林绿化", "树木病虫害", "园林绿化局", "pests", False, "std", 1.1),
    ("园林绿化", "杨柳飞絮", "园林绿化局", "catkins", False, "std", 0.9),
    ("园林绿化", "树枝遮挡", "园林绿化局", "warm", False, "std", 1.2),
    ("供暖供热", "室温不达标", "供热公司", "heating", False, "util", 2.4),
    ("供暖供热", "暖气不热", "供热公司", "heating", False, "util", 2.0),
    ("供暖供热", "供热管线漏水", "供热公司", "heating", False, "emerg", 0.5),
    ("供暖供热", "供热收费争议", "住建委", "heating", False, "complex", 0.4),
    ("噪声扰民", "社会生活噪声", "公安分局", "summer", True, "std", 2.8),
    ("噪声扰民", "商业经营噪声", "生态环境局", "summer", True, "std", 1.6),
    ("噪声扰民", "广场舞噪声", "街道办事处", "summer", True, "std", 1.3),
    ("噪声扰民", "交通噪声", "交通委", "flat", True, "std", 0.7),
    ("邻里纠纷", "楼道堆物", "街道办事处", "flat", False, "std", 2.0),
    ("邻里纠纷", "宠物扰民", "公安分局", "warm", False, "std", 1.2),
    ("邻里纠纷", "漏水纠纷", "街道办事处", "flat", False, "complex", 1.3),
    ("邻里纠纷", "私搭乱建纠纷", "街道办事处", "flat", False, "complex", 1.0),
    ("物业管理", "电梯故障", "市场监管局", "flat", False, "util", 1.4),
    ("物业管理", "物业服务", "房管局", "flat", False, "complex", 2.6),
    ("物业管理", "小区停车", "房管局", "flat", False, "std", 1.8),
    ("物业管理", "公共设施维修", "房管局", "flat", False, "std", 2.0),
)

SUBCATEGORY_NAMES = tuple(row[1] for row in _SUBCATEGORIES)
SUB_CATEGORY = np.array([CATEGORY_NAMES.index(row[0]) for row in _SUBCATEGORIES])
SUB_DEPARTMENT = np.array([_DEPT[row[2]] for row in _SUBCATEGORIES])
SUB_SEASON = tuple(row[3] for row in _SUBCATEGORIES)
SUB_NIGHT = np.array([row[4] for row in _SUBCATEGORIES])
SUB_URGENCY = np.array([URGENCY_PROFILES[row[5]] for row in _SUBCATEGORIES])
SUB_WEIGHT = np.array([row[6] for row in _SUBCATEGORIES])


def department_column(field: str) -> np.ndarray:
    """One field of every department as an array indexed like DEPARTMENTS."""
    return np.array([getattr(d, field) for d in DEPARTMENTS])


def calibrated_urgency(sub_share: np.ndarray, rounds: int = 20) -> np.ndarray:
    """Urgency mix per subcategory, rescaled so the city-wide mix matches URGENCY_SHARE.

    `sub_share` is the expected share of each subcategory; the result has one row per
    subcategory summing to 1 (iterative proportional fitting of the profile columns).
    """
    mix = SUB_URGENCY.astype(float).copy()
    for _ in range(rounds):
        overall = sub_share @ mix
        mix *= URGENCY_SHARE / overall
        mix /= mix.sum(axis=1, keepdims=True)
    return mix
