"""What validation finds and how it is reported: :class:`Problem`, :class:`ValidationReport`,
:class:`ValidationError` and the row labels messages use."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from geo.errors import DataError

Severity = Literal["error", "warning"]

MAX_LISTED_ROWS = 10
"""Rows named per problem before the message says "and N more"."""

@dataclass(frozen=True)
class Problem:
    """One finding: what is wrong, where, and how to fix it."""

    severity: Severity
    message: str
    fix: str
    column: str | None = None
    rows: tuple[str, ...] = ()

    def format(self, source: str) -> str:
        where = source
        if self.rows:
            shown = ", ".join(self.rows[:MAX_LISTED_ROWS])
            more = len(self.rows) - MAX_LISTED_ROWS
            where += f": {shown}" + (f" and {more} more" if more > 0 else "")
        if self.column:
            where += f", column {self.column!r}"
        return f"{self.severity.upper()} {where}: {self.message}; fix: {self.fix}"


@dataclass
class ValidationReport:
    """Everything found while validating one layer from one source."""

    source: str
    layer: str
    problems: list[Problem] = field(default_factory=list)
    n_features: int = 0
    repaired: int = 0
    columns: tuple[str, ...] = ()  # registry columns the source has (after aliases)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, severity: Severity, message: str, fix: str, *, column: str | None = None,
            rows: Iterable[str] = ()) -> None:
        self.problems.append(Problem(severity, message, fix, column, tuple(rows)))

    def format(self) -> str:
        head = (f"{self.source} [{self.layer}]: {self.n_features} features, "
                f"{len(self.errors)} error(s), {len(self.warnings)} warning(s)")
        return "\n".join([head, *(p.format(self.source) for p in self.problems)])


class ValidationError(DataError):
    """A layer failed validation; ``report`` holds every problem found."""

    def __init__(self, report: ValidationReport):
        self.report = report
        super().__init__(report.format())



class FeatureLabels(Sequence[str]):
    """``"feature N"`` (1-based) for row N-1, made when a message names the row."""

    def __init__(self, n: int) -> None:
        self._n = n

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):  # noqa: ANN001, ANN204 - int or slice, as Sequence
        if isinstance(i, slice):
            return [f"feature {k + 1}" for k in range(*i.indices(self._n))]
        k = range(self._n)[i]  # negative indices and IndexError as for a list
        return f"feature {k + 1}"



def bad_rows(mask: np.ndarray | pd.Series, labels: Sequence[str]) -> list[str]:
    """The labels of the rows where ``mask`` is true."""
    return [labels[int(i)] for i in np.flatnonzero(np.asarray(mask))]
