"""The words a user can see on a page, and which of them are English (for the Chinese pages)."""

from __future__ import annotations

import re

# Text nodes a user sees: not hidden (display, visibility, opacity), not a 1-pixel "skip to
# content" link, not an icon font's ligature name ("dashboard" drawn as an icon), not a
# command or file shown as code, and not Streamlit's own running indicator ("Stop").
VISIBLE_TEXT_JS = """
() => {
  const out = [];
  const skip = 'pre, code, script, style, noscript, [data-testid="stIconMaterial"], '
    + '[data-testid="stStatusWidget"], [data-testid="stToolbar"]';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!el || !node.textContent.trim() || el.closest(skip)) continue;
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1 || box.right < 0 || box.bottom < 0) continue;
    if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    if (getComputedStyle(el).fontFamily.includes('Material')) continue;
    out.push(node.textContent.trim());
  }
  return out;
}
"""

#: Names that are not English words: the product, file formats and the sizes they come in,
#: the acronyms of the statistical methods each page explains in Chinese beside them, the
#: forecasting models' own names, and the language switch (in both languages on purpose, so
#: a reader of either finds it).
ALLOWED = {
    "GridPulse",
    "CSV",
    "Excel",
    "TOML",
    "JSON",
    "Parquet",
    "PARQUET",
    "XLSX",
    "MB",
    "STL",
    "MASE",
    "WAPE",
    "Prophet",
    "ARIMA",
    "SARIMA",
    "ETS",
    "Croston",
    "TSB",
    "ADIDA",
    "Language",
    "English",
}

_NOT_WORDS = (
    re.compile(r"\b[0-9a-f]{12,64}\b"),  # a rule set's hash
    re.compile(r"[\w.-]+\.(?:csv|xlsx|toml|parquet|json|docx|pdf)\b", re.IGNORECASE),  # a file
    re.compile(r"\b(?:yyyy|mm|dd)\b(?:/|$)"),  # Streamlit's date field placeholder
    re.compile(r"\b[A-Z]{1,4}\d{3,}\b"),  # a case number or grid id (QL20251201000014, G0224)
)


def english_words(texts: list[str], names: set[str] = frozenset()) -> set[str]:
    """The English words in ``texts`` (runs of two or more Latin letters), leaving out the
    :data:`ALLOWED` names, ``names`` (units' own names, as grid ids like G0224) and text
    that is not words (hashes, file names)."""
    found: set[str] = set()
    for text in texts:
        for name in names:
            text = text.replace(name, " ")
        for pattern in _NOT_WORDS:
            text = pattern.sub(" ", text)
        found |= set(re.findall(r"[A-Za-z]{2,}", text)) - ALLOWED
    return found
