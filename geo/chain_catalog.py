"""Industry chains (产业链) as typed objects, their graph, and placement of firms in segments.

A chain is a directed graph of segments (环节): upstream materials → midstream manufacturing →
downstream products, services and recycling (shared/domain.md §8). A segment names the
GB/T 4754-2017 industry codes and keywords that place a project or enterprise in it and the land
it typically needs. ``supplies`` edges point from a supplier segment to its customers.

Edges from a later position back to an earlier one (recycling → lithium salts) close a loop;
they count as supplier/customer links for matching but not as "downstream" when deciding
which absent segments extend the chain (延链).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd

Position = Literal["upstream", "midstream", "downstream"]
POSITIONS: tuple[Position, ...] = ("upstream", "midstream", "downstream")
POSITION_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "upstream": ("上游", "Upstream"),
    "midstream": ("中游", "Midstream"),
    "downstream": ("下游", "Downstream"),
})

Verdict = Literal["strong", "present", "thin", "missing", "extension"]
VERDICTS: tuple[Verdict, ...] = ("strong", "present", "thin", "missing", "extension")
VERDICT_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "strong": ("优势", "Strong"),
    "present": ("已有", "Present"),
    "thin": ("薄弱·强链", "Thin (strengthen)"),
    "missing": ("缺失·补链", "Missing (fill)"),
    "extension": ("延链", "Extension"),
})
"""Verdict → (zh, en) labels for tables, diagrams and exports."""
INVESTOR_VERDICT_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "strong": ("优势环节", "Established"),
    "present": ("已有布局", "Present"),
    "thin": ("重点培育", "Partners wanted"),
    "missing": ("招商机会", "Open opportunity"),
    "extension": ("延伸方向", "Room to extend"),
})
"""Verdicts in investor words (补链/强链 "fill/strengthen" is the promotion team's jargon)."""

PROJECT_STAGES: tuple[str, ...] = (
    "pipeline", "signed", "started", "completed", "producing", "stalled", "lost",
)
"""Project stages in lifecycle order (the codes of ``layers.registry.PROJECT_STAGES``)."""

UTILITY_FLAGS: tuple[str, ...] = (
    "road", "power", "water", "drainage", "telecom", "gas", "heat", "levelled",
)
"""七通一平: the codes of ``layers.registry.UTILITIES``; completeness = flags present ÷ 8."""

PlacedBy = Literal["segment_id", "industry_code", "keyword"]


@dataclass(frozen=True)
class LandNeed:
    """Typical land need of a segment: 亩 range, land-use classes, minimum FAR, intensity."""

    mu_min: float
    mu_max: float
    land_use: tuple[str, ...]
    far_min: float | None = None
    investment_wan_per_mu: float | None = None

    def accepts_land_use(self, code: str) -> bool:
        """A parcel's land-use code fits when it equals or refines a listed code.

        ``100102`` (二类工业) fits a need for ``1001`` (工业); ``1001`` does not fit a need
        for ``100102`` because its class is unknown.
        """
        return any(str(code).startswith(need) for need in self.land_use)


@dataclass(frozen=True)
class Segment:
    """One segment (环节) of a chain."""

    chain_id: str
    segment_id: str
    zh: str
    en: str
    position: Position
    supplies: tuple[str, ...]
    industry_codes: tuple[str, ...]
    keywords: tuple[str, ...]
    land: LandNeed

    def name(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Chain:
    """A chain: its segments in the order the definition file lists them."""

    chain_id: str
    zh: str
    en: str
    segments: tuple[Segment, ...]

    def name(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    @property
    def segment_ids(self) -> list[str]:
        return [s.segment_id for s in self.segments]


@dataclass(frozen=True)
class Target:
    """An entry of the target-enterprise list (招商目标企业库). ``notes`` are staff-only."""

    name: str
    segment_id: str
    chain_id: str
    hq_city: str = ""
    scale: str = ""
    notes: str = ""


@dataclass(frozen=True)
class ChainCatalog:
    """All chains and targets of one definition file, with graph look-ups.

    Parameters
    ----------
    chains : chains in file order.
    targets : target enterprises in file order.
    source : where the definitions came from (for messages).
    """

    chains: list[Chain]
    targets: list[Target] = field(default_factory=list)
    source: str = ""

    @property
    def segments(self) -> dict[str, Segment]:
        """segment_id → segment, over all chains (segment ids are unique in a catalog)."""
        return {s.segment_id: s for c in self.chains for s in c.segments}

    @property
    def chain_ids(self) -> list[str]:
        return [c.chain_id for c in self.chains]

    def chain(self, chain_id: str) -> Chain:
        """The chain ``chain_id``; the error lists the valid ids."""
        for c in self.chains:
            if c.chain_id == chain_id:
                return c
        raise KeyError(f"{self.source}: no chain {chain_id!r}; chains: {self.chain_ids}")

    def targets_for(self, segment_id: str) -> list[Target]:
        return [t for t in self.targets if t.segment_id == segment_id]

    def suppliers_of(self, segment_id: str) -> list[str]:
        """Segments with a ``supplies`` edge into ``segment_id`` (loop edges included)."""
        return [s.segment_id for s in self.segments.values() if segment_id in s.supplies]

    def linked(self, segment_id: str) -> list[str]:
        """Suppliers and customers of a segment: ``supplies`` edges in both directions."""
        seg = self.segments[segment_id]
        out = list(dict.fromkeys([*self.suppliers_of(segment_id), *seg.supplies]))
        return [s for s in out if s != segment_id]

    def forward_edges(self, chain_id: str) -> list[tuple[str, str]]:
        """Edges that do not point back to an earlier position (loop edges left out)."""
        segs = self.segments
        rank = {p: i for i, p in enumerate(POSITIONS)}
        return [(s.segment_id, t) for s in self.chain(chain_id).segments for t in s.supplies
                if rank[segs[t].position] >= rank[s.position]]

    def loop_edges(self, chain_id: str) -> list[tuple[str, str]]:
        """Edges from a later position back to an earlier one (e.g. recycling → raw material)."""
        forward = set(self.forward_edges(chain_id))
        return [(s.segment_id, t) for s in self.chain(chain_id).segments for t in s.supplies
                if (s.segment_id, t) not in forward]

    def downstream_of(self, segment_id: str) -> set[str]:
        """Segments reachable from ``segment_id`` along forward edges (itself excluded)."""
        return _reach(segment_id, self.forward_edges(self.segments[segment_id].chain_id))

    def upstream_of(self, segment_id: str) -> set[str]:
        """Segments from which ``segment_id`` is reachable along forward edges."""
        edges = [(b, a) for a, b in self.forward_edges(self.segments[segment_id].chain_id)]
        return _reach(segment_id, edges)


def _reach(start: str, edges: Iterable[tuple[str, str]]) -> set[str]:
    nxt: dict[str, list[str]] = {}
    for a, b in edges:
        nxt.setdefault(a, []).append(b)
    seen: set[str] = set()
    todo = list(nxt.get(start, []))
    while todo:
        node = todo.pop()
        if node not in seen and node != start:
            seen.add(node)
            todo.extend(nxt.get(node, []))
    return seen


def forward_cycle(catalog: ChainCatalog, chain_id: str) -> list[str]:
    """Segments of a chain that lie on a cycle of forward edges (empty when acyclic)."""
    edges = catalog.forward_edges(chain_id)
    on_cycle = []
    for seg in catalog.chain(chain_id).segment_ids:
        successors = {b for a, b in edges if a == seg}
        if seg in successors or any(seg in _reach(s, edges) for s in successors):
            on_cycle.append(seg)
    return on_cycle


def leading_chains(parks: pd.DataFrame) -> dict[str, list[str]]:
    """park_id → its leading industries (chain ids), from a list or comma-separated text."""
    out: dict[str, list[str]] = {}
    for pid, value in zip(parks["park_id"], parks["leading_industries"], strict=True):
        if isinstance(value, str):
            items = [v.strip() for v in value.replace("，", ",").split(",")]
        elif isinstance(value, Sequence | np.ndarray):
            items = [str(v).strip() for v in value]
        else:
            items = []
        out[str(pid)] = [v for v in items if v]
    return out


# -- settings -----------------------------------------------------------------------------

MATCH_PARTS: tuple[str, ...] = ("proximity", "area", "utilities", "price", "intensity")
"""Parts of the parcel score, in the order they are reported."""


@dataclass(frozen=True)
class ScoreWeights:
    """Weight of each score part (normalised by their sum); hashable and picklable."""

    proximity: float = 0.35
    area: float = 0.2
    utilities: float = 0.2
    price: float = 0.15
    intensity: float = 0.1

    def as_dict(self) -> dict[str, float]:
        return {p: float(getattr(self, p)) for p in MATCH_PARTS}


@dataclass(frozen=True)
class ChainSettings:
    """Verdict rules and matching weights (policy section ``chains``; README "Policy settings").

    Verdicts, for a present segment (``producers`` > 0 or an active project):
    ``strong`` when producers ≥ ``strong_min_producers`` and relative output ≥
    ``strong_min_relative_output``; else ``thin`` when producers ≤ ``thin_max_producers`` or
    relative output < ``thin_max_relative_output``; else ``present``. Relative output = the
    segment's ``output_measure`` ÷ the mean over the chain's present segments in the scope.
    """

    present_stages: tuple[str, ...] = ("signed", "started", "completed", "producing")
    output_measure: str = "value_added_wan"
    strong_min_producers: int = 3
    strong_min_relative_output: float = 1.0
    thin_max_producers: int = 1
    thin_max_relative_output: float = 0.25
    disclosure_min_firms: int = 3
    match_verdicts: tuple[str, ...] = ("missing", "thin", "extension")
    max_parcels_per_segment: int = 5
    area_tolerance: float = 0.2
    proximity_full_m: float = 500.0
    proximity_zero_m: float = 5000.0
    price_full_wan_per_mu: float = 10.0
    price_zero_wan_per_mu: float = 40.0
    weights: ScoreWeights = ScoreWeights()


# -- placement ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Placement:
    segment_id: str | None
    placed_by: PlacedBy | None
    note: str


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()


class _Placer:
    """Resolves one row: explicit segment id, else industry code, else keyword in the name."""

    def __init__(self, catalog: ChainCatalog):
        self.catalog = catalog
        self.segments = catalog.segments
        self.by_code: dict[str, list[Segment]] = {}
        for seg in self.segments.values():
            for code in seg.industry_codes:
                self.by_code.setdefault(code, []).append(seg)
        self.chain_ids = set(catalog.chain_ids)

    def decided(self, segment_id: str, chain_id: str, code: str) -> _Placement | None:
        """The placement when the segment id or the industry code settles it (the name is
        then irrelevant), else None."""
        if segment_id in self.segments:
            return _Placement(segment_id, "segment_id", "")
        if segment_id:
            return None
        pool = [s for s in self.segments.values()
                if chain_id not in self.chain_ids or s.chain_id == chain_id]
        by_code = self._by_code(code, pool)
        return (_Placement(by_code[0].segment_id, "industry_code", "") if len(by_code) == 1
                else None)

    def place(self, segment_id: str, chain_id: str, code: str, name: str) -> _Placement:
        notes: list[str] = []
        if segment_id:
            if segment_id in self.segments:
                return _Placement(segment_id, "segment_id", "")
            notes.append(f"segment_id {segment_id!r} is not in the chain definitions")
        pool = list(self.segments.values())
        if chain_id in self.chain_ids:
            pool = [s for s in pool if s.chain_id == chain_id]
        by_code = self._by_code(code, pool)
        if len(by_code) == 1:
            return _Placement(by_code[0].segment_id, "industry_code", "; ".join(notes))
        if by_code:
            notes.append(f"industry code {code} fits "
                         f"{', '.join(s.segment_id for s in by_code)}")
            pool = by_code
        found = self._by_keyword(name, pool)
        if len(found) == 1:
            return _Placement(found[0].segment_id, "keyword", "; ".join(notes))
        if found:
            notes.append(f"name keywords fit {', '.join(s.segment_id for s in found)}")
        elif name or code:
            notes.append("no industry code or keyword of any segment fits")
        else:
            notes.append("no segment_id, industry_code or name to place it by")
        return _Placement(None, None, "; ".join(notes))

    def _by_code(self, code: str, pool: list[Segment]) -> list[Segment]:
        allowed = {s.segment_id for s in pool}
        for k in range(len(code), 1, -1):  # longest GB/T 4754 prefix wins (class → group)
            hits = [s for s in self.by_code.get(code[:k], []) if s.segment_id in allowed]
            if hits:
                return hits
        return []

    @staticmethod
    def _by_keyword(name: str, pool: list[Segment]) -> list[Segment]:
        text = name.casefold()
        if not text:
            return []
        best: dict[str, int] = {}
        for seg in pool:
            lengths = [len(k) for k in seg.keywords if k.casefold() in text]
            if lengths:
                best[seg.segment_id] = max(lengths)
        if not best:
            return []
        top = max(best.values())
        return [s for s in pool if best.get(s.segment_id) == top]


def place(frame: pd.DataFrame, catalog: ChainCatalog, *, name_column: str = "name"
          ) -> pd.DataFrame:
    """Place projects or enterprises in chain segments.

    Order (shared/domain.md §8): an explicit ``segment_id`` known to the catalog; else the
    ``industry_code`` (the longest GB/T 4754 prefix listed by a segment, within the row's
    ``chain_id`` when given) when it names exactly one segment; else the longest keyword found
    in the ``name_column`` text among the remaining candidates. Rows that cannot be placed are
    kept with ``segment_id`` None and a note saying why.

    Parameters
    ----------
    frame : projects or enterprises; optional columns ``segment_id``, ``chain_id``,
        ``industry_code`` and ``name_column``.
    catalog : chain definitions.
    name_column : column searched for keywords.

    Returns
    -------
    A copy of ``frame`` (same index, same rows) with ``chain_id``, ``segment_id``,
    ``placed_by`` (``'segment_id'``, ``'industry_code'``, ``'keyword'`` or None) and
    ``placement_note``.
    """
    placer = _Placer(catalog)
    n = len(frame)

    def column(name: str) -> list[str]:
        if name not in frame.columns:
            return [""] * n
        return [_text(v) for v in frame[name].to_numpy(dtype=object)]

    keys = list(zip(column("segment_id"), column("chain_id"), column("industry_code"),
                    column(name_column), strict=True))
    decided: dict[tuple[str, str, str], _Placement | None] = {}
    cache: dict[tuple[str, str, str, str], _Placement] = {}
    results = []
    for key in keys:  # names are mostly unique: settle by id or code first, once per triple
        short = key[:3]
        if short not in decided:
            decided[short] = placer.decided(*short)
        hit = decided[short]
        if hit is None:
            if key not in cache:
                cache[key] = placer.place(*key)
            hit = cache[key]
        results.append(hit)
    segments = placer.segments
    out = frame.copy()
    out["segment_id"] = pd.Series([r.segment_id for r in results], index=frame.index,
                                  dtype=object)
    out["chain_id"] = pd.Series([segments[r.segment_id].chain_id if r.segment_id else None
                                 for r in results], index=frame.index, dtype=object)
    out["placed_by"] = pd.Series([r.placed_by for r in results], index=frame.index,
                                 dtype=object)
    out["placement_note"] = pd.Series([r.note for r in results], index=frame.index,
                                      dtype=object)
    return out


def unplaced(placed: pd.DataFrame) -> pd.DataFrame:
    """Rows of a :func:`place` result that no segment fits (listed, never dropped)."""
    return placed[placed["placed_by"].isna()]
