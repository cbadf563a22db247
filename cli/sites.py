"""``investmap sites --min-mu A --max-mu B --out SITES.csv``: site search (智能选址).

Every available parcel whose area is in range and, with ``--assemble``, every connected set of
2..K touching available parcels of one park whose total is in range, ranked by an explained
score (see :mod:`geo.sites`).
"""

from __future__ import annotations

import argparse
import sys
import time

from cli.common import UserError, add_data_options, county_from, write_table

LAYERS = ("park", "parcel", "project", "redline", "facility")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sites", help="site search: single and assembled parcels, ranked "
                       "(智能选址)",
                       description="Single available parcels in the 亩 range and, with "
                       "--assemble, sets of 2..K touching available parcels of one park (no "
                       "member with a red-line conflict), ranked by a score explained part by "
                       "part (area fit, compactness, chain proximity, price, utilities, "
                       "facilities; weights in the policy section `sites`).")
    p.add_argument("--min-mu", type=float, required=True, help="smallest total area (亩)")
    p.add_argument("--max-mu", type=float, required=True, help="largest total area (亩)")
    p.add_argument("--land-use", metavar="CODES", help="land-use codes, comma-separated "
                   "(1001 matches 100102)")
    p.add_argument("--park", metavar="ID", action="append", help="only this park (repeatable)")
    p.add_argument("--segment", metavar="ID", help="chain segment: its land uses, and the "
                   "distance to active projects of linked segments scores")
    p.add_argument("--utilities", nargs="+", metavar="FLAG", default=[],
                   help="七通一平 flags every parcel must have (road power water …)")
    p.add_argument("--max-distance", nargs="+", metavar="KIND=KM", default=[],
                   help="facility kind within KM of the site, e.g. interchange=5")
    p.add_argument("--assemble", action="store_true", help="also combine touching parcels")
    p.add_argument("--max-parcels", type=int, metavar="K", help="largest combination "
                   "(default: sites.max_parcels of the policy)")
    p.add_argument("--top", type=int, metavar="N", help="write only the best N sites")
    p.add_argument("--plan-output", type=float, metavar="WAN", help="the prospect's planned "
                   "annual output (万元): adds the 亩均 class it would get on each site under "
                   "the county's current standards (what-if; staff material)")
    p.add_argument("--plan-tax", type=float, metavar="WAN", help="planned annual tax (万元), "
                   "for the what-if class")
    p.add_argument("--plan-investment", type=float, metavar="WAN",
                   help="planned investment (万元), for the what-if class")
    p.add_argument("--out", required=True, help="output table: .csv or .xlsx")
    add_data_options(p, ("parcel", "redline"))
    p.set_defaults(func=run)


def _distances(items: list[str]) -> dict[str, float]:
    from layers.registry import FACILITY_KINDS

    out: dict[str, float] = {}
    for item in items:
        kind, sep, km = item.partition("=")
        if not sep or kind not in FACILITY_KINDS:
            raise UserError(f"--max-distance {item!r}: write KIND=KM with KIND one of "
                            f"{list(FACILITY_KINDS)}, e.g. interchange=5")
        try:
            out[kind] = float(km)
        except ValueError:
            raise UserError(f"--max-distance {item!r}: {km!r} is not a number of km") from None
    return out


def run(args: argparse.Namespace) -> int:
    from geo.sites import SiteQuery
    from layers.registry import UTILITIES
    from layers.sites import SiteRequest, facility_kinds, search

    if not args.out.lower().endswith((".csv", ".xlsx")):
        raise UserError(f"{args.out}: unsupported output type; use .csv or .xlsx")
    bad = [u for u in args.utilities if u not in UTILITIES]
    if bad:
        raise UserError(f"--utilities {bad}: unknown; use {list(UTILITIES)}")
    try:
        query = SiteQuery(min_mu=args.min_mu, max_mu=args.max_mu, assemble=args.assemble,
                          max_parcels=args.max_parcels,
                          max_distance_km=_distances(args.max_distance))
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    t0 = time.perf_counter()
    county = county_from(args, LAYERS)
    t1 = time.perf_counter()
    missing = sorted(set(dict(query.max_distance_km)) - set(facility_kinds(county)))
    if missing:
        raise UserError(f"--max-distance {missing}: the county has no facility of that kind; "
                        "fix: load a facility layer with them (investmap load FILE --layer "
                        "facility) or drop the limit")
    catalog = chain_settings = None
    if args.segment:
        from layers.chains import load_chains

        catalog = load_chains()
        chain_settings = county.policy.section("chains")
    request = SiteRequest(
        land_uses=tuple(args.land_use.split(",")) if args.land_use else None,
        park_ids=tuple(args.park) if args.park else None, segment_id=args.segment,
        utilities=tuple(args.utilities))
    try:
        result, _ = search(county, request, query, catalog=catalog,
                           chain_settings=chain_settings)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    sites = result.sites if args.top is None else result.sites.head(args.top)
    if any(v is not None for v in (args.plan_output, args.plan_tax, args.plan_investment)):
        sites = _with_whatif(sites, args, county)
    write_table(sites, args.out, layer="sites")
    n_multi = int((result.sites["n_parcels"] > 1).sum())
    note = (f"; {result.capped_seeds} seed parcel(s) hit sites.per_seed_cap"
            if result.capped_seeds else "")
    print(f"wrote {args.out}: {len(sites):,} of {len(result.sites):,} sites ({n_multi:,} "
          f"assembled){note} (load {t1 - t0:.1f} s, search {time.perf_counter() - t1:.1f} s)",
          file=sys.stderr)
    return 0


def _with_whatif(sites, args: argparse.Namespace, county):  # noqa: ANN001, ANN202
    """Each site with the 亩均 class the prospect's planned figures would get on its area
    (``whatif_class``, ``whatif_zh``, ``whatif_en``; geo.efficiency_whatif)."""
    import pandas as pd

    from geo.efficiency import evaluate
    from geo.efficiency_whatif import whatif_table
    from layers.county import load_county

    enterprises = load_county(getattr(args, "data", None), policy=county.policy,
                              layers=("parcel", "enterprise")).layers.get("enterprise")
    if enterprises is None:
        raise UserError("--plan-*: the county has no enterprise layer to compare with; fix: "
                        "load one (investmap load FILE --layer enterprise) or drop --plan-*")
    settings = county.policy.section("efficiency")
    evaluated = evaluate(enterprises, settings, as_of=pd.Timestamp.today().normalize())
    planned = pd.DataFrame({"land_mu": sites["area_mu"].to_numpy(),
                            "revenue_wan": args.plan_output, "tax_wan": args.plan_tax,
                            "investment_wan": args.plan_investment}, index=sites.index)
    table = whatif_table(planned, evaluated, settings)
    return sites.assign(whatif_class=table["whatif_class"], whatif_zh=table["whatif_zh"],
                        whatif_en=table["whatif_en"])
