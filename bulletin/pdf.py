"""The bulletin as a PDF (and PNG pages for a preview), typeset by Typst's bundled compiler."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from bulletin.charts import chart_png
from bulletin.content import Bulletin
from bulletin.fonts import FAMILY, cjk_font, font_dirs
from bulletin.output import replace_atomically
from bulletin.words import word
from metrics.errors import ExportError

TEMPLATE = Path(__file__).with_name("bulletin.typ")


def to_pdf(content: Bulletin, path: str | Path) -> Path:
    """Write the bulletin to ``path`` (.pdf) whole or not at all (a temporary file renamed).
    Returns the path."""
    data = _compile(content, "pdf")
    return replace_atomically(Path(path), lambda handle: handle.write(data))


def pdf_bytes(content: Bulletin) -> bytes:
    """The bulletin as the bytes of a PDF file."""
    return _compile(content, "pdf")


def page_pngs(content: Bulletin, ppi: int = 72) -> list[bytes]:
    """Each page of the PDF as PNG bytes at ``ppi`` pixels per inch (a preview)."""
    pages = _compile(content, "png", ppi)
    return pages if isinstance(pages, list) else [pages]


def _compile(content: Bulletin, fmt: str, ppi: int | None = None):
    """Typst's output for the bulletin: the charts drawn and the content written as JSON in
    a temporary folder, the layout (bulletin.typ) compiled there with the CJK font's
    folders (system fonts are not scanned: the output does not depend on them)."""
    import typst

    font = cjk_font()
    folders = [str(font.parent)] if font else [str(d) for d in font_dirs() if d.is_dir()]
    with tempfile.TemporaryDirectory(prefix="gridpulse-bulletin-") as tmp:
        root = Path(tmp)
        sections = []
        n = 0
        for s in content.sections:
            charts = []
            for chart in s.charts:
                n += 1
                (root / f"chart-{n}.png").write_bytes(chart_png(chart))
                charts.append({"file": f"chart-{n}.png", "title": chart.title})
            sections.append(
                {
                    "title": s.title,
                    "paragraphs": list(s.paragraphs),
                    "tables": [
                        {
                            "title": t.title,
                            "headers": list(t.headers),
                            "rows": [list(r) for r in t.rows],
                            "note": t.note,
                        }
                        for t in s.tables
                    ],
                    "charts": charts,
                }
            )
        data = {
            "title": content.title,
            "lang": content.lang,
            "fonts": [FAMILY, "Noto Sans CJK JP", "Libertinus Serif"],
            "stamp": "" if content.published else word("preliminary", content.lang),
            "facts": [list(f) for f in content.facts],
            "sections": sections,
        }
        (root / "content.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
        (root / "main.typ").write_text(TEMPLATE.read_text("utf-8"), "utf-8")
        try:
            return typst.compile(
                str(root / "main.typ"),
                root=str(root),
                font_paths=folders,
                ignore_system_fonts=True,
                format=fmt,
                ppi=ppi,
            )
        except RuntimeError as exc:  # typst reports a failed compilation this way
            raise ExportError(
                f"The PDF could not be typeset ({str(exc).splitlines()[0]})."
            ) from None
