"""`watermark trace SUSPECT` names the recipients a suspect copy came from;
`watermark verify SUSPECT --recipient NAME` tests one of them."""
from __future__ import annotations

import argparse

from ..workflow.release import check_recipient_name
from ..workflow.trace import trace
from .common import (
    EXIT_NOTHING,
    EXIT_OK,
    count,
    dump,
    jobs_option,
    level,
    load_key,
    open_registry,
    registry_option,
    suspect,
    suspect_argument,
    suspect_options,
)
from .render import trace as render


def add_parser(sub: argparse._SubParsersAction) -> None:
    for name, helptext in (("trace", "name the recipients a suspect copy came from"),
                           ("verify", "test one recipient against a suspect copy")):
        p = sub.add_parser(name, help=helptext)
        suspect_argument(p)
        if name == "verify":
            p.add_argument("--recipient", dest="recipient_name", required=True, metavar="NAME")
        suspect_options(p)
        registry_option(p)
        p.add_argument("--level", type=level, default=1e-9,
                       help="accuse when the corrected false-accusation bound is at most this (default 1e-9)")
        jobs_option(p)
        p.add_argument("--top", type=count(0), default=10, help="recipients listed (default 10)")
        if name == "trace":
            p.add_argument("--report", metavar="FILE.html",
                           help="also write an evidence report: one self-contained HTML file for counsel")
            p.add_argument("--show-all", action="store_true",
                           help="name every recipient in the report (default: only the accused)")
        p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    recipients = [check_recipient_name(args.recipient_name)] if args.command == "verify" else None
    key = load_key(args)
    with open_registry(args, create=False, readonly=True) as registry:
        report = trace(suspect(args.suspect), key, registry, level=args.level, language=args.language,
                       jobs=args.jobs, recipients=recipients)
        if getattr(args, "report", None):
            from ..io.outputs import write_text
            from ..workflow.evidence import evidence_report

            write_text(args.report, evidence_report(report, args.suspect, key, registry, show_all=args.show_all))
    if args.json:
        dump(report.to_json())
    else:
        for line in render.report(report, args.top):
            print(line)
        if not report.releases:
            return EXIT_NOTHING
    return EXIT_OK if report.accused else EXIT_NOTHING
