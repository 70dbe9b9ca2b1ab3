"""`watermark diff BASE SUSPECT`: which functions of a copy differ from the
release, and how. The text report is the library's (watermark.diff.render)."""
from __future__ import annotations

import argparse
import os
import sys

from .. import languages
from ..errors import WatermarkError
from .common import EXIT_NOTHING, EXIT_OK, count, dump


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("diff", help="which functions of a copy differ from the release, and how",
                       description="Compare SUSPECT against BASE function by function. Exit codes like diff(1): "
                       "0 no change beyond layout, 1 changes found, 2 error.")
    p.add_argument("base", metavar="BASE",
                   help="the release: directory, .tar/.tar.gz/.tar.xz/.tar.bz2/.zip archive, file, or git repository "
                   "with --rev")
    p.add_argument("suspect", metavar="SUSPECT", help="the copy: directory, archive or file")
    p.add_argument("--rev", metavar="REV", help="read this git revision of the repository BASE")
    p.add_argument("--json", action="store_true", help="machine-readable report on stdout")
    p.add_argument("--only", metavar="CLASS", action="append",
                   help="report only functions with this change class or status (repeat, or comma-separate)")
    p.add_argument("--language", choices=languages.names(), help="read every file as this language")
    p.add_argument("--jobs", type=count(1), metavar="N", help="worker processes (default: every core)")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    p.add_argument("--progress", action="store_true", help="a progress line on a terminal's stderr")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..diff import CLASSES, STATUSES
    from ..diff import diff as tree_diff
    from ..diff.render import report

    wanted = [w.strip() for item in args.only or () for w in item.split(",") if w.strip()]
    unknown = [w for w in wanted if w not in CLASSES and w not in STATUSES]
    if unknown:
        raise WatermarkError(f"--only {unknown[0]}: not a change class or status; one of "
                             f"{', '.join(CLASSES + STATUSES)}")
    d = tree_diff(args.base, args.suspect, language=args.language, jobs=args.jobs, rev=args.rev,
                  progress=None if args.progress else False)
    shown = d.only(wanted) if wanted else d.functions
    if args.json:
        out = d.to_json()
        if wanted:
            out["functions"] = [f.to_json() for f in shown]
        dump(out)
    else:
        color = {"always": True, "never": False}.get(args.color, sys.stdout.isatty() and not os.environ.get("NO_COLOR"))
        print(report(d, color=color, functions=shown))
    return EXIT_NOTHING if (shown if wanted else d.changed) else EXIT_OK
