"""HTML pages of the static investor site (:mod:`exports.publish`): the county index, one
page per park and one per offerable parcel. Every value is HTML-escaped; links are relative,
so the folder opens from ``file://`` and from any static web server."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from exports.common import tr
from exports.settings import ExportSettings


@dataclass(frozen=True)
class Page:
    """Frame of one page: where it sits (``depth`` folders below the site root)."""

    lang: str
    title: str
    kicker: str
    depth: int
    other_lang: str | None = None
    """Relative link to the same page in the other language, if published."""

    def root(self) -> str:
        return "../" * self.depth


def document(page: Page, body: str, *, view_script: str | None = None,
             with_map: bool = False) -> str:
    """A complete page: head (local stylesheet; Leaflet and the map data when it has a
    map), the title band and ``body``."""
    root = page.root()
    scripts = ""
    head_css = f'<link rel="stylesheet" href="{root}assets/site.css">'
    if with_map:
        head_css = f'<link rel="stylesheet" href="{root}assets/leaflet.css">' + head_css
        scripts = (f'<script src="{root}assets/leaflet.js"></script>'
                   f'<script src="{root}assets/data-{page.lang}.js"></script>'
                   + (f"<script>{view_script}</script>" if view_script else "")
                   + f'<script src="{root}assets/site.js"></script>')
    switch = ""
    if page.other_lang:
        switch = (f'<nav><a href="{escape(page.other_lang)}">'
                  f'{"English" if page.lang == "zh" else "中文"}</a></nav>')
    return ("<!DOCTYPE html>"
            f'<html lang="{"zh-CN" if page.lang == "zh" else "en"}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(page.title)}</title>{head_css}</head><body>"
            f'<header>{switch}<div class="kicker">{escape(page.kicker)}</div>'
            f"<h1>{escape(page.title)}</h1></header><main>{body}</main>{scripts}"
            "</body></html>")


def facts(rows: Sequence[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return f'<table class="facts"><tbody>{body}</tbody></table>'


def table(headers: Sequence[str], rows: Sequence[Sequence[tuple[str, str | None]]]) -> str:
    """A table whose cells are (text, link or None)."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td><a href="{escape(href)}">{escape(text)}</a></td>' if href
                         else f"<td>{escape(text)}</td>" for text, href in row) + "</tr>"
        for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def heading(text: str) -> str:
    return f"<h2>{escape(text)}</h2>"


def paragraph(text: str, css: str = "") -> str:
    return f'<p{f" class={chr(34)}{css}{chr(34)}" if css else ""}>{escape(text)}</p>'


def map_box(caption: str) -> str:
    return f'<div id="map" role="img" aria-label="{escape(caption)}"></div>' \
           f'<p class="note">{escape(caption)}</p>'


def pdf_link(href: str, text: str) -> str:
    return f'<p><a class="pdf" href="{escape(href)}">{escape(text)}</a></p>'


def contact_box(settings: ExportSettings, lang: str, steps: Sequence[str]) -> str:
    """The investment contact and how to inquire (the same words as the brochure)."""
    lines = "".join(f"<div>{escape(t)}</div>" for t in settings.contact_lines(lang))
    items = "".join(f"<li>{escape(s)}</li>" for s in steps)
    return (f'<div class="box"><h2>{escape(tr("招商联系", "Investment contact", lang))}</h2>'
            f"{lines}<h2>{escape(tr('如何洽谈', 'How to inquire', lang))}</h2><ol>{items}</ol>"
            "</div>")


def link(href: str, text: str) -> str:
    return f'<a href="{escape(href)}">{escape(text)}</a>'
