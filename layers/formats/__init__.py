"""Readers and writers for the files planners receive (shared/domain.md §7).

* :mod:`layers.formats.coord_txt` / :mod:`layers.formats.coord_txt_write` — 部标 coordinate TXT
* :mod:`layers.formats.dxf` — CAD red-line drawings
* :mod:`layers.formats.shapefile` — shapefiles with GBK attributes and no ``.cpg``
* :mod:`layers.formats.tables` — CSV/XLSX lists with lon/lat in WGS84/CGCS2000/GCJ-02/BD-09
* :mod:`layers.formats.textcodec` — encoding detection shared by the text formats
* :mod:`layers.formats.gk` — Gauss–Krüger CRS from datum, zone width and zone
* :mod:`layers.formats.ogr` — GeoPackage, GeoJSON, zipped Shapefile, KML and (Geo)Parquet
* :mod:`layers.formats.guards` — checks every reader shares against broken and hostile files
* :mod:`layers.formats.settings` — the ``imports`` policy section
* :mod:`layers.formats.base` — what every reader shares (options, result, error)

Each reader has the :data:`layers.formats.base.Reader` signature, imports only
:mod:`layers.formats.base` (never the dispatcher) and is registered in
:data:`layers.io.READERS` by file suffix.
"""
