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
    p.add_argument("copy", nargs="?", help="the copy: a directory or an archive")
    p.add_argument("--out", help="where to write it (a new directory or archive; with --patch, a file: "
                                 "default stdout)")
    p.add_argument("--patch", metavar="FILE.patch",
                   help="instead of a copy: a unified diff made against the recipient's copy, rebased onto the "
                        "release (needs --recipient)")
    p.add_argument("--release", metavar="NAME", help="the release it is a copy of (default: the one trace finds)")
    p.add_argument("--recipient", metavar="NAME", help="whose copy it is (default: the recipient trace names)")
    release_tree_option(p)
    key_option(p)
    registry_option(p)
    json_option(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import ArgumentError
    from ..workflow.unmark import unmark

    if args.patch:
        return _patch(args)
    if not args.copy or not args.out:
        raise ArgumentError("unmark: give COPY and --out OUT (or --patch FILE.patch --recipient NAME)")
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


def _patch(args: argparse.Namespace) -> int:
    import sys

    from ..errors import ArgumentError
    from ..io.outputs import write_text
    from ..workflow.unmark import LineMaps

    if not args.recipient:
        raise ArgumentError("unmark --patch: name whose copy the patch was made against (--recipient NAME)")
    try:
        with open(args.patch, encoding="utf-8", newline="") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ArgumentError(f"{args.patch}: cannot read the patch ({exc})") from None
    key = load_key(args)
    with open_registry(args, create=False, readonly=True) as reg:
        maps = LineMaps(reg, key, args.recipient, release=args.release, release_tree=args.release_tree)
    rebased, notes = maps.rebase_patch(text)
    if args.out:
        write_text(args.out, rebased)
    else:
        sys.stdout.write(rebased)
    for note in notes:
        print(f"watermark: note: {note}", file=sys.stderr)
    return EXIT_OK
