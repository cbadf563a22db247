"""``investmap chains`` (segment table with verdicts) and ``investmap targets`` (promotion
worklist: gap → parcels → target enterprises)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from cli.common import UserError, add_data_options, county_from, write_table

CHAIN_LAYERS = ("park", "project", "enterprise")
TARGET_LAYERS = ("park", "parcel", "project", "redline", "enterprise", "target")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("chains", help="industry-chain analysis: segments and verdicts",
                       description="For every chain segment (county, or one park's leading "
                       "chains): producing firms, projects by stage, investment, output and "
                       "tax of producing firms, and the verdict strong / present / thin (强链) "
                       "/ missing (补链) / extension (延链).")
    add_data_options(p, CHAIN_LAYERS)
    _common(p)
    p.add_argument("--figures", metavar="DIR",
                   help="also write one chain diagram per chain into DIR")
    p.add_argument("--format", choices=["svg", "png", "pdf"], default="svg",
                   help="diagram format for --figures (default svg)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="diagram labels")
    p.add_argument("--unplaced", metavar="FILE",
                   help="write the projects and enterprises no segment fits to FILE (.csv)")
    p.set_defaults(func=run_chains)

    t = sub.add_parser("targets", help="promotion worklist: chain gap → parcels → enterprises",
                       description="For every missing, thin or extension segment: available "
                       "parcels in parks leading the chain, ranked by an explainable score "
                       "(score_parts), with the target enterprises for the segment.")
    add_data_options(t, TARGET_LAYERS)
    _common(t)
    t.add_argument("--chain", metavar="ID", help="only this chain")
    t.add_argument("--list", choices=["parcels", "firms"], default="parcels",
                   help="parcels: gap → parcels worklist (default); firms: gap → target firms "
                   "of the target library ranked by evidence score (staff only)")
    t.add_argument("--firm", metavar="TARGET_ID",
                   help="one target firm → the parcels that fit its segment (staff only)")
    t.add_argument("--as-of", metavar="DATE", help="reference date for the age of financing "
                   "and expansion events (default: today)")
    t.set_defaults(func=run_targets)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--chains", metavar="FILE",
                   help="chain definitions YAML (default: data/chains.yaml)")
    p.add_argument("--park", metavar="ID",
                   help="analyse one park (only the chains among its leading industries)")
    p.add_argument("--audience", choices=["staff", "investor"], default="staff",
                   help="investor: names and verdicts only, no figures, scores or targets")
    p.add_argument("--out", required=True, help="output table: .csv, .xlsx or .parquet")


def _catalog(args: argparse.Namespace):  # noqa: ANN202
    from layers.chains import ChainsError, load_chains

    try:
        return load_chains(args.chains)
    except ChainsError as exc:
        raise UserError(str(exc)) from exc


def _check_layers(county, needed: tuple[str, ...]) -> None:  # noqa: ANN001
    missing = [name for name in needed if name not in county.layers]
    if missing:
        raise UserError(f"{county.source}: no {', '.join(missing)} layer; fix: pass a "
                        "GeoPackage holding it, or the per-layer option (see --help)")


def _check_park(county, park: str | None) -> None:  # noqa: ANN001
    if park is not None and park not in set(county["park"]["park_id"]):
        raise UserError(f"--park {park}: no such park; parks: "
                        f"{', '.join(sorted(county['park']['park_id']))}")


def run_chains(args: argparse.Namespace) -> int:
    from geo.chains import analysis_for, place, unplaced
    from layers.chains import county_analysis

    catalog = _catalog(args)
    county = county_from(args, CHAIN_LAYERS)
    _check_layers(county, ("park", "project"))
    _check_park(county, args.park)
    table = county_analysis(county, catalog, park_id=args.park)
    write_table(analysis_for(table, args.audience), args.out)
    counts = table["verdict"].value_counts()
    print(f"wrote {args.out}: {len(table)} segments — "
          + ", ".join(f"{v} {int(counts.get(v, 0))}" for v in
                      ("strong", "present", "thin", "missing", "extension")), file=sys.stderr)
    lost = pd.concat([unplaced(place(county[name], catalog)).assign(layer=name)
                      for name in ("project", "enterprise") if name in county.layers])
    if len(lost):
        print(f"{len(lost)} project(s)/enterprise(s) fit no segment"
              + ("" if args.unplaced else "; list them with --unplaced FILE"), file=sys.stderr)
    if args.unplaced:
        id_cols = [c for c in ("layer", "project_id", "enterprise_id", "name", "industry_code",
                               "placement_note") if c in lost.columns]
        write_table(lost[id_cols], args.unplaced)
    if args.figures:
        _figures(catalog, table, Path(args.figures), args.format, args.lang)
    return 0


def _figures(catalog, table: pd.DataFrame, folder: Path, fmt: str, lang: str) -> None:  # noqa: ANN001
    from charts.chain_diagram import ChartFontError, chain_figure, figure_bytes

    folder.mkdir(parents=True, exist_ok=True)
    for chain_id in dict.fromkeys(table["chain_id"]):
        try:
            data = figure_bytes(chain_figure(catalog, chain_id, table, lang=lang), fmt)
        except ChartFontError as exc:
            raise UserError(str(exc)) from exc
        target = folder / f"{chain_id}.{fmt}"
        target.write_bytes(data)
        print(f"wrote {target}", file=sys.stderr)


def run_targets(args: argparse.Namespace) -> int:
    from geo.chains import worklist_for
    from layers.chains import county_worklist

    catalog = _catalog(args)
    if args.chain is not None and args.chain not in catalog.chain_ids:
        raise UserError(f"--chain {args.chain}: no such chain in {catalog.source}; chains: "
                        f"{', '.join(catalog.chain_ids)}")
    county = county_from(args, TARGET_LAYERS)
    _check_layers(county, ("park", "parcel", "project"))
    _check_park(county, args.park)
    if args.firm is not None or args.list == "firms":
        if args.audience == "investor":
            raise UserError("target firms, their scores and contacts are promotion-team "
                            "material; fix: use --audience staff (investors get the parcel "
                            "worklist only)")
        return _firm_view(args, county, catalog) if args.firm else _firm_list(args, county,
                                                                                catalog)
    worklist = worklist_for(county_worklist(county, catalog, chain_id=args.chain,
                                            park_id=args.park), args.audience)
    if "score_parts" in worklist.columns:
        worklist["score_parts"] = worklist["score_parts"].map(
            lambda parts: json.dumps(parts, ensure_ascii=False) if parts else "")
    write_table(worklist, args.out)
    n_seg = worklist["segment_id"].nunique()
    n_parcels = int(worklist["parcel_id"].notna().sum())
    print(f"wrote {args.out}: {n_seg} segment(s) to promote, {n_parcels} parcel match(es)",
          file=sys.stderr)
    return 0


def _as_of(args: argparse.Namespace):  # noqa: ANN202
    import datetime as dt

    from cli.metric_options import parse_as_of

    return parse_as_of(args.as_of).date() if args.as_of else dt.date.today()


def _firm_list(args: argparse.Namespace, county, catalog) -> int:  # noqa: ANN001
    from layers.chains import county_target_ranking

    ranking = county_target_ranking(county, catalog, chain_id=args.chain, park_id=args.park,
                                    as_of=_as_of(args))
    write_table(ranking, args.out)
    source = "target layer" if "target" in county.layers else "chain definitions (fallback)"
    n_firms = int(ranking["target_id"].notna().sum())
    print(f"wrote {args.out}: {ranking['segment_id'].nunique()} segment(s) to promote, "
          f"{n_firms} target firm(s) from the {source}", file=sys.stderr)
    return 0


def _firm_view(args: argparse.Namespace, county, catalog) -> int:  # noqa: ANN001
    from layers.chains import firm_parcels

    try:
        firm, parcels = firm_parcels(county, catalog, args.firm, park_id=args.park)
    except KeyError as exc:
        raise UserError(f"--firm {args.firm}: {exc.args[0]}; fix: give a target_id of the "
                        "target layer (investmap load FILE --layer target)") from None
    except ValueError as exc:
        raise UserError(str(exc)) from None
    parcels.insert(0, "target_id", firm["target_id"])
    parcels.insert(1, "target_name", firm["name"])
    parcels["score_parts"] = parcels["score_parts"].map(
        lambda parts: json.dumps(parts, ensure_ascii=False) if parts else "")
    write_table(parcels, args.out)
    seg = catalog.segments[firm["segment_id"]]
    print(f"wrote {args.out}: {firm['name']} ({seg.zh} / {seg.en}, placed by "
          f"{firm['placed_by']}): {int(parcels['parcel_id'].notna().sum())} fitting parcel(s)",
          file=sys.stderr)
    return 0
