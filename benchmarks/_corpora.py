"""Loading the real corpora (scripts/corpora.sh) for the benchmarks."""
from __future__ import annotations

import argparse
import fnmatch
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple


class Corpus(NamedTuple):
    """The files under the directory named by the environment variable `env`
    matching one of `patterns` (rglob patterns) and none of `exclude`
    (fnmatch patterns of the path relative to that directory); then those
    of the `more` corpora (env, patterns, exclude), in that order."""

    env: str
    patterns: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    more: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = ()


CORPORA = {
    "go": Corpus("GO_STDLIB_SRC", ("*.go",)),
    "javascript": Corpus("JS_CORPUS", ("*.js", "*.mjs", "*.cjs")),
    # rxjs, zod and effect ship their sources: .ts, never the .d.ts declarations
    "typescript": Corpus("TS_CORPUS", ("*.ts", "*.mts", "*.cts"), ("*.d.ts", "*.d.mts", "*.d.cts")),
    # the standard library (not what is installed into it) and Django
    "python": Corpus("PY_STDLIB_SRC", ("*.py",), ("site-packages/*",), more=(("PY_CORPUS", ("*.py",), ()),)),
}
LANGUAGES = tuple(CORPORA)  # every benchmark's default --languages


def _root(env: str) -> Path:
    root = os.environ.get(env)
    if not root or not Path(root).is_dir():
        sys.exit(f"{env} is not set: run  eval \"$(scripts/corpora.sh)\"  first")
    return Path(root)


def _files(env: str, patterns: tuple[str, ...], exclude: tuple[str, ...]) -> list[tuple[str, bytes]]:
    root = _root(env)
    files = []
    for pattern in patterns:
        for path in sorted(root.rglob(pattern)):
            if exclude and any(fnmatch.fnmatchcase(path.relative_to(root).as_posix(), x) for x in exclude):
                continue
            if path.is_file():
                data = path.read_bytes()
                if b"\0" not in data:
                    files.append((str(path), data))
    return files


def load(language: str) -> list[tuple[str, bytes]]:
    """(path, bytes) of every corpus file of `language` that is source text."""
    corpus = CORPORA[language]
    files = _files(corpus.env, corpus.patterns, corpus.exclude)
    for env, patterns, exclude in corpus.more:
        files += _files(env, patterns, exclude)
    return files


def languages(text: str) -> list[str]:
    """The value of a --languages option: comma-separated corpus names."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in CORPORA]
    if unknown or not names:
        raise ValueError(f"unknown language(s) {unknown}: choose from {','.join(CORPORA)}")
    return names


def add_languages(parser: argparse.ArgumentParser, default: tuple[str, ...] = LANGUAGES) -> None:
    """A --languages option (comma-separated; default: all four corpora)."""

    def parse(text: str) -> list[str]:
        try:
            return languages(text)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None

    parser.add_argument("--languages", type=parse, default=list(default),
                        help=f"comma-separated, default {','.join(default)}")


def main(doc: str, options: dict[str, int], run: Callable[[argparse.Namespace], dict],
         render: Callable[[dict], None], with_languages: bool = False,
         extra: Callable[[argparse.ArgumentParser], None] | None = None) -> None:
    """Command line of a benchmark: integer options, --json, then run and print
    (and, with_languages, a --languages option; `extra` adds the benchmark's own)."""
    import json

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    for name, default in options.items():
        parser.add_argument(f"--{name}", type=int, default=default, help=f"default {default}")
    if with_languages:
        add_languages(parser)
    if extra is not None:
        extra(parser)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args()
    report = run(args)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        render(report)
