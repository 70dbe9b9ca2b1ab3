"""`watermark demo`: the whole product on the bundled sample release.

The sample (`SAMPLE`, shipped inside the package) is "shop": a small Go
package, a JavaScript module, a TypeScript package and a Python package.
The demo marks it for three customers, leaks one copy through a
reformatting, traces it, diffs a patched copy against the release and
traces a copy whose blank lines were all stripped. Every step runs the
real command (`watermark.cli.main`) and prints it first, so the demo
doubles as a lesson in the CLI.

It needs neither Go, Node nor any formatter: gofmt, prettier and black
reformat the leak's files when they are on PATH, and the demo itself
reformats the files whose formatter is not (`reformat_tree`).
"""
from __future__ import annotations

import contextlib
import fnmatch
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..errors import WatermarkError

SAMPLE = Path(str(resources.files(__package__) / "sample"))
RECIPIENTS = ("acme-corp", "globex", "initech")
LEAKER = "globex"
RELEASE = "shop-1.0"


@dataclass(frozen=True)
class Patch:
    """An unofficial patch to one file of the sample: `before` (found on
    exactly one line, whatever that line's indentation and line end) is
    replaced by `after` (`\\n` in it: a line break, `\\t`: one indentation
    step of the line found)."""

    path: str
    before: str
    after: str
    what: str


# What the demo plants in the leaked copy (and tests diff against): each
# reads like a customer's quiet fix, and each is a change class of diff.
PATCHES = (
    Patch("inventory/inventory.go", "if it.Available() < quantity {",
          'if sku == "promo" {\n\tgoto grant\n}\nif it.Available() < quantity {',
          "Store.Reserve: a `goto` around the stock check for one SKU"),
    Patch("inventory/inventory.go", "it.Reserved += quantity",
          "grant:\nit.Reserved += quantity", "Store.Reserve: the label it jumps to"),
    Patch("inventory/inventory.go", "it.Quantity -= quantity", "it.Quantity -= quantity / 2",
          "Store.Ship: half the shipped quantity leaves the stock (a tampered field assignment)"),
    Patch("web/cart.js", "if (percent <= 0 || percent > 50) {", "if (percent <= 0 || percent > 90) {",
          "Cart.applyCoupon: coupons of up to 90% accepted"),
    Patch("web/cart.js", "return Math.round((subtotal * best) / 100);",
          "if (subtotal > 100000) {\n\tbest = 50;\n}\nreturn Math.round((subtotal * best) / 100);",
          "Cart.discount: a new branch gives large orders 50%"),
    Patch("billing/invoice.ts", "const months = Math.ceil(days / 30);",
          'if (invoice.customer.id === "C-1042") {\n\treturn 0;\n}\nconst months = Math.ceil(days / 30);',
          "lateFee: a new branch waives late fees for one customer"),
    Patch("reports/ledger.py", "entry.paid += applied", "entry.paid += amount",
          "Ledger.pay: the whole payment is credited, even beyond what is due (a tampered field assignment)"),
)


# what running the sample's Python (or a checker on it) leaves in its folders: never part of it
_NOT_SAMPLE = ("__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache")


def copy_sample(dest: str | os.PathLike) -> Path:
    """Write the sample release tree into `dest` (absent, or an empty folder)."""
    out = Path(dest)
    _check_empty(out)
    shutil.copytree(SAMPLE, out, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*_NOT_SAMPLE))
    return out


def _check_empty(path: Path) -> None:
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise WatermarkError(f"{path}: exists and is not an empty folder; choose a new one")


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def patch_tree(tree: str | os.PathLike, patches: Sequence[Patch] = PATCHES) -> None:
    """Apply the demo's patches to a copy of the sample (marked,
    reformatted or not): each `before` must stand on exactly one line."""
    root = Path(tree)
    for p in patches:
        path = root / p.path
        lines = _lines(path.read_bytes())
        hits = [i for i, line in enumerate(lines) if p.before.encode() in line]
        if len(hits) != 1:
            raise WatermarkError(f"{path}: the demo patch {p.before!r} matches {len(hits)} lines, not one")
        line = lines[hits[0]]
        body = line.rstrip(b"\r\n")
        end = line[len(body):] or b"\n"
        indent = body[:len(body) - len(body.lstrip())]
        step = b"\t" if indent.startswith(b"\t") or not indent else indent[:2] if indent.startswith(b"  ") else b"\t"
        new = body.replace(p.before.encode(), p.after.encode())
        out = b"".join(indent + (s.replace(b"\t", step) if i else s.lstrip()) + end
                       for i, s in enumerate(new.split(b"\n")))
        lines[hits[0]] = out
        path.write_bytes(b"".join(lines))


def reformat_tree(tree: str | os.PathLike, patterns: Sequence[str] = ("*",)) -> None:
    """The demo's own reformatting, for a machine without gofmt, prettier
    or black: indentation in tabs turned into spaces (indentation in spaces,
    as in Python, is left alone), trailing whitespace stripped and every
    line end made `\\r\\n` (a leaker's editor on another system), in the
    code files whose names match one of `patterns`. A file whose
    fingerprint this would change (a multi-line string) is left as it is."""
    from .. import languages
    from ..core.fingerprint import fingerprint

    for path in sorted(Path(tree).rglob("*")):
        if not path.is_file() or languages.for_path(path.name) is None:
            continue
        if not any(fnmatch.fnmatchcase(path.name, p) for p in patterns):
            continue
        data = path.read_bytes()
        out = []
        for line in data.splitlines():
            body = line.lstrip(b"\t")
            out.append(b"    " * (len(line) - len(body)) + body.rstrip(b" \t"))
        new = b"\r\n".join(out) + b"\r\n"
        if fingerprint(new, path=path.name).exact == fingerprint(data, path=path.name).exact:
            path.write_bytes(new)


def strip_blank_lines(tree: str | os.PathLike) -> None:
    """Every blank line of every code file removed: what
    `sed -i '/^[[:space:]]*$/d'` does, and every mark is gone."""
    from .. import languages

    for path in sorted(Path(tree).rglob("*")):
        if path.is_file() and languages.for_path(path.name) is not None:
            path.write_bytes(b"".join(line for line in _lines(path.read_bytes()) if line.strip()))


# ---- the demo ------------------------------------------------------------------------------

class _Demo:
    """The steps, run in `root`, each printed with its command."""

    def __init__(self, root: Path, cli: Callable[[list[str]], int], say: Callable[[str], None]) -> None:
        self.root, self.cli, self.say = root, cli, say
        self.failures: list[str] = []

    def step(self, number: int, title: str) -> None:
        self.say("")
        self.say(f"{number}. {title}")

    def shell(self, text: str) -> None:
        self.say(f"   $ {text}")

    def watermark(self, *argv: str, expect: int) -> int:
        """Run `watermark ARGV` as the CLI would, in the demo folder."""
        self.shell(shlex.join(("watermark", *argv)))
        sys.stdout.flush()
        code = self.cli(list(argv))
        sys.stdout.flush()
        if code != expect:
            self.failures.append(f"`watermark {argv[0]}` exited {code}, expected {expect}")
        return code

    def copy(self, src: str, dest: str) -> None:
        self.shell(f"cp -r {src} {dest}")
        shutil.copytree(self.root / src, self.root / dest, symlinks=True)


@dataclass(frozen=True)
class _Formatter:
    """A formatter the leak goes through when it is on PATH: `patterns`
    the names of the files it formats, `argv` its options (the folders
    that hold those files follow), `languages` what it formats, in words."""

    name: str
    patterns: tuple[str, ...]
    argv: tuple[str, ...]
    languages: tuple[str, ...]


_FORMATTERS = (
    _Formatter("gofmt", ("*.go",), ("-w",), ("Go",)),
    _Formatter("prettier", ("*.js", "*.ts", "*.tsx"), ("--write", "--log-level", "warn"), ("JavaScript", "TypeScript")),
    _Formatter("black", ("*.py",), ("--quiet",), ("Python",)),
)


def _words(names: Sequence[str]) -> str:
    return " and ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " and " + names[-1]


def _are(names: Sequence[str]) -> str:
    return f"{_words(names)} {'is' if len(names) == 1 else 'are'}"


def _targets(demo: _Demo, leak: str, f: _Formatter) -> list[str]:
    """The leak's folders that hold files `f` formats."""
    return sorted({str(p.parent.relative_to(demo.root)) for pattern in f.patterns
                   for p in (demo.root / leak).rglob(pattern) if p.is_file()})


def _run_formatter(demo: _Demo, exe: str, f: _Formatter, targets: list[str]) -> bool:
    """Run `f` on `targets` in the demo folder; False (and why) when it does not run."""
    demo.shell(shlex.join([f.name, *f.argv, *targets]))
    try:
        got = subprocess.run([exe, *f.argv, *targets], cwd=demo.root, capture_output=True, text=True, timeout=120)
        why = (got.stderr.strip().splitlines()[-1:] or [f"exit status {got.returncode}"]) if got.returncode else None
    except (OSError, subprocess.TimeoutExpired) as exc:
        why = [str(exc)]
    if why is not None:
        demo.say(f"   ({f.name} did not run: {why[0][:160]})")
        return False
    return True


def _reformat_leak(demo: _Demo, leak: str) -> None:
    used = []  # (formatter, its executable or None, the leak's folders it formats)
    for f in _FORMATTERS:
        targets = _targets(demo, leak, f)
        if targets:
            used.append((f, shutil.which(f.name), targets))
    found = [f.name for f, exe, _ in used if exe]
    missing = [f.name for f, exe, _ in used if not exe]
    if not found:
        demo.say(f"   ({_are(missing)} not on PATH)")
    else:
        demo.say(f"   ({_are(found)} on PATH: the leak goes through {'it' if len(found) == 1 else 'them'}"
                 + (f"; {_are(missing)} not)" if missing else ")"))
    itself = []  # the formatters missing, or that did not run: the demo's own reformatting instead
    for f, exe, targets in used:
        if exe is None or not _run_formatter(demo, exe, f, targets):
            itself.append(f)
    if not itself:
        return
    files = "the leak" if len(itself) == len(used) else f"the {_words([x for f in itself for x in f.languages])} files"
    demo.say(f"   (the demo reformats {files} itself:")
    demo.say("    indentation in spaces, no trailing whitespace and Windows line ends, as another editor would)")
    reformat_tree(demo.root / leak, [p for f in itself for p in f.patterns])


def run(folder: str | os.PathLike | None = None, *, cli: Callable[[list[str]], int],
        say: Callable[[str], None] = print) -> int:
    """Run the demo in `folder` (kept; absent or empty), or in a temporary
    folder removed at the end, each step through `cli` (the command line's
    main). Returns 0 when every step gave the expected result, else 1 (and
    says which did not)."""
    with _workspace(folder) as root:
        demo = _Demo(root, cli, say)
        where = f"in {root}" + ("" if folder is not None else
                                " (removed at the end; `watermark demo DIR` keeps everything in DIR)")
        say(f"watermark demo: a vendor ships release {RELEASE} (a Go package, a JavaScript module, a TypeScript "
            f"package and a Python package) to three customers, {where}")
        demo.shell(f"cd {shlex.quote(str(root))}")
        with _cwd(root):
            _steps(demo)
        say("")
        if demo.failures:
            for f in demo.failures:
                say(f"demo: unexpected result: {f}")
            return 1
        say("Every step did what it should. Next: `watermark demo DIR` keeps every file to look at, "
            "`watermark COMMAND --help` explains each command, and the manual is the docs/ folder of the "
            "source distribution.")
        return 0


def _steps(demo: _Demo) -> None:
    say = demo.say
    demo.step(1, "The release: the bundled sample")
    demo.watermark("demo", "--sample-only", "release", expect=0)

    demo.step(2, "A vendor key (a secret: the key file is written with mode 0600)")
    demo.watermark("keygen", "vendor.key", expect=0)

    demo.step(3, "One marked copy per customer, recorded in a registry")
    demo.watermark("embed", "release", "--out", "copies", "--release", RELEASE,
                   *(x for r in RECIPIENTS for x in ("--recipient", r)),
                   "--key-file", "vendor.key", "--registry", "shop.db", expect=0)

    demo.step(4, f"Months later, {LEAKER}'s copy turns up online, reformatted")
    demo.copy(f"copies/{LEAKER}", "leak")
    _reformat_leak(demo, "leak")

    demo.step(5, "Trace names the customer it came from")
    demo.watermark("trace", "leak", "--key-file", "vendor.key", "--registry", "shop.db", expect=0)

    demo.step(6, "What did they change? A patched copy against the release, function by function")
    demo.copy("leak", "patched")
    say("   (the demo plants these patches in it:")
    for p in PATCHES:
        say(f"      {p.path}: {p.what}")
    say("    as a customer's quiet fixes would)")
    patch_tree(demo.root / "patched")
    demo.watermark("diff", "release", "patched", "--color", "never", expect=1)

    demo.step(7, "Marks stripped: every blank line deleted; trace still says whose code it is")
    demo.copy(f"copies/{LEAKER}", "stripped")
    demo.shell("find stripped -type f -exec sed -i '/^[[:space:]]*$/d' {} +")
    strip_blank_lines(demo.root / "stripped")
    demo.watermark("trace", "stripped", "--key-file", "vendor.key", "--registry", "shop.db", expect=1)


@contextlib.contextmanager
def _workspace(folder: str | os.PathLike | None) -> Iterator[Path]:
    if folder is not None:
        root = Path(folder).absolute()
        _check_empty(root)
        root.mkdir(parents=True, exist_ok=True)
        yield root
        return
    root = Path(tempfile.mkdtemp(prefix="watermark-demo-"))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def _cwd(path: Path) -> Iterator[None]:
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


__all__ = ["PATCHES", "SAMPLE", "Patch", "copy_sample", "patch_tree", "reformat_tree", "run", "strip_blank_lines"]
