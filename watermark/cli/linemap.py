"""`watermark linemap --recipient R FILE:LINE... | -`: lines of a recipient's copy in the release, and back."""
from __future__ import annotations

import argparse
import sys

from .common import (
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
    p = sub.add_parser("linemap", help="translate FILE:LINE between a recipient's copy and the release "
                                       "(stack traces on stdin with -)")
    p.add_argument("refs", nargs="+", metavar="FILE:LINE",
                   help="references to translate, or - to rewrite every FILE:LINE[:COL] of stdin "
                        "(Go panics, Node.js stack traces, compiler output)")
    p.add_argument("--recipient", required=True, metavar="NAME", help="whose copy the lines are from (or for)")
    p.add_argument("--to", choices=("release", "copy"), default="release",
                   help="release: copy lines to release lines (default); copy: the other way")
    p.add_argument("--release", metavar="NAME", help="the release (default: the one the recipient received)")
    release_tree_option(p)
    key_option(p)
    registry_option(p)
    json_option(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..workflow.unmark import LineMaps

    key = load_key(args)
    with open_registry(args, create=False, readonly=True) as reg:
        maps = LineMaps(reg, key, args.recipient, release=args.release, release_tree=args.release_tree)
    if args.refs == ["-"]:
        text, notes = maps.rewrite(sys.stdin.read(), to=args.to)
        sys.stdout.write(text)
        for note in notes:
            print(f"watermark: note: {note}", file=sys.stderr)
        return EXIT_OK
    rows = list(maps.lines(args.refs, to=args.to))
    if args.json:
        dump({"release": maps.release, "recipient": maps.recipient, "to": args.to,
              "lines": [{"from": a, "to": b, "exact": exact} for a, b, exact in rows]})
    else:
        for a, b, exact in rows:
            print(f"{a} -> {b}" + ("" if exact else "  (a blank line only one side has: the next line)"))
    return EXIT_OK
