"""Render the data dictionary (docs/reference/layers.md) from the registry.

The page embeds the output between ``<!-- layers:begin -->`` and ``<!-- layers:end -->``;
a test keeps them identical, so the docs cannot drift from the specs.
Regenerate with ``python -m layers.docs``.
"""

from __future__ import annotations

from layers.registry import LAYERS, LayerSpec

BEGIN, END = "<!-- layers:begin -->", "<!-- layers:end -->"


def render_spec(spec: LayerSpec) -> str:
    geometry = {"polygon": "Polygon/MultiPolygon", "point": "Point", "none": "none",
                "any": "Point, LineString or Polygon (mixed)"}[spec.geometry]
    if spec.geometry_optional_when:
        geometry += f" (optional when `{spec.geometry_optional_when}` is given)"
    lines = [
        f"## `{spec.name}` — {spec.zh} / {spec.en}",
        "",
        f"Id column `{spec.id_column}`; geometry {geometry}.",
        "",
        "| column | 中文 | English | type | rules |",
        "|---|---|---|---|---|",
    ]
    for col in spec.columns:
        rules = []
        if col.required:
            rules.append("required")
        if col.derived:
            rules.append("derived")
        if col.confidential:
            rules.append("**confidential**")
        if col.allowed:
            rules.append("one of " + ", ".join(f"`{v}`" for v in col.allowed))
        if col.minimum is not None:
            rules.append(f"≥ {col.minimum:g}")
        if col.aliases:
            rules.append("also read from " + ", ".join(col.aliases))
        lines.append(f"| `{col.name}` | {col.zh} | {col.en} | {col.type} | {'; '.join(rules)} |")
    return "\n".join(lines)


def render() -> str:
    return "\n\n".join(render_spec(spec) for spec in LAYERS.values())


if __name__ == "__main__":
    print(BEGIN)
    print(render())
    print(END)
