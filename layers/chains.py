"""Chain definitions (``data/chains.yaml``) and the ``chains`` policy section: read, validate,
type.

:func:`load_chains` turns the definition file into a :class:`geo.chains.ChainCatalog` or raises
:class:`ChainsError` listing every problem with the file, the chain, the segment, the key and
the fix. :func:`chain_settings` reads the policy section ``chains`` (parsed by
:mod:`layers.chain_settings`). :func:`county_analysis` and :func:`county_worklist` run the
pure computations of :mod:`geo.chains` on a loaded county.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml

from geo.chain_catalog import (
    POSITIONS,
    Chain,
    ChainCatalog,
    ChainSettings,
    LandNeed,
    Position,
    Segment,
    Target,
    forward_cycle,
)
from geo.errors import DataError
from geo.target_match import TargetSettings
from layers.registry import LAND_USES

if TYPE_CHECKING:
    from layers.county import County

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
CODE_PATTERN = re.compile(r"^\d{2,4}$")
CHAIN_KEYS = {"chain_id", "zh", "en", "segments"}
SEGMENT_KEYS = {"segment_id", "zh", "en", "position", "supplies", "industry_codes", "keywords",
                "land"}
LAND_KEYS = {"mu", "land_use", "far_min", "investment_wan_per_mu"}
TARGET_KEYS = {"name", "segment_id", "hq_city", "scale", "notes"}


class ChainsError(DataError):
    """The chain definitions are malformed; ``problems`` lists every finding."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: {len(problems)} problem(s) in the chain definitions:\n"
                         + "\n".join(f"  - {p}" for p in problems))


class _Checker:
    """Collects problems as 'where: key: problem; fix: …' lines."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, where: str, key: str, problem: str, fix: str) -> None:
        self.problems.append(f"{where}: {key}: {problem}; fix: {fix}")

    def keys(self, value: Mapping[str, Any], allowed: set[str], required: set[str],
             where: str) -> None:
        for key in sorted(set(value) - allowed):
            self.add(where, key, "unknown key", f"use only {sorted(allowed)}")
        for key in sorted(required - set(value)):
            self.add(where, key, "missing", "add it")

    def text(self, value: Any, where: str, key: str, *, required: bool = True) -> str:
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.add(where, key, f"{value!r} is not a non-empty text", "write a text")
            return ""
        return value.strip()

    def texts(self, value: Any, where: str, key: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.add(where, key, f"{value!r} is not a list", "write [a, b, …]")
            return ()
        bad = [v for v in value if not isinstance(v, str) or not v.strip()]
        if bad:
            self.add(where, key, f"items {bad!r} are not texts", "quote each item")
        return tuple(v.strip() for v in value if isinstance(v, str) and v.strip())

    def number(self, value: Any, where: str, key: str) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            self.add(where, key, f"{value!r} is not a number ≥ 0", "write a number")
            return None
        return float(value)


def load_chains(path: str | Path | None = None) -> ChainCatalog:
    """Load and validate chain definitions (the embedded ``data/chains.yaml`` by default).

    Parameters
    ----------
    path : a YAML file with ``chains`` (each with ``chain_id``, ``zh``, ``en``, ``segments``)
        and optionally ``targets`` (README "Industry chains").

    Raises
    ------
    ChainsError
        Listing every problem with the file, the chain, the segment, the key and the fix.
    """
    if path is None:
        from data import get_path

        path = get_path("chains")
    path = Path(path)
    source = str(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ChainsError(source, ["file not found; fix: pass an existing chains file"]
                          ) from None
    except yaml.YAMLError as exc:
        raise ChainsError(source, [f"not valid YAML ({exc}); fix the syntax"]) from exc
    check = _Checker()
    if not isinstance(doc, Mapping) or not isinstance(doc.get("chains"), list):
        raise ChainsError(source, ["top level: expected a mapping with a list under "
                                   "'chains'; fix: start the file with 'chains:'"])
    check.keys(doc, {"chains", "targets"}, {"chains"}, "top level")
    chains = [_chain(raw, i, check) for i, raw in enumerate(doc["chains"])]
    catalog = ChainCatalog(chains=[c for c in chains if c is not None], source=source)
    _check_graph(catalog, check)
    targets = _targets(doc.get("targets") or [], catalog, check)
    if check.problems:
        raise ChainsError(source, check.problems)
    return ChainCatalog(chains=catalog.chains, targets=targets, source=source)


def _chain(raw: Any, i: int, check: _Checker) -> Chain | None:
    where = f"chains[{i}]"
    if not isinstance(raw, Mapping):
        check.add(where, "-", f"expected a mapping, got {type(raw).__name__}",
                  "give chain_id, zh, en, segments")
        return None
    check.keys(raw, CHAIN_KEYS, CHAIN_KEYS, where)
    chain_id = check.text(raw.get("chain_id"), where, "chain_id")
    if chain_id and not ID_PATTERN.match(chain_id):
        check.add(where, "chain_id", f"{chain_id!r} is not a lower-case id",
                  "use letters, digits and _ (e.g. new_energy)")
    where = f"chain {chain_id or i!r}"
    segments_raw = raw.get("segments")
    if not isinstance(segments_raw, list) or not segments_raw:
        check.add(where, "segments", "missing or empty", "list the chain's segments")
        segments_raw = []
    segments = [_segment(s, chain_id, j, where, check) for j, s in enumerate(segments_raw)]
    return Chain(chain_id=chain_id, zh=check.text(raw.get("zh"), where, "zh"),
                 en=check.text(raw.get("en"), where, "en"),
                 segments=tuple(s for s in segments if s is not None))


def _segment(raw: Any, chain_id: str, j: int, chain_where: str, check: _Checker
             ) -> Segment | None:
    where = f"{chain_where}, segments[{j}]"
    if not isinstance(raw, Mapping):
        check.add(where, "-", f"expected a mapping, got {type(raw).__name__}",
                  f"give {sorted(SEGMENT_KEYS)}")
        return None
    seg_id = check.text(raw.get("segment_id"), where, "segment_id")
    if seg_id:
        if not ID_PATTERN.match(seg_id):
            check.add(where, "segment_id", f"{seg_id!r} is not a lower-case id",
                      "use letters, digits and _")
        where = f"{chain_where}, segment {seg_id!r}"
    check.keys(raw, SEGMENT_KEYS, SEGMENT_KEYS - {"supplies", "keywords", "segment_id"}, where)
    position: Position = "midstream"
    if raw.get("position") in POSITIONS:
        position = raw["position"]
    else:
        check.add(where, "position", f"{raw.get('position')!r} is not allowed",
                  f"write one of {list(POSITIONS)}")
    codes_raw = raw.get("industry_codes")
    if isinstance(codes_raw, list):
        for code in codes_raw:
            if not isinstance(code, str):
                check.add(where, "industry_codes", f"{code!r} is not quoted",
                          "quote GB/T 4754 codes as text, e.g. \"0610\" (YAML drops a "
                          "leading 0)")
            elif not CODE_PATTERN.match(code):
                check.add(where, "industry_codes", f"{code!r} is not a GB/T 4754 code",
                          "write 2–4 digits, e.g. \"3841\"")
    codes = check.texts(codes_raw, where, "industry_codes")
    keywords = check.texts(raw.get("keywords"), where, "keywords")
    if not codes and not keywords:
        check.add(where, "industry_codes", "no industry code and no keyword",
                  "give at least one so projects can be placed in the segment")
    return Segment(chain_id=chain_id, segment_id=seg_id,
                   zh=check.text(raw.get("zh"), where, "zh"),
                   en=check.text(raw.get("en"), where, "en"), position=position,
                   supplies=check.texts(raw.get("supplies"), where, "supplies"),
                   industry_codes=codes, keywords=keywords,
                   land=_land(raw.get("land"), where, check))


def _land(raw: Any, where: str, check: _Checker) -> LandNeed:
    if raw is None:
        return LandNeed(0.0, 0.0, ())  # reported as a missing key with the segment's keys
    if not isinstance(raw, Mapping):
        check.add(where, "land", "not a mapping",
                  "give land: {mu: [min, max], land_use: [codes], far_min, "
                  "investment_wan_per_mu}")
        return LandNeed(0.0, 0.0, ())
    check.keys(raw, LAND_KEYS, {"mu", "land_use"}, where + ", land")
    mu = raw.get("mu")
    lo = hi = 0.0
    if (not isinstance(mu, list) or len(mu) != 2
            or any(isinstance(v, bool) or not isinstance(v, int | float) for v in mu)
            or not 0 < mu[0] <= mu[1]):
        check.add(where, "land.mu", f"{mu!r} is not a range [min, max] with 0 < min ≤ max",
                  "write e.g. mu: [50, 200] (亩)")
    else:
        lo, hi = float(mu[0]), float(mu[1])
    uses = check.texts(raw.get("land_use"), where, "land.land_use")
    bad = [u for u in uses if u not in LAND_USES]
    if bad or not uses:
        check.add(where, "land.land_use", f"unknown or missing land-use code(s) {bad}",
                  f"use quoted codes from {list(LAND_USES)}")
    return LandNeed(mu_min=lo, mu_max=hi, land_use=uses,
                    far_min=check.number(raw.get("far_min"), where, "land.far_min"),
                    investment_wan_per_mu=check.number(raw.get("investment_wan_per_mu"),
                                                       where, "land.investment_wan_per_mu"))


def _check_graph(catalog: ChainCatalog, check: _Checker) -> None:
    seen_chains: set[str] = set()
    owner: dict[str, str] = {}
    for chain in catalog.chains:
        if chain.chain_id in seen_chains:
            check.add(f"chain {chain.chain_id!r}", "chain_id", "used twice",
                      "give every chain its own id")
        seen_chains.add(chain.chain_id)
        for seg in chain.segments:
            if seg.segment_id in owner:
                check.add(f"chain {chain.chain_id!r}, segment {seg.segment_id!r}",
                          "segment_id", f"already used in chain {owner[seg.segment_id]!r}",
                          "segment ids are unique across all chains; rename one")
            owner.setdefault(seg.segment_id, chain.chain_id)
    for chain in catalog.chains:
        ids = set(chain.segment_ids)
        bad_edge = False
        for seg in chain.segments:
            for target in seg.supplies:
                if target not in ids or target == seg.segment_id:
                    bad_edge = True
                    check.add(f"chain {chain.chain_id!r}, segment {seg.segment_id!r}",
                              "supplies", f"{target!r} is not another segment of this chain",
                              f"use ids from {sorted(ids - {seg.segment_id})}")
        if not bad_edge and len(ids) == len(chain.segments):
            cycle = forward_cycle(catalog, chain.chain_id)
            if cycle:
                check.add(f"chain {chain.chain_id!r}", "supplies",
                          f"segments {cycle} supply each other in a loop without going "
                          "back to an earlier position",
                          "only an edge to an earlier position (e.g. recycling → upstream) "
                          "may close a loop; check the positions and links")


def _targets(raw: Any, catalog: ChainCatalog, check: _Checker) -> list[Target]:
    if not isinstance(raw, list):
        check.add("targets", "-", "not a list", "write targets: [{name, segment_id, …}]")
        return []
    segments = catalog.segments
    out = []
    for i, item in enumerate(raw):
        where = f"targets[{i}]"
        if not isinstance(item, Mapping):
            check.add(where, "-", "expected a mapping", "give name and segment_id")
            continue
        check.keys(item, TARGET_KEYS, {"name", "segment_id"}, where)
        name = check.text(item.get("name"), where, "name")
        where = f"target {name or i!r}"
        seg_id = check.text(item.get("segment_id"), where, "segment_id")
        if seg_id and seg_id not in segments:
            check.add(where, "segment_id", f"{seg_id!r} is not a segment",
                      "use a segment_id defined under chains")
            continue
        if not seg_id:
            continue
        out.append(Target(name=name, segment_id=seg_id, chain_id=segments[seg_id].chain_id,
                          hq_city=check.text(item.get("hq_city"), where, "hq_city",
                                             required=False),
                          scale=check.text(item.get("scale"), where, "scale", required=False),
                          notes=check.text(item.get("notes"), where, "notes",
                                           required=False)))
    return out


# -- policy section ``chains`` (parsed by :mod:`layers.chain_settings`) ----------------


def chain_settings(policy: Any) -> ChainSettings:
    """The ``chains`` section of a loaded policy (defaults when the section is absent)."""
    try:
        settings: ChainSettings = policy.section("chains")
        return settings
    except KeyError:
        return ChainSettings()


# -- whole-county glue ----------------------------------------------------------------------


def county_analysis(county: County, catalog: ChainCatalog, *, park_id: str | None = None
                    ) -> pd.DataFrame:
    """:func:`geo.chains.analyse` on a loaded county (layers park, project, enterprise)."""
    from geo.chains import analyse

    empty = pd.DataFrame({"enterprise_id": pd.Series(dtype=object)})
    return analyse(catalog, county["project"], county.layers.get("enterprise", empty),
                   parks=county["park"], park_id=park_id,
                   settings=chain_settings(county.policy))


def county_worklist(county: County, catalog: ChainCatalog, *, chain_id: str | None = None,
                    park_id: str | None = None, analysis: pd.DataFrame | None = None
                    ) -> pd.DataFrame:
    """:func:`geo.chains.match` on a loaded county: the analysis of the county (or of
    ``park_id``), parcel availability from :func:`layers.supply.availability`, parcels,
    projects and parks. Needs the layers park, parcel, project, redline and enterprise.
    With a ``target`` layer loaded, ``enterprises`` names the segment's best-evidenced target
    firms (:func:`county_target_ranking`) instead of the chain definitions' list."""
    from geo.chains import match
    from layers.supply import availability

    if analysis is None:
        analysis = county_analysis(county, catalog, park_id=park_id)
    worklist = match(catalog, analysis, availability(county), county["parcel"],
                     county["project"], county["park"], chain_id=chain_id, park_id=park_id,
                     settings=chain_settings(county.policy))
    layer = county.layers.get("target")
    if layer is not None and len(layer):  # the library's best-evidenced firms per segment
        from geo.target_match import top_names

        ranking = county_target_ranking(county, catalog, chain_id=chain_id,
                                        analysis=analysis)
        worklist["enterprises"] = worklist["segment_id"].map(top_names(ranking)).fillna("")
    return worklist


# -- target enterprises (招商目标企业库) ------------------------------------------------------


def target_settings(policy: Any) -> TargetSettings:
    """The ``targets`` section of a loaded policy (defaults when the section is absent)."""
    try:
        settings: TargetSettings = policy.section("targets")
        return settings
    except KeyError:
        return TargetSettings()


def target_frame(county: County, catalog: ChainCatalog) -> pd.DataFrame:
    """The county's target library: the ``target`` layer when loaded and not empty, else the
    ``targets:`` of the chain definitions (names, segments and cities; no evidence)."""
    layer = county.layers.get("target")
    if layer is not None and len(layer):
        return pd.DataFrame(layer)
    return pd.DataFrame({
        "target_id": [f"{t.chain_id}:{t.name}" for t in catalog.targets],
        "name": [t.name for t in catalog.targets],
        "segment_id": [t.segment_id for t in catalog.targets],
        "chain_id": [t.chain_id for t in catalog.targets],
        "city": [t.hq_city or None for t in catalog.targets],
    }, dtype=object)


def county_target_ranking(county: County, catalog: ChainCatalog, *,
                          chain_id: str | None = None, park_id: str | None = None,
                          analysis: pd.DataFrame | None = None,
                          as_of: date | None = None) -> pd.DataFrame:
    """:func:`geo.target_match.rank_targets` on a loaded county: per gap segment of the
    county (or of ``park_id``), the target firms placed in it, by evidence score."""
    from geo.target_match import rank_targets

    if analysis is None:
        analysis = county_analysis(county, catalog, park_id=park_id)
    return rank_targets(target_frame(county, catalog), catalog, analysis,
                        as_of=as_of or date.today(),
                        match_verdicts=chain_settings(county.policy).match_verdicts,
                        settings=target_settings(county.policy), chain_id=chain_id)


def firm_parcels(county: County, catalog: ChainCatalog, target_id: str, *,
                 park_id: str | None = None) -> tuple[pd.Series, pd.DataFrame]:
    """One target firm and the parcels that fit its segment's land need (ranked, with the
    worklist's reasons). Raises ``KeyError`` for an unknown id and ``ValueError`` when the
    firm fits no segment."""
    from geo.chain_match import match_segment
    from geo.target_match import place_targets
    from layers.supply import availability

    targets = target_frame(county, catalog)
    hit = targets[targets["target_id"].astype(str) == str(target_id)]
    if hit.empty:
        raise KeyError(f"no target firm {target_id!r} in {county.source}")
    firm = place_targets(hit.head(1), catalog).iloc[0]
    if not firm["segment_id"]:
        raise ValueError(f"target firm {target_id!r} fits no chain segment "
                         f"({firm['placement_note']}); give it a segment_id or an industry "
                         "code the chain definitions list")
    analysis = county_analysis(county, catalog, park_id=park_id)
    verdicts = dict(zip(analysis["segment_id"], analysis["verdict"], strict=False))
    parcels = match_segment(catalog, firm["segment_id"], availability(county),
                            county["parcel"], county["project"], county["park"],
                            verdict=str(verdicts.get(firm["segment_id"], "")), park_id=park_id,
                            settings=chain_settings(county.policy))
    return firm, parcels


def lead_from_target(firm: pd.Series, *, parcel_id: str | None = None,
                     owner: str | None = None) -> dict[str, object]:
    """The values of a new lead (招商线索, source ``target``) started from a target firm:
    company, industry, segment, contact, owner and the parcel of interest — ready for
    :func:`layers.leads.add_lead`."""
    def text(key: str) -> str | None:
        value = firm.get(key)
        if value is None or (isinstance(value, float) and value != value):
            return None
        return str(value)

    values = {"source": "target", "company": text("name"),
              "industry": text("industry") or text("industry_code"),
              "segment_id": text("segment_id"), "contact_name": text("contact_person"),
              "phone": text("contact_phone"), "parcel_id": parcel_id,
              "owner": owner or text("owner"),
              "notes": f"来自目标企业库 {text('target_id')}" if text("target_id") else None}
    return {k: v for k, v in values.items() if v is not None}
