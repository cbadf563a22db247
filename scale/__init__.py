"""Province scale: the local engine's computations run partition by partition on Dask.

:mod:`scale.partitioned` reads and writes partitioned GeoParquet datasets (and GeoPackages)
as Dask collections; :mod:`scale.dask_engine` runs red-line availability and 亩均 aggregates
on a Dask cluster with the same per-parcel kernel as the local engine.
"""
