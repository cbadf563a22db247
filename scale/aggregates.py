"""Land-weighted 亩均 aggregates of province-scale enterprise tables, local or on Dask.

亩均 classes are relative within a county (ranks, shares, benchmarks — shared/domain.md §4),
so the unit of parallel work is the county: the table is shuffled on the county column so
that each county's firms meet in one partition, every county is evaluated there with
:func:`geo.efficiency.evaluate` and reduced to decomposable sums with
:func:`geo.aggregates.aggregate_sums`; the (small) sums are gathered, and
:func:`geo.aggregates.finish_aggregates` divides once — total tax ÷ total land, never a mean
of ratios. The local engine runs the very same :func:`county_sums` on the whole table.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geo.aggregates import aggregate_sums, finish_aggregates
from geo.efficiency import evaluate
from geo.efficiency_settings import EfficiencySettings
from layers.policy import Policy

LEVELS = {"county": None, "park": "park_id"}
"""Aggregate level → ``by`` key of :func:`geo.aggregates.aggregate_sums` (within a county)."""


def county_sums(enterprises: pd.DataFrame, settings: EfficiencySettings, *,
                as_of: pd.Timestamp, by: str | None, county_column: str | None,
                ) -> pd.DataFrame:
    """Evaluate each county's firms separately and return their decomposable sums.

    Parameters
    ----------
    enterprises : validated enterprise rows; all firms of a county must be in this frame.
    settings, as_of : as for :func:`geo.efficiency.evaluate`.
    by : ``None`` (one row per county) or ``"park_id"`` (one row per county and park).
    county_column : column naming the county; ``None`` treats the frame as one county.

    Returns
    -------
    pandas.DataFrame
        ``county_column`` (if any), ``by`` (if any) and :data:`geo.aggregates.SUM_COLUMNS`.
    """
    # rows gathered from several parts repeat index labels (every part of a dataset numbers
    # its rows from 0), and evaluate aligns on the index: a 1,000,000-parcel demo failed
    # with "operands could not be broadcast together"
    enterprises = enterprises.reset_index(drop=True)
    if county_column is None:
        return aggregate_sums(evaluate(enterprises, settings, as_of=as_of), by=by)
    parts = []
    for county, firms in enterprises.groupby(county_column, sort=True, dropna=False):
        sums = aggregate_sums(evaluate(firms, settings, as_of=as_of), by=by)
        sums.insert(0, county_column, county)
        parts.append(sums)
    if parts:
        return pd.concat(parts, ignore_index=True)
    empty = aggregate_sums(evaluate(enterprises, settings, as_of=as_of), by=by).iloc[:0]
    empty.insert(0, county_column, pd.Series(dtype=object))
    return empty


def aggregate_table(enterprises: pd.DataFrame, settings: EfficiencySettings, *,
                    as_of: pd.Timestamp, level: str = "park",
                    county_column: str | None = None) -> pd.DataFrame:
    """Local engine: :func:`county_sums` on the whole table, finished once."""
    return finish_aggregates(county_sums(enterprises, settings, as_of=as_of,
                                         by=LEVELS[level], county_column=county_column))


def aggregate_dataset(path: str | Path, policy: Policy, *, as_of: pd.Timestamp,
                      level: str = "park", county_column: str | None = None,
                      npartitions: int | None = None) -> pd.DataFrame:
    """Dask engine: read (validate) partition by partition, shuffle on the county, sum per
    partition, gather the sums and finish once. Same result as :func:`aggregate_table`.

    Parameters
    ----------
    path : enterprise table: Parquet file or dataset folder, GeoPackage, or CSV.
    policy : validated policy (its ``efficiency`` section is used).
    as_of : evaluation date.
    level : ``"county"`` or ``"park"``.
    county_column : column naming the county; ``None`` evaluates the table as one county
        (in one task: classes are relative to the whole county).
    npartitions : partitions after the shuffle (default: as read).

    Raises
    ------
    KeyError
        ``county_column`` is not a column of the table.
    """
    # Dask is the optional extra 'dask': imported only here, so the local engine
    # (aggregate_table) runs on a plain install.
    import dask.dataframe as dd

    from scale.partitioned import read_layer

    settings = policy.section("efficiency")
    lazy = read_layer(path, "enterprise", policy=policy)
    frame = lazy.frame
    if county_column is None:
        frame = frame.repartition(npartitions=1)
    elif county_column not in frame.columns:
        raise KeyError(f"{path}: no county column {county_column!r}; columns: "
                       f"{list(frame.columns)}")
    else:
        frame = frame.shuffle(on=county_column, npartitions=npartitions or frame.npartitions)
    by = LEVELS[level]
    meta = county_sums(lazy.sample, settings, as_of=as_of, by=by,
                       county_column=county_column).iloc[:0]
    sums = frame.map_partitions(county_sums, settings, as_of=as_of, by=by,
                                county_column=county_column, meta=meta)
    return finish_aggregates(dd.compute(sums)[0].reset_index(drop=True))
