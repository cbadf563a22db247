"""State that survives a refresh and a shared link, kept in the URL's query parameters.

- ``?lang=en`` — the session language (``zh`` default).
- ``?park=ID`` / ``?parcel=ID`` / ``?color=chain`` … — the map's view (read by the map page).
- ``?s=TOKEN`` — a staff login: ``name.role.expiry.signature`` with an HMAC-SHA256 signature
  under a server secret (``INVESTMAP_SESSION_SECRET``, else a random key created once in
  the login state folder with mode 0600). A token is refused once expired, when its
  signature does not match, or when the account no longer exists with that role.
  Share links made by the app (:func:`share_url`) never carry it.

The token lives for ``INVESTMAP_SESSION_HOURS`` hours (default 8: one working day).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from layers.paths import state_dir
from ui.auth import ConfigError, User, current_user, load_users, log_in
from ui.i18n import LANGS
from webmap.links import view_url

TOKEN_PARAM = "s"
LANG_PARAM = "lang"


@dataclass(frozen=True)
class SessionSettings:
    """How long a login token lives and where its key comes from."""

    hours: float = 8.0
    secret: bytes = b""


def settings() -> SessionSettings:
    """Settings from the environment; the secret is created on first use.

    Raises
    ------
    ValueError
        ``INVESTMAP_SESSION_HOURS`` is not a positive number.
    """
    raw = os.environ.get("INVESTMAP_SESSION_HOURS", "8")
    try:
        hours = float(raw)
    except ValueError:
        hours = -1.0
    if not hours > 0:
        raise ValueError(f"INVESTMAP_SESSION_HOURS={raw!r}: give a positive number of hours")
    env = os.environ.get("INVESTMAP_SESSION_SECRET")
    return SessionSettings(hours=hours, secret=env.encode() if env else _stored_secret())


def _stored_secret() -> bytes:
    path = Path(state_dir()) / "session-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path.with_suffix(".partial"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_bytes(32))
        os.replace(path.with_suffix(".partial"), path)
    return path.read_bytes()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _signature(payload: str, secret: bytes) -> str:
    return _b64(hmac.new(secret, payload.encode(), hashlib.sha256).digest())


def sign(user: User, *, now: float | None = None,
         config: SessionSettings | None = None) -> str:
    """A login token for ``user`` that expires ``config.hours`` after ``now``."""
    config = config or settings()
    expiry = int((time.time() if now is None else now) + config.hours * 3600)
    payload = f"{_b64(user.name.encode())}.{user.role}.{expiry}"
    return f"{payload}.{_signature(payload, config.secret)}"


def verify(token: str, *, now: float | None = None, config: SessionSettings | None = None,
           accounts: dict[str, tuple[User, bytes]] | None = None) -> User | None:
    """The user a token stands for, or ``None`` (bad signature, expired, unknown account)."""
    config = config or settings()
    parts = str(token).split(".")
    if len(parts) != 4:
        return None
    payload, signature = ".".join(parts[:3]), parts[3]
    if not hmac.compare_digest(signature, _signature(payload, config.secret)):
        return None
    try:
        name = base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)).decode()
        expiry = int(parts[2])
    except (ValueError, UnicodeDecodeError):
        return None
    if (time.time() if now is None else now) >= expiry:
        return None
    if accounts is None:
        try:
            accounts = load_users().accounts
        except ConfigError:
            return None
    account = accounts.get(name)
    if account is None or account[0].role != parts[1]:
        return None
    return account[0]


def restore() -> None:
    """At the start of a run: take the language and the login from the URL when this browser
    session has none yet (a refresh or an opened link)."""
    params = st.query_params
    if "lang" not in st.session_state and params.get(LANG_PARAM) in LANGS:
        st.session_state["lang"] = params[LANG_PARAM]
    token = params.get(TOKEN_PARAM)
    if token and current_user() is None:
        user = verify(token)
        if user is not None:
            log_in(user)


def persist(*, lang: str) -> None:
    """Write the language and the login token into the URL (so a refresh keeps them)."""
    st.query_params[LANG_PARAM] = lang
    user = current_user()
    if user is None:
        st.query_params.pop(TOKEN_PARAM, None)
        return
    token = st.query_params.get(TOKEN_PARAM)
    if not token or verify(token) != user:
        st.query_params[TOKEN_PARAM] = sign(user)


def view_param(name: str) -> str | None:
    """A view parameter of the URL (``park``, ``parcel``, ``color`` …), or ``None``."""
    value = st.query_params.get(name)
    return str(value) if value else None


def choice_from_url(key: str, param: str, allowed: Iterable[str]) -> None:
    """First run of a session: a single-choice widget (session-state ``key``) takes its
    value from the URL parameter ``param`` when that is one of ``allowed`` (else it keeps
    its default: a shared link to a renamed chain or park still opens the page)."""
    if key in st.session_state:
        return
    value = view_param(param)
    if value is not None and value in set(allowed):
        st.session_state[key] = value


def set_view_params(**values: str | None) -> None:
    """Put view parameters into the URL (``None`` removes one)."""
    for name, value in values.items():
        if value:
            st.query_params[name] = str(value)
        else:
            st.query_params.pop(name, None)


def share_url(base: str, *, lang: str, **values: str | None) -> str:
    """A link to a view for someone else: ``base`` plus the language and view parameters,
    never the login token (:func:`webmap.links.view_url`)."""
    return view_url(base, lang=lang, **values)
