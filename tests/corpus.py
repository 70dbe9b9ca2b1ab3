"""Access to the real corpora and tools installed by scripts/corpora.sh.

Outside CI a missing corpus or tool skips the test; in CI (CI set) it fails,
so tests that need go, gofmt, node or prettier always run there. Which
corpus, formatters and judges a language has is its conformance profile's
business (tests/conformance/profiles.py)."""
from __future__ import annotations

import fnmatch
import os
import random
import shutil
from pathlib import Path

import pytest


def missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing in CI: the test command (scripts/test) installs it with scripts/corpora.sh")
    pytest.skip(f"{what} missing: run the tests with scripts/test, or eval \"$(scripts/corpora.sh)\" first")


def corpus_root(env: str) -> Path:
    root = os.environ.get(env)
    if not root or not Path(root).is_dir():
        missing(env)
    return Path(root)


def corpus_files(root: Path, globs: tuple[str, ...], exclude: tuple[str, ...] = ()) -> list[Path]:
    """The files under root matching one of `globs` (rglob patterns) and none
    of `exclude` (fnmatch patterns of the path relative to root), sorted."""
    out = set()
    for pattern in globs:
        for p in root.rglob(pattern):
            if p.is_file() and not any(fnmatch.fnmatchcase(p.relative_to(root).as_posix(), x) for x in exclude):
                out.add(p)
    return sorted(out)


def language_files(language: str) -> list[Path]:
    """The corpus of a language, as its conformance profile lists it."""
    from conformance.profiles import profile

    return profile(language).corpus.files()


def go_files() -> list[Path]:  # benchmarks/bench_reading.py reads these two
    return language_files("go")


def js_files() -> list[Path]:
    return language_files("javascript")


def sample(files: list[Path], k: int, seed: int = 7, max_bytes: int | None = None) -> list[Path]:
    if max_bytes is not None:
        files = [p for p in files if p.stat().st_size <= max_bytes]
    return random.Random(seed).sample(files, min(k, len(files)))


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        missing(name)
    return path
