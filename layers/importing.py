"""The import pipeline every file goes through: read → column names → fill → validate.

:func:`prepare_import` is the one entry for ``investmap import``, ``validate``, ``load`` and
the app's import page. Its steps, in this order (the order matters: ``--set land_use=…``
on a 部标 TXT whose 地类编码 is also ``land_use`` must fill that one column):

1. read the file with the reader registered for its suffix (:func:`layers.io.read_frame`);
2. rename headers to canonical names through the registry aliases
   (:func:`layers.validate.canonical_renames`);
3. blank placeholders — a value equal to its own column's field name or alias, as ArcGIS
   shp2txt tools write (``DLBM`` in 地类编码) — with a warning;
4. fill: ``fills`` (``--set COL=VALUE``) fill blank values only, ``replaces``
   (``--replace COL=VALUE``) overwrite every value; ``{other column}`` templates allowed;
5. measure each polygon's area in the file's own projected CRS (``area_official_mu``) and
   warn when it lies far outside that CRS's Gauss–Krüger zone;
6. validate (:func:`layers.validate.validate_layer`). With ``skip_invalid`` the features
   named in errors are refused (listed in :attr:`PreparedImport.refused`) and the rest is
   validated again; file-wide errors (a missing column, no CRS) still refuse the file.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS
from pyproj.exceptions import CRSError

from geo.errors import DataError
from layers.cells import csv_text
from layers.formats.settings import import_settings
from layers.formats.zones import OFFICIAL_AREA, official_area_mu, zone_warning
from layers.io import ReadError, ReadOptions, list_layers, read_frame
from layers.ledger_read import LAYER_READERS
from layers.policy import Policy, load_policy
from layers.registry import LayerSpec, get_spec
from layers.validate import (
    Problem,
    ValidationError,
    ValidationReport,
    canonical_renames,
    codes_for_labels,
    column_lookup,
    validate_layer,
)
from layers.validation.text import all_digit_ids, leading_zero_clashes

PLACEHOLDERS_ATTR = "placeholders"
"""``frame.attrs`` key a reader may set: header → field codes its tools write as values
(the coordinate TXT reader: 地类编码 → ``DLBM`` …)."""
REFUSED_ATTR = "refused"
"""``frame.attrs`` key a reader may set with ``(feature, problem, fix)`` of the features it
left out itself under ``skip_invalid`` (the coordinate TXT reader: a ring not closed …)."""
REFUSED_COLUMNS = ("file", "feature", "problem", "fix")
if TYPE_CHECKING:  # only for the annotation: the pipeline itself does not open stores
    from layers.store import Store

_TEMPLATE = re.compile(r"\{([^{}]+)\}")
_BLANK_TEXTS = ("", "nan", "none", "nat", "<na>")


class ImportOptionError(DataError):
    """A ``--set``/``--replace`` item cannot be applied; the message names it and the fix."""


class StoredIdClash(DataError):
    """Ids of a file equal stored ids without their leading zeros (``7`` beside ``007``)."""


def check_stored_ids(store: Store, layer: str, frame: pd.DataFrame, *, source: str) -> None:
    """Refuse ids equal to ids already in ``store`` without their leading zeros: the file
    went through a spreadsheet that read the ids as numbers (``007`` written back as ``7``),
    and loading it would add a second feature instead of updating the first.

    Raises
    ------
    StoredIdClash
        Naming the file, the ids and the fix.
    """
    spec = get_spec(layer)
    digits = all_digit_ids(frame[spec.id_column])
    if digits.empty or layer not in store.layer_names():
        return
    clashes = leading_zero_clashes(digits.tolist(),
                                   store.read_layer(layer)[spec.id_column].tolist())
    if clashes:
        shown = ", ".join(f"{new} (stored: {old})" for new, old in clashes[:5])
        raise StoredIdClash(f"{source}: id(s) {shown} equal stored ids without their leading "
                            "zeros; fix: format the id column as text in the spreadsheet and "
                            "retype the ids with their zeros (a spreadsheet that reads 007 as "
                            "a number writes 7)")


@dataclass(frozen=True)
class PreparedImport:
    """A validated layer ready to store, its report, and the features left out.

    ``refused`` has one row per (feature, problem) with :data:`REFUSED_COLUMNS`, or is
    ``None`` when nothing was refused.
    """

    frame: gpd.GeoDataFrame | pd.DataFrame
    report: ValidationReport
    refused: pd.DataFrame | None = None

    @property
    def n_refused(self) -> int:
        return 0 if self.refused is None else int(self.refused["feature"].nunique())


def parse_assignments(items: Iterable[str], *, flag: str = "--set") -> dict[str, str]:
    """``["status=reserve", "parcel_id=P-{序号}"]`` → ``{"status": "reserve", …}``.

    Raises
    ------
    ImportOptionError
        For an item without ``=`` or with an empty column name.
    """
    out: dict[str, str] = {}
    for item in items:
        column, sep, value = item.partition("=")
        if not sep or not column.strip():
            raise ImportOptionError(f"{flag} {item!r} is not COLUMN=VALUE; fix: write e.g. "
                                    f"{flag} status=reserve")
        out[column.strip()] = value.strip()
    return out


def prepare_import(
    path: str | Path,
    layer: str | LayerSpec,
    *,
    options: ReadOptions | None = None,
    fills: Mapping[str, str] | None = None,
    replaces: Mapping[str, str] | None = None,
    skip_invalid: bool = False,
    policy: Policy | None = None,
    working_crs: Any = None,
) -> PreparedImport:
    """Read, complete and validate one file as ``layer``.

    Parameters
    ----------
    path : the file (any suffix of :data:`layers.io.READERS`).
    layer : registry layer name or spec.
    options : reader options; a GeoPackage's source layer defaults to the layer's name.
    fills : column → value filling blank values only (``{column}`` templates allowed).
    replaces : column → value overwriting every value.
    skip_invalid : refuse the features named in errors instead of the whole file.
    policy : settings (default ``data/policy.yaml``).
    working_crs : target CRS (default the policy's ``crs.working_epsg``, else automatic).

    Raises
    ------
    layers.io.ReadError
        The file cannot be read.
    ImportOptionError
        A fill names an unknown column.
    layers.validate.ValidationError
        The content breaks the layer spec (with ``skip_invalid``: a file-wide error, or
        every feature refused).
    """
    spec = get_spec(layer) if isinstance(layer, str) else layer
    policy = policy or load_policy()
    options = options or ReadOptions()
    path = Path(path)
    if (options.source_layer is None and path.suffix.lower() == ".gpkg" and path.exists()):
        options = replace(options, source_layer=spec.name if spec.name in list_layers(path)
                          else None)
    _check_options(options, path)
    options = replace(options, policy=options.policy or policy,
                      extra={**options.extra, "skip_invalid": True} if skip_invalid
                      else options.extra)
    raw = read_frame(path, options, reader=LAYER_READERS.get((spec.name, path.suffix.lower())))
    source = str(path)
    refused: list[pd.DataFrame] = []
    left_out = [(source, *item) for item in raw.frame.attrs.get(REFUSED_ATTR, [])]
    if left_out:
        refused.append(pd.DataFrame(left_out, columns=list(REFUSED_COLUMNS)))
    labels = list(raw.row_labels) if raw.row_labels is not None else [
        f"feature {i + 1}" for i in range(len(raw.frame))]
    renames = canonical_renames(raw.frame, spec)
    frame = raw.frame.rename(columns=renames)
    notes: list[Problem] = []
    frame = _blank_placeholders(frame, spec, renames, raw.frame.attrs.get(PLACEHOLDERS_ATTR, {}),
                                labels, notes)
    for values, overwrite in ((fills or {}, False), (replaces or {}, True)):
        frame = _assign(frame, spec, renames, values, overwrite=overwrite, source=source)
    frame = _category_codes(frame, spec, policy)
    official = official_area_mu(frame) if OFFICIAL_AREA in spec.column_names else None
    far = zone_warning(frame, margin_deg=import_settings(policy).zone_margin_deg)
    if far is not None:
        notes.append(Problem("warning", *far))
    if working_crs is None:
        working_crs = policy.crs.working_epsg
    allowed = {"category": policy.redline_categories} if spec.name == "redline" else {}
    if spec.name == "ledger_step":  # steps of the policy's catalogue (geo/ledger_settings.py)
        allowed = {"step": list(policy.section("ledger").steps)}

    def validate(part: pd.DataFrame, part_labels: list[str]) -> tuple[Any, ValidationReport]:
        return validate_layer(part, spec, source=source, working_crs=working_crs,
                              allowed_extra=allowed, row_labels=part_labels)

    keep = np.ones(len(frame), dtype=bool)
    while True:  # each round refuses at least one feature, so it ends
        part_labels = [lb for lb, k in zip(labels, keep, strict=True) if k]
        try:
            validated, report = validate(frame[keep], part_labels)
            break
        except ValidationError as exc:
            try:
                if not skip_invalid:
                    raise
                bad, rows = _refusals(exc.report, part_labels, source)
            except ValidationError:  # refused as a whole: say what was read and blanked too
                exc.report.problems.extend(_read_notes(raw.warnings, notes))
                raise ValidationError(exc.report) from None
            keep[np.flatnonzero(keep)[bad]] = False
            refused.append(rows)
    if refused:
        gone = list(dict.fromkeys([row[1] for row in left_out]
                                  + [lb for lb, k in zip(labels, keep, strict=True) if not k]))
        report.add("warning", f"{len(gone)} feature(s) refused and left out (--skip-invalid)",
                   "correct them (see the refused list) and import them again", rows=gone)
    report.n_features = len(raw.frame)
    report.problems.extend(_read_notes(raw.warnings, notes))
    if official is not None and OFFICIAL_AREA in validated.columns:
        validated[OFFICIAL_AREA] = official.reindex(validated.index).astype("float64")
    return PreparedImport(validated, report,
                          pd.concat(refused, ignore_index=True) if refused else None)


def _category_codes(frame: pd.DataFrame, spec: LayerSpec, policy: Policy) -> pd.DataFrame:
    """Red-line categories written as the policy's labels (生态保护红线 → ``eco_redline``)."""
    if spec.name != "redline" or "category" not in frame.columns:
        return frame
    codes = {code.lower(): code for code in policy.redline_categories}
    for code, category in policy.redlines.categories.items():
        for text in (category.zh, category.en):
            codes.setdefault(str(text).strip().lower(), code)
    replaced = codes_for_labels(frame["category"], codes)
    if replaced is None:
        return frame
    out = frame.copy(deep=False)
    out["category"] = replaced
    return out


def _check_options(options: ReadOptions, path: Path) -> None:
    """A CRS or encoding the user typed must exist before any reader uses it."""
    if options.crs is not None:
        try:
            CRS.from_user_input(options.crs)
        except CRSError:
            raise ReadError(f"{path}: --crs {options.crs!r} is not a known coordinate system; "
                            "fix: give an EPSG code such as EPSG:4549 (CGCS2000 3° zone 40) or "
                            "EPSG:4490 (CGCS2000 lon/lat)") from None
    if options.encoding is not None:
        try:
            codecs.lookup(options.encoding)
        except LookupError:
            raise ReadError(f"{path}: --encoding {options.encoding!r} is not a known text "
                            "encoding; fix: use gbk, gb18030, utf-8 or utf-16") from None


def _read_notes(warnings: Sequence[tuple[str, str]], notes: list[Problem]) -> list[Problem]:
    """The reader's warnings (message, fix) and the pipeline's own notes as problems."""
    return [Problem("warning", message, fix) for message, fix in warnings] + notes


def refused_csv(refused: pd.DataFrame) -> str:
    """The refused list as CSV text; cells a spreadsheet would run as formulas
    (= + - @ TAB CR) are written as text (OWASP "CSV injection", :mod:`layers.cells`)."""
    return csv_text(refused[list(REFUSED_COLUMNS)].astype(object).map(
        lambda v: "" if v is None else str(v)))


def write_refused(refused: pd.DataFrame, out: str | Path) -> Path:
    """Write :func:`refused_csv` to ``out`` (UTF-8 with BOM, so Excel shows Chinese)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(refused_csv(refused), encoding="utf-8-sig", newline="")
    return out


# -- placeholders and fills -----------------------------------------------------------------


def _text(series: pd.Series) -> pd.Series:
    """Values as stripped text; integer-valued floats without ``.0`` (1001.0 → 1001)."""
    if pd.api.types.is_float_dtype(series):
        whole = series.dropna()
        if (whole % 1 == 0).all():
            series = series.astype("Int64")
    return series.astype("string").str.strip()


def _blank(series: pd.Series) -> pd.Series:
    return series.isna() | _text(series).str.lower().isin(_BLANK_TEXTS).fillna(True)


def _blank_placeholders(frame: pd.DataFrame, spec: LayerSpec, renames: Mapping[str, str],
                        hints: Mapping[str, Sequence[str]], labels: Sequence[str],
                        notes: list[Problem]) -> pd.DataFrame:
    header = {canonical: original for original, canonical in renames.items()}
    out = frame
    for col in spec.columns:
        if col.derived or col.name not in frame.columns:
            continue
        original = header.get(col.name, col.name)
        names = {col.name, *col.aliases, str(original), *hints.get(str(original), ())}
        lowered = {n.strip().lower() for n in names}
        mask = _text(frame[col.name]).str.lower().isin(lowered).fillna(False).to_numpy(bool)
        if not mask.any():
            continue
        found = sorted(set(_text(frame[col.name])[mask]))
        if out is frame:
            out = frame.copy()
        out[col.name] = frame[col.name].astype(object).where(~mask, None)
        value = "VALUE"
        if col.name == spec.id_column:  # ids must differ: a template over another column
            value = "ID-{序号}" if "序号" in frame.columns else "ID-{other column}"
        rows = tuple(lb for lb, m in zip(labels, mask, strict=True) if m)
        notes.append(Problem(
            "warning", f"{col.zh} ({original}) holds its own field name {found} instead of a "
            "value (a placeholder written by an ArcGIS shp2txt tool); treated as blank",
            f"fill it with --set {col.name}={value}, or overwrite every value with "
            f"--replace {col.name}={value}", col.name, rows))
    return out


def _resolve(name: str, frame: pd.DataFrame, spec: LayerSpec,
             renames: Mapping[str, str]) -> str | None:
    """The frame column a name given by the user means: itself, its canonical name (when it
    is a header the file had, or an alias), else ``None``."""
    if name in frame.columns:
        return name
    if name in renames:
        return renames[name]
    return column_lookup(spec).get(name.strip().lower())


def _assign(frame: pd.DataFrame, spec: LayerSpec, renames: Mapping[str, str],
            values: Mapping[str, str], *, overwrite: bool, source: str) -> pd.DataFrame:
    if not values:
        return frame
    out = frame.copy()
    flag = "--replace" if overwrite else "--set"
    columns = [c for c in out.columns if c != getattr(out, "_geometry_column_name", None)]
    for given, value in values.items():
        column = _resolve(given, out, spec, renames)
        if column is None:
            raise ImportOptionError(f"{source}: {flag} {given}={value}: {spec.name!r} has no "
                                    f"column {given!r}; fix: use one of {spec.column_names}")
        filled = _template(out, value, spec, renames, source=source, flag=flag, given=given,
                           columns=columns)
        if column in out.columns and not overwrite:
            out[column] = out[column].astype(object).where(~_blank(out[column]), filled)
        else:
            out[column] = filled
    return out


def _template(frame: pd.DataFrame, value: str, spec: LayerSpec, renames: Mapping[str, str],
              *, source: str, flag: str, given: str, columns: list[str]) -> pd.Series:
    parts = _TEMPLATE.split(value)  # literal, name, literal, name, …, literal
    result = pd.Series(parts[0], index=frame.index, dtype=object)
    for i in range(1, len(parts), 2):
        ref = _resolve(parts[i], frame, spec, renames)
        if ref is None or ref not in frame.columns:
            raise ImportOptionError(f"{source}: {flag} {given}={value}: no column "
                                    f"{parts[i]!r}; fix: use one of {columns}")
        text = _text(frame[ref]).fillna("").astype(object)
        result = result + text + parts[i + 1]
    return result


# -- skipping invalid features ----------------------------------------------------------------


def _refusals(report: ValidationReport, labels: Sequence[str],
              source: str) -> tuple[list[int], pd.DataFrame]:
    """Positions of the features named in errors, and one refused row per feature×problem.

    Raises the original :class:`ValidationError` when an error names no feature (the whole
    file is wrong) or when every feature would be refused.
    """
    positions: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        positions.setdefault(label, []).append(i)
    bad: set[int] = set()
    rows: list[tuple[str, str, str, str]] = []
    for problem in report.errors:
        hits = [i for row in problem.rows for i in positions.get(row, [])]
        if not hits:
            raise ValidationError(report)
        bad.update(hits)
        text = problem.message + (f" (column {problem.column!r})" if problem.column else "")
        rows.extend((source, row, text, problem.fix) for row in problem.rows)
    if len(bad) >= len(labels):
        raise ValidationError(report)
    return sorted(bad), pd.DataFrame(rows, columns=list(REFUSED_COLUMNS))
