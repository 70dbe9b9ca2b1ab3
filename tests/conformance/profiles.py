"""What differs between languages, for the conformance suite: one `Profile`
per language.

Every test in tests/conformance/ is written once and takes a `profile`
(conftest.py parametrizes it over PROFILES, the ids being language names);
a test that also takes a `formatter`, `rewriter`, `judge` or `line_end`
runs once per such part of each profile. A profile says where the
language's real code is (`Corpus`), which formatters keep it formatted and
how to ask them which files they would change (`Formatter`), which
independent tools tell that a marked program is still the same program
(`Judge`), how to undo a formatter's work (`mangle`), small hand-written
samples, how to generate its programs (`Shape`, tests/strategies.py), and
the counts the tests expect (`Expect`, `Draws`).

Adding a language to the test suite is one more entry in PROFILES;
tests/conformance/test_profiles.py fails while a language of
`watermark.languages` has none.
"""
from __future__ import annotations

import functools
import os
import re
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from corpus import corpus_files, corpus_root, missing, sample, tool
from strategies import Shape

from watermark import demo

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"  # (the golden vectors pin every file there)
SAMPLES = Path(__file__).resolve().parent / "samples"  # samples of the conformance suite's own
TOOLS = Path(__file__).resolve().parent.parent / "tools"


# ---- the parts of a profile -------------------------------------------------------------

@dataclass(frozen=True)
class Corpus:
    """Real code of the language, installed by scripts/corpora.sh: the files
    under the directory named by the environment variable `env` matching
    one of `globs` and none of `exclude` (fnmatch patterns of the path
    relative to that directory), and those of the `more` corpora (env,
    globs, exclude) after them; `keep` filters them further. Copies of
    corpus files get `suffix` when it is set (TypeScript files read as TSX)."""

    env: str
    globs: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    # the corpus as shipped is not formatter-clean: the marking tests also
    # run on a copy the formatters have rewritten
    formatted_copy: bool = False
    more: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = ()
    suffix: str | None = None
    keep: Callable[[Path], bool] | None = None

    def root(self) -> Path:
        return corpus_root(self.env)

    def files(self) -> list[Path]:
        found = corpus_files(self.root(), self.globs, self.exclude)
        for env, globs, exclude in self.more:
            found += corpus_files(corpus_root(env), globs, exclude)
        return [p for p in found if self.keep(p)] if self.keep is not None else found

    def copy_suffix(self, path: Path) -> str:
        """The suffix of a copy of corpus file `path`."""
        return self.suffix or path.suffix

    def under(self, root: Path) -> list[str]:
        """The corpus's kind of file under another tree (a copy of it), as
        paths relative to that tree."""
        globs = (f"*{self.suffix}",) if self.suffix else tuple(sorted({"*" + Path(g).suffix for g in self.globs}))
        return [p.relative_to(root).as_posix() for p in corpus_files(root, globs, self.exclude)]


@dataclass(frozen=True)
class Draw:
    """A reproducible sample of corpus files: k of those up to max_bytes."""

    k: int
    seed: int = 7
    max_bytes: int | None = None

    def of(self, files: list[Path]) -> list[Path]:
        return sample(files, self.k, seed=self.seed, max_bytes=self.max_bytes)


@dataclass(frozen=True)
class Draws:
    """How many corpus files each corpus test takes (slow tools, fewer files)."""

    marking: Draw | None  # the marked trees of the marking tests (None: the whole corpus)
    hashes: Draw  # formatters change no hash
    bits: Draw | None  # formatters change no carrier bit: of the marked tree (None: all of it)
    prints: Draw  # the backends agree on winnowed prints
    fingerprints: Draw  # the backends agree on fingerprints (the reference is slow)
    boundaries: Draw = Draw(60, max_bytes=200_000)  # the backends agree on boundaries and bits
    calibration: Draw = Draw(25, seed=11, max_bytes=100_000)  # tests/test_calibration.py
    diff: Draw = Draw(60, seed=3, max_bytes=120_000)  # `watermark diff` of a marked, reformatted copy


@dataclass(frozen=True)
class Formatter:
    """A formatter the language's code is kept clean by.

    `lister(scratch)` is the command that prints the files (given as
    arguments) it would change, one a line: `gofmt -l`, `prettier
    --list-different` ("formatter-clean" means it prints nothing);
    `writer()` the command that rewrites the files it is given in place, or
    None for a checker only. `scratch` is a directory the command may build
    itself in."""

    name: str
    lister: Callable[[Path], list[str]]
    writer: Callable[[], list[str]] | None = None
    flagged: tuple[int, int] | None = None  # it flags more than / fewer than this many corpus files as shipped
    clean: int | None = None  # it leaves more than this many files of the formatted copy alone
    # it keeps even the carriers only lenient reading finds (no other comment lines, trailing
    # comments): else it may drop one (never flip it)
    keeps_lenient: bool = True

    def lists(self, root: Path, files: list[str], scratch: Path) -> set[str]:
        """Which of `files` (relative to root) it would change."""
        command = self.lister(scratch)
        runs = _in_parallel(command, root, files)
        return {line.strip() for run in runs for line in run.stdout.decode().splitlines() if line.strip()}

    def rewrite(self, root: Path, files: list[str]) -> int:
        """Rewrite `files` (relative to root) in place; the worst exit code."""
        assert self.writer is not None, f"{self.name} only checks"
        return max((run.returncode for run in _in_parallel(self.writer(), root, files)), default=0)


def _in_parallel(command: list[str], cwd: Path, files: list[str]) -> list[subprocess.CompletedProcess]:
    """`command` run on `files` in batches (up to 500 files), one batch a core at a time."""
    workers = os.cpu_count() or 1
    size = max(1, min(500, -(-len(files) // workers)))
    batches = [files[i:i + size] for i in range(0, len(files), size)]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda batch: subprocess.run(command + batch, cwd=cwd, capture_output=True), batches))


@dataclass(frozen=True)
class Judge:
    """An independent check that a marked program is the program it was:
    `check(shipped, marked, scratch)` fails the test when the marked tree
    (a copy of the shipped one, every corpus file marked) is not."""

    name: str
    check: Callable[[Path, Path, Path], None]


@dataclass(frozen=True)
class Expect:
    """Counts the corpus tests assert."""

    files: int = 2000  # corpus files, more than
    units: int = 100_000  # units in them, more than
    with_carriers: int = 0  # corpus files with a carrier (each keeps its tree), more than
    marked: int = 0  # files of the marked tree marked, more than
    unmarked: int = 100  # files left unmarked (each for a syntax error), fewer than
    bits_read: int = 2000  # carrier bits read back after formatting, more than
    hash_checked: int = 0  # files whose hashes are compared before and after formatting, at least


@dataclass(frozen=True)
class Profile:
    language: str  # as watermark.languages names it
    corpus: Corpus
    formatters: tuple[Formatter, ...]
    judges: tuple[Judge, ...]
    # layout a formatter undoes (the hash- and bit-invariance tests format
    # mangled files); None where the corpus as shipped is far from formatted
    # already. A mangler may decline a file (None).
    mangle: Callable[[bytes], bytes | None] | None
    samples: tuple[Path, ...]  # hand-written formatter-clean files (enough carriers for a release)
    shape: Shape  # generated programs (tests/strategies.py)
    draws: Draws
    expect: Expect
    # one program in two spellings that a formatter maps one onto the other: no hash level differs
    spellings: tuple[tuple[str, str], ...] = ()
    # a literal changed: exact and renamed differ, skeleton does not
    literal_edits: tuple[tuple[str, str], ...] = ()
    # another pattern of identifiers: renamed differs, skeleton does not
    identifier_patterns: tuple[tuple[str, str], ...] = ()
    # odd line ends the language's tools accept (name, bytes for every `\n`)
    line_ends: tuple[tuple[str, bytes], ...] = ()

    @property
    def rewriters(self) -> tuple[Formatter, ...]:
        """The formatters that rewrite files (not only check them)."""
        return tuple(f for f in self.formatters if f.writer is not None)


# ---- Go -------------------------------------------------------------------------------------

GOCODE = Path("/usr/share/gocode")  # Debian's Go library sources (GOPATH layout)


@functools.cache
def _gofumpt_list(build_dir: Path) -> str:
    """tests/tools/gofumpt-list (a `gofumpt -l`) built against Debian's
    gofumpt 0.4.0 library; the binary's path."""
    go = tool("go")
    if not (GOCODE / "src/mvdan.cc/gofumpt/format").is_dir() or \
            not (GOCODE / "src/golang.org/x/tools/go/ast/astutil").is_dir():
        missing("gofumpt's sources (apt-get install golang-mvdan-gofumpt-dev golang-golang-x-tools-dev)")
    build_dir.mkdir(parents=True, exist_ok=True)
    binary = build_dir / "gofumpt-list"
    env = dict(os.environ, GO111MODULE="off", GOPATH=str(GOCODE), GOCACHE=str(build_dir / "gocache"), GOFLAGS="")
    subprocess.run([go, "build", "-o", str(binary), "."], cwd=TOOLS / "gofumpt-list", env=env, check=True,
                   capture_output=True)
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


def go_build_and_vet(shipped: Path, marked: Path, scratch: Path) -> None:
    """`go build std cmd` and `go vet std` pass with the marked standard
    library as GOROOT/src."""
    go = tool("go")
    goroot = Path(subprocess.run([go, "env", "GOROOT"], capture_output=True, text=True, check=True).stdout.strip())
    root = scratch / "goroot"
    root.mkdir()
    for name in os.listdir(goroot):
        if name != "src":
            os.symlink(os.path.realpath(goroot / name), root / name)
    os.symlink(marked, root / "src")
    env = dict(os.environ, GOROOT=str(root), GOCACHE=str(scratch / "cache"), GOFLAGS="", CGO_ENABLED="0")
    listed = subprocess.run([go, "list", "-f", "{{.Dir}}", "fmt"], env=env, capture_output=True, text=True,
                            check=True).stdout.strip()
    assert listed.startswith(str(root)), listed
    for args in (["build", "std", "cmd"], ["vet", "std"]):
        result = subprocess.run([go, *args], env=env, capture_output=True, text=True)
        assert result.returncode == 0, (args, result.stderr[-3000:])


GO_SHAPE = Shape(
    language="go",
    idents=("a", "b", "cnt", "total", "item", "x1", "zed", "π"),
    simple=(
        "{id} := {lit}",
        "{id} = {id2} + {lit}",
        "{id}, {id2} = {id2}, {id}",
        "{id}++",
        "{id} = f({id2}, {str})",
        "_ = {str}",
        "var {id} = `raw\n\n  text {lit}`",
        "{id} = ({id2} * {lit})",
        # lists gofmt aligns, with comment lines and blank lines between members
        "{id} = []int{{\n{lit},\n// next\n2,\n\n3,\n}}",
        "{id} := map[string]int{{\n{str}: {lit},\n/* c */\n\"k\": 2,\n\"kk\": 3,\n}}",
        "type T{id} struct {{\nA int\n// b\nB string `json:\"b\"`\n\nC, D bool\n}}",
    ),
    blocks=("if {id} > {lit} {{", "for {id} := 0; {id} < {lit}; {id}++ {{", "{{", "switch {id} {{\ncase {lit}:",
            "switch {id} {{\ncase {lit}:\n{id2}++\n\ncase 7, 8:\n// next\ndefault:"),
    function="func {name}(a, b int) int {{",
    returns="return a",
    prologue=("package p", ""),
    file_comment="// Package-level note.",
)

GO = Profile(
    language="go",
    corpus=Corpus("GO_STDLIB_SRC", ("*.go",)),
    formatters=(
        Formatter("gofmt", lambda scratch: [tool("gofmt"), "-l"], lambda: [tool("gofmt"), "-w"]),
        # gofumpt 0.4.0's stricter rules (no blank line before `if err != nil`, none between
        # uncommented interface methods...); the standard library is gofmt-clean, not all gofumpt-clean
        Formatter("gofumpt", lambda scratch: [_gofumpt_list(scratch / "gofumpt")], flagged=(1000, 4000)),
    ),
    judges=(Judge("go-build-vet", go_build_and_vet),),
    mangle=mangle_go,
    samples=(FIXTURES / "lists.go", FIXTURES / "server.go", demo.SAMPLE / "inventory" / "inventory.go",
             demo.SAMPLE / "inventory" / "report.go"),
    shape=GO_SHAPE,
    draws=Draws(marking=None, hashes=Draw(120, max_bytes=200_000), bits=Draw(150, max_bytes=200_000),
                prints=Draw(6, seed=2, max_bytes=60_000), fingerprints=Draw(80, max_bytes=400_000)),
    expect=Expect(with_carriers=3900, marked=5000, unmarked=100, hash_checked=40),
    spellings=(
        ("package p\nfunc f() { a := 0X1F; b := 1E3; _ = a; _ = b }\n",
         "package p\n\nfunc f() {\n\ta := 0x1F\n\tb := 1e3\n\t_ = a\n\t_ = b\n}\n"),
    ),
    literal_edits=(
        ("package p\nfunc f() int {\n\tx := 1\n\treturn x\n}\n",
         "package p\nfunc f() int {\n\tx := 2\n\treturn x\n}\n"),
        ("package p\nvar s = \"a\"\n", "package p\nvar s = \"b\"\n"),
    ),
    identifier_patterns=(
        ("package p\nfunc f() {\n\ta = a + b\n}\n", "package p\nfunc f() {\n\ta = b + b\n}\n"),
    ),
    line_ends=(("crcrlf", b"\r\r\n"),),  # builds with go
)


# ---- JavaScript -------------------------------------------------------------------------------

def node_check(shipped: Path, marked: Path, scratch: Path) -> None:
    """`node --check` passes on exactly the files it passed on before."""
    node = tool("node")
    files = JAVASCRIPT.corpus.under(shipped)

    def passes(path: Path) -> bool:
        return subprocess.run([node, "--check", str(path)], capture_output=True).returncode == 0

    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        before = list(pool.map(passes, (shipped / rel for rel in files)))
        after = list(pool.map(passes, (marked / rel for rel in files)))
    assert before == after, [rel for rel, a, b in zip(files, before, after) if a != b]


JS_SHAPE = Shape(
    language="javascript",
    idents=("a", "b", "cnt", "total", "item", "x1", "zed", "ÿname"),
    simple=(
        "let {id} = {lit};",
        "{id} = {id2} + {lit};",
        "{id}++;",
        "{id} = f({id2}, {str});",
        "const {id} = `tpl\n\n  ${{{id2}}} text`;",
        "var {id} = {{ k: {lit}, [{str}]: {id2} }};",
        "{id} = ({id2}) => {id2} * {lit};",
        "{id} = {id2} ? {lit} : {str};",
        "{id} = {id2} && ({id} && {lit}) || ({id2} ?? {str});",
        "{id} = {{ {str}: {lit}, 'k{id2}': {id2}, '{lit}': 1, m() {{}} }};",
        "{id} = new C{id2}; {id2} = /r{lit}/ig;",
    ),
    blocks=("if ({id} > {lit}) {{", "for (let {id} = 0; {id} < {lit}; {id}++) {{", "{{", "while ({id}) {{"),
    function="function {name}(a, b) {{",
    returns="return a;",
)

JAVASCRIPT = Profile(
    language="javascript",
    corpus=Corpus("JS_CORPUS", ("*.js", "*.mjs", "*.cjs"), formatted_copy=True),
    formatters=(
        Formatter("prettier", lambda scratch: [tool("prettier"), "--list-different"],
                  lambda: [tool("prettier"), "--write", "--log-level", "silent"], clean=150,
                  keeps_lenient=False),  # it moves trailing comments: `a: 1, /* c */` (then a blank line)
    ),
    judges=(Judge("node-check", node_check),),
    mangle=None,  # the npm packages are far from prettier's layout as shipped
    samples=(demo.SAMPLE / "web" / "cart.js", demo.SAMPLE / "web" / "format.js", SAMPLES / "lists.js",
             SAMPLES / "tables.js"),
    shape=JS_SHAPE,
    draws=Draws(marking=Draw(200, seed=3, max_bytes=150_000), hashes=Draw(300, seed=23, max_bytes=150_000),
                bits=None, prints=Draw(4, seed=2, max_bytes=60_000), fingerprints=Draw(50, max_bytes=400_000)),
    expect=Expect(with_carriers=2100, marked=190, unmarked=10),
    spellings=(
        # quotes, escapes, numbers, parens, semicolons, trailing commas
        ("const s = 'it\\'s';\nf(x => x, [1, 2,]);\nlet n = .50\n",
         'const s = "it\'s";\nf((x) => x, [1, 2]);\nlet n = 0.5;\n'),
        ("y = (a + b);\nz = 1E3;\n", "y = a + b;\nz = 1e3;\n"),
        # same-operator chains lose their parentheses, keys their quotes, `new C` gains ()
        ("x = a && (b && c) || (d || e);\ny = (a ?? b) ?? c;\n", "x = (a && b && c) || d || e;\ny = a ?? b ?? c;\n"),
        ("o = {'a': 1, '7': 2, 'b-c': 3, 'm'() {}};\nclass K { 'f' = 1 }\n",
         "o = {a: 1, 7: 2, 'b-c': 3, m() {}};\nclass K { f = 1 }\n"),
        ("x = new Foo;;\nr = /a/ig;\n", "x = new Foo();\nr = /a/gi;\n"),
    ),
    literal_edits=(
        ("let x = 1;\nf(x);\n", "let x = 7;\nf(x);\n"),
        ("let x = 'a';\n", "let x = 'b';\n"),
    ),
    identifier_patterns=(("a = a + b;\n", "a = b + b;\n"),),
    line_ends=(("lone-cr", b"\r"), ("u2028", "\u2028".encode()), ("formfeed", b"\f\n")),  # node runs these
)


# ---- TypeScript and TSX -------------------------------------------------------------------------

_TS_CORPUS = ("rxjs/src/**/*", "zod/src/**/*", "effect/src/**/*")
_TS_EXCLUDE = ("*.d.ts", "*.d.mts", "*.d.cts", "*/node_modules/*")


def _ts_globs() -> tuple[str, ...]:
    return tuple(f"{d}.{ext}" for d in _TS_CORPUS for ext in ("ts", "mts", "cts"))


_GENERIC_ARROW = re.compile(rb"(?<![\w$.])<[A-Za-z_]\w*(?:\s+extends[^<>]*)?(?:,[^<>]*)?>\s*\(")


@functools.cache
def _reads_alike(path: Path) -> bool:
    """A TypeScript file that reads as TSX, and as the same tree (no `<T>x`
    cast or generic arrow, which TSX reads as elements)."""
    import watermark

    data = path.read_bytes()
    if _GENERIC_ARROW.search(data):  # tree-sitter-tsx reads `<A>(x) => x`; TypeScript's TSX does not
        return False
    ts, tsx = (watermark.fingerprint(data, language=lang) for lang in ("typescript", "tsx"))
    return not tsx.has_error and not ts.has_error and (ts.exact, ts.syntax_digest) == (tsx.exact, tsx.syntax_digest)


def _tsc() -> list[str]:
    tsc = corpus_root("JS_CORPUS") / "typescript" / "bin" / "tsc"
    if not tsc.is_file():
        missing("tsc (the typescript package of the JS corpus)")
    return [tool("node"), str(tsc)]


_TSC_LINE = re.compile(r"^(?P<file>[^()\n]+)\(\d+,\d+\): (?P<rest>error TS\d+: .*)$")


def tsc_diagnostics(root: Path, files: list[str]) -> list[tuple[str, str]]:
    """`tsc --noEmit` over `files` (one program): its diagnostics as (file,
    code and message), positions left out (marks move lines), sorted."""
    run = subprocess.run([*_tsc(), "--noEmit", "--pretty", "false", "--skipLibCheck", "--target", "es2022",
                          "--module", "esnext", "--moduleResolution", "bundler", "--jsx", "preserve",
                          "--experimentalDecorators", "--types", "", *files], cwd=root, capture_output=True,
                         text=True)
    assert run.returncode in (0, 1, 2), run.stderr[-2000:]
    return sorted((m.group("file"), m.group("rest")) for m in map(_TSC_LINE.match, run.stdout.splitlines()) if m)


def tsc_same_diagnostics(language: str) -> Callable[[Path, Path, Path], None]:
    def check(shipped: Path, marked: Path, scratch: Path) -> None:
        """`tsc --noEmit` reports the same diagnostics on the marked files as
        on the shipped ones: same program, same types."""
        files = profile(language).corpus.under(shipped)
        before = tsc_diagnostics(shipped, files)
        after = tsc_diagnostics(marked, files)
        assert len(files) > 40 and before == after, sorted(set(before) ^ set(after))[:5]
    return check


TS_SHAPE = Shape(
    language="typescript",
    idents=("a", "b", "cnt", "total", "item", "x1", "zed", "ÿname"),
    simple=(
        "let {id}: number = {lit};",
        "{id} = {id2} + {lit};",
        "{id}++;",
        "{id} = f({id2}, {str});",
        "const {id} = `tpl\n\n  ${{{id2}}} text`;",
        "var {id} = {{ k: {lit}, [{str}]: {id2} }};",
        "{id} = ({id2}: number): number => {id2} * {lit};",
        "{id} = {id2} as unknown as number;",
        "{id} = {id2}!;",
        "type T{id} = {{ a: number; b?: string }} | null;",
        "{id} = <const>[{lit}, {str}];",
    ),
    blocks=("if ({id} > {lit}) {{", "for (let {id} = 0; {id} < {lit}; {id}++) {{", "{{", "while ({id}) {{"),
    function="function {name}(a: number, b: number): number {{",
    returns="return a;",
)

TYPESCRIPT = Profile(
    language="typescript",
    corpus=Corpus("TS_CORPUS", _ts_globs(), _TS_EXCLUDE, formatted_copy=True),
    formatters=(
        Formatter("prettier", lambda scratch: [tool("prettier"), "--list-different"],
                  lambda: [tool("prettier"), "--write", "--log-level", "silent"], clean=100,
                  keeps_lenient=False),
    ),
    judges=(Judge("tsc", tsc_same_diagnostics("typescript")),),
    mangle=None,
    samples=(SAMPLES / "shapes.ts", SAMPLES / "scheduler.ts", SAMPLES / "tables.ts"),
    shape=TS_SHAPE,
    draws=Draws(marking=Draw(160, seed=3, max_bytes=150_000), hashes=Draw(200, seed=23, max_bytes=150_000),
                bits=None, prints=Draw(4, seed=2, max_bytes=60_000), fingerprints=Draw(30, max_bytes=200_000),
                boundaries=Draw(40, max_bytes=200_000)),
    expect=Expect(files=700, units=50_000, with_carriers=500, marked=110, unmarked=60, bits_read=1000),
    spellings=(
        ("const s = 'it\\'s';\nlet f = (x: number) => x;\n", 'const s = "it\'s";\nlet f = (x: number) => x;\n'),
        ("type F = ((a: string) => void);\n", "type F = (a: string) => void;\n"),
        ("type U =\n  | Alpha\n  | Beta;\n", "type U = Alpha | Beta;\n"),
        ("interface I { a: number, b: string }\n", "interface I {\n  a: number;\n  b: string;\n}\n"),
    ),
    literal_edits=(
        ("let x: number = 1;\nf(x);\n", "let x: number = 7;\nf(x);\n"),
        ("let x = 'a';\n", "let x = 'b';\n"),
    ),
    identifier_patterns=(("a = a + b;\n", "a = b + b;\n"),
                         ("function f<T>(x: T): T { return x; }\n", "function f<T>(x: U): T { return x; }\n")),
    line_ends=(("lone-cr", b"\r"), ("u2028", "\u2028".encode())),
)

TSX = Profile(
    language="tsx",
    # the TypeScript corpus read as TSX (the files TSX reads as TypeScript does)
    corpus=Corpus("TS_CORPUS", _ts_globs(), _TS_EXCLUDE, formatted_copy=True, suffix=".tsx", keep=_reads_alike),
    formatters=(replace(TYPESCRIPT.formatters[0], clean=60),),
    judges=(Judge("tsc", tsc_same_diagnostics("tsx")),),
    mangle=None,
    samples=(SAMPLES / "widgets.tsx", SAMPLES / "board.tsx", SAMPLES / "form.tsx", SAMPLES / "cart.tsx",
             SAMPLES / "tables.tsx"),
    shape=replace(TS_SHAPE, language="tsx", simple=tuple(t for t in TS_SHAPE.simple if "<const>" not in t)),
    draws=replace(TYPESCRIPT.draws, marking=Draw(80, seed=5, max_bytes=120_000),
                  hashes=Draw(80, seed=29, max_bytes=120_000)),
    expect=Expect(files=500, units=30_000, with_carriers=300, marked=50, unmarked=30, bits_read=500),
    spellings=(("const e = <div className='a'>{x}</div>;\n", 'const e = <div className="a">{x}</div>;\n'),),
    literal_edits=TYPESCRIPT.literal_edits,
    identifier_patterns=TYPESCRIPT.identifier_patterns[:1],
    line_ends=(("lone-cr", b"\r"),),
)


# ---- Python -------------------------------------------------------------------------------------

_PY_EXCLUDE = ("site-packages/*", "lib2to3/tests/data/*", "test/bad*", "test/tokenizedata/*",
               "idlelib/idle_test/*")


def ast_unchanged(shipped: Path, marked: Path, scratch: Path) -> None:
    """Python's own parser is the judge: `ast.dump(ast.parse(...))` of every
    marked file equals the shipped file's (a file it cannot parse: it
    cannot parse the marked one either)."""
    import ast
    import warnings

    def dump(path: Path) -> str:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return ast.dump(ast.parse(path.read_bytes()))
        except (SyntaxError, ValueError) as exc:
            return f"cannot parse: {type(exc).__name__}"

    files = PYTHON.corpus.under(shipped)
    changed = [rel for rel in files if dump(shipped / rel) != dump(marked / rel)]
    assert len(files) > 100 and not changed, changed[:5]


def _formatter_list(name: str) -> Callable[[Path], list[str]]:
    return lambda scratch: [sys.executable, str(TOOLS / "pyfmt_list.py"), name, tool(name)]


PY_SHAPE = Shape(
    language="python",
    idents=("a", "b", "cnt", "total", "item", "x1", "zed", "ÿname"),
    simple=(
        "{id} = {lit}",
        "{id} = {id2} + {lit}",
        "{id}, {id2} = {id2}, {id}",
        "{id} += 1",
        "{id} = f({id2}, {str})",
        "{id} = ({id2}) * {lit}",
        "{id} = '''raw\n\n  text {lit}'''",
        "{id} = [\n    {lit},\n    2,\n]",
        "{id} = {{{str}: {lit}, 'k': {id2}}}",
        "assert {id}, {str}",
        "import os",
        "pass",
    ),
    blocks=("if {id} > {lit}:", "for {id} in range({lit}):", "while {id}:", "with open({str}) as {id}:"),
    function="def {name}(a, b):",
    returns="return a",
    file_comment="# File-level note.",
    comments=("# note", "# multi word note"),
    close=None,
)

PYTHON = Profile(
    language="python",
    corpus=Corpus("PY_STDLIB_SRC", ("*.py",), _PY_EXCLUDE, formatted_copy=True,
                  more=(("PY_CORPUS", ("*.py",), ()),)),
    formatters=(
        Formatter("black", _formatter_list("black"), lambda: [tool("black"), "-q"], clean=150),
        Formatter("ruff", _formatter_list("ruff"), lambda: [tool("ruff"), "format", "-q", "--no-cache"],
                  clean=150),
    ),
    judges=(Judge("ast", ast_unchanged),),
    mangle=None,
    samples=(SAMPLES / "orders.py", SAMPLES / "settings.py", SAMPLES / "textstats.py"),
    shape=PY_SHAPE,
    draws=Draws(marking=Draw(300, seed=3, max_bytes=150_000), hashes=Draw(200, seed=23, max_bytes=150_000),
                bits=None, prints=Draw(4, seed=2, max_bytes=60_000), fingerprints=Draw(30, max_bytes=200_000),
                boundaries=Draw(40, max_bytes=200_000)),
    expect=Expect(files=2400, units=300_000, with_carriers=2000, marked=250, unmarked=20, bits_read=3000),
    spellings=(
        ("x = 'a'\ny = .5\nz = 1E3\n", 'x = "a"\ny = 0.5\nz = 1e3\n'),
        ("def f(a, b,):\n    return (a, b)\n", "def f(a, b):\n    return a, b\n"),
        ("x = u'\\xAB'\n", 'x = "\\xab"\n'),
        ('def f():\n    """  Doc.\n\n       More.  """\n', 'def f():\n    """Doc.\n\n    More."""\n'),
        ("class C():\n    pass\n", "class C:\n    pass\n"),
        ("from m import (a, b)\nx = a;\n", "from m import a, b\n\nx = a\n"),
        ("def f(a: G[A] | B = 1):\n    pass\n", "def f(a: (G[A] | B) = 1):\n    pass\n"),
        ("x = ('a '\n     'b')\n", 'x = "a b"\n'),
    ),
    literal_edits=(("x = 1\nf(x)\n", "x = 2\nf(x)\n"), ("x = 'a'\n", "x = 'b'\n")),
    identifier_patterns=(("a = a + b\n", "a = b + b\n"),),
    line_ends=(("crlf", b"\r\n"), ("lone-cr", b"\r")),
)


PROFILES: tuple[Profile, ...] = (GO, JAVASCRIPT, TYPESCRIPT, TSX, PYTHON)


def profile_ids() -> list[str]:
    return [p.language for p in PROFILES]


def profile(language: str) -> Profile:
    return next(p for p in PROFILES if p.language == language)


__all__ = ["PROFILES", "Corpus", "Draw", "Draws", "Expect", "Formatter", "Judge", "Profile", "mangle_go",
           "profile", "profile_ids"]
