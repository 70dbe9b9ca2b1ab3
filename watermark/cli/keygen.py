"""`watermark keygen KEY_FILE`: create a vendor key file."""
from __future__ import annotations

import argparse

from ..core.keys import Key
from .common import EXIT_OK


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("keygen", help="create a new vendor key file (mode 0600, never overwritten)")
    p.add_argument("key_file_out", metavar="KEY_FILE")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    key = Key.generate()
    key.save(args.key_file_out)
    print(f"wrote {args.key_file_out} (key id {key.id}); keep it secret and backed up")
    return EXIT_OK
