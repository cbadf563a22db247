"""Labels, never codes: one function over the registry for what a user reads in a table.

:func:`readable` turns any frame a page shows into headers and cells in the session language:
registry column labels (``layers.registry``), code tables (status, stage, land use, level,
scale, utilities, chains, segments, parks, verdicts …) as labels, dates without time, numbers
rounded, booleans as 是/否, empty cells empty. Columns that are not in the registry take their
label from :data:`COLUMN_TEXT`; a column with no label at all is dropped rather than shown as
``snake_case`` (the app test fails if it would be shown).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from geo.chain_catalog import INVESTOR_VERDICT_LABELS, POSITION_LABELS, VERDICT_LABELS
from layers.registry import (
    LAND_USES,
    LAYERS,
    PARCEL_STATUSES,
    PARK_LEVELS,
    PROJECT_STAGES,
    SCALES,
    UTILITIES,
    label,
)
from ui.i18n import lang, pick

COLUMN_TEXT: Mapping[str, tuple[str, str]] = {
    # pipeline (geo.pipeline)
    "overdue_kind": ("逾期类型", "Overdue"),
    "planned_date": ("计划日期", "Planned date"),
    "days_overdue": ("逾期天数", "Days overdue"),
    "reason_zh": ("说明", "Reason"),
    "reason_en": ("说明", "Reason"),
    "flag": ("提示", "Flag"),
    # idle land (geo.idle)
    "idle_kind": ("闲置类型", "Idle because"),
    "idle_from": ("闲置起算日", "Idle since"),
    "years_idle": ("闲置年数", "Years idle"),
    "fee_estimate_wan": ("闲置费估算(万元)", "Idle fee estimate (10k CNY)"),
    "may_reclaim": ("可无偿收回", "May be reclaimed"),
    # chains (geo.chains)
    "segment_id": ("产业链环节", "Chain segment"),
    "chain_id": ("产业链", "Chain"),
    "position": ("位置", "Position"),
    "verdict": ("评价", "Verdict"),
    "projects_pipeline": ("在谈项目", "Projects in talks"),
    "projects_signed": ("已签约项目", "Signed projects"),
    "projects_started": ("已开工项目", "Started projects"),
    "projects_completed": ("已竣工项目", "Completed projects"),
    "projects_producing": ("已投产项目", "Producing projects"),
    "projects_stalled": ("停滞项目", "Stalled projects"),
    "projects_lost": ("流失项目", "Lost projects"),
    "projects_active": ("在推进项目", "Active projects"),
    "producers": ("在产企业", "Producing firms"),
    "value_added_wan": ("增加值(万元)", "Value added (10k CNY)"),
    "revenue_wan": ("营业收入(万元)", "Revenue (10k CNY)"),
    "tax_wan": ("税收(万元)", "Tax (10k CNY)"),
    "relative_output": ("相对产出", "Relative output"),
    "figures_suppressed": ("数据不公开（企业过少）", "Figures withheld (too few firms)"),
    "needed_by": ("主导该链的园区", "Parks leading this chain"),
    "reason": ("说明", "Reason"),
    "rank": ("排名", "Rank"),
    "score": ("综合得分", "Score"),
    "part_proximity": ("得分：邻近链上企业", "Score: near chain firms"),
    "part_area": ("得分：面积", "Score: area"),
    "part_utilities": ("得分：配套", "Score: utilities"),
    "part_price": ("得分：地价", "Score: price"),
    "part_intensity": ("得分：投资强度", "Score: investment intensity"),
    "enterprises": ("目标企业", "Target enterprises"),
    "reasons": ("理由", "Reasons"),
    "reasons_en": ("理由", "Reasons"),
    # finder / availability
    "available": ("可供应", "Available"),
    # 亩均 (geo.efficiency)
    "tax_per_mu": ("亩均税收(万元/亩)", "Tax per mu (10k CNY)"),
    "value_added_per_mu": ("亩均增加值(万元/亩)", "Value added per mu (10k CNY)"),
    "class": ("等级", "Class"),
    "note": ("说明", "Note"),
    "note_zh": ("说明", "Note"),
    "distance_km": ("距离(km)", "Distance (km)"),
}
"""Labels of derived columns (computed by geo/, not declared in the registry)."""

IDLE_KINDS: Mapping[str, tuple[str, str]] = {
    "not_started": ("满期未动工", "Not started on time"),
    "stopped": ("开工后停工", "Work stopped"),
}
OVERDUE_KINDS: Mapping[str, tuple[str, str]] = {
    "start": ("逾期未开工", "Start overdue"),
    "completion": ("逾期未竣工", "Completion overdue"),
}
INVESTOR_VERDICTS = INVESTOR_VERDICT_LABELS

# Paired text columns: keep the session language's, drop the other.
_LANG_PAIRS: tuple[tuple[str, str], ...] = (("reason_zh", "reason_en"), ("note_zh", "note"),
                                            ("reasons", "reasons_en"), ("reason", "reason_en"))


def column_label(column: str, *, layer: str | None = None) -> str | None:
    """The label of ``column`` in the session language: the layer's registry column, then
    :data:`COLUMN_TEXT`, then any registry layer declaring it; ``None`` when unknown."""
    spec = LAYERS.get(layer) if layer else None
    if spec is not None and column in spec.column_names:
        col = spec.column(column)
        return pick((col.zh, col.en))
    if column in COLUMN_TEXT:
        return pick(COLUMN_TEXT[column])
    for other in LAYERS.values():
        if column in other.column_names:
            col = other.column(column)
            return pick((col.zh, col.en))
    return None


def _pairs_label(table: Mapping[str, tuple[str, str]]) -> Callable[[object], str]:
    return lambda v: label(table, str(v), lang())


def _names() -> dict[str, Callable[[object], str]]:
    """Value → label functions that need the county or the chain catalog."""
    from ui import state

    county = state.county()
    parks = county["park"]
    name_col = "name_en" if lang() == "en" and "name_en" in parks else "name"
    park_names = {str(p): str(n if pd.notna(n) else z) for p, n, z in
                  zip(parks["park_id"], parks[name_col], parks["name"], strict=True)}
    catalog = state.chain_catalog()
    chains = {c.chain_id: c.name(lang()) for c in catalog.chains}
    segments = {s.segment_id: s.name(lang()) for c in catalog.chains for s in c.segments}
    sep = "、" if lang() == "zh" else ", "

    def listed(table: Mapping[str, str]) -> Callable[[object], str]:
        def one(v: object) -> str:
            items = v if isinstance(v, list | tuple | np.ndarray) else str(v).split(",")
            return sep.join(table.get(str(i).strip(), str(i).strip()) for i in items
                            if str(i).strip())
        return one

    return {"park_id": listed(park_names), "chain_id": listed(chains),
            "leading_industries": listed(chains), "needed_by": listed(park_names),
            "segment_id": lambda v: segments.get(str(v), str(v))}


def _value_labels(layer: str | None, audience: str) -> dict[str, Callable[[object], str]]:
    sep = "、" if lang() == "zh" else ", "
    verdicts = INVESTOR_VERDICTS if audience == "investor" else VERDICT_LABELS
    out: dict[str, Callable[[object], str]] = {
        "land_use": _pairs_label(LAND_USES), "level": _pairs_label(PARK_LEVELS),
        "scale": _pairs_label(SCALES), "position": _pairs_label(POSITION_LABELS),
        "verdict": _pairs_label(verdicts), "idle_kind": _pairs_label(IDLE_KINDS),
        "overdue_kind": _pairs_label(OVERDUE_KINDS),
        "stage": _pairs_label(PROJECT_STAGES),
        "status": _pairs_label(PROJECT_STAGES if layer == "project" else PARCEL_STATUSES),
        "utilities": lambda v: sep.join(
            label(UTILITIES, str(u).strip(), lang())
            for u in (v if isinstance(v, list | tuple | np.ndarray) else str(v).split(","))
            if str(u).strip()),
    }
    out.update(_names())
    return out


def _blank(value: object) -> bool:
    if value is None or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return bool(np.isnan(value))
    if isinstance(value, list | tuple | np.ndarray):
        return len(value) == 0
    return isinstance(value, str) and value.strip().lower() in ("", "nan", "none", "nat")


def cell_text(value: object) -> object:
    """One cell for display: dates as YYYY-MM-DD, booleans as 是/否, blanks empty."""
    if _blank(value):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, bool | np.bool_):
        return pick(("是", "yes")) if value else pick(("否", "no"))
    return value


def readable(frame: pd.DataFrame, *, layer: str | None = None, audience: str = "staff",
             keep_codes: Sequence[str] = (), digits: int = 2) -> pd.DataFrame:
    """``frame`` as a user reads it: labelled headers and values in the session language.

    Parameters
    ----------
    frame : any table a page shows (geometry is dropped).
    layer : the registry layer its columns belong to (column labels and ``status`` codes).
    audience : ``investor`` words (e.g. verdicts) or ``staff`` words.
    keep_codes : columns whose raw codes staff need; kept as a second column "… (代码)".
    digits : decimals of float columns.
    """
    out = pd.DataFrame(frame.drop(columns=["geometry"], errors="ignore")).copy()
    other = 1 if lang() == "zh" else 0
    for pair in _LANG_PAIRS:
        if pair[0] in out and pair[1] in out:
            out = out.drop(columns=[pair[other]])
    values = _value_labels(layer, audience)
    headers: dict[str, str] = {}
    for column in list(out.columns):
        name = column_label(str(column), layer=layer)
        if name is None:
            out = out.drop(columns=[column])
            continue
        series = out[column]
        if column in keep_codes:
            out.insert(list(out.columns).index(column) + 1, f"{column}__code",
                       series.astype(object).map(lambda v: "" if _blank(v) else str(v)))
            headers[f"{column}__code"] = f"{name} ({pick(('代码', 'code'))})"
        if column in values:
            fn = values[column]
            series = series.map(lambda v, f=fn: "" if _blank(v) else f(v))
        elif pd.api.types.is_float_dtype(series):
            series = series.round(digits)
            if series.isna().any():  # a text column: Streamlit draws a null as "None"
                series = series.map(lambda v, d=digits: "" if _blank(v) else f"{v:,.{d}f}")
        elif series.dtype == object or pd.api.types.is_datetime64_any_dtype(series) \
                or pd.api.types.is_bool_dtype(series):
            series = series.map(cell_text)
        elif series.isna().any():  # e.g. a nullable integer rank: text, empty where null
            series = series.map(lambda v: "" if _blank(v) or v is pd.NA else str(v))
        out[column] = series
        headers[column] = name
    out = out.rename(columns=headers)
    return out.loc[:, ~out.columns.duplicated()]
