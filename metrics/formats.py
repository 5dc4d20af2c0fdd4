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
    "grade": Unit(),  # a letter, shown as it is
}
EMPTY = "—"


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
    unit = UNITS[name]
    number = float(value) * unit.scale  # type: ignore[arg-type]
    sign = "+" if unit.signed else ""
    text = f"{number:{sign},.{decimals}f}"
    if unit.signed and text.lstrip("+-").strip("0.,") == "":
        text = f"{0:.{decimals}f}"  # no change has no sign
    return text + _suffix(unit, lang)


def format_delta(column: str, now: object, before: object, lang: str = "zh") -> str | None:
    """The change from ``before`` to ``now`` with its sign: percentage points for rates
    ('+1.2 pp'), the unit's decimals and suffix otherwise ('+12', '-0.5 小时'); None when
    either is empty or the column has no numeric unit."""
    name, decimals = unit_of(column)
    if _empty(now) or _empty(before) or name in (None, "grade"):
        return None
    unit = UNITS[name]
    diff = (float(now) - float(before)) * unit.scale  # type: ignore[arg-type]
    suffix = " pp" if name == "fraction" else _suffix(unit, lang)
    return f"{diff:+,.{decimals}f}{suffix}"


def format_gap(column: str, gap: object, lang: str = "zh") -> str | None:
    """A signed distance from a target in the column's unit: '-3.2 个百分点' / '-3.2 pp' for
    rates, '+6.0 小时' / '+6.0 h' otherwise; None when empty or without a numeric unit."""
    text = format_delta(column, gap, 0.0, lang)
    if text is not None and lang == "zh" and text.endswith(" pp"):
        return text.removesuffix(" pp") + " 个百分点"
    return text


def table_format(column: str, lang: str = "zh") -> tuple[float, str] | None:
    """How a Streamlit table shows the column: (factor to multiply the values by, printf
    format with thousands separators and the unit); None for text, dates and unknown columns."""
    name, decimals = unit_of(column)
    if name is None or name == "grade":
        return None
    unit = UNITS[name]
    sign = "+" if unit.signed else ""
    return unit.scale, f"%{sign},.{decimals}f" + _suffix(unit, lang).replace("%", "%%")


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


def excel_format(column: str, lang: str = "zh") -> str | None:
    """The Excel number format of the column (percent, thousands separators, the unit as
    text after the number); None for text, dates and unknown columns."""
    name, decimals = unit_of(column)
    if name is None or name == "grade":
        return None
    fraction = "." + "0" * decimals if decimals else ""
    if name == "fraction":
        return f"0{fraction}%"
    if UNITS[name].signed:
        return f"+0{fraction};-0{fraction};0{fraction}"
    suffix = _suffix(UNITS[name], lang)
    return f"#,##0{fraction}" + (f'"{suffix}"' if suffix else "")
