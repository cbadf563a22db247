"""Staff accounts: bcrypt hashes, roles, and the server-side lockout after wrong passwords."""

from __future__ import annotations

from pathlib import Path

import bcrypt
import pytest

from ui.auth import (
    AuthError,
    ConfigError,
    FailureLog,
    authenticate,
    load_users,
    users_path,
)

DEMO = {"promoter": "promoter-demo", "planner": "planner-demo", "admin": "admin-demo"}


def test_demo_accounts_use_bcrypt_and_documented_passwords():
    config = load_users()
    assert set(config.accounts) == set(DEMO)
    data_lines = "\n".join(line for line in users_path().read_text().splitlines()
                           if not line.lstrip().startswith("#"))
    for name, password in DEMO.items():
        user, digest = config.accounts[name]
        assert user.role == name
        assert bcrypt.checkpw(password.encode(), digest)
        assert password not in data_lines  # plain passwords only in the comment


@pytest.mark.parametrize("name", list(DEMO))
def test_each_demo_login_works(name, tmp_path):
    user = authenticate(name, DEMO[name], log=FailureLog(tmp_path / "f.json"), now=0.0)
    assert (user.name, user.role) == (name, name)


def test_wrong_password_and_unknown_user_get_the_same_message(tmp_path):
    log = FailureLog(tmp_path / "f.json")
    with pytest.raises(AuthError) as wrong:
        authenticate("planner", "nope", log=log, now=0.0)
    with pytest.raises(AuthError) as unknown:
        authenticate("nobody", "nope", log=log, now=0.0)
    assert str(wrong.value) == str(unknown.value)


def test_lockout_after_max_failures_shared_across_processes(tmp_path):
    config = load_users()
    lock = config.lockout
    path = tmp_path / "f.json"
    for i in range(lock.max_failures):
        with pytest.raises(AuthError, match="wrong"):
            authenticate("admin", "guess", config=config, log=FailureLog(path), now=float(i))
    # a second "process" (new FailureLog on the same file) sees the lock
    with pytest.raises(AuthError, match="too many failed logins"):
        authenticate("admin", "admin-demo", config=config, log=FailureLog(path),
                     now=float(lock.max_failures))
    # another username is not affected
    assert authenticate("planner", "planner-demo", config=config, log=FailureLog(path),
                        now=10.0).role == "planner"
    # the lock ends lockout_seconds after the last failure; success clears the count
    later = lock.max_failures - 1 + lock.lockout_seconds + 1
    assert authenticate("admin", "admin-demo", config=config, log=FailureLog(path),
                        now=later).role == "admin"
    with pytest.raises(AuthError, match="wrong"):
        authenticate("admin", "guess", config=config, log=FailureLog(path), now=later + 1)


def test_failures_spread_beyond_the_window_do_not_lock(tmp_path):
    config = load_users()
    lock = config.lockout
    log = FailureLog(tmp_path / "f.json")
    step = lock.window_seconds / (lock.max_failures - 1) + 1
    for i in range(lock.max_failures + 2):
        with pytest.raises(AuthError, match="wrong"):
            authenticate("admin", "guess", config=config, log=log, now=i * step)


@pytest.mark.parametrize(("body", "message"), [
    ("users: {x: {role: boss, password_hash: '$2b$10$abc'}}", "role: 'boss' is not allowed"),
    ("users: {x: {role: admin, password_hash: secret}}", "not a bcrypt hash"),
    ("users: {}\nlockout: {max_failures: 0}", "must be positive"),
])
def test_bad_users_file_names_the_key(tmp_path: Path, body, message):
    path = tmp_path / "users.yaml"
    path.write_text(body)
    with pytest.raises(ConfigError, match=message) as err:
        load_users(path)
    assert str(path) in str(err.value)
