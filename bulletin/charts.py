"""The bulletin's charts as PNG images, drawn with matplotlib in the CJK font."""

from __future__ import annotations

import io
import warnings
from functools import lru_cache
from pathlib import Path

from bulletin.content import Chart
from bulletin.fonts import cjk_font
from metrics.formats import format_value

#: Width of a chart in inches (the page's text width) and its resolution.
WIDTH_IN = 6.3
DPI = 200
_BAR = "#3b6ea5"
_LINE = "#c0392b"


def chart_png(chart: Chart) -> bytes:
    """The chart as PNG bytes. Without a CJK font, Chinese text is drawn as empty boxes
    (the caller warns; nothing fails)."""
    return _drawn(chart, cjk_font())


@lru_cache(maxsize=32)  # a bulletin written as Word and as PDF draws each chart once
def _drawn(chart: Chart, path: Path | None) -> bytes:
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    font = font_manager.FontProperties(fname=str(path)) if path else font_manager.FontProperties()
    if chart.kind == "trend":
        fig = Figure(figsize=(WIDTH_IN, 2.8))
        _trend(fig, chart, font)
    else:
        fig = Figure(figsize=(WIDTH_IN, 0.8 + 0.24 * max(len(chart.labels), 3)))
        _bars(fig, chart, font)
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # missing glyphs without a CJK font
        fig.savefig(out, format="png", dpi=DPI, bbox_inches="tight")
    return out.getvalue()


def _trend(fig, chart: Chart, font) -> None:
    ax = fig.subplots()
    x = range(len(chart.labels))
    ax.bar(x, chart.values, color=_BAR, width=0.6, label=chart.value_name)
    ax.set_xticks(list(x), chart.labels, rotation=45, ha="right", fontproperties=font, fontsize=8)
    ax.set_ylabel(chart.value_name, fontproperties=font)
    ax.spines[["top"]].set_visible(False)
    if chart.second:
        rate = ax.twinx()
        rate.plot(x, [v * 100 for v in chart.second], color=_LINE, marker="o", markersize=3)
        rate.set_ylabel(f"{chart.second_name} (%)", fontproperties=font, color=_LINE)
        rate.set_ylim(0, 105)
        rate.spines[["top"]].set_visible(False)
    ax.set_title(chart.title, fontproperties=font, fontsize=11)


def _bars(fig, chart: Chart, font) -> None:
    ax = fig.subplots()
    y = range(len(chart.labels))
    ax.barh(y, chart.values, color=_BAR, height=0.6)
    ax.set_yticks(list(y), chart.labels, fontproperties=font, fontsize=8)
    ax.invert_yaxis()  # the first label on top
    for i, v in enumerate(chart.values):
        ax.text(v, i, f" {format_value(chart.column, v)}", va="center", fontsize=7)
    ax.set_xlabel(chart.value_name, fontproperties=font)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(chart.title, fontproperties=font, fontsize=11)
