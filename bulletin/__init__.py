"""The bulletin (通报): its content from a selection or a publication, as Word, PDF or PNG pages."""

from bulletin.content import Bulletin, Chart, Section, Table, build_bulletin
from bulletin.figures import BulletinError
from bulletin.pdf import page_pngs, pdf_bytes, to_pdf
from bulletin.word import docx_bytes, to_docx

__all__ = [
    "Bulletin",
    "BulletinError",
    "Chart",
    "Section",
    "Table",
    "build_bulletin",
    "docx_bytes",
    "page_pngs",
    "pdf_bytes",
    "to_docx",
    "to_pdf",
]
