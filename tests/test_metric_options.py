"""``--as-of`` is a real day that is not in the future, for every command (issue 27)."""

from __future__ import annotations

import pandas as pd
import pytest

from cli import main
from cli.common import UserError
from cli.metric_options import parse_as_of


def test_today_and_past_days_are_accepted():
    today = pd.Timestamp.today().normalize()
    assert parse_as_of(today.date().isoformat()) == today
    assert parse_as_of("2024-06-30") == pd.Timestamp("2024-06-30")


@pytest.mark.parametrize("text", ["2099-01-01", "2199-12-31"])
def test_a_future_day_is_refused(text):
    with pytest.raises(UserError, match="in the future"):
        parse_as_of(text)


@pytest.mark.parametrize("argv", [
    ["pipeline", "--as-of", "2099-01-01", "--out", "x.csv"],
    ["idle", "--as-of", "2099-01-01", "--out", "x.csv"],
    ["targets", "--list", "firms", "--as-of", "2099-01-01", "--out", "x.csv"],
])
def test_commands_refuse_a_future_as_of(argv, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) != 0
    assert "in the future" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()
