"""Pure geospatial computation for InvestMap: no file paths, no UI, no map rendering."""
