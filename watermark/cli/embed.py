"""`watermark embed SRC --out OUT ...`: mark a source tree for one or more recipients."""
from __future__ import annotations

import argparse

from ..io.select import DEFAULT_EXCLUDES
from ..io.sources import ARCHIVE_FORMATS
from ..workflow.release import Copy, Release
from .common import (
    EXIT_OK,
    density,
    dump,
    jobs_option,
    json_option,
    key_option,
    load_key,
    open_registry,
    recipients,
    registry_option,
    warn,
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("embed", help="mark a source tree for one or more recipients")
    p.add_argument("src", metavar="SRC",
                   help="directory, .tar/.tar.gz/.tar.xz/.tar.bz2/.zip archive, file, or git repository with --rev")
    p.add_argument("--out", required=True, metavar="OUT",
                   help="one recipient: the copy (a directory, or an archive by its suffix); several: OUT/<recipient>/")
    p.add_argument("--release", metavar="NAME", help="release name in the registry (default: SRC's base name)")
    p.add_argument("--recipient", action="append", metavar="NAME", help="a recipient (repeatable)")
    p.add_argument("--recipients-file", metavar="FILE", help="recipients, one per line")
    p.add_argument("--rev", metavar="REV", help="mark this git revision of the repository SRC")
    p.add_argument("--include", action="append", metavar="GLOB", help="mark only matching files (repeatable)")
    p.add_argument("--exclude", action="append", metavar="GLOB", help="do not mark matching files (repeatable)")
    p.add_argument("--no-default-excludes", action="store_true",
                   help=f"also mark {', '.join(DEFAULT_EXCLUDES)}")
    p.add_argument("--format", choices=list(ARCHIVE_FORMATS), help="several recipients: one archive each")
    p.add_argument("--density", type=density,
                   help="fraction of eligible boundaries used (default: per language; a quarter of it between "
                   "the elements of a list)")
    p.add_argument("--code", choices=["unbiased", "tardos"], help="recipient code (default: unbiased)")
    jobs_option(p)
    json_option(p)
    key_option(p)
    registry_option(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    key = load_key(args)
    names = recipients(args)
    with open_registry(args, create=True) as registry:
        release = Release.analyse(args.src, key, name=args.release, rev=args.rev, include=args.include or (),
                                  exclude=args.exclude or (), default_excludes=not args.no_default_excludes,
                                  density=args.density, code=args.code, jobs=args.jobs)
        with release:
            copies = release.embed(names, args.out, registry=registry, format=args.format)
    if release.carriers == 0:
        warn(f"nothing was marked: {release.marked_files} files marked, 0 carriers in {args.src}; the copies "
             "are identical and no leak of them can be traced")
    if args.json:
        dump({"release": release.name, "key_id": release.key_id, "registry": str(registry.path),
              "files": len(release.files), "marked_files": release.marked_files, "carriers": release.carriers,
              "unmarked": [{"path": f.path, "reason": f.reason} for f in release.unmarked()],
              "not_copied": [{"path": f.path, "reason": f.reason} for f in release.skipped()],
              "copies": [c.to_json() for c in copies]})
        return EXIT_OK
    _print_release(release, str(registry.path), copies)
    return EXIT_OK


def _print_release(release: Release, registry: str, copies: list[Copy]) -> None:
    print(f"release {release.name}: {len(release.files)} entries, {release.marked_files} files marked, "
          f"{release.carriers} carriers (key {release.key_id}, registry {registry})")
    for f in release.unmarked():
        print(f"  left unmarked: {f.path}: {f.reason}")
    for f in release.skipped():
        print(f"  not copied: {f.path}: {f.reason}")
    for c in copies:
        print(f"  {c.recipient}: {c.output}  (+{c.lines_added} / -{c.lines_removed} blank lines)")
