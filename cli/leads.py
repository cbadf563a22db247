"""``investmap leads add|update|list|convert``: 招商线索 against a store (``--data GPKG|URL``).

Parsing and printing only: the work is done by :mod:`layers.leads` through the store, so every
change is versioned and audited (``investmap history lead ID`` shows it).
"""

from __future__ import annotations

import argparse

import pandas as pd

from cli.common import UserError, policy_from, write_table
from cli.edit import add_store_option, store_from
from layers.registry import LEAD_SOURCES, LEAD_STAGES

LIST_COLUMNS = ("lead_id", "source", "company", "industry", "segment_id", "need_mu",
                "investment_wan", "parcel_id", "park_id", "owner", "stage", "received_date",
                "last_follow_up", "next_action_date", "project_id")
CONTACT_COLUMNS = ("contact_name", "phone", "email", "need", "next_action", "lost_reason",
                   "notes")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("leads", help="招商线索: add, update, list and convert leads",
                       description="Leads from first interest to a signed project. Every "
                       "change is versioned and audited (`investmap history lead ID`).")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")

    a = actions.add_parser("add", help="register a lead; prints its new id")
    where = a.add_mutually_exclusive_group(required=True)
    where.add_argument("--parcel", metavar="ID", help="parcel of interest")
    where.add_argument("--park", metavar="ID", help="park of interest")
    a.add_argument("--company", required=True)
    a.add_argument("--contact", metavar="NAME", help="contact person (confidential)")
    a.add_argument("--phone", help="phone (confidential)")
    a.add_argument("--email", help="e-mail (confidential)")
    a.add_argument("--industry", metavar="TEXT", help="industry or chain segment in words")
    a.add_argument("--segment", metavar="SEGMENT_ID", help="chain segment id (data/chains.yaml)")
    a.add_argument("--need-mu", type=float, metavar="N", help="land need in 亩")
    a.add_argument("--investment", type=float, metavar="WAN", help="investment in 万元")
    a.add_argument("--source", choices=list(LEAD_SOURCES), default="visit",
                   help="where the lead came from (default visit)")
    a.add_argument("--owner", metavar="U", help="responsible staff member")
    _who(a, reason_required=False)
    a.set_defaults(func=run_add)

    u = actions.add_parser("update", help="change stage, owner or next action, or record a "
                           "follow-up; prints the new version")
    u.add_argument("id", help="lead id, e.g. L00001")
    u.add_argument("--stage", choices=list(LEAD_STAGES))
    u.add_argument("--owner", metavar="U", help="responsible staff member")
    u.add_argument("--next-action", metavar="DATE", help="date of the next action (YYYY-MM-DD)")
    u.add_argument("--action", metavar="TEXT", help="what the next action is")
    u.add_argument("--note", metavar="TEXT", help="follow-up note (appended, dated)")
    u.add_argument("--lost-reason", metavar="TEXT", help="why the lead was lost (with --stage "
                   "lost)")
    u.add_argument("--expect-version", type=int, metavar="V",
                   help="refuse the update unless the stored version is V (exit 3)")
    _who(u, reason_required=True)
    u.set_defaults(func=run_update)

    li = actions.add_parser("list", help="write leads to a CSV or Excel file (staff)")
    li.add_argument("--overdue", action="store_true", help="only open leads whose next action "
                    "date has passed")
    li.add_argument("--owner", metavar="U")
    li.add_argument("--stage", choices=list(LEAD_STAGES))
    li.add_argument("--as-of", metavar="DATE", help="day for --overdue (default today)")
    li.add_argument("--with-contacts", action="store_true", help="include contact person, "
                    "phone, e-mail, needs and notes (confidential: staff only)")
    li.add_argument("--out", required=True, metavar="F.csv|.xlsx")
    li.add_argument("--policy", metavar="FILE", help="policy settings YAML")
    add_store_option(li)
    li.set_defaults(func=run_list)

    c = actions.add_parser("convert", help="turn a signed lead into a project; prints the "
                           "project id")
    c.add_argument("id", help="lead id")
    c.add_argument("--expect-version", type=int, metavar="V")
    _who(c, reason_required=True)
    c.set_defaults(func=run_convert)


def _who(parser: argparse.ArgumentParser, *, reason_required: bool) -> None:
    parser.add_argument("--user", required=True, help="who (recorded in the audit log)")
    parser.add_argument("--reason", required=reason_required,
                        help="why (recorded in the audit log)")
    parser.add_argument("--role", choices=["promoter", "admin"], default="promoter",
                        help="role (default promoter; admin overrides stage rules)")
    parser.add_argument("--policy", metavar="FILE", help="policy settings YAML")
    add_store_option(parser)


def _today(args: argparse.Namespace) -> pd.Timestamp:
    raw = getattr(args, "as_of", None)
    try:
        return pd.Timestamp(raw).normalize() if raw else pd.Timestamp.today().normalize()
    except ValueError as exc:
        raise UserError(f"--as-of {raw!r} is not a date; fix: write YYYY-MM-DD") from exc


def run_add(args: argparse.Namespace) -> int:
    from layers.leads import add_lead

    settings = policy_from(args).section("leads")
    values = {"company": args.company, "contact_name": args.contact, "phone": args.phone,
              "email": args.email, "industry": args.industry, "segment_id": args.segment,
              "need_mu": args.need_mu, "investment_wan": args.investment,
              "parcel_id": args.parcel, "park_id": args.park, "source": args.source,
              "owner": args.owner}
    with store_from(args) as store:
        lead_id = add_lead(store, {k: v for k, v in values.items() if v is not None},
                           user=args.user, role=args.role,
                           reason=args.reason or f"new lead {args.company}",
                           today=_today(args), settings=settings)
    print(lead_id)
    return 0


def run_update(args: argparse.Namespace) -> int:
    from layers.leads import update_lead

    with store_from(args) as store:
        version = update_lead(store, args.id, user=args.user, role=args.role,
                              reason=args.reason, today=_today(args), stage=args.stage,
                              owner=args.owner, next_action=args.action,
                              next_action_date=args.next_action, note=args.note,
                              lost_reason=args.lost_reason,
                              expect_version=args.expect_version)
    print(version)
    return 0


def run_convert(args: argparse.Namespace) -> int:
    from layers.leads import convert_lead

    settings = policy_from(args).section("leads")
    with store_from(args) as store:
        project_id = convert_lead(store, args.id, user=args.user, role=args.role,
                                  reason=args.reason, today=_today(args),
                                  expect_version=args.expect_version, settings=settings)
    print(project_id)
    return 0


def run_list(args: argparse.Namespace) -> int:
    from geo.followup import overdue_leads
    from layers.leads import read_leads, text_cells

    if not str(args.out).lower().endswith((".csv", ".xlsx")):
        raise UserError(f"{args.out}: write .csv or .xlsx")
    with store_from(args) as store:
        leads = read_leads(store)
    if args.overdue:
        leads = overdue_leads(leads, as_of=_today(args))
    if args.owner:
        leads = leads[leads["owner"] == args.owner]
    if args.stage:
        leads = leads[leads["stage"] == args.stage]
    columns = [*LIST_COLUMNS, *(CONTACT_COLUMNS if args.with_contacts else ()),
               *(["days_overdue"] if args.overdue else [])]
    out = write_table(text_cells(pd.DataFrame(leads[columns])), args.out)
    print(f"{len(leads):,} lead(s) → {out}")
    return 0
