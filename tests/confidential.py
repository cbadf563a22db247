"""Scanning export bytes for confidential columns and the demo's confidential values."""

from __future__ import annotations

import re

from layers.registry import LAYERS

CONFIDENTIAL = sorted({c for spec in LAYERS.values() for c in spec.confidential_columns})


def confidential_hits(text: str, county) -> list[str]:
    """Confidential column names (as words) and demo confidential values found in ``text``
    (also after decoding the ``\\uXXXX`` escapes of embedded JSON)."""
    text = text + "\n" + decoded(text)
    words = set(re.findall(r"[A-Za-z0-9_]+", text))
    hits = [n for n in CONFIDENTIAL if n in words]
    if "内部：" in text:
        hits.append("内部：")
    for name, spec in LAYERS.items():
        frame = county.layers.get(name)
        for column in spec.confidential_columns:
            if frame is None or column not in frame.columns:
                continue
            for value in frame[column].dropna().unique():
                if not isinstance(value, str):
                    continue
                hits += [f"{name}.{column} {piece}" for piece in pieces(value)
                         if len(piece) >= 4 and piece in text]
    numbers = set(re.findall(r"(?<![\d.,])\d[\d,]*\.\d\d(?!\d)", text))
    taxes = county["enterprise"]["tax_wan"].dropna()
    for v in taxes[taxes >= 1000]:  # smaller figures are too common to be evidence
        if f"{v:.2f}" in numbers or f"{v:,.2f}" in numbers:
            hits.append(f"tax {v}")
    return hits


def pieces(value: str) -> list[str]:
    """A value, its lines and each line's text after ``date user: `` (lead follow-up notes
    are dated lines appended one by one: any one of them leaking is a hit)."""
    lines = value.splitlines()
    return list(dict.fromkeys([value, *lines, *(line.split(": ", 1)[-1] for line in lines)]))


def decoded(text: str) -> str:
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
