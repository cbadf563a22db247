"""Links to a view of the online map (a park, a parcel, a colouring), shared by the app's
"share" link, the brochures' QR codes and the published investor site. Never carries a login.

Every link points at the app's root — the map is the app's default page, served at ``/`` —
with the view in query parameters (``/?lang=en&parcel=QF-0001``): a path such as ``/map``
is not a page of the app and would open Streamlit's "Page not found" dialog.

Where links point (:func:`public_base`): the public base URL an administrator saved in the
settings page (:mod:`layers.site_settings`), else the policy's ``export.online_map_url``,
else the local server's own address (:data:`LOCAL_APP_URL`, where ``make run`` serves the
demo).
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

from layers.site_settings import SettingsError, load_site_settings

LOCAL_APP_URL = "http://localhost:8501/"
"""Streamlit's default address: where the demo's links open on the local server."""

DEFAULT_PAGE = "map"
"""The app's default page; Streamlit serves it at the root only, so it is never in a link."""


def app_root(url: str) -> str:
    """The app's root address from any address of it: query and fragment dropped, a trailing
    ``/map`` (the default page, which has no path of its own) removed, ending in ``/``."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    if path.rsplit("/", 1)[-1] == DEFAULT_PAGE:
        path = path[: -len(DEFAULT_PAGE) - 1]
    return urlunsplit((parts.scheme, parts.netloc, path + "/", "", ""))


def view_url(base: str, *, lang: str, **params: str | None) -> str:
    """``base`` (any address of the app, see :func:`app_root`) with the language and the
    given view parameters (``park``, ``parcel``, ``color`` …; empty ones left out)."""
    query = {"lang": lang, **{k: str(v) for k, v in params.items() if v}}
    return f"{app_root(base)}?{urlencode(query)}"


def public_base(policy_url: str = "") -> str:
    """Where links for people outside point: the admin's public base URL, else
    ``policy_url`` (``export.online_map_url``), else :data:`LOCAL_APP_URL`.

    An unreadable settings file is not a reason to fail an export: the next source is used
    (the settings page reports the file's problem to the administrator).
    """
    try:
        saved = load_site_settings().public_base_url
    except SettingsError:
        saved = None
    return app_root(saved or policy_url or LOCAL_APP_URL)
