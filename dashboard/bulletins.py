"""The 通报 page's words and its cached renderer: a bulletin as Word, PDF and PNG pages."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

import accounts
import metrics
from dashboard import data
from dashboard.i18n import LABELS
from records.publications import visible_to

# ---- 通报 page strings (dashboard/pages/bulletin.py) -------------------------------------
LABELS.update(
    {
        "page_bulletin": ("通报", "Bulletin"),
        "bulletin_caption": (
            "{scope} · {level} · {period}：考核通报，可逐页预览并下载 Word 与 PDF。",
            "{scope} · {level} · {period}: the assessment bulletin, to preview page by page and "
            "download as Word and PDF.",
        ),
        "bulletin_source": ("通报依据", "Figures from"),
        "bulletin_live": ("未发布（按当前数据实时计算）", "Not published (computed now)"),
        "bulletin_publication": ("发布 {id}：{title}", "Publication {id}: {title}"),
        "bulletin_no_publication": (
            "本周期、本层级在该范围内尚无发布，通报按当前数据计算，标注为“未发布”。",
            "Nothing is published for this period, level and scope yet: the bulletin is "
            "computed now and marked preliminary.",
        ),
        "bulletin_rendering": ("正在生成通报…", "Writing the bulletin…"),
        "bulletin_error": ("无法生成通报：{error}", "The bulletin cannot be made: {error}"),
        "bulletin_published": (
            "已发布：数字与发布 {id} 完全一致。",
            "Published: the figures are publication {id}'s.",
        ),
        "bulletin_preliminary": (
            "未发布：初步结果，以正式发布为准。",
            "Not published: preliminary figures, until a publication.",
        ),
        "bulletin_docx": ("下载 Word", "Download Word"),
        "bulletin_pdf": ("下载 PDF", "Download PDF"),
        "bulletin_preview": ("预览（共 {n} 页）", "Preview ({n} pages)"),
        "bulletin_page": ("第 {n} 页", "Page {n}"),
        "bulletin_no_font": (
            "服务器未安装中文字体（fonts-noto-cjk），PDF 与图表中的中文可能无法显示。",
            "The server has no CJK font (fonts-noto-cjk): Chinese in the PDF and charts may "
            "not show.",
        ),
    }
)
# ---- end of 通报 page strings -------------------------------------------------------------

#: Pixels per inch of the preview's page images (an A4 page 827 px wide).
PREVIEW_PPI = 100


@dataclass(frozen=True)
class Rendered:
    """A bulletin as the page shows and offers it."""

    title: str
    facts: tuple[tuple[str, str], ...]
    publication_id: int | None
    docx: bytes
    pdf: bytes
    pages: tuple[bytes, ...]
    font_missing: bool


@st.cache_data(
    ttl=data.TTL, show_spinner=False, hash_funcs={metrics.Selection: lambda sel: sel.key}
)
def render(
    url: str, sel: metrics.Selection, publication: int | None, own_scope: str, lang: str
) -> Rendered:
    """The bulletin of ``publication`` (its frozen figures) or, for None, of ``sel`` computed
    now, in ``lang``; a publication outside ``own_scope`` (the account's) is refused."""
    from bulletin import build_bulletin, docx_bytes, page_pngs, pdf_bytes
    from bulletin.fonts import cjk_font

    engine = data.engine(url)
    source: object = sel
    if publication is not None:
        source = data.publication(url, publication)
        if not visible_to(own_scope, source.scope):
            raise accounts.AccessDenied(f"Publication {publication} is outside your scope.")
    content = build_bulletin(engine, source, lang=lang)
    return Rendered(
        title=content.title,
        facts=content.facts,
        publication_id=content.publication_id,
        docx=docx_bytes(content),
        pdf=pdf_bytes(content),
        pages=tuple(page_pngs(content, PREVIEW_PPI)),
        font_missing=cjk_font() is None,
    )
