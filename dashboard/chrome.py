"""Streamlit's own widget texts in the page's language where CSS can say them (the uploader)."""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import lang, t

_BUTTON = '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p'
_LIMIT = '[data-testid="stFileUploaderDropzoneInstructions"]'


def upload_limit_mb() -> int:
    """The upload limit the server enforces (server.maxUploadSize in .streamlit/config.toml)."""
    return int(st.get_option("server.maxUploadSize"))


def localise_widgets() -> None:
    """The file uploader's texts, which Streamlit writes in English and offers no parameter
    for: its size line ("200MB per file • CSV") is hidden in every language, as the upload
    form says the limit once and the labels name the file types; in Chinese its "Upload"
    button reads 选择文件 (the English kept for layout, hidden, the Chinese drawn over it)."""
    css = f"{_LIMIT} {{ display: none; }}"
    if lang() == "zh":
        css += (
            f"{_BUTTON} {{ visibility: hidden; font-size: 0; }}"
            f"{_BUTTON}::after {{ visibility: visible; font-size: 0.875rem; "
            f'content: "{t("uploader_button")}"; }}'
        )
    st.html(f"<style>{css}</style>")


def rules_name(name: str) -> str:
    """A rule set's name as shown: the built-in one's ('default') in the page's language."""
    return t("rules_default") if name == "default" else name


def actor_name(name: str | None) -> str:
    """Who did something as shown: the command line's local administrator in the page's
    language, an account by its name, nobody as 未知."""
    from caselog.ingest import LOCAL_ADMIN

    if not name:
        return t("unknown")
    from dashboard.auth import OPEN

    if name == OPEN.username:  # no accounts yet: whoever opened the app
        return t("anonymous_actor")
    return t("local_admin") if name == LOCAL_ADMIN else name
