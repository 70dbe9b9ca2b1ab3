"""What the commands share: exit codes, output helpers, the key, the
registry and the recipients from the options, the options themselves, and
the argument types (argparse turns their errors into one-line usage errors).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable

from .. import languages
from ..core.codes import check_level
from ..core.keys import Key
from ..core.marks import check_density
from ..errors import KeyFileError, WatermarkError
from ..workflow.registry import Registry, default_path
from ..workflow.release import check_recipient_name, read_recipients

EXIT_OK, EXIT_NOTHING, EXIT_ERROR = 0, 1, 2


# ---- output ------------------------------------------------------------------

def dump(obj: object) -> None:
    """`obj` as indented JSON on stdout."""
    json.dump(obj, sys.stdout, indent=2)
    print()


def warn(message: str) -> None:
    print(f"watermark: warning: {message}", file=sys.stderr)


# ---- inputs named by the options -----------------------------------------------

def load_key(args: argparse.Namespace) -> Key:
    """The key from --key-file or $WATERMARK_KEY_FILE, with a warning when
    others can read the file."""
    path = args.key_file or os.environ.get("WATERMARK_KEY_FILE")
    if not path:
        raise KeyFileError("no key: pass --key-file KEY_FILE or set WATERMARK_KEY_FILE")
    key = Key.load(path)
    try:
        mode = os.stat(path).st_mode
    except OSError:  # read a moment ago; nothing to warn about
        mode = 0
    if mode & 0o077:  # like ssh: a secret others can read is no secret
        warn(f"key file {path} can be read by others (mode {mode & 0o777:o}); run: chmod 600 {path}")
    return key


def open_registry(args: argparse.Namespace, create: bool, readonly: bool = False) -> Registry:
    return Registry(args.registry or default_path(), create=create, readonly=readonly)


def recipients(args: argparse.Namespace) -> list[str]:
    """The names from --recipient and --recipients-file, each once, in order."""
    names = [check_recipient_name(r) for r in args.recipient or []]
    if getattr(args, "recipients_file", None):
        names += read_recipients(args.recipients_file)
    if not names:
        raise WatermarkError("no recipient: pass --recipient NAME or --recipients-file FILE")
    return list(dict.fromkeys(names))


def suspect(name: str) -> str | bytes:
    """SUSPECT: a path that exists, or stdin's bytes for `-`."""
    if name == "-":
        return sys.stdin.buffer.read()
    if not os.path.exists(name):
        raise WatermarkError(f"{name}: no such file or directory")
    return name


# ---- options -------------------------------------------------------------------

def key_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--key-file", metavar="KEY_FILE", help="the vendor key (default: $WATERMARK_KEY_FILE)")


def registry_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--registry", metavar="DB",
                   help="registry database (default: $WATERMARK_REGISTRY or ./watermark.db)")


def release_tree_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--release-tree", metavar="DIR",
                   help="the release itself, for a release recorded before registries kept its layout")


def json_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="machine-readable output")


def jobs_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--jobs", type=count(1), help="worker processes (default: all cores)")


def suspect_options(p: argparse.ArgumentParser) -> None:
    """--language, --json and --key-file, as extract, trace and verify read a suspect."""
    p.add_argument("--language", choices=languages.names(),
                   help="read stdin, and every file, as this language (default: each file by its extension, "
                   "or by its content when the extension is not a known one)")
    json_option(p)
    key_option(p)


def suspect_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("suspect", metavar="SUSPECT", help="directory, archive, file, or - for stdin")


# ---- argument types ------------------------------------------------------------

def level(text: str) -> float:
    """--level: a probability in (0, 1)."""
    try:
        return check_level(number(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def density(text: str) -> float:
    """--density: a fraction in (0, 1]."""
    try:
        return float(check_density(number(text)))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None


def count(least: int) -> Callable[[str], int]:
    """A whole number of at least `least`."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"{value} is less than {least}")
        return value
    return parse
