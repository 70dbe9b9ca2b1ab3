"""`watermark info`: which implementation runs, and the supported languages."""
from __future__ import annotations

import argparse
import json

from .. import languages, native_info
from .common import EXIT_OK


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("info", help="which implementation runs, supported languages")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    print(json.dumps({**native_info(), "languages": languages.names()}, indent=2))
    return EXIT_OK
