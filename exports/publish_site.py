"""Assets and data of the static investor site (:mod:`exports.publish`): Leaflet copied from
the installed package, the site's stylesheet and script, and each language's map data as a
script file (``data-<lang>.js``: browsers refuse ``fetch`` of local JSON from ``file://``).

The script is plain ES5 (checked against ES2017 by a real parser in the tests), so the pages
work in WeChat's built-in browser and older Chromium, which cannot run the live app.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd

from exports.common import tr
from layers.county import County
from layers.registry import LAND_USES, label
from webmap.context import context_geojson

COORD_DECIMALS = 6

SITE_CSS = """
* { box-sizing: border-box; }
body { margin: 0; font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei",
       "Noto Sans", sans-serif; color: #222; line-height: 1.5; background: #f6f8fb; }
header { background: #12355b; color: #fff; padding: 14px 20px; border-bottom: 4px solid #e07b00; }
header a { color: #c9d6ea; }
header h1 { margin: 4px 0; font-size: 22px; line-height: 1.25; overflow-wrap: anywhere; }
header .kicker { font-size: 13px; color: #c9d6ea; }
header nav { float: right; font-size: 14px; }
main { max-width: 1100px; margin: 0 auto; padding: 12px 20px 40px; }
h2 { color: #12355b; border-left: 5px solid #e07b00; padding-left: 8px; font-size: 18px; }
#map { height: 460px; border: 1px solid #ccd; background: #f4f1ea; }
table { width: 100%; border-collapse: collapse; background: #fff; font-size: 14px; }
th, td { text-align: left; padding: 5px 8px; vertical-align: top; overflow-wrap: anywhere; }
thead th { background: #12355b; color: #fff; }
tbody tr:nth-child(even) td, tbody tr:nth-child(even) th { background: #eef2f7; }
table.facts th { width: 30%; color: #555; font-weight: normal; }
.box { background: #fff; border: 1px solid #dde; padding: 10px 14px; margin: 10px 0; }
.pdf { display: inline-block; background: #e07b00; color: #fff; padding: 6px 14px;
       border-radius: 4px; text-decoration: none; font-weight: bold; }
.note { color: #666; font-size: 13px; }
.legend { background: #fff; padding: 6px 8px; font-size: 12px; line-height: 1.6;
          box-shadow: 0 1px 4px rgba(0,0,0,.3); border-radius: 4px; }
.legend i { display: inline-block; width: 12px; height: 12px; margin-right: 5px;
            vertical-align: -1px; }
.town { font-size: 12px; color: #333; white-space: nowrap; text-shadow: 0 0 3px #fff; }
@media (max-width: 640px) { #map { height: 60vh; } header nav { float: none; }
                            main { padding: 8px; } }
@media print { #map, header nav, .pdf { display: none; } body { background: #fff; } }
"""

SITE_JS = r"""
(function () {
  'use strict';
  var site = window.SITE;
  var view = window.SITE_VIEW || {};
  var holder = document.getElementById('map');
  if (!site || !holder || !window.L) { return; }
  var map = L.map(holder, { zoomSnap: 0.25, attributionControl: false });
  var colours = { county_boundary: '#6d4c41', road: '#9e9e9e', river: '#4a90d9',
                  railway: '#555555', water: '#9ec9f0', town: '#333333' };
  var outline = L.geoJSON(site.context, {
    filter: function (f) { return f.properties.kind === 'county_boundary'; }
  });
  L.geoJSON(site.context, {
    filter: function (f) { return f.properties.kind !== 'town'; },
    style: function (f) {
      var c = colours[f.properties.kind] || '#9e9e9e';
      var water = f.properties.kind === 'water';
      return { color: c, weight: f.properties.kind === 'county_boundary' ? 2 : 1.5,
               dashArray: f.properties.kind === 'county_boundary' ? '6 4' : null,
               fillColor: c, fillOpacity: water ? 0.5 : 0, interactive: false };
    }
  }).addTo(map);
  L.geoJSON(site.context, {
    filter: function (f) { return f.properties.kind === 'town'; },
    pointToLayer: function (f, ll) {
      return L.marker(ll, { interactive: false, icon: L.divIcon({
        className: 'town', html: '&#9679; ' + f.properties.name, iconSize: null }) });
    }
  }).addTo(map);
  var parks = L.geoJSON(site.parks, {
    style: function () { return { color: '#1f4e9c', weight: 2, fillColor: '#6f9ce0',
                                  fillOpacity: 0.12 }; },
    onEachFeature: function (f, layer) {
      layer.bindTooltip(f.properties.name);
      layer.on('click', function () { window.location.href = f.properties.href; });
    }
  }).addTo(map);
  var parcels = L.geoJSON(site.parcels, {
    style: function (f) {
      var here = f.properties.id === view.focus;
      return { color: here ? '#d62728' : '#ffffff', weight: here ? 3 : 0.6,
               fillColor: '#2ca02c', fillOpacity: 0.8 };
    },
    onEachFeature: function (f, layer) {
      layer.bindTooltip(f.properties.label);
      layer.on('click', function () { window.location.href = f.properties.href; });
    }
  }).addTo(map);
  var bounds = null;
  if (view.focus) {
    parcels.eachLayer(function (l) {
      if (l.feature.properties.id === view.focus) { bounds = l.getBounds().pad(2.5); }
    });
  }
  if (!bounds && view.park) {
    parks.eachLayer(function (l) {
      if (l.feature.properties.id === view.park) { bounds = l.getBounds().pad(0.05); }
    });
  }
  if (!bounds && outline.getLayers().length) { bounds = outline.getBounds().pad(0.02); }
  map.fitBounds(bounds || parks.getBounds().pad(0.08));
  var legend = L.control({ position: 'bottomright' });
  legend.onAdd = function () {
    var div = L.DomUtil.create('div', 'legend');
    div.innerHTML = site.legend;
    return div;
  };
  legend.addTo(map);
  L.control.scale({ imperial: false }).addTo(map);
}());
"""


def copy_assets(folder: Path) -> list[Path]:
    """Leaflet (from the installed package), its images, the site's CSS and script."""
    from webmap.assets import asset_paths, image_paths

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "images").mkdir(exist_ok=True)
    written = []
    for name, path in asset_paths().items():
        written.append(Path(shutil.copyfile(path, folder / name)))
    for name, path in image_paths().items():
        if path.is_file():
            written.append(Path(shutil.copyfile(path, folder / "images" / name)))
    (folder / "site.css").write_text(SITE_CSS, encoding="utf-8")
    (folder / "site.js").write_text(SITE_JS, encoding="utf-8")
    return [*written, folder / "site.css", folder / "site.js"]


def _features(frame: pd.DataFrame, properties: list[dict[str, str]]) -> dict[str, object]:
    import shapely

    shown = frame.to_crs(4326).geometry.values
    shown = shapely.set_precision(shown, 10 ** -COORD_DECIMALS)
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": p,
                          "geometry": shapely.geometry.mapping(g)}
                         for p, g in zip(properties, shown, strict=True)]}


def map_data(county: County, *, lang: str, parks: pd.DataFrame, offerable: pd.DataFrame,
             park_href: dict[str, str], parcel_href: dict[str, str]) -> dict[str, object]:
    """What the site's map draws: context, parks and offerable parcels (public values
    only: names, ids, area, land use, page links); HTML-escaped by the caller's JSON."""
    import html

    parcels = county["parcel"]
    rows = parcels[parcels["parcel_id"].isin(set(offerable["parcel_id"]))]
    names = [html.escape(str(n)) for n in
             (parks["name_en"].where(parks["name_en"].notna(), parks["name"])
              if lang == "en" else parks["name"])]
    unit = tr("亩", "mu", lang)
    park_props = [{"id": str(p), "name": n, "href": park_href[str(p)]}
                  for p, n in zip(parks["park_id"], names, strict=True)]
    parcel_props = [{"id": str(r["parcel_id"]), "href": parcel_href[str(r["parcel_id"])],
                     "label": html.escape(f"{r['parcel_id']} · {r['area_mu']:,.1f} {unit} · "
                                          f"{label(LAND_USES, str(r['land_use']), lang)}")}
                    for _, r in rows.iterrows()]
    legend = ('<i style="background:#2ca02c"></i>'
              f'{html.escape(tr("可供应地块", "Offerable parcel", lang))}<br>'
              '<i style="border:2px solid #1f4e9c;background:#dfe8f7"></i>'
              f'{html.escape(tr("园区", "Park", lang))}')
    return {"context": context_geojson(county.layers.get("context"), lang=lang)
            or {"type": "FeatureCollection", "features": []},
            "parks": _features(parks, park_props), "parcels": _features(rows, parcel_props),
            "legend": legend}


def _json(value: object) -> str:
    """JSON with ``<`` escaped, so no data value can end a script element."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def data_script(data: dict[str, object]) -> str:
    """The shared map data of one language: ``window.SITE = {...};``."""
    return f"window.SITE = {_json(data)};\n"


def view_script(*, park: str | None = None, focus: str | None = None) -> str:
    """What one page's map opens on: ``window.SITE_VIEW = {...};``."""
    return f"window.SITE_VIEW = {_json({'park': park, 'focus': focus})};"
