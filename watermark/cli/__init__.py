"""The `watermark` command line (also `python -m watermark`).

Exit codes: 0 success (trace / verify: someone accused), 1 nothing found or
not verified, 2 usage or input error (one line on stderr, never a
traceback), 70 internal error (one line on stderr naming a file that holds
the traceback; with WATERMARK_DEBUG=1 the traceback is printed instead),
130 / 143 interrupted / terminated. The key comes from --key-file or
$WATERMARK_KEY_FILE, never from an argument; the registry from --registry,
$WATERMARK_REGISTRY, or ./watermark.db.

Each command is a module holding its sub-parser (`add_parser`) and its
handler (`run`); the shared pieces are in common.py, the longer human
reports in render/.
"""
from __future__ import annotations

import argparse
import os
import platform
import signal
import sys
import tempfile
import threading
import traceback
from typing import NoReturn

from .. import __version__
from ..backend import contract
from ..core.codes import SCHEME
from ..errors import WatermarkError
from . import demo, diff, embed, extract, fingerprint, info, keygen, linemap, registry, trace, unmark
from .common import EXIT_ERROR, EXIT_OK

__all__ = ["build_parser", "main"]

EXIT_INTERNAL = 70  # EX_SOFTWARE (sysexits.h)

# the sub-commands, in the order --help lists them
COMMANDS = (keygen, fingerprint, embed, extract, trace, registry, diff, unmark, linemap, info, demo)

_DESCRIPTION = "The `watermark` command line (also `python -m watermark`)."


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line, naming the option, like every other error."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_ERROR, f"watermark: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="watermark", description=_DESCRIPTION,
                     epilog="exit codes: 0 success, 1 nothing found / not verified, 2 error, 70 internal error "
                            "(WATERMARK_DEBUG=1 prints its traceback)")
    parser.add_argument("--version", action="version", version=f"watermark {__version__} "
                        f"(scheme {SCHEME}, ABI {contract.WM_ABI_VERSION})")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


class _Terminated(BaseException):
    """SIGTERM (timeout, systemd, docker, CI runners): stop like Ctrl-C."""


_terminating = False


def _terminate(signum: int, frame: object) -> None:
    global _terminating
    _terminating = True
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not break the cleanup
    raise _Terminated


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return _run(args)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _run(args: argparse.Namespace) -> int:
    """Run the command's handler: a user error is one line and exit 2,
    anything else an internal error (see _internal_error)."""
    try:
        return args.handler(args)
    except WatermarkError as exc:
        if _terminating:  # a SIGTERM to the whole group: the workers died of it first
            return _terminated()
        print(f"watermark: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("watermark: interrupted; nothing partial was left behind", file=sys.stderr)
        return 130
    except _Terminated:
        return _terminated()
    except BrokenPipeError:  # output piped into `head` and the like
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:  # a user's file or folder: missing, unreadable, disk full...
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"watermark: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    except MemoryError as exc:  # the machine's limit, as a worker's death is (io.pool): no bug
        if _terminating:
            return _terminated()
        if os.environ.get("WATERMARK_DEBUG", "") not in ("", "0"):
            raise
        what = " ".join(str(exc).split())
        print(f"watermark: out of memory{f' ({what})' if what else ''}; retry with fewer jobs or a smaller input",
              file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:
        if _terminating:
            return _terminated()
        if os.environ.get("WATERMARK_DEBUG", "") not in ("", "0"):
            raise
        return _internal_error(exc, args.command)


def _terminated() -> int:
    print("watermark: terminated; nothing partial was left behind", file=sys.stderr)
    return 128 + signal.SIGTERM


def _internal_error(exc: Exception, command: str) -> int:
    """A bug, not a user error: one line on stderr, the traceback in a file
    (mode 0600) in the temporary folder. The message is the exception's text;
    the traceback holds no local variables, so never the key."""
    kind = type(exc).__qualname__
    if type(exc).__module__ != "builtins":
        kind = f"{type(exc).__module__}.{kind}"
    text = " ".join(str(exc).split())
    summary = f"{kind}: {text}" if text else kind
    details = (f"watermark {__version__} {command}, Python {platform.python_version()}, {platform.platform()}\n\n"
               + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    try:
        fd, path = tempfile.mkstemp(prefix="watermark-crash-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as f:
            f.write(details)
    except OSError:  # no writable temporary folder: the traceback goes to stderr
        print(f"watermark: internal error ({summary}); please report it with this traceback:", file=sys.stderr)
        print(details, file=sys.stderr, end="")
        return EXIT_INTERNAL
    print(f"watermark: internal error ({summary}); please report it with the traceback in {path}", file=sys.stderr)
    return EXIT_INTERNAL
