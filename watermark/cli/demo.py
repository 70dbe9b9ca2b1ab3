"""`watermark demo [DIR]`: the whole product on the bundled sample release,
step by step (watermark.demo runs each step through this command line)."""
from __future__ import annotations

import argparse

from ..errors import WatermarkError
from .common import EXIT_OK


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="the whole product on the bundled sample release, step by step",
                       description="Mark the bundled sample release for three customers, trace a reformatted "
                       "leak, diff a patched copy, and trace a copy whose marks were stripped; each step is "
                       "printed with its command. Needs no Go or Node.")
    p.add_argument("folder", metavar="DIR", nargs="?",
                   help="work here and keep everything (absent or empty; default: a temporary folder, "
                   "removed at the end)")
    p.add_argument("--sample-only", action="store_true", help="only write the sample release tree into DIR")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from .. import demo

    if args.sample_only:
        if args.folder is None:
            raise WatermarkError("--sample-only needs DIR, the folder to write the sample release into")
        out = demo.copy_sample(args.folder)
        files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
        print(f"wrote the sample release to {args.folder}: {', '.join(files)}")
        return EXIT_OK
    from . import main  # each step of the demo runs through this command line
    return demo.run(args.folder, cli=main)
