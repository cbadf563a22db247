"""数据维护 / Edit data (staff): planners change parcel status, promoters project stages and
dates, admins override; every change is versioned and audited (layers.store).

The edit is based on the version shown when the feature was opened: if someone else saved in
between, the store refuses it and the page shows the newer value (never a silent overwrite).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from layers.registry import PARCEL_STATUSES, PROJECT_STAGES, get_spec, label
from layers.store import (
    EDITORS,
    EditError,
    StaleVersionError,
    StoreError,
    open_store,
)
from layers.store.errors import NoChangeError, PermissionDenied, TransitionError
from layers.store.rules import TRANSITIONS, editable_fields
from ui.auth import ROLE_LABELS, require_role
from ui.common import header
from ui.i18n import lang, pick, shown_as, t
from ui.id_box import id_box
from ui.mapview import basemap_picker, map_view
from ui.state import show_edit
from ui.text import md_escape

TEXT = {
    "layer": ("图层", "Layer"),
    "feature": ("编号", "ID"),
    "field": ("字段", "Field"),
    "value": ("新值", "New value"),
    "reason": ("修改原因（必填，记入审计日志）", "Reason (required, goes into the audit log)"),
    "save": ("保存", "Save"),
    "reload": ("重新读取", "Reload"),
    "version": ("当前版本：{v}", "Current version: {v}"),
    "saved": ("已保存，新版本 {v}", "Saved: new version {v}"),
    "stale": ("他人已修改此记录，未保存。最新版本 {v}，当前值：{values}。请核对后重新提交。",
              "Someone else changed this feature; nothing was saved. Newer version {v}, "
              "current value: {values}. Check it and submit again."),
    "history": ("修改记录", "History"),
    "no_history": ("暂无修改记录。", "No changes recorded yet."),
    "store_error": ("无法打开数据库：{e}", "Cannot open the store: {e}"),
    "date_hint": ("日期写作 YYYY-MM-DD；留空表示清除。", "Dates as YYYY-MM-DD; empty clears."),
    "override": ("管理员可越级修改状态（须写明原因）。", "Admins may override the lifecycle "
                 "(give a reason)."),
    "record": ("当前记录", "Current record"),
    "current": ("当前值：{value}", "Current value: {value}"),
    "empty": ("（空）", "(empty)"),
    "unchanged": ("未保存：{field}已经是“{value}”，没有需要修改的内容。",
                  "Not saved: {field} is already “{value}”; there is nothing to change."),
    "transition": ("未保存：{field}不能从“{old}”直接改为“{new}”。请按流程逐步修改，或请管理员"
                   "写明原因后越级修改。",
                   "Not saved: {field} cannot go from “{old}” to “{new}” directly. Follow the "
                   "lifecycle step by step, or ask an admin to override with a reason."),
    "denied": ("未保存：您的角色不能修改此字段。", "Not saved: your role cannot edit this field."),
    "find": ("查找编号", "Find an ID"),
    "find_hint": ("共 {total} 个编号，列出 {shown} 个：输入编号的一部分查找，或在地图上点选。",
                  "{total} IDs, {shown} listed: type part of an ID to find it, or click it on "
                  "the map."),
    "invalid": ("未保存：新值不符合要求（日期写作 YYYY-MM-DD，数字只写数字，原因必填）。",
                "Not saved: the new value is not valid (dates as YYYY-MM-DD, numbers as digits, "
                "a reason is required)."),
}
LAYER_NAMES = {"parcel": ("地块", "Parcels"), "project": ("项目", "Projects"),
               "park": ("园区", "Parks")}
FIRST_FIELD = {"parcel": "status", "project": "stage", "park": "contact"}
CODE_TABLES = {("parcel", "status"): PARCEL_STATUSES, ("project", "stage"): PROJECT_STAGES}


def tr(key: str, **values: object) -> str:
    text = pick(TEXT[key])
    return text.format(**values) if values else text


def value_options(layer: str, field: str, current: str | None, role: str) -> list[str] | None:
    """Choices offered for a coded field: the current value plus what the role may set next
    (every code for an admin); ``None`` for free fields."""
    table = CODE_TABLES.get((layer, field))
    if table is None:
        return None
    if role == "admin" or current is None:
        return list(table)
    allowed = TRANSITIONS[(layer, field)].get(current, frozenset())
    return [current, *[code for code in table if code in allowed]]


def _field_label(layer: str, field: str) -> str:
    col = get_spec(layer).column(field)
    return col.zh if lang() == 'zh' else col.en


def main() -> None:
    user = require_role("planner", "promoter", "admin")
    header("page_edit")
    if saved := st.session_state.pop("edit_saved", None):
        st.success(saved)
    layers = [name for name, roles in EDITORS.items()
              if user.role in roles and name in LAYER_NAMES]  # leads: page 招商线索
    layer = st.selectbox(tr("layer"), layers, key="edit_layer",
                         format_func=shown_as(layers, lambda n: pick(LAYER_NAMES[n])))
    try:
        store = open_store()
    except StoreError as exc:
        st.error(tr("store_error", e=md_escape(exc)))
        return
    with store:
        ids = store.ids(layer)
        if layer == "parcel":
            _pick_on_map(ids)
        fid = id_box(tr("feature"), ids, key=f"edit_id_{layer}", find_label=tr("find"),
                     hint=tr("find_hint"))
        if fid is None:
            return
        base_key = f"edit_base_{layer}_{fid}"
        feature = store.get(layer, fid)
        reload = st.button(tr("reload"))
        if reload or base_key not in st.session_state:
            st.session_state[base_key] = feature.version
        _form(store, layer, fid, feature, st.session_state[base_key], user)
        _history(store, layer, fid)


def _pick_on_map(ids: list[str]) -> None:
    """Editing starts from the map: a clicked parcel becomes the one edited."""
    st.caption(t("edit_click_hint"))
    current = st.session_state.get("edit_id_parcel")
    clicked = map_view(key="edit_map", basemap=basemap_picker("edit_basemap"),
                       layers=("park", "parcel"), height=460,
                       highlight_ids=[current] if current else [],
                       highlight_key="selected")
    if clicked and clicked in ids and clicked != st.session_state.get("edit_map_last"):
        st.session_state["edit_map_last"] = clicked
        st.session_state["edit_id_parcel"] = clicked


def _form(store, layer: str, fid: str, feature, base: int, user) -> None:  # noqa: ANN001
    st.caption(tr("version", v=base))
    fields = editable_fields(layer)
    _record(layer, fields, feature.values)
    first = FIRST_FIELD[layer]
    field = st.selectbox(tr("field"), fields, index=fields.index(first),
                         format_func=shown_as(fields, lambda f: _field_label(layer, f)),
                         key=f"edit_field_{layer}")
    current = feature.values.get(field)
    codes = CODE_TABLES.get((layer, field))
    st.caption(tr("current", value=md_escape(_value_text(codes, current) or tr("empty"))))
    with st.form(f"edit_form_{layer}_{fid}_{field}_{base}"):
        options = value_options(layer, field, current, user.role)
        if options is not None:
            value = st.selectbox(tr("value"), options,
                                 index=options.index(current) if current in options else 0,
                                 format_func=shown_as(options, lambda c: label(codes, c, lang())))
            if user.role == "admin":
                st.caption(tr("override"))
        else:
            value = st.text_input(tr("value"), value="" if current is None else str(current),
                                  help=tr("date_hint"))
        reason = st.text_input(tr("reason"))
        submitted = st.form_submit_button(tr("save"))
    if not submitted:
        return
    name = _field_label(layer, field)
    try:
        version = store.edit(layer, fid, {field: value}, user=user.name, role=user.role,
                             reason=reason, expect_version=base)
    except StaleVersionError as exc:
        shown = pick(("，", ", ")).join(
            f"{_field_label(layer, k)} = {_value_text(CODE_TABLES.get((layer, k)), v)}"
            for k, v in exc.current_values.items())
        st.error(tr("stale", v=exc.current_version, values=md_escape(shown)))
        return
    except NoChangeError:
        st.info(tr("unchanged", field=name, value=md_escape(
            _value_text(codes, current) or tr("empty"))))
        return
    except TransitionError:
        st.error(tr("transition", field=name, old=_value_text(codes, current),
                    new=_value_text(codes, value)))
        return
    except PermissionDenied:
        st.error(tr("denied"))
        return
    except EditError:
        st.error(tr("invalid"))
        return
    st.session_state[f"edit_base_{layer}_{fid}"] = version
    show_edit(store.location, layer, [fid])  # the map and finder read the same store
    st.session_state["edit_saved"] = tr("saved", v=version)
    st.rerun()  # the record and the form show the stored value


def _record(layer: str, fields: list[str], values: dict) -> None:
    """The stored values of the editable fields, labelled (what a save would change)."""
    from ui.labels import readable

    row = readable(pd.DataFrame([{f: values.get(f) for f in fields}]), layer=layer)
    with st.expander(tr("record"), expanded=True):
        st.table(pd.DataFrame({pick(("当前值", "Value")): [
            "" if str(v) in ("None", "nan", "NaT") else str(v) for v in row.iloc[0]]},
            index=list(row.columns)))


def _history(store, layer: str, fid: str) -> None:  # noqa: ANN001
    st.subheader(tr("history"))
    entries = store.history(layer, fid)
    if not entries:
        st.info(tr("no_history"))
        return
    table = CODE_TABLES.get
    rows = [{pick(("时间 (UTC)", "Time (UTC)")): str(e.at)[:19].replace("T", " "),
             pick(("版本", "Version")): e.version, pick(("用户", "User")): e.user,
             pick(("角色", "Role")): pick(ROLE_LABELS.get(e.role, (e.role, e.role))),
             pick(("字段", "Field")): _field_label(layer, e.field)
             if e.field in get_spec(layer).column_names else e.field,
             pick(("原值", "Old value")): _value_text(table((layer, e.field)), e.old_value),
             pick(("新值", "New value")): _value_text(table((layer, e.field)), e.new_value),
             pick(("原因", "Reason")): e.reason} for e in reversed(entries)]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def _value_text(codes, value: object) -> str:  # noqa: ANN001 - code table or None
    if value is None or str(value) in ("", "None", "nan"):
        return ""
    return label(codes, str(value), lang()) if codes else str(value)


main()
