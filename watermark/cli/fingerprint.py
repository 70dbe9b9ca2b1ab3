"""`watermark fingerprint FILE...`: AST-node hash fingerprints of source files."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .. import fingerprint, languages
from ..core.fingerprint import FileFingerprint
from ..errors import WatermarkError
from .common import EXIT_OK, dump, json_option


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fingerprint", help="AST-node hash fingerprints of source files")
    p.add_argument("paths", nargs="+", metavar="FILE")
    p.add_argument("--language", help=f"one of {', '.join(languages.names())}, or an alias (default: from the "
                   "extension)")
    p.add_argument("--units", action="store_true", help="list every unit with its hashes")
    json_option(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    reports = []
    for name in args.paths:
        try:
            data = Path(name).read_bytes()
        except OSError as exc:
            raise WatermarkError(f"{name}: cannot read ({exc.strerror or exc})") from None
        reports.append(fingerprint(data, language=args.language, path=name))
    if args.json:
        dump([_as_json(fp, args.units) for fp in reports])
        return EXIT_OK
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
    return EXIT_OK


def _as_json(fp: FileFingerprint, units: bool) -> dict[str, Any]:
    return {
        "path": fp.path, "language": fp.language, "bytes": fp.size, "nodes": fp.node_count,
        "has_error": fp.has_error, "exact": f"{fp.exact:016x}", "renamed": f"{fp.renamed:016x}",
        "skeleton": f"{fp.skeleton:016x}",
        "units": [
            {"kind": u.kind, "name": u.name, "lines": [u.start_line, u.end_line],
             "has_error": u.has_error, "exact": f"{u.exact:016x}", "renamed": f"{u.renamed:016x}",
             "skeleton": f"{u.skeleton:016x}"}
            for u in fp.units
        ] if units else fp.unit_count,
    }
