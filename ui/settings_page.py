"""系统设置 / Settings (admin): the 天地图 Tianditu key, the default basemap (incl. 无底图) and
the offline tiles folder — what admins once set through server variables — plus the one staff
place that lists layers without a recorded as-of date.

The key is stored server-side (:mod:`layers.site_settings`), never shown again in full (only
its last four characters), and reaches investors' browsers only inside Tianditu tile URLs.
Server variables, when set, still win; the page says so in words, without their names.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from datetime import UTC, datetime

import streamlit as st

from layers.site_settings import (
    SettingsError,
    SiteSettings,
    check_public_base_url,
    check_tianditu_key,
    check_tiles_folder,
    load_site_settings,
    save_site_settings,
)
from ui.auth import require_role
from ui.common import header
from ui.freshness_note import metadata_notes
from ui.i18n import lang, pick
from webmap.basemaps import BASEMAPS, basemap_name, default_basemap
from webmap.tiles import TILES_ENV, TileSourceError, local_tiles

LOG = logging.getLogger(__name__)

TEXT = {
    "tdt": ("天地图密钥", "Tianditu key"),
    "tdt_help": ("在 console.tianditu.gov.cn 申请“浏览器端”应用密钥（tk，32 位），保存后所有"
                 "地图默认使用天地图矢量底图。", "Apply for a browser key (tk, 32 characters) at "
                 "console.tianditu.gov.cn; once saved, every map uses Tianditu vector tiles "
                 "by default."),
    "tdt_set": ("已配置（末四位 {tail}，{who} 于 {when} 保存）。",
                "Configured (ends in {tail}, saved by {who} on {when})."),
    "tdt_env": ("服务器配置中已有天地图密钥，它优先于此处保存的密钥。",
                "The server configuration already holds a Tianditu key; it takes precedence "
                "over the key saved here."),
    "tdt_none": ("尚未配置：天地图不可用，默认底图为 {default}。",
                 "Not configured: Tianditu is unavailable; the default basemap is {default}."),
    "new_key": ("新密钥", "New key"),
    "save": ("保存密钥", "Save key"),
    "remove": ("删除已保存的密钥", "Remove the saved key"),
    "saved": ("已保存。地图现在默认使用天地图。", "Saved. Maps now use Tianditu by default."),
    "removed": ("已删除。", "Removed."),
    "bad_key": ("密钥格式不对：天地图密钥是 32 位字母数字（控制台 → 应用管理中可见）。",
                "Not a valid key: a Tianditu key has 32 letters and digits (see 控制台 → "
                "应用管理 on the Tianditu console)."),
    "file_error": ("设置文件无法读取，已按默认设置显示；重新保存即可修复。",
                   "The settings file cannot be read; defaults are shown. Saving again "
                   "repairs it."),
    "basemap": ("默认底图", "Default basemap"),
    "basemap_help": ("所有地图打开时使用的底图。“自动”：有天地图密钥用天地图，其次离线底图，否则 "
                     "OpenStreetMap。内网无法访问互联网时选“无底图”或“离线底图”。",
                     "The basemap every map opens on. “Automatic”: Tianditu with a key, else "
                     "offline tiles, else OpenStreetMap. On an intranet without internet choose "
                     "“No basemap” or “Offline basemap”."),
    "auto": ("自动", "Automatic"),
    "basemap_save": ("保存默认底图", "Save the default basemap"),
    "basemap_saved": ("已保存：默认底图为 {name}。", "Saved: the default basemap is {name}."),
    "basemap_fixed": ("服务器配置已固定默认底图为 {name}，此处的选择在该配置取消后生效。",
                      "The server configuration fixes the default basemap to {name}; the "
                      "choice here applies once that is lifted."),
    "offline": ("离线底图", "Offline basemap"),
    "tiles": ("离线瓦片位置（服务器上的 z/x/y 瓦片目录或 .mbtiles 文件）",
              "Offline tiles (a z/x/y tile folder or an .mbtiles file on the server)"),
    "tiles_save": ("保存离线底图位置", "Save the offline tiles location"),
    "tiles_saved": ("已保存，无需重启。", "Saved; no restart needed."),
    "tiles_bad": ("服务器上找不到这个瓦片目录或 .mbtiles 文件，未保存。",
                  "No tile folder or .mbtiles file at that location on the server; not saved."),
    "tiles_fixed": ("服务器配置已指定离线瓦片位置，它优先于此处的设置。",
                    "The server configuration names the offline tiles; it takes precedence "
                    "over the setting here."),
    "offline_none": ("未配置。内网部署时，在上方填写服务器上瓦片目录或 .mbtiles 文件的位置；"
                     "无底图时地图仍显示县界、城镇、道路和河流（底图要素图层）。",
                     "Not configured. On an intranet, enter the location of a tile folder or "
                     "an .mbtiles file on the server above; without tiles the map still shows "
                     "the county outline, towns, roads and rivers (the context layer)."),
    "offline_ok": ("已启用：{count} 张瓦片，缩放级别 {lo}–{hi}，由本系统提供，无需互联网。",
                   "On: {count} tiles, zoom {lo}–{hi}, served by this app with no internet."),
    "offline_bad": ("无法使用：该位置没有可用的瓦片（目录须为 z/x/y 结构，或为 .mbtiles 文件）。",
                    "Unusable: no tiles at that location (a z/x/y folder or an .mbtiles "
                    "file is needed)."),
    "default": ("当前默认底图：{name}", "Default basemap now: {name}"),
    # issue 31: public base URL
    "base": ("公开访问地址", "Public base URL"),
    "base_help": ("投资者打开地图的地址（如 `https://invest.example.gov.cn/`）。分享链接、推介手册"
                  "二维码和投资者静态网站都指向这里；留空则用本服务器的地址。",
                  "The address investors open the map at (e.g. `https://invest.example.gov.cn/`). "
                  "Share links, brochure QR codes and the published investor site point here; "
                  "empty means this server's own address."),
    "base_save": ("保存地址", "Save address"),
    "base_saved": ("已保存：{url}", "Saved: {url}"),
    "bad_base": ("地址格式不对：{e}", "Not a valid address: {e}"),
}


def tr(key: str, **values: object) -> str:
    text = pick(TEXT[key])
    return text.format(**values) if values else text


def _key_status(settings: SiteSettings) -> None:
    if os.environ.get("TIANDITU_KEY", "").strip():
        st.info(tr("tdt_env"))
    if settings.tianditu_key:
        st.success(tr("tdt_set", tail=settings.tianditu_key[-4:],
                      who=settings.updated_by or "—", when=(settings.updated_at or "—")[:10]))
    else:
        st.warning(tr("tdt_none", default=basemap_name(default_basemap(), lang())))


def _key_form(settings: SiteSettings, user_name: str) -> None:
    with st.form("tianditu_key_form", clear_on_submit=True):
        typed = st.text_input(tr("new_key"), type="password", max_chars=64)
        if st.form_submit_button(tr("save"), type="primary"):
            try:
                key = check_tianditu_key(typed)
            except SettingsError:
                st.error(tr("bad_key"))
                return
            _save(settings, user_name, tianditu_key=key)
            st.success(tr("saved"))
            st.rerun()
    if settings.tianditu_key and st.button(tr("remove")):
        _save(settings, user_name, tianditu_key=None)
        st.success(tr("removed"))
        st.rerun()


def _base_url_form(settings: SiteSettings, user_name: str) -> None:
    st.subheader(tr("base"))
    st.caption(tr("base_help"))
    with st.form("public_base_url_form"):
        typed = st.text_input(tr("base"), value=settings.public_base_url or "", max_chars=300)
        if st.form_submit_button(tr("base_save")):
            try:
                url = check_public_base_url(typed) if typed.strip() else None
            except SettingsError as exc:
                st.error(tr("bad_base", e=exc))
                return
            _save(settings, user_name, public_base_url=url)
            st.success(tr("base_saved", url=url or "—"))


def _save(settings: SiteSettings, user_name: str, **changes: object) -> None:
    """Save ``changes`` on top of the other settings, stamped with who and when."""
    save_site_settings(dataclasses.replace(settings, **changes, updated_by=user_name,
                                           updated_at=datetime.now(UTC).isoformat()))


def _basemap_form(settings: SiteSettings, user_name: str) -> None:
    st.subheader(tr("basemap"))
    fixed = os.environ.get("INVESTMAP_BASEMAP", "").strip()
    if fixed in BASEMAPS:
        st.info(tr("basemap_fixed", name=basemap_name(fixed, lang())))
    options = ["auto", *BASEMAPS]
    names = {b: tr("auto") if b == "auto" else basemap_name(b, lang()) for b in options}
    current = settings.default_basemap if settings.default_basemap in BASEMAPS else "auto"
    st.caption(tr("basemap_help"))
    with st.form("basemap_form"):
        choice = st.selectbox(tr("basemap"), options, index=options.index(current),
                              format_func=names.__getitem__, label_visibility="collapsed",
                              key=f"settings_basemap_{lang()}")
        if st.form_submit_button(tr("basemap_save")):
            _save(settings, user_name, default_basemap=None if choice == "auto" else choice)
            st.session_state["settings_flash"] = tr("basemap_saved", name=names[choice])
            st.rerun()


def _offline_form(settings: SiteSettings, user_name: str) -> None:
    st.subheader(tr("offline"))
    if os.environ.get(TILES_ENV, "").strip():
        st.info(tr("tiles_fixed"))
    with st.form("tiles_form"):
        typed = st.text_input(tr("tiles"), value=settings.tiles_folder or "",
                              placeholder="/srv/investmap/tiles")
        if st.form_submit_button(tr("tiles_save")):
            try:
                folder = check_tiles_folder(typed)
            except SettingsError:
                st.error(tr("tiles_bad"))
                return
            _save(settings, user_name, tiles_folder=folder)
            st.session_state["settings_flash"] = tr("tiles_saved")
            st.rerun()
    try:
        tiles = local_tiles()
    except TileSourceError as exc:
        LOG.warning("offline tiles unusable: %s", exc)
        st.error(tr("offline_bad"))
        return
    if tiles is None:
        st.info(tr("offline_none"))
    else:
        st.success(tr("offline_ok", count=f"{tiles.count:,}", lo=tiles.min_zoom,
                      hi=tiles.max_zoom))


def main() -> None:
    user = require_role("admin")
    header("page_settings")
    if flash := st.session_state.pop("settings_flash", None):
        st.success(flash)
    st.subheader(tr("tdt"))
    st.caption(tr("tdt_help"))
    try:
        settings = load_site_settings()
    except SettingsError as exc:
        LOG.warning("site settings unreadable: %s", exc)
        st.error(tr("file_error"))
        settings = SiteSettings()
    _key_status(settings)
    _key_form(settings, user.name)
    _basemap_form(settings, user.name)
    _base_url_form(settings, user.name)
    _offline_form(settings, user.name)
    st.caption(tr("default", name=basemap_name(default_basemap(), lang())))
    metadata_notes()


main()
