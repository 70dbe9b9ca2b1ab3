"""unmark (a recipient's copy back to the release) and line maps (lines of
a copy in the release, and back), on the bundled sample."""
from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import watermark
from watermark import demo
from watermark.core import layout
from watermark.workflow.unmark import LineMaps, unmark

KEY = watermark.Key(bytes(range(32)))
RECIPIENTS = ("acme", "globex", "initech")
SAMPLE = Path(demo.SAMPLE)
CODE = sorted(p.relative_to(SAMPLE).as_posix() for p in SAMPLE.rglob("*")
              if p.suffix in (".go", ".js", ".ts", ".tsx", ".py"))


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    """A folder with the registry r.db and copies/<recipient> of the sample."""
    root = tmp_path_factory.mktemp("shop")
    with watermark.Registry(root / "r.db") as reg, \
            watermark.Release.analyse(SAMPLE, KEY, name="shop-1.0", jobs=1) as release:
        reg.add_release(release)
        release.embed(list(RECIPIENTS), root / "copies", registry=reg)
    return root


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_every_recipients_copy_comes_back_byte_identical(shop, tmp_path):
    for r in RECIPIENTS:
        report = unmark(shop / "copies" / r, tmp_path / r, KEY, shop / "r.db")
        assert report.release == "shop-1.0" and report.recipient == r
        assert report.restored == len(CODE) and not report.edited
        assert _tree(tmp_path / r) == _tree(SAMPLE)
        assert _tree(shop / "copies" / r) != _tree(SAMPLE)  # (the copy itself is untouched, and was marked)


@st.composite
def edits(draw):
    """An edit a customer makes (anchored on text the copy and the release
    both hold): a literal changed, a statement inserted after a line, a
    line deleted."""
    path = draw(st.sampled_from(CODE))
    text = (SAMPLE / path).read_text()
    lines = [x for x in text.split("\n") if x.strip() and text.count(x) == 1]
    line = draw(st.sampled_from(lines))
    kind = draw(st.sampled_from(["literal", "insert", "delete"]))
    return path, line, kind


def _apply(text: str, line: str, kind: str, path: str) -> str:
    if kind == "literal":
        new = re.sub(r"\d+", lambda m: str(int(m.group()) + 7), line, count=1)
        new = new if new != line else line.rstrip() + (" # x" if path.endswith(".py") else " // x")
        return text.replace(line, new, 1)
    if kind == "insert":
        indent = re.match(r"[ \t]*", line).group()
        added = indent + ("# a customer's note" if path.endswith(".py") else "// a customer's note")
        return text.replace(line + "\n", line + "\n" + added + "\n", 1)
    return text.replace(line + "\n", "", 1)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edit=edits(), recipient=st.sampled_from(RECIPIENTS))
def test_an_edited_copy_keeps_its_edits_and_loses_its_marks(shop, tmp_path_factory, edit, recipient):
    path, line, kind = edit
    work = tmp_path_factory.mktemp("edit")
    copy = work / "copy"
    shutil.copytree(shop / "copies" / recipient, copy)
    f = copy / path
    edited = _apply(f.read_text(), line, kind, path)
    # (an edit that breaks the syntax: carriers in broken units stay as the copy has them)
    assume(not watermark.fingerprint(edited.encode(), path=path).has_error)
    f.write_text(edited)
    report = unmark(copy, work / "back", KEY, shop / "r.db", release="shop-1.0", recipient=recipient)
    release = (SAMPLE / path).read_text()
    want = _apply(release, line, kind, path)
    got = (work / "back" / path).read_text()
    if kind == "literal":
        assert got == want  # the edit kept, every blank line the release's
    else:
        # a statement added or deleted next to a carrier takes that carrier's
        # identity with it: the edit and every other line kept, at most one
        # of the marks' blank lines left on each side of it
        code = [x for x in got.split("\n") if x.strip()]
        assert code == [x for x in want.split("\n") if x.strip()]
        assert len(set(_blank_lines(got)) ^ set(_blank_lines(want))) <= 4  # (each left blank line shifts the rest)
    others = {p: b for p, b in _tree(work / "back").items() if p != path}
    assert others == {p: b for p, b in _tree(SAMPLE).items() if p != path}
    assert (want == (SAMPLE / path).read_text()) == (path not in report.edited)


def _blank_lines(text: str) -> list[str]:
    """Each blank line, named by the code lines around it."""
    rows = text.split("\n")
    code = [i for i, x in enumerate(rows) if x.strip()]
    out = []
    for i, x in enumerate(rows):
        if not x.strip():
            before = max((c for c in code if c < i), default=-1)
            after = min((c for c in code if c > i), default=len(rows))
            out.append(f"{rows[before] if before >= 0 else ''}|{rows[after] if after < len(rows) else ''}|{i - before}")
    return out


def test_a_registry_without_layouts_says_what_to_do_and_reads_the_release_tree(shop, tmp_path):
    old = tmp_path / "old.db"
    shutil.copyfile(shop / "r.db", old)
    with sqlite3.connect(old) as con:
        con.execute("UPDATE files SET layout = NULL")
    with pytest.raises(watermark.RegistryError, match="--release-tree"):
        unmark(shop / "copies" / "globex", tmp_path / "a", KEY, old, release="shop-1.0", recipient="globex")
    unmark(shop / "copies" / "globex", tmp_path / "b", KEY, old, release="shop-1.0", recipient="globex",
           release_tree=SAMPLE)
    assert _tree(tmp_path / "b") == _tree(SAMPLE)
    r = subprocess.run([sys.executable, "-m", "watermark", "unmark", str(shop / "copies" / "globex"), "--out",
                        str(tmp_path / "c"), "--registry", str(old), "--key-file", str(_key_file(tmp_path))],
                       capture_output=True, text=True)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "--release-tree" in r.stderr


def _key_file(tmp_path: Path) -> Path:
    path = tmp_path / "k.key"
    if not path.exists():
        KEY.save(path)
    return path


def test_every_line_of_every_copy_maps_to_its_release_line_and_back(shop):
    for r in RECIPIENTS:
        maps = LineMaps(shop / "r.db", KEY, r)
        for path in CODE:
            copy = (shop / "copies" / r / path).read_text().split("\n")
            release = (SAMPLE / path).read_text().split("\n")
            for i, text in enumerate(copy, 1):
                j, exact = maps.map(path, i)
                if text.strip():
                    assert exact and release[j - 1] == text, (r, path, i)
                    assert maps.map(path, j, to="copy") == (i, True)
                elif not exact:
                    assert release[j - 1].strip()  # a blank line only the copy has: the next line both have


def test_the_cli_translates_references_and_rewrites_a_trace_on_stdin(shop, tmp_path):
    key = _key_file(tmp_path)
    copy = (shop / "copies" / "globex" / "web/cart.js").read_text().split("\n")
    line = next(i for i, t in enumerate(copy, 1) if "throw new Error(`cart: coupon" in t)
    base = [sys.executable, "-m", "watermark", "linemap", "--recipient", "globex", "--registry", str(shop / "r.db"),
            "--key-file", str(key)]
    r = subprocess.run([*base, f"web/cart.js:{line}", "--json"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    (row,) = json.loads(r.stdout)["lines"]
    got = int(row["to"].split(":")[1])
    assert "throw new Error(`cart: coupon" in (SAMPLE / "web/cart.js").read_text().split("\n")[got - 1]
    text = f"Error: x\n    at Cart.applyCoupon (/srv/app/web/cart.js:{line}:13)\n    at other.js:3:1\n"
    r = subprocess.run([*base, "-"], input=text, capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout == text.replace(f"cart.js:{line}:13", f"cart.js:{got}:13")
    r = subprocess.run([*base, "web/cart.js:twelve"], capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "not FILE:LINE" in r.stderr


def test_layout_packing_round_trips():
    gaps = [layout.Gap(3, b""), layout.Gap(7, b"\n"), layout.Gap(9, b"\r\n"), layout.Gap(20, b"\n  \n")]
    assert layout.decode(layout.encode(gaps)) == gaps
    with pytest.raises(ValueError):
        layout.decode(b"\x01\x09")


@pytest.mark.corpus
def test_real_go_and_node_stack_traces_of_a_marked_copy_map_to_the_release(shop, tmp_path):
    """The marked sample run: a Go panic and a Node.js exception thrown in
    globex's copy name lines of the copy; linemap turns them into the
    release's lines of the same statements."""
    from corpus import tool

    copy = tmp_path / "copy"
    shutil.copytree(shop / "copies" / "globex", copy)
    (copy / "inventory" / "panic_test.go").write_text(
        "package inventory\n\nimport \"testing\"\n\nfunc TestPanic(t *testing.T) {\n"
        "\tvar s *Store\n\t_ = s.Ship(\"x\", 1)\n}\n")
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GOCACHE": str(tmp_path / "gocache"), "GOPATH": str(tmp_path / "gp")}
    go = subprocess.run([tool("go"), "test", "./inventory/"], cwd=copy, capture_output=True, text=True, env=env)
    script = "const {Cart} = require('./web/cart.js'); new Cart().applyCoupon('X', 99)"
    js = subprocess.run([tool("node"), "-e", script], cwd=copy, capture_output=True, text=True)
    maps = LineMaps(shop / "r.db", KEY, "globex")
    for out, path, needle in ((go.stdout + go.stderr, "inventory/inventory.go", "s.mu.Lock()"),
                              (js.stderr, "web/cart.js", "throw new Error(`cart: coupon")):
        refs = re.findall(re.escape(path) + r":(\d+)", out)
        assert refs, out
        copy_line = int(refs[0])
        assert needle in (copy / path).read_text().split("\n")[copy_line - 1], out
        text, _notes = maps.rewrite(out)
        got = int(re.findall(re.escape(path) + r":(\d+)", text)[0])
        assert needle in (SAMPLE / path).read_text().split("\n")[got - 1]


def test_a_patch_made_against_a_copy_applies_to_the_release(shop, tmp_path):
    """`diff -ru` of a recipient's copy against its edited copy, rebased:
    `patch -p1` applies it to the release, and gives what unmark gives for
    the edited copy."""
    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(shop / "copies" / "globex", a)
    shutil.copytree(shop / "copies" / "globex", b)
    cart = b / "web" / "cart.js"
    cart.write_text(cart.read_text().replace("percent > 50", "percent > 90")
                    .replace("    return true;\n  }\n", "    audit(code);\n    return true;\n  }\n", 1))
    go = b / "inventory" / "inventory.go"
    go.write_text(go.read_text().replace("\ts.mu.Lock()\n", "\ts.mu.Lock()\n\tlog.Print(\"lock\")\n", 1))
    ledger = b / "reports" / "ledger.py"
    rows = ledger.read_text().split("\n")
    del rows[30]
    ledger.write_text("\n".join(rows))
    made = subprocess.run(["diff", "-ru", "a", "b"], cwd=tmp_path, capture_output=True, text=True)
    assert made.returncode == 1
    (tmp_path / "copy.patch").write_text(made.stdout)
    r = subprocess.run([sys.executable, "-m", "watermark", "unmark", "--patch", str(tmp_path / "copy.patch"),
                        "--recipient", "globex", "--out", str(tmp_path / "release.patch"), "--registry",
                        str(shop / "r.db"), "--key-file", str(_key_file(tmp_path))], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    release = tmp_path / "release"
    shutil.copytree(SAMPLE, release)
    applied = subprocess.run(["patch", "-p1", "-s", "-i", str(tmp_path / "release.patch")], cwd=release,
                             capture_output=True, text=True)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    unmark(b, tmp_path / "back", KEY, shop / "r.db", release="shop-1.0", recipient="globex")
    assert _tree(release) == _tree(tmp_path / "back")
    assert _tree(release) != _tree(SAMPLE)


@pytest.mark.corpus
def test_every_copy_of_a_corpus_release_comes_back_byte_identical(tmp_path):
    """A release of real code in every language (Go, JavaScript, TypeScript,
    Python packages of the corpora), marked for three recipients: unmark
    gives the release back, byte for byte, from every copy."""
    from corpus import corpus_root

    parts = [("GO_STDLIB_SRC", "encoding/json", "*.go"), ("GO_STDLIB_SRC", "net/http/cookiejar", "*.go"),
             ("JS_CORPUS", "express/lib", "*.js"), ("TS_CORPUS", "rxjs/src/internal/scheduler", "*.ts"),
             ("PY_STDLIB_SRC", "json", "*.py"), ("PY_STDLIB_SRC", "email", "*.py")]
    release = tmp_path / "release"
    for env, folder, pattern in parts:
        root = corpus_root(env) / folder
        for p in sorted(root.rglob(pattern)):
            dst = release / env.lower() / folder / p.relative_to(root)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, dst)
    with watermark.Registry(tmp_path / "r.db") as reg, \
            watermark.Release.analyse(release, KEY, name="corpus-1") as rel:
        reg.add_release(rel)
        assert rel.carriers > 2000
        rel.embed(list(RECIPIENTS), tmp_path / "copies", registry=reg)
    for r in RECIPIENTS:
        assert _tree(tmp_path / "copies" / r) != _tree(release)
        report = unmark(tmp_path / "copies" / r, tmp_path / f"back-{r}", KEY, tmp_path / "r.db")
        assert report.recipient == r and not report.edited
        assert _tree(tmp_path / f"back-{r}") == _tree(release)


def test_a_copy_with_windows_line_ends_loses_its_marks_and_keeps_its_line_ends(shop, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(shop / "copies" / "initech", copy)
    for p in copy.rglob("*.js"):
        p.write_bytes(p.read_bytes().replace(b"\n", b"\r\n"))
    report = unmark(copy, tmp_path / "back", KEY, shop / "r.db")
    assert report.recipient == "initech"
    back = _tree(tmp_path / "back")
    assert {p: b.replace(b"\r\n", b"\n") for p, b in back.items()} == _tree(SAMPLE)
    assert all(b"\r\n" in b for p, b in back.items() if p.endswith(".js"))
