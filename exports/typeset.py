"""HTML → PDF with WeasyPrint: the one module that imports it.

WeasyPrint lays out CSS page boxes (``@page`` margins, running header and footer elements,
tables that flow over pages with repeated headers) and embeds subsets of the fonts it uses.
It needs Pango (Debian ``libpango-1.0-0``, ``libpangoft2-1.0-0``; ``scripts/setup-system.sh
run``). It silently leaves out glyphs no installed font has (shared/pitfalls.md "Print"), so
the page CSS names an installed CJK family first (:func:`exports.fonts.find_cjk_family`).
"""

from __future__ import annotations

import logging
from pathlib import Path

from weasyprint import HTML

logging.getLogger("weasyprint").setLevel(logging.ERROR)
logging.getLogger("fontTools").setLevel(logging.ERROR)


def write_pdf(html: str, out: Path) -> int:
    """Typeset ``html`` (a complete document with its CSS inline) into the PDF ``out``.

    Parameters
    ----------
    html : the document; images as data URIs, so no base URL is needed.
    out : the ``.pdf`` file to write (the caller makes it atomic).

    The PDF's title, subject and creator come from the document's ``<title>`` and its
    ``description`` and ``generator`` meta elements.

    Returns
    -------
    int
        The number of pages written.
    """
    document = HTML(string=html, base_url=None).render()
    document.write_pdf(out)
    return len(document.pages)


def write_pdf_bytes(html: str) -> bytes:
    """Typeset ``html`` as :func:`write_pdf` does, into memory (a download button's data)."""
    pdf = HTML(string=html, base_url=None).render().write_pdf()
    assert pdf is not None  # write_pdf returns the bytes when given no target
    return pdf
