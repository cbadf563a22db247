"""Text-box checks of a typeset PDF: every word inside the page margins, no two glyphs
overlapping (so no two lines), no word under the QR code (pdfplumber's boxes, PDF points)."""

from __future__ import annotations

from pathlib import Path

import pdfplumber

EDGE_PT = 22.0
"""Minimum distance (≈ 7.8 mm) of every word from the paper's edge (printer's margin)."""


def _overlap(a: dict, b: dict, slack: float = 0.6) -> bool:
    return (min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > slack
            and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > slack)


def qr_boxes(page: pdfplumber.page.Page) -> list[dict]:
    """Square images on the page (the QR code; maps and diagrams are not square)."""
    out = []
    for im in page.images:
        w, h = im["x1"] - im["x0"], im["bottom"] - im["top"]
        src = im.get("srcsize") or (0, 0)
        if abs(w - h) < 1.0 and src[0] == src[1]:
            out.append(im)
    return out


def layout_problems(path: Path) -> list[str]:
    """Every violation found, as ``page N: …`` lines (empty when the layout is clean)."""
    problems: list[str] = []
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            words = page.extract_words(use_text_flow=False, keep_blank_chars=False)
            width, height = float(page.width), float(page.height)
            for w in words:
                if (w["x0"] < EDGE_PT or w["x1"] > width - EDGE_PT or w["top"] < EDGE_PT
                        or w["bottom"] > height - EDGE_PT):
                    problems.append(f"page {number}: {w['text']!r} outside the margins "
                                    f"({w['x0']:.0f},{w['top']:.0f})–({w['x1']:.0f},"
                                    f"{w['bottom']:.0f})")
            for qr in qr_boxes(page):
                problems += [f"page {number}: {w['text']!r} under the QR code"
                             for w in words if _overlap(w, qr, 0.0)]
            problems += [f"page {number}: {a} overlaps {b}" for a, b in _glyph_clashes(page)]
    return problems


def _glyph_clashes(page: pdfplumber.page.Page) -> list[tuple[str, str]]:
    """Pairs of visible glyphs whose boxes overlap: on different baselines by more than 15 %
    of the smaller box (two lines drawn over each other), on one baseline by more than 60 %
    (two words printed on top of each other; kerned neighbours such as "r," touch less).
    Words would hide it: pdfplumber merges glyphs on nearly one baseline into one word."""
    chars = sorted((c for c in page.chars if c["text"].strip()), key=lambda c: c["top"])
    clashes = []
    for i, a in enumerate(chars):
        for b in chars[i + 1:]:
            if b["top"] >= a["bottom"]:
                break
            w = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
            h = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            if w <= 0 or h <= 0:
                continue
            smaller = min((a["x1"] - a["x0"]) * (a["bottom"] - a["top"]),
                          (b["x1"] - b["x0"]) * (b["bottom"] - b["top"]))
            same_line = abs(a["bottom"] - b["bottom"]) < 0.5
            if w * h > (0.6 if same_line else 0.15) * smaller:
                clashes.append((f"{a['text']!r}@({a['x0']:.0f},{a['top']:.0f})",
                                f"{b['text']!r}@({b['x0']:.0f},{b['top']:.0f})"))
    return clashes


def page_count(path: Path) -> int:
    with pdfplumber.open(path) as pdf:
        return len(pdf.pages)
