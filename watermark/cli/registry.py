"""`watermark registry list | show NAME | add-recipients`: the releases and
recipients on record."""
from __future__ import annotations

import argparse

from .common import EXIT_NOTHING, EXIT_OK, dump, open_registry, recipients, registry_option


def add_parser(sub: argparse._SubParsersAction) -> None:
    reg = sub.add_parser("registry", help="releases and recipients on record")
    regsub = reg.add_subparsers(dest="registry_command", required=True)
    p = regsub.add_parser("list", help="every release")
    p.add_argument("--json", action="store_true")
    registry_option(p)
    p.set_defaults(handler=run_list)
    p = regsub.add_parser("show", help="one release: recipients, copies, files")
    p.add_argument("name", metavar="RELEASE")
    p.add_argument("--files", action="store_true", help="list every file")
    p.add_argument("--json", action="store_true")
    registry_option(p)
    p.set_defaults(handler=run_show)
    p = regsub.add_parser("add-recipients", help="register recipients of a release without writing copies")
    p.add_argument("--release", required=True, metavar="NAME")
    p.add_argument("--recipients-file", metavar="FILE")
    p.add_argument("--recipient", action="append", metavar="NAME")
    registry_option(p)
    p.set_defaults(handler=run_add)


def run_list(args: argparse.Namespace) -> int:
    with open_registry(args, create=False, readonly=True) as registry:
        releases = registry.releases()
    if args.json:
        dump([r.to_json() for r in releases])
        return EXIT_OK
    if not releases:
        print("no releases")
        return EXIT_NOTHING
    print(f"{'release':<24} {'created':<26} {'key':<17} {'files':>6} {'carriers':>9} {'recipients':>10}")
    for r in releases:
        print(f"{r.name:<24} {r.created:<26} {r.key_id:<17} {r.marked_files:>6} {r.carriers:>9} {r.recipients:>10}")
    return EXIT_OK


def run_show(args: argparse.Namespace) -> int:
    with open_registry(args, create=False, readonly=True) as reg:
        info = reg.release(args.name)
        names, copies = reg.recipients(release=args.name), reg.copies(args.name)
        files = reg.files(args.name) if args.files or args.json else []
    if args.json:
        dump({**info.to_json(), "recipient_names": names, "issued": [c.to_json() for c in copies],
              "file_list": [f.to_json() for f in files]})
        return EXIT_OK
    for k, v in info.__dict__.items():
        print(f"{k:>13}: {v}")
    print(f"{'who':>13}: {', '.join(names) if names else '-'}")
    for c in copies:
        print(f"{'copy':>13}: {c.recipient} {c.created} {c.digest[:16]} {c.output}")
    for f in files:
        why = f" ({f.reason})" if f.reason else ""
        print(f"  {f.status:<9} {f.carriers:>6}  {f.path}{why}")
    return EXIT_OK


def run_add(args: argparse.Namespace) -> int:
    names = recipients(args)
    with open_registry(args, create=False) as registry:
        added = registry.add_recipients(args.release, names)
    print(f"{added} new recipients registered for {args.release} ({len(names) - added} already there)")
    return EXIT_OK
