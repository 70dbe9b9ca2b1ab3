"""A leaker's keyless edits of a marked copy, for tests and benchmarks/attacks.py.

Each attack takes a copy (a tree on disk) and rewrites it in place, as one
line of `sed`, a rename or a repack would: no key, and the code builds and
runs the same. Collusion merges take several copies of one release.
"""
from __future__ import annotations

import base64
import random
import re
import shutil
import tarfile
from collections.abc import Callable, Mapping
from pathlib import Path


def _language(path: Path) -> str | None:
    from watermark import languages

    lang = languages.for_path(path.name)
    return lang.name if lang is not None else None


def code_files(tree: Path) -> list[Path]:
    """The files of the tree in a language watermark reads (by extension)."""
    return sorted(p for p in tree.rglob("*") if p.is_file() and _language(p) is not None)


def _each(tree: Path, edit: Callable[[bytes, str], bytes], only: str | None = None) -> None:
    for path in code_files(tree):
        lang = _language(path)
        assert lang is not None
        if only is None or only == lang:
            path.write_bytes(edit(path.read_bytes(), lang))


# ---- comments -----------------------------------------------------------------

def _commented(text: str, lang: str) -> bytes:
    """`text` (written with `//`) in the comment syntax of `lang`."""
    if lang == "python" and text.startswith("//"):
        text = "#" + text[2:]
    return text.encode()


def comment_above_blank_lines(tree: Path, text: str = "//") -> None:
    """An empty `//` line (or `text`) above every blank line (`#` in Python)."""
    def edit(data: bytes, lang: str) -> bytes:
        line = _commented(text, lang)
        out, prev_blank = [], True
        for row in data.split(b"\n"):
            blank = not row.strip()
            if blank and not prev_blank:
                indent = re.match(rb"[ \t]*", out[-1]).group() if out else b""
                out.append(indent + line)
            out.append(row)
            prev_blank = blank
        return b"\n".join(out)
    _each(tree, edit)


def comment_after_every_line(tree: Path, text: str = "//") -> None:
    """`sed 's|$| //|'`: a comment after every line, blank lines included
    (`#` in Python)."""
    _each(tree, lambda data, lang: re.sub(rb"$", b" " + _commented(text, lang), data, flags=re.MULTILINE))


# ---- line terminators -------------------------------------------------------------

def line_ends(tree: Path, go: bytes = b"\r\r\n", js: bytes = b"\r", *,
              endings: Mapping[str, bytes] | None = None, default: bytes = b"\n") -> None:
    """Every line break of Go files as `go`, of JavaScript files as `js`
    (`\\r\\r\\n` builds with go; lone `\\r`, U+2028, `\\f\\n`, `\\v\\n` run with node).
    With `endings`, those of each language it names (language name -> line
    break), and `default` elsewhere."""
    table = dict(endings) if endings is not None else {"go": go, "javascript": js}
    _each(tree, lambda data, lang: data.replace(b"\n", table.get(lang, default)))


# ---- damaged bytes ----------------------------------------------------------------

def damaged_comment(tree: Path, byte: bytes = b"\0") -> None:
    """One NUL (or invalid UTF-8) byte in a trailing comment of each file."""
    def edit(data: bytes, lang: str) -> bytes:
        return data.replace(b"\n", b" " + _commented("// ", lang) + byte + b"\n", 1)
    _each(tree, edit)


# ---- packaging ----------------------------------------------------------------------

def bundle(tree: Path, out: Path, map_bytes: int = 17 * 1024 * 1024) -> Path:
    """Every JavaScript file concatenated into one bundle with an inline
    source map of `map_bytes` (a bundler's output: over the marking limit)."""
    parts = [p.read_bytes() for p in code_files(tree) if p.suffix == ".js"]
    blob = base64.b64encode(random.Random(1).randbytes(map_bytes * 3 // 4))
    out.write_bytes(b"\n".join(parts) + b"\n//# sourceMappingURL=data:application/json;base64," + blob + b"\n")
    return out


def rename_extensions(tree: Path) -> None:
    """`.js` to `.ts`, every other extension gets `.txt` (`.go` to `.go.txt`)."""
    for path in code_files(tree):
        path.rename(path.with_suffix(".ts") if path.suffix == ".js" else path.with_name(path.name + ".txt"))


def repack(tree: Path, out: Path, mode: str = "w:xz") -> Path:
    """The tree as a .tar.xz (or another tarfile mode)."""
    with tarfile.open(out, mode) as tar:
        tar.add(tree, arcname=tree.name)
    return out


# ---- a release to collude on ------------------------------------------------------

def synthetic_go(root: Path, functions: int = 100, statements: int = 30, seed: int = 0) -> Path:
    """A gofmt-clean Go package of `functions` functions of `statements`
    distinct statements each (5,000 lines, about 2,350 carriers): big enough
    for collusion tests without the corpora."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    lines = ["package synth", ""]
    for f in range(functions):
        lines.append(f"func f{f}(a, b int) int {{")
        lines.append("\tx := a + b")
        for _ in range(statements):
            op = rng.choice(["+", "-", "*", "^", "|", "&"])
            lines.append(rng.choice([f"\tx = x {op} {rng.randrange(1, 10**6)}",
                                     f"\tb = b {op} (x >> {rng.randrange(1, 60)})",
                                     f"\ta = a {op} b {op} {rng.randrange(1, 10**6)}"]))
            if rng.random() < 0.5:
                lines.append("")
        lines += ["\treturn x + a + b", "}", ""]
    (root / "synth.go").write_text("\n".join(lines))
    return root


# ---- collusion ----------------------------------------------------------------------

def _gap_states(path: Path) -> tuple[bytes, object, bytes]:
    import watermark
    from watermark.backend import BACKEND
    from watermark.core import carriers
    fp = watermark.fingerprint(path.read_bytes(), path=str(path))
    found = carriers.boundaries(fp)
    return fp.source, found.gaps, bytes(BACKEND.read_bits(fp.source, found.gaps))


STRATEGIES = ("random", "majority", "minority", "min", "max", "xor", "differ", "interleave")


def merge(copies: list[Path], out: Path, strategy: str, seed: int = 0) -> Path:
    """A merged copy of several recipients' copies of one release. At each
    eligible boundary where the copies differ: the blank line of a random
    copy, the majority (ties at random), the minority, none (min), one
    (max); where they agree, that state. Or, ignoring agreement: "xor"
    (the parity of the copies' gap states) and "differ" (a blank line
    exactly where the copies differ, none where they agree; for two
    copies the same as xor). Or (interleave) each file whole from one copy
    in turn."""
    rng = random.Random(seed)
    from watermark.backend import BACKEND
    shutil.copytree(copies[0], out)
    for k, path in enumerate(code_files(out)):
        rel = path.relative_to(out)
        if strategy == "interleave":
            shutil.copyfile(copies[k % len(copies)] / rel, path)
            continue
        states = [_gap_states(c / rel) for c in copies]
        src, gaps, _ = states[0]
        columns = list(zip(*(s[2] for s in states)))
        if any(len(s[2]) != len(columns) for s in states):
            continue
        bits = bytearray()
        for col in columns:
            ones = sum(col)
            if strategy == "xor":
                bit = ones & 1
            elif strategy == "differ":
                bit = int(0 < ones < len(col))
            elif ones in (0, len(col)):
                bit = col[0]
            elif strategy == "random":
                bit = rng.choice(col)
            elif strategy == "majority":
                bit = int(2 * ones > len(col)) if 2 * ones != len(col) else rng.getrandbits(1)
            elif strategy == "minority":
                bit = int(2 * ones < len(col)) if 2 * ones != len(col) else rng.getrandbits(1)
            elif strategy == "min":
                bit = 0
            elif strategy == "max":
                bit = 1
            else:
                raise ValueError(f"unknown strategy {strategy!r}")
            bits.append(bit)
        path.write_bytes(BACKEND.set_bits(src, gaps, bytes(bits))[0])
    return out


__all__ = ["STRATEGIES", "bundle", "code_files", "comment_above_blank_lines", "comment_after_every_line",
           "damaged_comment", "line_ends", "merge", "rename_extensions", "repack", "synthetic_go"]
