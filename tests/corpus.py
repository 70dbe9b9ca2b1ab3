"""Access to the real corpora and tools installed by scripts/corpora.sh.

Outside CI a missing corpus or tool skips the test; in CI (CI set) it fails,
so tests that need go, gofmt, node or prettier always run there."""
from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing in CI: the test command (scripts/test) installs it with scripts/corpora.sh")
    pytest.skip(f"{what} missing: run the tests with scripts/test, or eval \"$(scripts/corpora.sh)\" first")


def corpus_root(env: str) -> Path:
    root = os.environ.get(env)
    if not root or not Path(root).is_dir():
        _missing(env)
    return Path(root)


def go_files() -> list[Path]:
    return sorted(p for p in corpus_root("GO_STDLIB_SRC").rglob("*.go") if p.is_file())


def js_files() -> list[Path]:
    root = corpus_root("JS_CORPUS")
    return sorted(p for ext in ("*.js", "*.mjs", "*.cjs") for p in root.rglob(ext) if p.is_file())


def sample(files: list[Path], k: int, seed: int = 7, max_bytes: int | None = None) -> list[Path]:
    if max_bytes is not None:
        files = [p for p in files if p.stat().st_size <= max_bytes]
    return random.Random(seed).sample(files, min(k, len(files)))


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        _missing(name)
    return path


GOCODE = Path("/usr/share/gocode")  # Debian's Go library sources (GOPATH layout)


def gofumpt_list(build_dir: Path) -> str:
    """Build tests/tools/gofumpt-list (a `gofumpt -l`) against Debian's
    gofumpt 0.4.0 library; returns the binary's path."""
    go = tool("go")
    if not (GOCODE / "src/mvdan.cc/gofumpt/format").is_dir() or \
            not (GOCODE / "src/golang.org/x/tools/go/ast/astutil").is_dir():
        _missing("gofumpt's sources (apt-get install golang-mvdan-gofumpt-dev golang-golang-x-tools-dev)")
    binary = build_dir / "gofumpt-list"
    env = dict(os.environ, GO111MODULE="off", GOPATH=str(GOCODE), GOCACHE=str(build_dir / "gocache"),
               GOFLAGS="")
    subprocess.run([go, "build", "-o", str(binary), "."], cwd=Path(__file__).parent / "tools" / "gofumpt-list",
                   env=env, check=True, capture_output=True)
    return str(binary)


def mangle_go(source: bytes) -> bytes | None:
    """Formatting gofmt undoes: spaces for tabs, doubled blank lines, trailing
    blanks, no alignment. Lines holding string or rune literals stay verbatim;
    files with raw strings are not mangled at all (None)."""
    if b"`" in source:
        return None
    out = []
    for line in source.split(b"\n"):
        if b'"' in line or b"'" in line:
            out.append(line)
            continue
        stripped = line.lstrip(b"\t")
        depth = len(line) - len(stripped)
        if not stripped.startswith((b"//", b"/*", b"*")):
            stripped = re.sub(rb"(?<=\S) {2,}(?=\S)", b" ", stripped)
        out.append(b"  " * depth + stripped + (b"  " if stripped else b""))
        if not stripped:
            out.append(b"")
    return b"\n".join(out)
