"""Labels, never codes (issue 20 item 2): every page, both languages, as an investor and as
each staff role, shows no snake_case name, no raw code and no None/nan/"00:00:00" — in
tables (``at.dataframe[i].value``), headings, captions, messages, metrics and widget options.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo.chain_catalog import POSITION_LABELS, VERDICT_LABELS
from layers.registry import (
    PARCEL_STATUSES,
    PARK_LEVELS,
    PROJECT_STAGES,
    SCALES,
    UTILITIES,
)
from tests.test_app_pages import _offline, open_page  # noqa: F401 - the autouse fixture
from ui.auth import ROLES, User
from ui.labels import IDLE_KINDS, OVERDUE_KINDS

PUBLIC = ("ui/map_page.py", "ui/finder_page.py", "ui/chains_page.py", "ui/export_page.py",
          "ui/login_page.py")
STAFF = ("ui/efficiency_page.py", "ui/pipeline_page.py", "ui/edit_page.py")
SNAKE = re.compile(r"(?<![A-Za-z0-9/.\-])[a-z][a-z0-9]*_[a-z0-9_]+(?![A-Za-z0-9])")
BLANK = re.compile(r"(?<![A-Za-z])(None|nan|NaN|NaT|<NA>)(?![A-Za-z])|00:00:00")


def codes(county) -> set[str]:  # noqa: ANN001
    """Every code a user must never read on its own: code tables, chain, segment, park ids."""
    from ui.state import chain_catalog

    out = {c for table in (PARCEL_STATUSES, PROJECT_STAGES, PARK_LEVELS, SCALES, UTILITIES,
                           POSITION_LABELS, VERDICT_LABELS, IDLE_KINDS, OVERDUE_KINDS)
           for c in table}
    catalog = chain_catalog()
    out |= {c.chain_id for c in catalog.chains}
    out |= {s.segment_id for c in catalog.chains for s in c.segments}
    out |= set(county["park"]["park_id"].astype(str))
    return out


def _prose(value: str) -> bool:
    """Free text typed by people (descriptions): words in it are data, not labels (the
    demo's park descriptions name chain codes; that is the demo data's text)."""
    return "。" in value or len(value.split()) > 3


def problems_in_table(frame: pd.DataFrame, known_codes: set[str]) -> list[str]:
    """Headers and cells a user would read that are codes, snake_case or blanks shown as text."""
    found = [f"header {c!r}" for c in frame.columns if SNAKE.search(str(c))]
    for column in frame.columns:
        series = frame[column]
        if series.isna().any():
            found.append(f"{column}: null cell")
        for value in series.dropna().astype(str).unique():
            snake = SNAKE.search(value) and not _prose(value)
            listed = any(p.strip() in known_codes for p in re.split(r" / |,", value))
            if value in known_codes or snake or BLANK.search(value) or listed:
                found.append(f"{column}: {value[:60]!r}")
    return found


def problems(at: AppTest, known_codes: set[str]) -> list[str]:
    found: list[str] = []
    for i, df in enumerate(at.dataframe):
        found += [f"table {i} {p}" for p in problems_in_table(df.value, known_codes)]
    texts: list[str] = []
    for kind in ("title", "subheader", "header", "markdown", "caption", "info", "warning",
                 "error", "success"):
        texts += [str(e.value) for e in getattr(at, kind)]
    texts += [str(m.label) for m in at.metric] + [str(m.value) for m in at.metric]
    for kind in ("selectbox", "multiselect", "radio"):
        for w in getattr(at, kind):
            texts += [str(w.label), *map(str, w.options)]
    for text in texts:
        plain = text.replace("\\", "")
        if SNAKE.search(plain) or BLANK.search(plain) or plain.strip() in known_codes:
            found.append(f"text {plain[:80]!r}")
    return found


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("role", [None, *ROLES])
def test_every_page_shows_labels_not_codes(role, lang, demo_county):
    user = None if role is None else User(role, role, "演示")
    known = codes(demo_county)
    # Public pages differ between investor and staff (staff see more), not between roles.
    pages = {None: PUBLIC, "admin": (*PUBLIC, *STAFF)}.get(role, STAFF)
    report = {}
    for page in pages:
        at = open_page(page, user=user, lang=lang, timeout=180)
        headings = [m.value.lstrip("# ") for m in at.markdown if m.value.startswith("#### ")]
        title = at.title[0].value if at.title else (headings or [""])[0]
        assert bool(re.search(r"[\u4e00-\u9fff]", title)) == (lang == "zh"), (page, title)
        found = problems(at, known)
        if found:
            report[page] = found[:8]
    assert report == {}


def test_the_checker_finds_codes_snake_case_and_blanks():
    frame = pd.DataFrame({"days_overdue": [1], "规模": ["above"], "日期": ["2024-01-01 00:00:00"],
                          "备注": [None], "产业": ["battery / coal_chem"]})
    found = problems_in_table(frame, {"above", "battery", "coal_chem"})
    assert len(found) == 5, found
