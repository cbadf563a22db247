"""Staff login: bcrypt-hashed accounts in a config file, roles, server-side lockout.

Accounts live in ``data/users.yaml`` (or the file named by ``INVESTMAP_USERS``) with bcrypt
hashes only. Wrong passwords are counted per username in a JSON file on the server
(``INVESTMAP_STATE_DIR``, default ``~/.local/state/investmap``), shared by every browser
session and process: after ``max_failures`` within ``window_seconds`` the username is locked
for ``lockout_seconds``, whatever the password. Pages ask :func:`current_user`.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import bcrypt
import streamlit as st
import yaml

ROLES: tuple[str, ...] = ("promoter", "planner", "admin")
ROLE_LABELS: dict[str, tuple[str, str]] = {
    "promoter": ("招商人员", "Promoter"),
    "planner": ("规划人员", "Planner"),
    "admin": ("管理员", "Administrator"),
}
_SESSION_KEY = "auth_user"


class AuthError(Exception):
    """Login refused; the message is safe to show (it never says which part was wrong)."""


class ConfigError(ValueError):
    """The users file is malformed; the message names the file, the key and the fix."""


@dataclass(frozen=True)
class User:
    """A logged-in staff member."""

    name: str
    role: str
    display: str = ""


@dataclass(frozen=True)
class Lockout:
    max_failures: int = 5
    window_seconds: float = 900.0
    lockout_seconds: float = 900.0


@dataclass(frozen=True)
class UserConfig:
    accounts: dict[str, tuple[User, bytes]]
    lockout: Lockout
    source: str


def users_path() -> Path:
    """The users file: ``INVESTMAP_USERS`` or the embedded ``data/users.yaml``."""
    env = os.environ.get("INVESTMAP_USERS")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "data" / "users.yaml"


def state_dir() -> Path:
    """Where server-side login state is kept (``INVESTMAP_STATE_DIR``)."""
    env = os.environ.get("INVESTMAP_STATE_DIR")
    return Path(env) if env else Path.home() / ".local" / "state" / "investmap"


def load_users(path: Path | None = None) -> UserConfig:
    """Read and validate the users file.

    Raises
    ------
    ConfigError
        Unknown role, missing or non-bcrypt hash, bad lockout numbers.
    """
    path = path or users_path()
    src = str(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{src}: cannot read users file ({exc}); fix the file") from exc
    accounts: dict[str, tuple[User, bytes]] = {}
    for name, spec in (raw.get("users") or {}).items():
        role = (spec or {}).get("role")
        if role not in ROLES:
            raise ConfigError(f"{src}: users.{name}.role: {role!r} is not allowed; "
                              f"fix: use one of {', '.join(ROLES)}")
        digest = str(spec.get("password_hash", ""))
        if not digest.startswith(("$2a$", "$2b$", "$2y$")):
            raise ConfigError(f"{src}: users.{name}.password_hash: not a bcrypt hash; fix: "
                              "store bcrypt.hashpw(password, bcrypt.gensalt()), never a password")
        accounts[str(name)] = (User(str(name), role, str(spec.get("display", name))),
                               digest.encode())
    lock = raw.get("lockout") or {}
    try:
        lockout = Lockout(int(lock.get("max_failures", 5)),
                          float(lock.get("window_seconds", 900)),
                          float(lock.get("lockout_seconds", 900)))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{src}: lockout: {exc}; fix: give whole numbers") from exc
    if lockout.max_failures < 1 or lockout.window_seconds <= 0 or lockout.lockout_seconds <= 0:
        raise ConfigError(f"{src}: lockout: values must be positive; fix the numbers")
    return UserConfig(accounts=accounts, lockout=lockout, source=src)


class FailureLog:
    """Failed logins per username in a JSON file, locked with ``flock`` across processes."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or state_dir() / "login-failures.json"

    @contextmanager
    def _locked(self) -> Iterator[dict[str, list[float]]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                data = json.loads(self.path.read_text()) if self.path.exists() else {}
            except (OSError, ValueError):
                data = {}
            yield data
            tmp = self.path.with_suffix(".partial")
            tmp.write_text(json.dumps(data))
            tmp.replace(self.path)

    def locked_until(self, name: str, lockout: Lockout, now: float) -> float | None:
        """End of the lockout of ``name`` (epoch seconds), or ``None`` when not locked."""
        with self._locked() as data:
            recent = [t for t in data.get(name, []) if now - t <= lockout.window_seconds
                      + lockout.lockout_seconds]
            data[name] = recent
        window = [t for t in recent if t >= recent[-1] - lockout.window_seconds] if recent else []
        if len(window) >= lockout.max_failures and now < recent[-1] + lockout.lockout_seconds:
            return recent[-1] + lockout.lockout_seconds
        return None

    def record_failure(self, name: str, now: float) -> None:
        with self._locked() as data:
            data.setdefault(name, []).append(now)

    def clear(self, name: str) -> None:
        with self._locked() as data:
            data.pop(name, None)


def authenticate(name: str, password: str, *, config: UserConfig | None = None,
                 log: FailureLog | None = None, now: float | None = None) -> User:
    """Check a username and password.

    Raises
    ------
    AuthError
        Wrong username or password (one message for both), or the username is locked.
    """
    config = config or load_users()
    log = log or FailureLog()
    now = time.time() if now is None else now
    name = name.strip()
    until = log.locked_until(name, config.lockout, now)
    if until is not None:
        minutes = max(1, round((until - now) / 60))
        raise AuthError(f"too many failed logins for this username; try again in {minutes} min "
                        f"/ 登录失败次数过多，请 {minutes} 分钟后再试")
    account = config.accounts.get(name)
    if account is None or not bcrypt.checkpw(password.encode(), account[1]):
        log.record_failure(name, now)
        raise AuthError("wrong username or password / 用户名或密码错误")
    log.clear(name)
    return account[0]


def current_user() -> User | None:
    """The logged-in staff member of this browser session, or ``None`` (investor mode)."""
    user = st.session_state.get(_SESSION_KEY)
    return user if isinstance(user, User) else None


def is_staff() -> bool:
    """Whether this session is in staff mode."""
    return current_user() is not None


def log_in(user: User) -> None:
    st.session_state[_SESSION_KEY] = user


def log_out() -> None:
    st.session_state.pop(_SESSION_KEY, None)


def require_role(*roles: str) -> User:
    """The current user if their role is among ``roles`` (any staff role when empty); else
    show a refusal and stop the page."""
    user = current_user()
    if user is None or (roles and user.role not in roles):
        st.error("此页面仅限工作人员 / Staff only")
        st.stop()
    assert user is not None
    return user
