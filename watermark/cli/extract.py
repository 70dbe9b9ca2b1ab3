"""`watermark extract SUSPECT`: read the carrier bits of a suspect copy (no registry needed)."""
from __future__ import annotations

import argparse
from typing import Any

from .common import EXIT_NOTHING, EXIT_OK, dump, load_key, suspect, suspect_argument, suspect_options
from .render.tables import table


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("extract", help="read the carrier bits of a suspect copy")
    suspect_argument(p)
    suspect_options(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from array import array

    from ..core.marks import identities_of
    from ..workflow.trace import extract_file, suspect_jobs  # the reading half of trace, without a registry

    key = load_key(args)
    files: list[dict[str, Any]] = []
    for job, (path, guessed) in suspect_jobs(suspect(args.suspect), args.language):
        got = extract_file(job)
        if guessed and got.language is None and path != "<text>":
            continue  # a file that is not code (trace skips it the same way)
        words = array("Q")
        words.frombytes(got.identity_words)
        ids = identities_of(key, words)
        files.append({"path": path, "language": got.language, "note": got.note, "carriers": len(ids),
                      "observations": [[f"{i:016x}", b] for i, b in zip(ids, got.bits)]})
    total = sum(f["carriers"] for f in files)  # (the JSON has always called them carriers)
    if args.json:
        dump({"key_id": key.id, "carriers": total, "files": files})
    else:
        print(table(["path", "language", "boundaries", "note"],
                    [[f["path"], f["language"] or "-", f["carriers"], f["note"] or ""] for f in files]))
        print(f"{total} boundaries read in {len(files)} file{'s' if len(files) != 1 else ''}")
    return EXIT_OK if total else EXIT_NOTHING
