"""Staff login: bcrypt-hashed accounts in a config file, roles, server-side lockout.

Accounts live in ``data/users.yaml`` (or the file named by ``INVESTMAP_USERS``) with bcrypt
hashes only. Wrong passwords are counted per username in a JSON file on the server
(``INVESTMAP_STATE_DIR``, default ``state/`` in the InvestMap home, :mod:`layers.paths`), shared
by every browser session and process: after ``max_failures`` within ``window_seconds`` the
username is locked for ``lockout_seconds``, whatever the password. Pages ask
:func:`current_user`.
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

from geo.errors import DataError, InvestMapError
from layers.paths import state_dir

ROLES: tuple[str, ...] = ("promoter", "planner", "admin")
ROLE_LABELS: dict[str, tuple[str, str]] = {
    "promoter": ("招商人员", "Promoter"),
    "planner": ("规划人员", "Planner"),
    "admin": ("管理员", "Administrator"),
}
_SESSION_KEY = "auth_user"


class AuthError(InvestMapError):
    """Login refused; it never says which part was wrong. The message is for the log; the
    login page words ``kind`` (``wrong``, ``locked`` after ``minutes``, ``demo``) in the
    page's language."""

    def __init__(self, message: str, *, kind: str = "wrong", minutes: int = 0) -> None:
        super().__init__(message)
        self.kind = kind
        self.minutes = minutes


class ConfigError(DataError):
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
    max_tracked_names: int = 1000


@dataclass(frozen=True)
class UserConfig:
    accounts: dict[str, tuple[User, bytes]]
    lockout: Lockout
    source: str


def users_path() -> Path:
    """The users file: ``INVESTMAP_USERS`` or the embedded ``data/users.yaml``."""
    env = os.environ.get("INVESTMAP_USERS")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "data" / "users.yaml"


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
                          float(lock.get("lockout_seconds", 900)),
                          int(lock.get("max_tracked_names", 1000)))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{src}: lockout: {exc}; fix: give whole numbers") from exc
    if (lockout.max_failures < 1 or lockout.window_seconds <= 0 or lockout.lockout_seconds <= 0
            or lockout.max_tracked_names < 1):
        raise ConfigError(f"{src}: lockout: values must be positive; fix the numbers")
    return UserConfig(accounts=accounts, lockout=lockout, source=src)


class FailureLog:
    """Login attempts per username in a JSON file, locked with ``flock`` across processes.

    :meth:`begin_attempt` checks the lock *and* records the attempt in one critical section,
    before the (slow) bcrypt check, so a burst of concurrent guesses is checked at most
    ``max_failures`` times; a correct password :meth:`clear`-s the record afterwards. Every
    write drops expired entries and keeps at most ``max_tracked_names`` usernames (locked ones
    last to go), so sprayed unknown names cannot grow the file without bound; names are kept to
    their first :data:`MAX_USERNAME_CHARS` characters (:func:`failure_key`).
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else state_dir() / "login-failures.json"

    @contextmanager
    def _locked(self) -> Iterator[dict[str, list[float]]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                data = json.loads(self.path.read_text()) if self.path.exists() else {}
            except (OSError, ValueError):
                data = {}
            if not isinstance(data, dict):
                data = {}
            yield data
            tmp = self.path.with_suffix(".partial")
            tmp.write_text(json.dumps(data))
            tmp.replace(self.path)

    def begin_attempt(self, name: str, lockout: Lockout, now: float) -> float | None:
        """Atomically: the end of ``name``'s lockout if locked (nothing recorded), else record
        this attempt as a failure and return ``None`` (call :meth:`clear` when it succeeds)."""
        name = failure_key(name)
        with self._locked() as data:
            _prune(data, lockout, now)
            recent = data.get(name, [])
            until = _locked_until(recent, lockout, now)
            if until is None:
                data[name] = [*recent, now][-lockout.max_failures:]
            _cap(data, lockout, now)
        return until

    def locked_until(self, name: str, lockout: Lockout, now: float) -> float | None:
        """End of the lockout of ``name`` (epoch seconds), or ``None`` when not locked."""
        name = failure_key(name)
        with self._locked() as data:
            _prune(data, lockout, now)
            return _locked_until(data.get(name, []), lockout, now)

    def clear(self, name: str) -> None:
        with self._locked() as data:
            data.pop(failure_key(name), None)


def _locked_until(times: list[float], lockout: Lockout, now: float) -> float | None:
    if not times:
        return None
    window = [t for t in times if t >= times[-1] - lockout.window_seconds]
    if len(window) >= lockout.max_failures and now < times[-1] + lockout.lockout_seconds:
        return times[-1] + lockout.lockout_seconds
    return None


def _prune(data: dict[str, list[float]], lockout: Lockout, now: float) -> None:
    """Drop attempts too old to count for a window or a running lockout."""
    keep = lockout.window_seconds + lockout.lockout_seconds
    for name in list(data):
        times = [float(t) for t in data[name] if isinstance(t, int | float) and now - t <= keep]
        if times:
            data[name] = times
        else:
            del data[name]


def _cap(data: dict[str, list[float]], lockout: Lockout, now: float) -> None:
    """Keep at most ``max_tracked_names`` usernames: unlocked, oldest first, go first."""
    excess = len(data) - lockout.max_tracked_names
    if excess <= 0:
        return
    order = sorted(data, key=lambda n: (_locked_until(data[n], lockout, now) is not None,
                                        data[n][-1]))
    for name in order[:excess]:
        del data[name]


DEMO_PASSWORDS: frozenset[str] = frozenset({"promoter-demo", "planner-demo", "admin-demo"})
"""The documented demo passwords of data/users.yaml (README "App")."""

REAL_DATA_ENV: tuple[str, ...] = ("INVESTMAP_DATA", "INVESTMAP_DATABASE_URL", "INVESTMAP_STORE")
"""Any of these set means the app serves real data, not the demo county."""

_DUMMY_HASH = bcrypt.hashpw(b"unknown-user", bcrypt.gensalt(rounds=10))

BCRYPT_MAX_BYTES = 72
"""bcrypt reads at most 72 bytes of a password (24 Chinese characters in UTF-8) and the library
refuses longer ones with a ValueError; a longer password is answered as a wrong one."""

MAX_USERNAME_CHARS = 64
"""Characters of a username kept in the failed-login file (longer names count under their
first 64 characters: a 200 KB name cannot bloat the file rewritten on every attempt)."""


def failure_key(name: str) -> str:
    """The name under which a login attempt is counted (at most :data:`MAX_USERNAME_CHARS`)."""
    return name[:MAX_USERNAME_CHARS]


def password_matches(password: str, digest: bytes) -> bool:
    """bcrypt's check, with a password over :data:`BCRYPT_MAX_BYTES` answered ``False`` after
    the same work (the check still runs on its first 72 bytes, so timing tells nothing)."""
    secret = password.encode()
    matched = bcrypt.checkpw(secret[:BCRYPT_MAX_BYTES], digest)
    return matched and len(secret) <= BCRYPT_MAX_BYTES


def demo_deployment() -> bool:
    """True when the app shows the embedded demo county (no real data configured)."""
    return not any(os.environ.get(name, "").strip() for name in REAL_DATA_ENV)


def authenticate(name: str, password: str, *, config: UserConfig | None = None,
                 log: FailureLog | None = None, now: float | None = None,
                 demo: bool | None = None) -> User:
    """Check a username and password.

    The attempt is recorded before the bcrypt check (see :class:`FailureLog`); a demo
    password is refused unless the app runs on the demo county (``demo``; default
    :func:`demo_deployment`).

    Raises
    ------
    AuthError
        Wrong username or password (one message for both), the username is locked, or a
        demo password on real data.
    """
    config = config or load_users()
    log = log or FailureLog()
    now = time.time() if now is None else now
    name = name.strip()
    until = log.begin_attempt(name, config.lockout, now)
    if until is not None:
        minutes = max(1, round((until - now) / 60))
        raise AuthError(f"too many failed logins for this username; try again in {minutes} min",
                        kind="locked", minutes=minutes)
    account = config.accounts.get(name)
    digest = account[1] if account is not None else _DUMMY_HASH
    if not password_matches(password, digest) or account is None:
        raise AuthError("wrong username or password", kind="wrong")
    if password in DEMO_PASSWORDS and not (demo_deployment() if demo is None else demo):
        raise AuthError("the demo password is not allowed on real data; fix: an administrator "
                        f"sets a new bcrypt hash for {name!r} in {config.source}", kind="demo")
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
