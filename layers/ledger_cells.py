"""Reading the cells of a 重点项目台账 the way counties write them.

Pure text rules, one per kind of cell: a step cell (``已办（2024.3.5）``, ``在办``,
``未办（计划2024.6）``, ``卡壳（林地指标未落实）``, ``不涉及``), a date (``2024.3.5``,
``2024年3月``, an Excel date), an amount (``3,500``, ``—``) and a header's unit
(``（亿元）``, ``（万元）``). Each returns a value or raises :class:`CellError` whose message
says what was expected.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from geo.errors import DataError

WAN_PER_UNIT = {"亿元": 10_000.0, "万元": 1.0, "元": 0.0001}
"""Money units met in ledger headers, as multiples of 万元 (shared/domain.md §2)."""

STATE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("done", ("已办结", "已办理", "已办", "已完成", "已批复", "已取得", "已获批", "已批", "完成",
              "办结")),
    ("doing", ("正在办理", "正在办", "办理中", "在办", "审批中", "已受理", "已申报")),
    ("todo", ("未办理", "未办", "未启动", "未开始", "待办", "未申报")),
    ("stuck", ("卡壳", "受阻", "停滞", "暂停", "搁置")),
    ("na", ("不涉及", "无需办理", "无需", "不需要", "不需办理")),
)
"""Words that open a step cell, longest first within a state (已办结 before 已办)."""

NA_MARKS = frozenset({"/", "—", "-", "无", "——", "－", "╱", "\\"})
"""A step cell holding only one of these marks: the step does not apply."""

DATE = re.compile(r"(\d{4})\s*[.\-/年]\s*(\d{1,2})\s*(?:[.\-/月]\s*(\d{1,2})\s*日?|月)?")
"""A date as ledgers write it: 2024.3.5, 2024-03-05, 2024/3/5, 2024年3月5日, 2024年3月, 2024.3."""
_PLAN = re.compile(r"^(计划|预计|拟|力争|争取|预|计划于|预计于)")
_UNIT = re.compile(r"[(（]\s*(亿元|万元|元)\s*[)）]|(亿元|万元)$")
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
BLANK_TEXTS = frozenset({"", "nan", "none", "nat"})
PARENS = str.maketrans({"（": "(", "）": ")", "：": ":", "，": ",", "　": " "})


class CellError(DataError):
    """A cell's text does not follow the ledger's conventions; the message says what to write."""


@dataclass(frozen=True)
class StepCell:
    """A parsed step cell: state code, done or planned date, and the rest of the text."""

    state: str
    done_date: pd.Timestamp | None = None
    planned_date: pd.Timestamp | None = None
    note: str | None = None


def is_blank(value: object) -> bool:
    """True for an empty cell (``None``, NaN, blank text)."""
    if value is None:
        return True
    if isinstance(value, float) and value != value:
        return True
    return isinstance(value, str) and value.strip().lower() in BLANK_TEXTS


def text(value: object) -> str:
    """A cell as one line of text: full-width brackets to ASCII, line breaks and spaces gone."""
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", "", str(value).translate(PARENS))


def header_unit(header: str) -> tuple[str, float | None]:
    """A header without its money unit, and the unit's factor to 万元 (``None``: no unit)."""
    found = _UNIT.search(header)
    if found is None:
        return header, None
    unit = found.group(1) or found.group(2)
    return (header[:found.start()] + header[found.end():]).strip(), WAN_PER_UNIT[unit]


def parse_date(value: object, *, month_end: bool = False) -> pd.Timestamp | None:
    """A date cell: an Excel date, or text such as ``2024.3.5``, ``2024-03-05``, ``2024年3月``.

    A month without a day is its first day, or its last day with ``month_end`` (a planned
    date "2024.6" means by the end of June).

    Raises
    ------
    CellError
        For text that holds no date, or an impossible one (2024.13.5).
    """
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime | dt.date):
        return pd.Timestamp(value).normalize()
    raw = text(value)
    found = DATE.search(raw)
    if found is None:
        raise CellError(f"{raw!r} holds no date; write e.g. 2024.3.5")
    year, month = int(found.group(1)), int(found.group(2))
    day = found.group(3)
    try:
        if day is None:
            day_n = calendar.monthrange(year, month)[1] if month_end else 1
        else:
            day_n = int(day)
        return pd.Timestamp(year, month, day_n)
    except ValueError:
        raise CellError(f"{raw!r} is not a real date; write e.g. 2024.3.5") from None


def parse_amount(value: object, factor: float) -> float | None:
    """An amount cell in the header's unit, as 万元 (``—`` and blanks are ``None``).

    Raises
    ------
    CellError
        For text that is not a number.
    """
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError(f"{value!r} is not an amount")
    if isinstance(value, int | float):
        return float(value) * factor
    raw = text(value).replace(",", "")
    if raw in NA_MARKS:
        return None
    if not _NUMBER.match(raw):
        raise CellError(f"{text(value)!r} is not a number")
    return float(raw) * factor


def parse_step(value: object) -> StepCell | None:
    """A step cell → :class:`StepCell`; ``None`` for a blank cell (the step is not tracked).

    ``已办（2024.3.5）`` → done on that date; ``已办`` → done, date unknown;
    ``在办（计划2024.6.30）`` → in progress, planned by that date; ``未办`` → not started;
    ``卡壳（林地指标未落实）`` → stuck with the problem text; ``不涉及`` or ``/`` → not
    applicable; a bare date → done on it.

    Raises
    ------
    CellError
        For text that follows none of these forms, or a date that is not real.
    """
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime | dt.date):
        return StepCell("done", done_date=pd.Timestamp(value).normalize())
    raw = text(value)
    if raw in NA_MARKS:
        return StepCell("na")
    state, rest = _state_word(raw)
    if state is None:
        if DATE.fullmatch(raw.rstrip("日")) is not None:
            return StepCell("done", done_date=parse_date(raw))
        raise CellError(f"{raw!r} is not a step state")
    inner = rest.strip()
    if inner.startswith("(") and inner.endswith(")"):
        inner = inner[1:-1].strip()
    elif inner.startswith(("(", ":")):
        inner = inner.lstrip("(:").rstrip(")").strip()
    if not inner:
        return StepCell(state)
    planned = _PLAN.match(inner) is not None
    found = DATE.search(inner)
    if found is None:
        return StepCell(state, note=inner)
    date = parse_date(found.group(0), month_end=state != "done" or planned)
    rest_text = (inner[:found.start()] + inner[found.end():]).strip(" ,;；、")
    rest_text = _PLAN.sub("", rest_text).strip(" ,;；、")
    note = None if rest_text in ("", "前", "完成", "前完成", "底", "底前", "月底", "日前") \
        else rest_text
    if state == "done" and not planned:
        return StepCell(state, done_date=date, note=note)
    return StepCell(state, planned_date=date, note=note)


def _state_word(raw: str) -> tuple[str | None, str]:
    for state, words in STATE_WORDS:
        for word in words:
            if raw.startswith(word):
                return state, raw[len(word):]
    return None, raw
