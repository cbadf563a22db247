"""Markdown-safe text: every data value shown through ``st.markdown``, ``st.subheader``,
``st.caption``, ``st.title``, ``st.info`` … goes through :func:`md_escape`.

Streamlit renders those elements as Markdown (with some HTML), so a parcel id such as
``[领取补贴](https://evil.example)`` would become a link and ``![x](http://host/beacon)`` an
image fetch. Escaping every Markdown metacharacter with a backslash, and HTML's ``<`` ``>``
``&`` as entities, shows the value as typed.
"""

from __future__ import annotations

import re

# CommonMark's ASCII punctuation that may start or end Markdown syntax, plus Streamlit's
# extensions (``:material/…:`` icons and ``:red[…]`` colours use ``:``; ``$`` starts LaTeX;
# ``~`` strikes through).
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|:$~>])")
_HTML = str.maketrans({"<": "&lt;", ">": "&gt;", "&": "&amp;"})


def md_escape(value: object) -> str:
    """``value`` as text that Markdown shows literally (no links, images, emphasis, HTML).

    Parameters
    ----------
    value : anything; ``None`` becomes the empty string.

    """
    if value is None:
        return ""
    text = str(value).translate(_HTML)
    text = _SPECIAL.sub(r"\\\1", text)
    # A newline would let a value start a heading or a list on the next line.
    return text.replace("\r", " ").replace("\n", " ")
