"""The validator's parts, one concern per module; :mod:`layers.validate` puts them together."""
