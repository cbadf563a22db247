"""Errors raised by stores: each message names the feature, the field and the fix."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from geo.errors import DataError, InvestMapError


class StoreError(InvestMapError):
    """A store cannot do what was asked (bad location, missing feature, broken backup)."""


class EditError(StoreError, DataError):
    """An edit was refused before anything was written."""


class PermissionDenied(EditError):
    """The role may not edit this layer or field."""


class TransitionError(EditError):
    """The status/stage change is not an allowed transition for the role."""


class NoChangeError(EditError):
    """Every requested value equals the stored one; nothing was written."""


class StaleVersionError(EditError):
    """The edit was based on an old version: someone else changed the feature first.

    Attributes
    ----------
    current_version : the version now stored.
    current_values : the stored values of the fields the edit tried to change.
    """

    def __init__(self, layer: str, feature_id: str, expected: int, current_version: int,
                 current_values: Mapping[str, Any]):
        self.current_version = current_version
        self.current_values = dict(current_values)
        shown = ", ".join(f"{k} = {v!r}" for k, v in self.current_values.items())
        super().__init__(
            f"{layer} {feature_id}: your edit is based on version {expected} but the stored "
            f"version is {current_version} ({shown}); nothing was written; fix: look at the "
            f"newer value (`investmap history {layer} {feature_id}`) and edit again with "
            f"--expect-version {current_version}")
