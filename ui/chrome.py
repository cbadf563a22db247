"""Streamlit's own words in the page's language where Streamlit has no setting for them.

The file uploader's button ("Upload") and its size note ("200MB per file") are English
whatever the page's language; in Chinese mode they are covered by our words through CSS
(the upload itself is Streamlit's). Multiselects pass ``select_all=False`` instead (its
"Select all" row has no translation), and every widget label is our own text.
"""

from __future__ import annotations

import streamlit as st

from ui.i18n import lang

UPLOAD_BUTTON = "选择文件"
UPLOAD_NOTE = "或将文件拖放到此处"

_CSS = """
<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p{
  font-size:0 !important}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after{
  content:"%(button)s";font-size:0.875rem}
[data-testid="stFileUploaderDropzoneInstructions"] span{font-size:0 !important}
[data-testid="stFileUploaderDropzoneInstructions"] span::after{
  content:"%(note)s";font-size:0.8rem}
</style>
"""


def page_words() -> None:
    """Cover Streamlit's English widget texts in Chinese mode (call once per page run)."""
    if lang() == "zh":
        st.html(_CSS % {"button": UPLOAD_BUTTON, "note": UPLOAD_NOTE})
