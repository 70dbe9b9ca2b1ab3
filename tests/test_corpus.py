"""Real code: the Go 1.19 standard library and the pinned npm packages."""
from __future__ import annotations

import subprocess

import pytest
from corpus import go_files, js_files, mangle_go, sample, tool

import watermark

pytestmark = pytest.mark.corpus


def _units(fp):
    return [(u.kind, u.exact, u.renamed, u.skeleton) for u in fp.units]


@pytest.mark.parametrize("files", [go_files, js_files], ids=["go-stdlib", "js-corpus"])
def test_every_corpus_file_fingerprints_without_error(files):
    paths = files()
    assert len(paths) > 2000
    units = 0
    for path in paths:
        data = path.read_bytes()
        fp = watermark.fingerprint(data, path=str(path))
        assert fp.size == len(data)
        units += fp.unit_count
    assert units > 100_000


def test_gofmt_changes_no_hash_on_real_files():
    gofmt = tool("gofmt")
    checked = 0
    for path in sample(go_files(), 120, max_bytes=200_000):
        original = path.read_bytes()
        mangled = mangle_go(original)
        if mangled is None:
            continue
        result = subprocess.run([gofmt], input=mangled, capture_output=True)
        if result.returncode:  # mangling broke a raw string or similar; not gofmt's input then
            continue
        fps = [watermark.fingerprint(x, language="go") for x in (original, mangled, result.stdout)]
        assert _units(fps[0]) == _units(fps[1]) == _units(fps[2]), path
        assert len({(fp.exact, fp.renamed, fp.skeleton) for fp in fps}) == 1
        checked += 1
    assert checked >= 40


def test_gofmt_rewrites_of_semicolons_literals_and_layout_change_no_hash():
    gofmt = tool("gofmt")
    src = (b"package p\nimport \"fmt\"\nfunc f(a int) int { x := 0X1F; y := 1E3\n"
           b" if a > 0 { fmt.Println(x, y) }; return a }\n")
    formatted = subprocess.run([gofmt], input=src, capture_output=True, check=True).stdout
    assert formatted != src
    a, b = watermark.fingerprint(src, language="go"), watermark.fingerprint(formatted, language="go")
    assert _units(a) == _units(b) and a.exact == b.exact


def test_prettier_changes_no_hash_on_real_files(tmp_path):
    """prettier rewrites quotes (strings and property keys), semicolons,
    parentheses (also inside `&&`/`||`/`??` chains), `new C` to `new C()`,
    regex flag order, trailing commas, numbers and layout: no hash moves."""
    prettier = tool("prettier")
    files = sample(js_files(), 300, seed=23, max_bytes=150_000)
    for i, path in enumerate(files):
        (tmp_path / f"{i}.js").write_bytes(path.read_bytes())
    subprocess.run([prettier, "--write", "--log-level", "warn", str(tmp_path)], check=True,
                   capture_output=True)
    changed = []
    for i, path in enumerate(files):
        a = watermark.fingerprint(path.read_bytes(), language="javascript")
        b = watermark.fingerprint((tmp_path / f"{i}.js").read_bytes(), language="javascript")
        if _units(a) != _units(b) or a.exact != b.exact:
            changed.append(str(path))
    assert not changed, f"{len(changed)}/{len(files)} files changed hashes: {changed[:5]}"


def test_prettier_rewrites_of_quotes_semicolons_parens_and_numbers_change_no_hash():
    prettier = tool("prettier")
    src = (b"var a = 'x', b = \"y\"\nconst f = x => (x + 1)\nlet n = .50, m = 1E3\n"
           b"function g(p,q){return [p,q,]}\nconst o = {k: 'it\\'s', l: [1,2,3,]}\n"
           b"const q = {'a': 1, 'b-c': 2, '7': x, 'm'() {}};;\nclass K { 'f' = 1; static 'g'() {} }\n"
           b"x = a && (b && c) || (d || e); y = a ?? (b ?? c); z = new Foo; r = /x/ig\n")
    formatted = subprocess.run([prettier, "--stdin-filepath", "x.js"], input=src, capture_output=True,
                               check=True).stdout
    assert formatted != src
    a, b = watermark.fingerprint(src, language="javascript"), watermark.fingerprint(formatted, language="javascript")
    assert _units(a) == _units(b) and a.exact == b.exact
