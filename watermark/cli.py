"""The `watermark` command line (also `python -m watermark`).

Exit codes: 0 success, 1 nothing found, 2 usage or input error.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import fingerprint, languages, native_info
from .errors import WatermarkError


def _fingerprint(args: argparse.Namespace) -> int:
    reports = []
    for name in args.paths:
        path = Path(name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise WatermarkError(f"{name}: cannot read ({exc.strerror or exc})") from None
        fp = fingerprint(data, language=args.language, path=name)
        reports.append(fp)
    if args.json:
        out = [
            {
                "path": fp.path, "language": fp.language, "bytes": fp.size, "nodes": fp.node_count,
                "has_error": fp.has_error, "exact": f"{fp.exact:016x}", "renamed": f"{fp.renamed:016x}",
                "skeleton": f"{fp.skeleton:016x}",
                "units": [
                    {"kind": u.kind, "name": u.name, "lines": [u.start_line, u.end_line],
                     "has_error": u.has_error, "exact": f"{u.exact:016x}", "renamed": f"{u.renamed:016x}",
                     "skeleton": f"{u.skeleton:016x}"}
                    for u in fp.units
                ] if args.units else fp.unit_count,
            }
            for fp in reports
        ]
        json.dump(out, sys.stdout, indent=2)
        print()
        return 0
    for fp in reports:
        flag = "  (syntax errors)" if fp.has_error else ""
        print(f"{fp.path}  {fp.language}  {fp.unit_count} units  exact {fp.exact:016x}  "
              f"renamed {fp.renamed:016x}  skeleton {fp.skeleton:016x}{flag}")
        if args.units:
            for u in fp.units:
                name = f" {u.name}" if u.name else ""
                err = "  !" if u.has_error else ""
                print(f"  {u.start_line:>5}-{u.end_line:<5} {u.kind}{name}  {u.exact:016x} {u.renamed:016x} "
                      f"{u.skeleton:016x}{err}")
    return 0


def _info(args: argparse.Namespace) -> int:
    print(json.dumps({**native_info(), "languages": languages()}, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="watermark", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    fp = sub.add_parser("fingerprint", help="AST-node hash fingerprints of source files")
    fp.add_argument("paths", nargs="+", metavar="FILE")
    fp.add_argument("--language", help="go or javascript (default: from the extension)")
    fp.add_argument("--units", action="store_true", help="list every unit with its hashes")
    fp.add_argument("--json", action="store_true", help="machine-readable output")
    fp.set_defaults(run=_fingerprint)
    info = sub.add_parser("info", help="which implementation runs, supported languages")
    info.set_defaults(run=_info)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except WatermarkError as exc:
        print(f"watermark: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
