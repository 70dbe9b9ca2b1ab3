"""Marking real code: the Go standard library and the JS corpus.

Every file keeps its tree; a marked Go standard library still builds and
vets; gofmt, gofumpt and prettier flag exactly the files they flagged
before, also with every eligible boundary flipped at once; node still loads
every sampled JS file; the formatters change no carrier's bit.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import tree_sitter
from corpus import corpus_root, go_files, gofumpt_list, js_files, mangle_go, sample, tool

import watermark
from watermark import languages as _languages
from watermark.core import carriers as _carriers
from watermark.core import marks as _watermark

pytestmark = pytest.mark.corpus

KEY = watermark.Key(bytes(range(7, 39)))


def _mark_tree(src_root: Path, dst_root: Path, suffixes: tuple[str, ...]) -> tuple[int, list[str]]:
    """Copy src_root to dst_root, marking every source file for "alice".
    Returns (files marked, files left unmarked with the reason)."""
    marked, unmarked = 0, []
    for dirpath, _dirs, files in os.walk(src_root):
        rel = Path(dirpath).relative_to(src_root)
        (dst_root / rel).mkdir(parents=True, exist_ok=True)
        for name in files:
            s, d = Path(dirpath) / name, dst_root / rel / name
            if s.is_symlink():
                os.symlink(os.readlink(s), d)
                continue
            data = s.read_bytes()
            if name.endswith(suffixes):
                result = watermark.embed(data, KEY, "alice", path=name)
                if result.marked:
                    marked += 1
                else:
                    unmarked.append(result.reason)
                data = result.source
            d.write_bytes(data)
            shutil.copymode(s, d)
    return marked, unmarked


@pytest.fixture(scope="module")
def marked_goroot(tmp_path_factory) -> Path:
    """A GOROOT whose src/ is the marked standard library."""
    go = tool("go")
    goroot = Path(subprocess.run([go, "env", "GOROOT"], capture_output=True, text=True,
                                 check=True).stdout.strip())
    root = tmp_path_factory.mktemp("goroot")
    for name in os.listdir(goroot):
        if name != "src":
            os.symlink(os.path.realpath(goroot / name), root / name)
    marked, unmarked = _mark_tree(corpus_root("GO_STDLIB_SRC"), root / "src", (".go",))
    assert marked > 5000
    # only test inputs that are broken on purpose stay unmarked
    assert all("syntax error" in reason for reason in unmarked), unmarked[:5]
    assert len(unmarked) < 100
    return root


def test_every_corpus_file_keeps_its_tree():
    """Checked by an independent parse: py-tree-sitter's node kinds and token texts."""
    checked = 0
    for files, language in ((go_files(), "go"), (js_files(), "javascript")):
        parser = tree_sitter.Parser(_languages.get(language).tables.ts_language)
        for i, path in enumerate(files):
            data = path.read_bytes()
            result = watermark.embed(data, KEY, "alice", language=language)
            fp = watermark.fingerprint(data, language=language)
            assert result.marked == (not fp.has_error), (path, result.reason)
            if result.carriers == 0:  # nothing to write: the input comes back as is
                assert result.source is data or result.source == data
                continue
            after = watermark.fingerprint(result.source, language=language)
            assert (after.syntax_digest, after.exact) == (fp.syntax_digest, fp.exact), path
            if i % 40 == 0:
                assert _tokens(parser.parse(data)) == _tokens(parser.parse(result.source)), path
            checked += 1
    assert checked > 6000  # files with at least one carrier (6,324 of 8,136)


def _tokens(tree) -> list[tuple[str, bytes | None]]:
    out = []
    cursor = tree.walk()
    while True:
        node = cursor.node
        out.append((node.type, node.text if node.child_count == 0 else None))
        if cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return out


def test_marked_standard_library_builds_and_vets(marked_goroot, tmp_path):
    env = dict(os.environ, GOROOT=str(marked_goroot), GOCACHE=str(tmp_path / "cache"),
               GOFLAGS="", CGO_ENABLED="0")
    go = tool("go")
    listed = subprocess.run([go, "list", "-f", "{{.Dir}}", "fmt"], env=env, capture_output=True,
                            text=True, check=True).stdout.strip()
    assert listed.startswith(str(marked_goroot))
    for args in (["build", "std", "cmd"], ["vet", "std"]):
        result = subprocess.run([go, *args], env=env, capture_output=True, text=True)
        assert result.returncode == 0, (args, result.stderr[-3000:])


@pytest.fixture(scope="module")
def flipped_go_tree(tmp_path_factory) -> Path:
    """The standard library with every eligible boundary flipped: with the
    original, both states of every carrier."""
    root = tmp_path_factory.mktemp("flipped")
    src = corpus_root("GO_STDLIB_SRC")
    for path in go_files():
        dst = root / path.relative_to(src)
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(_flip_all(path.read_bytes(), "go"))
    return root


def _flagged(command: list[str], root: Path) -> set[str]:
    """Files under root that a `gofmt -l`-like command lists."""
    files = sorted(str(p) for p in root.rglob("*.go") if p.is_file())
    listed = set()
    for i in range(0, len(files), 500):
        out = subprocess.run(command + files[i:i + 500], capture_output=True, text=True).stdout
        listed.update(str(Path(p).relative_to(root)) for p in out.split())
    return listed


def test_gofmt_flags_exactly_the_files_it_flagged_before(marked_goroot, flipped_go_tree):
    gofmt = [tool("gofmt"), "-l"]
    before = _flagged(gofmt, corpus_root("GO_STDLIB_SRC"))
    assert _flagged(gofmt, marked_goroot / "src") == before
    assert _flagged(gofmt, flipped_go_tree) == before


def test_gofumpt_flags_exactly_the_files_it_flagged_before(marked_goroot, flipped_go_tree, tmp_path):
    """gofumpt 0.4.0's stricter rules (no blank line before `if err != nil`,
    none between uncommented interface methods...) hold too."""
    gofumpt = [gofumpt_list(tmp_path)]
    before = _flagged(gofumpt, corpus_root("GO_STDLIB_SRC"))
    assert 1000 < len(before) < 4000  # the tool runs: the stdlib is gofmt-clean, not all gofumpt-clean
    assert _flagged(gofumpt, marked_goroot / "src") == before
    assert _flagged(gofumpt, flipped_go_tree) == before


def test_formatters_accept_every_carrier_state_in_go_alignment_lists(tmp_path):
    """tests/fixtures/lists.go (fields, specs, literals, interfaces, cases;
    with and without comments, tags and trailing comments) is gofmt- and
    gofumpt-clean, with every eligible boundary flipped and for every
    recipient."""
    data = (Path(__file__).parent / "fixtures" / "lists.go").read_bytes()
    copies = {"original.go": data, "flipped.go": _flip_all(data, "go")}
    for r in range(8):
        copies[f"r{r}.go"] = watermark.embed(data, KEY, f"r{r}", language="go", density=1.0).source
    assert len(set(copies.values())) > 5
    for name, text in copies.items():
        (tmp_path / name).write_bytes(text)
    files = [str(tmp_path / name) for name in copies]
    for command in ([tool("gofmt"), "-l"], [gofumpt_list(tmp_path)]):
        assert subprocess.run(command + files, capture_output=True, text=True).stdout == ""


def test_gofmt_changes_no_carrier_bit(marked_goroot):
    gofmt = tool("gofmt")
    files = sample(sorted((marked_goroot / "src").rglob("*.go")), 150, max_bytes=200_000)
    changed, read = [], 0
    for path in files:
        data = path.read_bytes()
        mangled = mangle_go(data)  # undo gofmt's work first, doubling blank lines too
        if mangled is None:
            continue
        formatted = subprocess.run([gofmt], input=mangled, capture_output=True)
        if formatted.returncode:  # test inputs with syntax errors
            continue
        bits = [dict(watermark.extract(x, KEY, language="go")) for x in (data, mangled, formatted.stdout)]
        read += len(bits[0])
        # gofmt may split a one-line body into lines, making new boundaries; none it had may change
        if bits[0] != bits[1] or any(bits[2].get(i) != bit for i, bit in bits[0].items()):
            changed.append(str(path))
    assert read > 2000 and not changed, changed[:5]


def _flip_all(data: bytes, language: str) -> bytes:
    """data with every eligible boundary flipped (a blank line added where
    there is none, removed where there is one)."""
    fp = watermark.fingerprint(data, language=language)
    if fp.has_error:
        return data
    return _watermark.flipped(fp, _carriers.boundaries(fp))


@pytest.fixture(scope="module")
def js_trees(tmp_path_factory):
    """Sampled JS corpus files: as shipped and prettier-formatted; each also
    marked, and with every eligible boundary flipped."""
    prettier = tool("prettier")
    root = tmp_path_factory.mktemp("js")
    names = ("orig", "pretty", "orig_marked", "pretty_marked", "orig_flipped", "pretty_flipped")
    dirs = {name: root / name for name in names}
    for d in dirs.values():
        d.mkdir()
    for i, path in enumerate(sample(js_files(), 200, seed=3, max_bytes=150_000)):
        suffix = path.suffix
        (dirs["orig"] / f"{i}{suffix}").write_bytes(path.read_bytes())
        (dirs["pretty"] / f"{i}{suffix}").write_bytes(path.read_bytes())
    subprocess.run([prettier, "--write", "--log-level", "silent", str(dirs["pretty"])],
                   capture_output=True)
    for src in ("orig", "pretty"):
        for f in sorted(dirs[src].iterdir()):
            data = f.read_bytes()
            (dirs[f"{src}_marked"] / f.name).write_bytes(watermark.embed(data, KEY, "alice", path=f.name).source)
            (dirs[f"{src}_flipped"] / f.name).write_bytes(_flip_all(data, "javascript"))
    return dirs


def _prettier_flags(directory: Path) -> set[str]:
    out = subprocess.run([tool("prettier"), "--list-different", str(directory)], capture_output=True,
                         text=True).stdout
    return {Path(p).name for p in out.split()}


def test_prettier_check_passes_exactly_where_it_did(js_trees):
    for src in ("orig", "pretty"):
        before = _prettier_flags(js_trees[src])
        assert _prettier_flags(js_trees[f"{src}_marked"]) == before
        assert _prettier_flags(js_trees[f"{src}_flipped"]) == before
    assert len(list(js_trees["pretty"].iterdir())) - len(_prettier_flags(js_trees["pretty"])) > 150


def test_node_check_passes_exactly_where_it_did(js_trees):
    node = tool("node")
    for f in sorted(js_trees["orig"].iterdir()):
        before = subprocess.run([node, "--check", str(f)], capture_output=True).returncode
        after = subprocess.run([node, "--check", str(js_trees["orig_marked"] / f.name)],
                               capture_output=True).returncode
        assert before == after, f


def test_prettier_changes_no_carrier_bit(js_trees, tmp_path):
    formatted = tmp_path / "formatted"
    shutil.copytree(js_trees["orig_marked"], formatted)
    subprocess.run([tool("prettier"), "--write", "--log-level", "silent", str(formatted)],
                   capture_output=True)
    read, changed = 0, []
    for f in sorted(js_trees["orig_marked"].iterdir()):  # the bits embed wrote, as trace reads them after prettier
        before = dict(watermark.extract(f.read_bytes(), KEY, path=f.name, lenient=False))
        after = dict(watermark.extract((formatted / f.name).read_bytes(), KEY, path=f.name))
        strict_after = dict(watermark.extract((formatted / f.name).read_bytes(), KEY, path=f.name, lenient=False))
        read += len(before)
        if any(after.get(i) != bit or strict_after.get(i, bit) != bit for i, bit in before.items()):
            changed.append(f.name)
    assert read > 2000 and not changed, changed[:5]
