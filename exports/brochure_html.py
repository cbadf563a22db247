"""HTML and CSS of the brochure (推介手册), typeset by :mod:`exports.typeset`.

Every data value goes through :func:`html.escape`. The page is A4 with CSS page boxes: a
running head (title and page number) in the top margin, a running foot (contact block, source
line, QR code in its own cell) in the bottom margin, so body text can never run into them;
tables flow to the next page with their header row repeated; long words break.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

NAVY = "#12355b"
ACCENT = "#e07b00"
INK = "#222222"
MUTED = "#666666"
LIGHT = "#eef2f7"

MARGIN_MM = {"top": 17, "right": 14, "bottom": 46, "left": 14}
"""Page margins; the foot (contact, source, QR code) lives in the bottom one."""
QR_MM = 25
"""Printed size of the QR code (≥ 20 mm scans reliably from a phone)."""

CSS = """
@page {
  size: A4;
  margin: %(top)smm %(right)smm %(bottom)smm %(left)smm;
  @top-left { content: element(head); vertical-align: bottom; padding-bottom: 3mm; }
  @top-right { content: counter(page) " / " counter(pages); font-size: 7.5pt;
               color: %(muted)s; vertical-align: bottom; padding-bottom: 3mm; }
  @bottom-left { content: element(foot); vertical-align: top; padding-top: 4mm;
                 width: 100%%; }
}
@page :first { @top-left { content: none; } }
html { font-family: %(family)s; font-size: 9pt; color: %(ink)s; line-height: 1.45; }
body { margin: 0; }
.head { position: running(head); font-size: 7.5pt; color: %(muted)s; }
.foot { position: running(foot); width: 100%%; font-size: 7pt; line-height: 1.35; }
.foot table { width: 100%%; border-collapse: collapse; }
.foot td { vertical-align: top; padding: 0; }
.foot td.left { width: 52%%; padding-right: 4mm; }
.foot .qr { width: %(qr)smm; padding-left: 4mm; text-align: center; }
.foot .qr img { width: %(qr)smm; height: %(qr)smm; image-rendering: pixelated; display: block; }
.foot .qr p { font-size: 6.5pt; color: %(navy)s; margin: 1mm 0 0 0; line-height: 1.2; }
.foot h4 { font-size: 9pt; color: %(navy)s; margin: 0 0 1mm 0; }
.foot p { margin: 0; }
.url { overflow-wrap: anywhere; color: %(muted)s; font-size: 6.5pt; }
.band { background: %(navy)s; color: white; padding: 4mm 5mm 3.5mm 5mm;
        border-bottom: 1.2mm solid %(accent)s; margin-bottom: 4mm; }
.band .kicker { font-size: 8pt; color: #c9d6ea; }
.band h1 { font-size: 19pt; margin: 1mm 0; line-height: 1.2; }
.band .sub { font-size: 9pt; color: #dfe7f3; }
.band .badge { float: right; background: white; color: %(navy)s; font-weight: bold;
               padding: 0.8mm 2.5mm; border-radius: 2mm; font-size: 9.5pt; margin-left: 4mm; }
h2 { font-size: 12pt; color: %(navy)s; border-left: 1.6mm solid %(accent)s;
     padding-left: 2mm; margin: 5mm 0 2mm 0; break-after: avoid; }
h3 { font-size: 10pt; color: %(navy)s; margin: 3mm 0 1.5mm 0; break-after: avoid; }
p { margin: 0 0 2mm 0; }
figure { margin: 0 0 2mm 0; break-inside: avoid; }
figure img { width: 100%%; display: block; }
figcaption { font-size: 7.5pt; color: %(muted)s; margin-top: 1mm; }
table.data { width: 100%%; border-collapse: collapse; margin-bottom: 2mm; }
table.data th { background: %(navy)s; color: white; font-weight: bold; text-align: left;
                font-size: 7.5pt; padding: 1mm 1.2mm; }
table.data td { font-size: 8pt; padding: 1mm 1.2mm; vertical-align: top;
                overflow-wrap: anywhere; }
table.data tr:nth-child(even) td { background: %(light)s; }
table.data thead { display: table-header-group; }
table.data tr { break-inside: avoid; }
table.facts th { background: none; color: %(muted)s; font-weight: normal; width: 27%%;
                 font-size: 8.5pt; }
table.facts td { font-size: 8.5pt; font-weight: bold; }
table.facts tr:nth-child(odd) th, table.facts tr:nth-child(odd) td { background: %(light)s; }
table.facts tr:nth-child(even) td { background: none; }
ul.tags { margin: 0 0 2mm 0; padding-left: 5mm; }
ul.tags li { margin: 0.5mm 0; }
.note { color: %(muted)s; font-size: 7.5pt; }
.star { color: %(accent)s; font-weight: bold; }
"""


@dataclass
class Foot:
    """What the running foot shows on every page."""

    contact_title: str
    contact_lines: list[str]
    qr_uri: str | None = None
    qr_caption: str = ""
    url: str = ""


@dataclass
class Document:
    """A brochure as HTML parts: the running head text, the foot, the body fragments."""

    lang: str
    title: str
    subject: str
    head: str
    foot: Foot
    body: list[str] = field(default_factory=list)

    def add(self, fragment: str) -> None:
        """Append an HTML fragment (already escaped)."""
        self.body.append(fragment)

    def html(self, family: str) -> str:
        """The complete HTML document with its CSS, fonts led by ``family``."""
        families = ", ".join(f'"{f}"' for f in (family, "Noto Sans", "DejaVu Sans")) + \
            ", sans-serif"
        css = CSS % {**MARGIN_MM, "family": families, "ink": INK, "muted": MUTED,
                     "navy": NAVY, "accent": ACCENT, "light": LIGHT, "qr": QR_MM}
        return (f'<!DOCTYPE html><html lang="{"zh-CN" if self.lang == "zh" else "en"}">'
                f"<head><meta charset='utf-8'><title>{escape(self.title)}</title>"
                f'<meta name="description" content="{escape(self.subject)}">'
                '<meta name="generator" content="InvestMap 招商地图">'
                f"<style>{css}</style></head><body>"
                f'<div class="head">{escape(_shorten(self.head, HEAD_CHARS[self.lang]))}'
                f"</div>{_foot(self.foot)}"
                + "".join(self.body) + "</body></html>")


HEAD_CHARS = {"zh": 44, "en": 88}
"""Longest running head before it is shortened with "…" (one line in the top margin)."""


def _foot(foot: Foot) -> str:
    """Organisation and address on the left, phone, e-mail and link in the middle, the QR
    code in its own cell on the right."""
    first, *middle = foot.contact_lines or [""]
    last = [middle.pop()] if len(middle) >= 3 else []
    left = (f"<h4>{escape(foot.contact_title)}</h4>"
            + "".join(f"<p>{escape(t)}</p>" for t in [first, *last]))
    mid = ("".join(f"<p>{escape(t)}</p>" for t in middle)
           + (f'<p class="url">{escape(foot.url)}</p>' if foot.url else ""))
    qr = ""
    if foot.qr_uri:
        qr = (f'<td class="qr"><img src="{foot.qr_uri}" alt="QR">'
              f"<p>{escape(foot.qr_caption)}</p></td>")
    return (f'<div class="foot"><table><tr><td class="left">{left}</td><td>{mid}</td>{qr}'
            "</tr></table></div>")


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def band(kicker: str, title: str, subtitle: str = "", badge: str = "") -> str:
    """The cover's title band."""
    return ('<div class="band">'
            + (f'<span class="badge">{escape(badge)}</span>' if badge else "")
            + f'<div class="kicker">{escape(kicker)}</div><h1>{escape(title)}</h1>'
            + (f'<div class="sub">{escape(subtitle)}</div>' if subtitle else "") + "</div>")


def heading(text: str, level: int = 2) -> str:
    return f"<h{level}>{escape(text)}</h{level}>"


def paragraph(text: str, *, css: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    return f"<p{cls}>{escape(text)}</p>"


def figure(uri: str, caption: str = "") -> str:
    cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f'<figure><img src="{uri}" alt="{escape(caption)}">{cap}</figure>'


def tags(items: Sequence[str]) -> str:
    return '<ul class="tags">' + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"


def facts(rows: Sequence[tuple[str, str]]) -> str:
    """Label/value rows (a table that may flow over a page break between rows)."""
    body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return f'<table class="data facts"><tbody>{body}</tbody></table>'


def table(headers: Sequence[str], rows: Sequence[Sequence[str]],
          widths: Sequence[float] | None = None) -> str:
    """A data table; the header row repeats on every page it flows over. Cells are text;
    a cell that starts with ``★`` (this parcel) shows the star in the accent colour."""
    cols = ""
    if widths:
        total = sum(widths)
        cols = "<colgroup>" + "".join(f'<col style="width:{100 * w / total:.1f}%">'
                                      for w in widths) + "</colgroup>"
    head = "<thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in headers) + "</tr></thead>"
    body = "".join("<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f'<table class="data">{cols}{head}<tbody>{body}</tbody></table>'


def _cell(text: str) -> str:
    if text.startswith("★"):
        return f'<span class="star">★</span>{escape(text[1:])}'
    return escape(text)
