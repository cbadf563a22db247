"""系统设置 / Settings (admin): the 天地图 Tianditu key, asked for once, and the basemap status.

The key is stored server-side (:mod:`layers.site_settings`), never shown again in full (only
its last four characters), and reaches investors' browsers only inside Tianditu tile URLs.
The offline basemap (``INVESTMAP_TILES``) is a server setting; the page shows whether it
works and how many tiles it serves.
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime

import streamlit as st

from layers.site_settings import (
    SettingsError,
    SiteSettings,
    check_public_base_url,
    check_tianditu_key,
    load_site_settings,
    save_site_settings,
)
from ui.auth import require_role
from ui.common import header
from ui.i18n import lang, pick
from webmap.basemaps import basemap_name, default_basemap
from webmap.tiles import TILES_ENV, TileSourceError, local_tiles

TEXT = {
    "tdt": ("天地图密钥", "Tianditu key"),
    "tdt_help": ("在 console.tianditu.gov.cn 申请“浏览器端”应用密钥（tk，32 位），保存后所有"
                 "地图默认使用天地图矢量底图。", "Apply for a browser key (tk, 32 characters) at "
                 "console.tianditu.gov.cn; once saved, every map uses Tianditu vector tiles "
                 "by default."),
    "tdt_set": ("已配置（末四位 {tail}，{who} 于 {when} 保存）。",
                "Configured (ends in {tail}, saved by {who} on {when})."),
    "tdt_env": ("服务器环境变量 TIANDITU_KEY 已设置，它优先于此处保存的密钥。",
                "The server's TIANDITU_KEY variable is set; it takes precedence over the key "
                "saved here."),
    "tdt_none": ("尚未配置：天地图不可用，默认底图为 {default}。",
                 "Not configured: Tianditu is unavailable; the default basemap is {default}."),
    "new_key": ("新密钥", "New key"),
    "save": ("保存密钥", "Save key"),
    "remove": ("删除已保存的密钥", "Remove the saved key"),
    "saved": ("已保存。地图现在默认使用天地图。", "Saved. Maps now use Tianditu by default."),
    "removed": ("已删除。", "Removed."),
    "bad_key": ("密钥格式不对：{e}", "Not a valid key: {e}"),
    "file_error": ("设置文件有误：{e}", "The settings file is unusable: {e}"),
    "offline": ("离线底图", "Offline basemap"),
    "offline_none": ("未配置。内网部署时，把 z/x/y 瓦片目录或 .mbtiles 文件的路径写入服务器环境"
                     "变量 {env} 后重启；无底图时地图仍显示县界、城镇、道路和河流"
                     "（底图要素图层）。",
                     "Not configured. On an intranet, set the server variable {env} to a z/x/y "
                     "tile folder or an .mbtiles file and restart; without tiles the map still "
                     "shows the county outline, towns, roads and rivers (the context layer)."),
    "offline_ok": ("已启用：{count} 张瓦片，缩放级别 {lo}–{hi}，由本系统提供，无需互联网。",
                   "On: {count} tiles, zoom {lo}–{hi}, served by this app with no internet."),
    "offline_bad": ("无法使用：{e}", "Unusable: {e}"),
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
            except SettingsError as exc:
                st.error(tr("bad_key", e=exc))
                return
            save_site_settings(replace(settings, tianditu_key=key, updated_by=user_name,
                                       updated_at=datetime.now(UTC).isoformat()))
            st.success(tr("saved"))
            st.rerun()
    if settings.tianditu_key and st.button(tr("remove")):
        save_site_settings(replace(settings, tianditu_key=None, updated_by=user_name,
                                   updated_at=datetime.now(UTC).isoformat()))
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
            save_site_settings(replace(settings, public_base_url=url, updated_by=user_name,
                                       updated_at=datetime.now(UTC).isoformat()))
            st.success(tr("base_saved", url=url or "—"))


def _offline_status() -> None:
    st.subheader(tr("offline"))
    try:
        tiles = local_tiles()
    except TileSourceError as exc:
        st.error(tr("offline_bad", e=exc))
        return
    if tiles is None:
        st.info(tr("offline_none", env=TILES_ENV))
    else:
        st.success(tr("offline_ok", count=f"{tiles.count:,}", lo=tiles.min_zoom,
                      hi=tiles.max_zoom))


def main() -> None:
    user = require_role("admin")
    header("page_settings")
    st.subheader(tr("tdt"))
    st.caption(tr("tdt_help"))
    try:
        settings = load_site_settings()
    except SettingsError as exc:
        st.error(tr("file_error", e=exc))
        settings = SiteSettings()
    _key_status(settings)
    _key_form(settings, user.name)
    _base_url_form(settings, user.name)
    _offline_status()
    st.caption(tr("default", name=basemap_name(default_basemap(), lang())))


main()
