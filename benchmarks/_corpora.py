"""Loading the real corpora (scripts/corpora.sh) for the benchmarks."""
from __future__ import annotations

import os
import sys
from pathlib import Path

CORPORA = {
    "go": ("GO_STDLIB_SRC", ("*.go",)),
    "javascript": ("JS_CORPUS", ("*.js", "*.mjs", "*.cjs")),
}


def load(language: str) -> list[tuple[str, bytes]]:
    """(path, bytes) of every corpus file of `language` that is source text."""
    env, patterns = CORPORA[language]
    root = os.environ.get(env)
    if not root or not Path(root).is_dir():
        sys.exit(f"{env} is not set: run  eval \"$(scripts/corpora.sh)\"  first")
    files = []
    for pattern in patterns:
        for path in sorted(Path(root).rglob(pattern)):
            if path.is_file():
                data = path.read_bytes()
                if b"\0" not in data:
                    files.append((str(path), data))
    return files


def main(doc: str, options: dict[str, int], run, render) -> None:
    """Command line of a benchmark: integer options, --json, then run and print."""
    import argparse
    import json

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    for name, default in options.items():
        parser.add_argument(f"--{name}", type=int, default=default, help=f"default {default}")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args()
    report = run(args)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        render(report)
