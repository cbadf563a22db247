"""One validator for every layer, whatever its source (file, upload, database, demo).

:func:`validate_layer` reads as three steps — normalise columns, check and coerce values,
check and repair geometry — and returns a GeoDataFrame in the working CRS, or raises
:class:`ValidationError` whose message names the source, the row/feature, the column and the
fix for every problem found (all problems, not just the first).

The steps live in :mod:`layers.validation` (one module per concern: ``report``, ``columns``,
``values``, ``geometry``); the names callers use are re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from layers.registry import LayerSpec, get_spec
from layers.validation.columns import (
    CODE_TABLES,
    LABEL_SPELLINGS,
    canonical_renames,
    codes_for_labels,
    codes_from_labels,
    column_lookup,
    columns_spec,
    dbf_name,
    dbf_names,
    label_codes,
    normalise_columns,
)
from layers.validation.geometry import MAX_PROJECTED_COORDINATE, check_geometry
from layers.validation.report import (
    MAX_LISTED_ROWS,
    FeatureLabels,
    Problem,
    Severity,
    ValidationError,
    ValidationReport,
)
from layers.validation.sanity import check_plausible
from layers.validation.text import check_text
from layers.validation.values import BLANK_TEXTS, PY_WHITESPACE, check_ids, check_values

__all__ = [
    "BLANK_TEXTS", "CODE_TABLES", "LABEL_SPELLINGS", "MAX_LISTED_ROWS",
    "MAX_PROJECTED_COORDINATE", "PY_WHITESPACE", "FeatureLabels", "Problem", "Severity",
    "ValidationError", "ValidationReport", "canonical_renames", "codes_for_labels",
    "column_lookup", "columns_spec", "dbf_name", "dbf_names", "label_codes", "validate_layer",
]


def validate_layer(
    frame: pd.DataFrame,
    layer: str | LayerSpec,
    *,
    source: str,
    working_crs: CRS | int | str | None = None,
    allowed_extra: Mapping[str, Sequence[str]] | None = None,
    row_labels: Sequence[str] | None = None,
    columns: Iterable[str] | None = None,
) -> tuple[gpd.GeoDataFrame | pd.DataFrame, ValidationReport]:
    """Validate ``frame`` against a layer spec and return it canonical and in the working CRS.

    Parameters
    ----------
    frame : GeoDataFrame (spatial layers) or DataFrame (``enterprise``) as read from a source.
    layer : layer name or spec from :mod:`layers.registry`.
    source : file name, URL or other label used in every message.
    working_crs : target projected CRS; ``None`` chooses the CGCS2000 3° GK zone from the
        data's longitude (shared/domain.md §6).
    allowed_extra : extra allowed values per column, e.g. red-line categories declared in
        the policy: ``{"category": [...]}``.
    row_labels : how to name each row in messages (e.g. ``"line 7"`` for CSV); defaults to
        ``"feature N"`` (1-based).
    columns : only these spec columns (plus the id column) are required, checked and
        returned — what a command needs (:func:`columns_spec`); default all.

    Returns
    -------
    (frame, report) : the validated frame (warnings only in ``report``).

    Raises
    ------
    ValidationError
        When any error is found; nothing is returned half-validated.
    """
    spec = get_spec(layer) if isinstance(layer, str) else layer
    if columns is not None:
        spec = columns_spec(spec, columns)
    report = ValidationReport(source=source, layer=spec.name, n_features=len(frame))
    labels = list(row_labels) if row_labels is not None else FeatureLabels(len(frame))
    out = normalise_columns(frame, spec, report)
    out = codes_from_labels(out, spec)
    out = check_values(out, spec, report, labels, allowed_extra or {})
    check_plausible(out, spec, report, labels)
    out = check_text(out, spec, report, labels)
    check_ids(out, spec, report, labels)
    if spec.has_geometry:
        out = check_geometry(out, spec, report, labels, working_crs)
    if report.errors:
        raise ValidationError(report)
    if columns is not None:  # what the command asked for, not what else the source holds
        geometry = getattr(out, "_geometry_column_name", None)
        out = out[[c for c in out.columns if c in spec.column_names or c == geometry]]
    return out, report
