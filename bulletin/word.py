"""The bulletin as a Word document (.docx), written with python-docx."""

from __future__ import annotations

import io
import re
from pathlib import Path

from bulletin.charts import chart_png
from bulletin.content import Bulletin, Table
from bulletin.output import replace_atomically
from bulletin.words import word

#: East Asian fonts of Chinese government documents (Word on a reader's computer has them;
#: elsewhere the reader's CJK font stands in), and the body size in points.
BODY_FONT = "宋体"
HEAD_FONT = "黑体"
BODY_PT = 10.5
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
TABLE_PT = 8.5


def to_docx(content: Bulletin, path: str | Path) -> Path:
    """Write the bulletin to ``path`` (.docx): written to a temporary file beside it and
    renamed, so a failure leaves no half-written file. Returns the path."""
    return replace_atomically(Path(path), lambda handle: handle.write(docx_bytes(content)))


def docx_bytes(content: Bulletin) -> bytes:
    """The bulletin as the bytes of a .docx file."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt, RGBColor

    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(sec, side, Cm(2))
    _font(doc.styles["Normal"], BODY_FONT, Pt(BODY_PT))
    for name in ("Title", "Heading 1", "Heading 2"):
        _font(doc.styles[name], HEAD_FONT, None)
        doc.styles[name].font.color.rgb = RGBColor(0, 0, 0)
    doc.core_properties.title = _safe(content.title)
    doc.core_properties.language = "zh-CN" if content.lang == "zh" else "en"

    _margins(sec, content)
    title = doc.add_paragraph(_safe(content.title), style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if not content.published:
        stamp = doc.add_paragraph().add_run(word("preliminary", content.lang))
        stamp.bold, stamp.font.color.rgb = True, RGBColor(0xC0, 0x39, 0x2B)
    facts = doc.add_table(rows=0, cols=2)
    for key, value in content.facts:
        cells = facts.add_row().cells
        cells[0].text, cells[1].text = _safe(key), _safe(value)
        for cell in cells:
            _size(cell, Pt(9))
    for s in content.sections:
        doc.add_heading(_safe(s.title), level=1)
        for text in s.paragraphs:
            doc.add_paragraph(_safe(text))
        for t in s.tables:
            _table(doc, t)
        for chart in s.charts:
            doc.add_picture(io.BytesIO(chart_png(chart)), width=Cm(16.5))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _margins(sec, content: Bulletin) -> None:
    """The footer on every page: the title and the page number; a preliminary bulletin also
    says so in the header of every page, so no printed page passes for the published one."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    foot = sec.footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    foot.add_run(f"{_safe(content.title)} · ").font.size = Pt(8)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run, text = OxmlElement("w:r"), OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    foot._p.append(field)
    if not content.published:
        head = sec.header.paragraphs[0]
        head.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        mark = head.add_run(word("preliminary", content.lang))
        mark.font.size, mark.font.color.rgb = Pt(8), RGBColor(0xC0, 0x39, 0x2B)


def _safe(text: str) -> str:
    """``text`` without the control characters XML cannot hold (python-docx refuses them)."""
    return _CONTROL.sub("", text)


def _font(style, east_asian: str, size) -> None:
    from docx.oxml.ns import qn

    style.font.name = east_asian
    if size is not None:
        style.font.size = size
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian)


def _size(cell, size) -> None:
    for par in cell.paragraphs:
        for run in par.runs:
            run.font.size = size


def _table(doc, t: Table) -> None:
    """A table with its title, a bold header row repeated on every page, and its note."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc.add_heading(_safe(t.title), level=2)
    if t.rows:
        table = doc.add_table(rows=1, cols=len(t.headers))
        table.style = "Table Grid"
        head = table.rows[0]
        flag = OxmlElement("w:tblHeader")
        flag.set(qn("w:val"), "true")
        head._tr.get_or_add_trPr().append(flag)
        for cell, text in zip(head.cells, t.headers, strict=True):
            cell.text = _safe(text)
            for run in cell.paragraphs[0].runs:
                run.bold = True
            _size(cell, Pt(TABLE_PT))
        for row in t.rows:
            cells = table.add_row().cells
            for cell, text in zip(cells, row, strict=True):
                cell.text = _safe(text)
                _size(cell, Pt(TABLE_PT))
    if t.note:
        note = doc.add_paragraph().add_run(_safe(t.note))
        note.italic, note.font.size = True, Pt(9)
