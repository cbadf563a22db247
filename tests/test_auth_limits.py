"""bcrypt's 72-byte limit and long usernames never break a login (issue 27, cause 7)."""

from __future__ import annotations

import json

import bcrypt
import pytest

from ui.auth import (
    MAX_USERNAME_CHARS,
    AuthError,
    FailureLog,
    authenticate,
    load_users,
    password_matches,
)

PHRASE_72 = "青峰经济开发区招商引资工作领导小组办公室主任同志"  # 24 × 3 bytes = 72 bytes


@pytest.fixture
def config(tmp_path):
    digest = bcrypt.hashpw(PHRASE_72.encode(), bcrypt.gensalt(rounds=4)).decode()
    path = tmp_path / "users.yaml"
    path.write_text(f'users:\n  zhang:\n    role: planner\n    password_hash: "{digest}"\n',
                    encoding="utf-8")
    return load_users(path)


def test_a_72_byte_password_logs_in(config, tmp_path):
    assert len(PHRASE_72.encode()) == 72
    user = authenticate("zhang", PHRASE_72, config=config, log=FailureLog(tmp_path / "f.json"),
                        demo=True)
    assert user.name == "zhang"


@pytest.mark.parametrize("extra", ["长", "口令再长一点也不行", "x" * 500])
def test_a_longer_password_is_a_wrong_password_not_a_crash(config, tmp_path, extra):
    """75 bytes (25 Chinese characters) raised bcrypt's ValueError before; a password that
    only starts with the right 72 bytes must not log in either."""
    with pytest.raises(AuthError, match="wrong username or password"):
        authenticate("zhang", PHRASE_72 + extra, config=config,
                     log=FailureLog(tmp_path / "f.json"), demo=True)
    assert not password_matches(PHRASE_72 + extra, bcrypt.hashpw(PHRASE_72.encode(),
                                                                 bcrypt.gensalt(rounds=4)))


def test_long_usernames_are_capped_in_the_failure_file(config, tmp_path):
    log = FailureLog(tmp_path / "f.json")
    for i in range(5):
        with pytest.raises(AuthError):
            authenticate(str(i) * 200_000, "x", config=config, log=log, demo=True)
    data = json.loads((tmp_path / "f.json").read_text())
    assert len(data) == 5 and all(len(k) == MAX_USERNAME_CHARS for k in data)
    assert (tmp_path / "f.json").stat().st_size < 2_000
