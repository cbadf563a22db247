"""Layer specs widened by the columns a county declares in its policy.

A county's 亩均 method may divide figures the registry does not know (``efficiency.columns``,
e.g. ``steam_t`` 用汽量). They reach validation here: :func:`layer_spec` returns the registry
spec plus one confidential numeric :class:`~layers.registry.Column` per declared column, so
the one validator (``layers.validate.validate_layer``) reads their Chinese headers, coerces
them and checks their minimum like any registry column. geo/ parses the declarations and
never sees the registry.
"""

from __future__ import annotations

from dataclasses import replace

from geo.policy_checks import fail
from layers.policy import Policy
from layers.registry import Column, LayerSpec, get_spec


def layer_spec(name: str, policy: Policy) -> LayerSpec:
    """The registry spec of ``name``, with the policy's declared enterprise columns added.

    Raises
    ------
    geo.policy_checks.PolicyError
        A declared column or one of its aliases clashes with a registry column or header.
    """
    spec = get_spec(name)
    if name != "enterprise" or "efficiency" not in policy.extras:
        return spec
    declared = policy.section("efficiency").columns
    if not declared:
        return spec
    taken = {h.strip().lower(): c.name for c in spec.columns for h in (c.name, *c.aliases)}
    extra = []
    for col in declared:
        for header in (col.name, *col.aliases):
            if header.strip().lower() in taken:
                raise fail(policy.source, f"efficiency.columns.{col.name}",
                           f"header {header!r} is already read as enterprise column "
                           f"{taken[header.strip().lower()]!r}",
                           "choose another name or alias (see README 'Layers and columns')")
        extra.append(Column(col.name, "float", col.zh, col.en, confidential=True,
                            aliases=col.aliases, minimum=col.minimum))
    return replace(spec, columns=spec.columns + tuple(extra))
