"""How a number of each unit reads: in text, in Streamlit tables, in plotly hovers and in Excel."""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from metrics.labels import unit_of


class Unit(NamedTuple):
    """A unit's display: the factor shown values are multiplied by, the text after the number
    (zh, en) and whether the sign is always shown."""

    scale: float = 1.0
    suffix_zh: str = ""
    suffix_en: str = ""
    signed: bool = False


UNITS: dict[str, Unit] = {
    "fraction": Unit(100.0, "%", "%"),  # rates are stored as fractions 0–1
    "cases": Unit(),
    "count": Unit(),  # households, ratings, reworks: counts of other things than cases
    "minutes": Unit(1.0, " 分钟", " min"),
    "hours": Unit(1.0, " 小时", " h"),
    "score": Unit(),
    "per_1000": Unit(),
    "rank": Unit(),
    "rank_change": Unit(signed=True),  # +3 = up three places
    "score_change": Unit(signed=True),  # composite points gained or lost
    "grade": Unit(),  # a letter, shown as it is
}
EMPTY = "—"

#: Durations in the unit that reads best (Unit with the scale from the stored unit): minutes
#: under two hours, hours under two days, then days. The stored unit stays the smallest shown.
_HOURS_PER = {"minutes": 1 / 60, "hours": 1.0}
_STEPS = (
    ("minutes", 2.0, Unit(60.0, " 分钟", " min")),
    ("hours", 48.0, Unit(1.0, " 小时", " h")),
    ("days", float("inf"), Unit(1 / 24, " 天", " d")),
)


def duration_unit(name: str, hours: float) -> Unit:
    """The unit a duration of ``hours`` (absolute) reads in, its scale converting from the
    stored unit ``name`` (minutes or hours): 90 min stays '90 分钟', 30 h '30.0 小时',
    60 h '2.5 天'."""
    steps = _STEPS if name == "minutes" else _STEPS[1:]
    unit = next(u for _step, below, u in steps if abs(hours) < below)
    return unit._replace(scale=unit.scale * _HOURS_PER[name])


def _unit(name: str, number: float | None = None) -> Unit:
    """The unit ``name``'s display, a duration's chosen by ``number`` (in the stored unit)."""
    if name in _HOURS_PER and number is not None:
        return duration_unit(name, float(number) * _HOURS_PER[name])
    return UNITS[name]


def _typical(values) -> float | None:
    """The median size of ``values`` (None when there are none): a duration column is
    shown in the unit of its typical value, so one column reads in one unit and sorts."""
    if values is None:
        return None
    numbers = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").abs().dropna()
    return float(numbers.median()) if len(numbers) else None


def _empty(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _suffix(unit: Unit, lang: str) -> str:
    return unit.suffix_zh if lang == "zh" else unit.suffix_en


def format_value(column: str, value: object, lang: str = "zh") -> str:
    """A KPI's or column's value as text in its unit: '85.3%', '1,234', '2.5 小时' / '2.5 h',
    '+3'; empty (None, NaN) as '—'; a grade, text or a column without a unit as it is."""
    if _empty(value):
        return EMPTY
    name, decimals = unit_of(column)
    if name is None or name == "grade" or isinstance(value, str | bool):
        return str(value)
    unit = _unit(name, float(value))  # type: ignore[arg-type]
    number = float(value) * unit.scale  # type: ignore[arg-type]
    sign = "+" if unit.signed else ""
    text = f"{number:{sign},.{decimals}f}"
    if unit.signed and text.lstrip("+-").strip("0.,") == "":
        text = f"{0:.{decimals}f}"  # no change has no sign
    return text + _suffix(unit, lang)


def format_delta(column: str, now: object, before: object, lang: str = "zh") -> str | None:
    """The change from ``before`` to ``now`` with its sign: percentage points for rates
    ('+1.2 个百分点' / '+1.2 pp'), the unit's decimals and suffix otherwise ('+12', '-0.5 小时',
    a duration in the unit of the change's size); None when either is empty or the column
    has no numeric unit."""
    name, decimals = unit_of(column)
    if _empty(now) or _empty(before) or name in (None, "grade"):
        return None
    change = float(now) - float(before)  # type: ignore[arg-type]
    unit = _unit(name, change)
    points = " 个百分点" if lang == "zh" else " pp"
    suffix = points if name == "fraction" else _suffix(unit, lang)
    return f"{change * unit.scale:+,.{decimals}f}{suffix}"


def format_gap(column: str, gap: object, lang: str = "zh") -> str | None:
    """A signed distance from a target in the column's unit: '-3.2 个百分点' / '-3.2 pp' for
    rates, '+6.0 小时' / '+6.0 h' otherwise; None when empty or without a numeric unit."""
    return format_delta(column, gap, 0.0, lang)


def table_format(column: str, lang: str = "zh", values=None) -> tuple[float, str] | None:
    """How a Streamlit table shows the column: (factor to multiply the values by, printf
    format with thousands separators and the unit); a duration column in the unit of its
    typical ``values`` (hours, or days when that is two days or more); None for text, dates
    and unknown columns."""
    name, decimals = unit_of(column)
    if name is None or name == "grade":
        return None
    unit = _unit(name, _typical(values))
    sign = "+" if unit.signed else ""
    return unit.scale, f"%{sign},.{decimals}f" + _suffix(unit, lang).replace("%", "%%")


def hover_texts(column: str, values, lang: str = "zh") -> list[str]:
    """Each value as :func:`format_value` writes it, for a plotly trace's ``customdata``
    (``hovertemplate='%{customdata}'``): hovers read exactly as the pages' text."""
    return [format_value(column, v, lang) for v in values]


def axis_unit(column: str, values, lang: str = "zh") -> tuple[float, str]:
    """A chart axis's (factor, text after the numbers) for the column's ``values``: a
    duration in the unit of its typical value as in tables ((1/24, ' 天') for days), a rate
    (1, '') as the axis formats fractions as percent itself; (1, '') without a unit."""
    name, _ = unit_of(column)
    if name is None or name in ("grade", "fraction"):
        return 1.0, ""
    unit = _unit(name, _typical(values))
    return unit.scale, _suffix(unit, lang)


def hover_format(column: str, lang: str = "zh") -> tuple[str, str]:
    """A plotly (d3) number format and the text after it for the column's values in hovers:
    ('.1%', '') for rates, (',.1f', ' 小时') for hours; (',', '') without a unit."""
    name, decimals = unit_of(column)
    if name is None or name == "grade":
        return ",", ""
    if name == "fraction":
        return f".{decimals}%", ""
    unit = UNITS[name]
    return f"{'+' if unit.signed else ''},.{decimals}f", _suffix(unit, lang)


def excel_format(column: str, lang: str = "zh", values=None) -> str | None:
    """The Excel number format of the column (percent, thousands separators, the unit as
    text after the number; a duration's as :func:`table_format` picks it from ``values``,
    whose cells are then multiplied by :func:`excel_scale`); None for text, dates and
    unknown columns."""
    name, decimals = unit_of(column)
    if name is None or name == "grade":
        return None
    fraction = "." + "0" * decimals if decimals else ""
    if name == "fraction":
        return f"0{fraction}%"
    if UNITS[name].signed:
        return f"+0{fraction};-0{fraction};0{fraction}"
    suffix = _suffix(_unit(name, _typical(values)), lang)
    return f"#,##0{fraction}" + (f'"{suffix}"' if suffix else "")


def excel_scale(column: str, values=None) -> float:
    """What a column's cells are multiplied by in Excel: a duration's scale into the unit
    :func:`excel_format` names (rates keep their fractions: Excel's % multiplies them)."""
    name, _ = unit_of(column)
    if name not in _HOURS_PER:
        return 1.0
    return _unit(name, _typical(values)).scale
