"""`watermark unmark COPY --out OUT`: a recipient's copy back in the release's layout."""
from __future__ import annotations

import argparse

from .common import (
    EXIT_NOTHING,
    EXIT_OK,
    dump,
    json_option,
    key_option,
    load_key,
    open_registry,
    registry_option,
    release_tree_option,
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("unmark", help="a recipient's copy back in the release's layout (its edits kept)")
    p.add_argument("copy", help="the copy: a directory or an archive")
    p.add_argument("--out", required=True, help="where to write it (a new directory or archive)")
    p.add_argument("--release", metavar="NAME", help="the release it is a copy of (default: the one trace finds)")
    p.add_argument("--recipient", metavar="NAME", help="whose copy it is (default: the recipient trace names)")
    release_tree_option(p)
    key_option(p)
    registry_option(p)
    json_option(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..workflow.unmark import unmark

    key = load_key(args)
    with open_registry(args, create=False, readonly=True) as reg:
        report = unmark(args.copy, args.out, key, reg, release=args.release, recipient=args.recipient,
                        release_tree=args.release_tree)
    if args.json:
        dump(report.to_json())
    else:
        marked = [f for f in report.files if f.status != "copied"]
        print(f"release {report.release}" + (f", copy of {report.recipient}" if report.recipient else "")
              + f": wrote {report.output}")
        print(f"  {report.restored} of {len(marked)} marked files identical to the release")
        for path in report.edited:
            print(f"  {path}: marks removed, its edits kept (differs from the release)")
    return EXIT_OK if report.files else EXIT_NOTHING
