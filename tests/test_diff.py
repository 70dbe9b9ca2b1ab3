"""`watermark diff`: statuses, change classes, matching, the recipient-copy
property, the CLI's exit codes and output, bad input."""
from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from corpus import tool
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import layouts, programs, render

import watermark
from watermark import demo, languages
from watermark.backend import BACKEND
from watermark.backend.contract import WM_EV_TOKEN, WM_SEED_TEXT
from watermark.cli import main
from watermark.diff import CLASSES, STATUSES
from watermark.diff import entities as _entities
from watermark.diff import script as _script
from watermark.diff.render import report

SAMPLE = demo.SAMPLE
KEY = watermark.Key(bytes(range(32)))


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def _diff(tmp_path: Path, base: dict[str, str], suspect: dict[str, str]) -> watermark.TreeDiff:
    return watermark.diff(_tree(tmp_path / "base", base), _tree(tmp_path / "suspect", suspect), jobs=1)


def _one(d: watermark.TreeDiff, name: str) -> watermark.FunctionDiff:
    got = [f for f in d.functions if f.name == name]
    assert len(got) == 1, [(f.status, f.name) for f in d.functions]
    return got[0]


GO_BASE = """package shop

import "errors"

type Cart struct {
\tItems []int
\tTotal int
}

func (c *Cart) Add(n int) error {
\tif n < 0 {
\t\treturn errors.New("negative")
\t}
\tc.Items = append(c.Items, n)
\tc.Total += n
\treturn nil
}

func Sum(xs []int) int {
\ts := 0
\tfor _, x := range xs {
\t\ts += x
\t}
\treturn s
}

func Label(name string) string {
\treturn "item " + name
}
"""

JS_BASE = """'use strict';
const util = require('util');

function sum(xs) {
  let s = 0;
  for (const x of xs) {
    s += x;
  }
  return s;
}

class Cart {
  constructor(owner) {
    this.owner = owner;
    this.items = [];
  }
  add(n) {
    if (n < 0) {
      throw new Error('negative');
    }
    this.items.push(n);
    return this;
  }
}

module.exports.label = function (name) {
  return util.format('item %s', name);
};
"""


# ---- statuses -----------------------------------------------------------------------

def test_identical_trees_are_unchanged(tmp_path):
    d = _diff(tmp_path, {"a.go": GO_BASE, "b.js": JS_BASE}, {"a.go": GO_BASE, "b.js": JS_BASE})
    assert not d.changed and d.functions == []
    assert set(d.summary) == {"unchanged"}
    assert {f.status for f in d.files} == {"unchanged"}


def test_layout_comments_and_blank_lines_are_layout(tmp_path):
    go = GO_BASE.replace("\tc.Total += n\n", "\n\t// keep the total\n\tc.Total += n\n\n").replace(
        "func Sum(xs []int) int {", "// Sum adds.\nfunc Sum(xs []int) int {")
    js = JS_BASE.replace("    this.items.push(n);\n", "    this.items.push(n); // store\n\n").replace("'", '"')
    d = _diff(tmp_path, {"a.go": GO_BASE, "b.js": JS_BASE}, {"a.go": go, "b.js": js})
    assert not d.changed, [(f.status, f.name) for f in d.functions]
    assert d.summary.get("layout", 0) >= 2 and set(d.summary) <= {"unchanged", "layout"}


def test_odd_line_ends_a_bom_and_other_indentation_are_layout(tmp_path):
    """What a leaker's editor does to a file: CRLF or lone-CR line ends, a
    BOM, spaces for tabs, trailing blanks."""
    go = "\ufeff" + GO_BASE.replace("\t", "    ").replace("\n", " \r\n")
    js = JS_BASE.replace("\n", "\r\n").replace("  ", "\t")
    d = _diff(tmp_path, {"a.go": GO_BASE, "b.js": JS_BASE}, {"a.go": go, "b.js": js})
    assert not d.changed, [(f.status, f.name, f.classes) for f in d.functions]
    assert d.summary.get("layout", 0) >= 5


@pytest.mark.parametrize("lang", ["go", "javascript"])
def test_every_status(tmp_path, lang):
    if lang == "go":
        base = GO_BASE
        suspect = (GO_BASE.replace("func Sum(xs []int) int {\n\ts := 0\n\tfor _, x := range xs {\n\t\ts += x",
                                   "func Sum(ys []int) int {\n\ts := 0\n\tfor _, y := range ys {\n\t\ts += y")
                   .replace('"item "', '"article "')
                   .replace("\tc.Total += n\n", "\tc.Total += n * 2\n")
                   + "\nfunc New() *Cart {\n\treturn &Cart{}\n}\n")
        base += "\nfunc Old() int {\n\treturn 1 + 2 + 3\n}\n"
        names = {"renamed": "Sum", "literal": "Label", "modified": "Cart.Add", "added": "New", "removed": "Old"}
        path = "a.go"
    else:
        base = JS_BASE + "\nfunction old() {\n  return [1, 2, 3];\n}\n"
        suspect = (JS_BASE.replace("function sum(xs) {\n  let s = 0;\n  for (const x of xs) {\n    s += x;",
                                   "function sum(ys) {\n  let t = 0;\n  for (const y of ys) {\n    t += y;")
                   .replace("return s;", "return t;")
                   .replace("'item %s'", "'article %s'")
                   .replace("    this.items.push(n);\n", "    this.items.push(n * 2);\n")
                   + "\nfunction fresh() {\n  return {};\n}\n")
        names = {"renamed": "sum", "literal": "module.exports.label", "modified": "Cart.add", "added": "fresh",
                 "removed": "old"}
        path = "a.js"
    d = _diff(tmp_path, {path: base}, {path: suspect})
    for status, name in names.items():
        f = _one(d, name)
        assert f.status == status, (name, f.status)
        assert not f.moved
        assert (f.base is None) == (status == "added") and (f.suspect is None) == (status == "removed")
    assert d.summary["unchanged"] + d.summary.get("layout", 0) >= 2
    assert d.changed
    assert set(d.summary) <= set(STATUSES)


def test_moved_and_renamed_functions_are_found_across_files(tmp_path):
    other = "package shop\n\nfunc Helper() int {\n\treturn 42\n}\n"
    base = {"a.go": GO_BASE, "b.go": other}
    # Sum moves to b.go unchanged; Label is renamed to Title in its own file
    moved = GO_BASE.replace(GO_BASE[GO_BASE.index("func Sum"):GO_BASE.index("func Label")], "")
    moved = moved.replace("func Label(", "func Title(")
    suspect = {"a.go": moved, "b.go": other + "\n" + GO_BASE[GO_BASE.index("func Sum"):GO_BASE.index("func Label")]}
    d = _diff(tmp_path, base, suspect)
    s = _one(d, "Sum")
    assert s.moved and s.status == "unchanged" or s.status == "layout"
    assert s.base.path == "a.go" and s.suspect.path == "b.go"
    t = _one(d, "Label")  # renamed in place: a rename, not a move
    assert not t.moved and t.status == "renamed" and t.suspect.path == "a.go" and t.suspect_name == "Title"
    assert "identifier-changed" in t.classes
    assert [f.name for f in d.functions] == ["Label", "Sum"]  # one report each: the file scopes did not change


def test_a_renamed_file_is_paired_by_content(tmp_path):
    d = _diff(tmp_path, {"pkg/a.go": GO_BASE}, {"pkg/cart.go": GO_BASE.replace("Total += n", "Total -= n")})
    assert [(f.base, f.suspect, f.moved) for f in d.files] == [("pkg/a.go", "pkg/cart.go", True)]
    add = _one(d, "Cart.Add")
    assert add.status == "modified" and add.moved and "field-assignment-changed" in add.classes
    assert not any(f.status in ("added", "removed") for f in d.functions)


def test_a_lone_top_folder_is_aligned(tmp_path):
    base = _tree(tmp_path / "rel", {"release-1.0/a.go": GO_BASE})
    suspect = _tree(tmp_path / "copy", {"a.go": GO_BASE})
    d = watermark.diff(base, suspect, jobs=1)
    assert not d.changed and d.files[0].base == "release-1.0/a.go" and d.files[0].suspect == "a.go"


# ---- change classes -------------------------------------------------------------------

GO_FN = """package p

func F(a int, b *T) (int, error) {
\tdefer b.Close()
\tx, err := load(a)
\tif err != nil {
\t\treturn 0, err
\t}
\tfor i := 0; i < a; i++ {
\t\tx += i
\t}
\tb.count = x
\tlog(x)
\tif x > 10 {
\t\tgoto done
\t}
\treturn x, nil
done:
\treturn 10, nil
}
"""
JS_FN = """function f(a, b) {
  const x = load(a);
  try {
    b.open();
  } catch (e) {
    return 0;
  }
  for (let i = 0; i < a; i++) {
    b.total += i;
  }
  log(x);
  if (x > 10) {
    return 10;
  }
  let y = x * 2;
  return y;
}
"""
TS_FN = """class Box {
  count = 0;

  total(a: number, b: Shelf): number {
    const x = load(a);
    try {
      b.open();
    } catch (e) {
      return 0;
    }
    log(x);
    if (x > 10) {
      return 10;
    }
    this.count = x;
    return x * 2;
  }
}
"""
PY_FN = '''class Box:
    def total(self, a, b):
        """Sum up."""
        x = load(a)
        try:
            b.open()
        except ValueError:
            return 0
        for i in range(a):
            self.count += i
        log(x)
        if x > 10:
            return 10
        y = x * 2
        return y
'''
# per language: (source of the function, file name, the function's name in the diff)
CLASS_BASES = {"go": (GO_FN, "f.go", "F"), "javascript": (JS_FN, "f.js", "f"),
               "typescript": (TS_FN, "f.ts", "Box.total"), "tsx": (TS_FN, "f.tsx", "Box.total"),
               "python": (PY_FN, "f.py", "Box.total")}

# (language, class, old, new): one edit of the function above
CLASS_CASES = [
    ("go", "goto-added", "\tlog(x)\n", "\tlog(x)\n\tgoto done\n"),
    ("go", "goto-removed", "\t\tgoto done\n", "\t\tx++\n"),
    ("go", "branch-added", "\tlog(x)\n", "\tif x == 3 {\n\t\tx = 4\n\t}\n\tlog(x)\n"),
    ("go", "branch-removed", "\tif x > 10 {\n\t\tgoto done\n\t}\n", ""),
    ("go", "branch-added", "if x > 10 {", "if x > 10 && a > 1 {"),
    ("go", "condition-changed", "if x > 10 {", "if x >= 10 {"),
    ("go", "loop-added", "\tlog(x)\n", "\tfor x > 100 {\n\t\tx--\n\t}\n\tlog(x)\n"),
    ("go", "loop-removed", "\tfor i := 0; i < a; i++ {\n\t\tx += i\n\t}\n", ""),
    ("go", "call-added", "\tb.count = x\n", "\tb.count = x\n\tflush(b)\n"),
    ("go", "call-removed", "\tlog(x)\n", ""),
    ("go", "return-changed", "\treturn x, nil\ndone", "\treturn x + 1, nil\ndone"),
    ("go", "field-assignment-changed", "\tb.count = x\n", "\tb.count = x - 1\n"),
    ("go", "field-assignment-changed", "\tlog(x)\n", "\tb.owner = a\n\tlog(x)\n"),
    ("go", "assignment-changed", "\t\tx += i\n", "\t\tx -= i\n"),
    ("go", "literal-changed", "return 10, nil", "return 11, nil"),
    ("go", "identifier-changed", "\tlog(x)\n", "\tlog(a)\n"),
    ("go", "statement-added", "\tlog(x)\n", "\tlog(x)\n\tx++\n"),
    ("go", "statement-removed", "\tb.count = x\n", ""),
    ("go", "statement-moved", "\tb.count = x\n\tlog(x)\n", "\tlog(x)\n\tb.count = x\n"),
    ("go", "signature-changed", "func F(a int, b *T) (int, error) {", "func F(a int64, b *T) (int, error) {"),
    ("go", "defer-changed", "\tdefer b.Close()\n", "\tdefer b.Flush()\n"),
    ("go", "goroutine-changed", "\tlog(x)\n", "\tgo log(x)\n"),
    ("go", "error-handling-changed", "\t\treturn 0, err\n", "\t\tlog(err)\n\t\treturn 0, err\n"),
    ("javascript", "branch-added", "  log(x);\n", "  if (x === 3) {\n    b.reset();\n  }\n  log(x);\n"),
    ("javascript", "branch-added", "  let y = x * 2;\n", "  let y = x > 2 ? x * 2 : x;\n"),
    ("javascript", "branch-removed", "  if (x > 10) {\n    return 10;\n  }\n", ""),
    ("javascript", "condition-changed", "if (x > 10) {", "if (x > 11 || a) {"),
    ("javascript", "loop-added", "  log(x);\n", "  while (x > 100) {\n    x--;\n  }\n  log(x);\n"),
    ("javascript", "loop-removed", "  for (let i = 0; i < a; i++) {\n    b.total += i;\n  }\n", ""),
    ("javascript", "call-added", "  let y = x * 2;\n", "  let y = x * 2;\n  audit(y);\n"),
    ("javascript", "call-removed", "  log(x);\n", ""),
    ("javascript", "return-changed", "  return y;\n", "  return -y;\n"),
    ("javascript", "field-assignment-changed", "    b.total += i;\n", "    b.total += i * 2;\n"),
    ("javascript", "assignment-changed", "  let y = x * 2;\n", "  let y = x * 3 + a;\n"),
    ("javascript", "literal-changed", "return 10;", "return 12;"),
    ("javascript", "identifier-changed", "  log(x);\n", "  log(a);\n"),
    ("javascript", "statement-added", "  log(x);\n", "  log(x);\n  void 0;\n"),
    ("javascript", "statement-removed", "  let y = x * 2;\n  return y;\n", "  return x * 2;\n"),
    ("javascript", "statement-moved", "  log(x);\n  if (x > 10)", "  if (x > 10)"),
    ("javascript", "signature-changed", "function f(a, b) {", "function f(a, b, c) {"),
    ("javascript", "error-handling-changed", "    return 0;\n  }\n", "    throw e;\n  }\n"),
    ("typescript", "decorator-changed", "  total(a", "  @memo()\n  total(a"),
    ("typescript", "signature-changed", "b: Shelf)", "b: Shelf | null)"),
    ("typescript", "signature-changed", "): number {", "): string {"),
    ("typescript", "branch-added", "    log(x);\n", "    if (x === 3) {\n      x = 4;\n    }\n    log(x);\n"),
    ("typescript", "error-handling-changed", "      return 0;\n    }\n", "      throw e;\n    }\n"),
    ("typescript", "field-assignment-changed", "this.count = x;", "this.count = x + 1;"),
    ("typescript", "literal-changed", "return 10;", "return 12;"),
    ("tsx", "decorator-changed", "  total(a", "  @memo()\n  total(a"),
    ("tsx", "condition-changed", "if (x > 10) {", "if (x >= 10) {"),
    ("python", "decorator-changed", "    def total", "    @cached\n    def total"),
    ("python", "signature-changed", "(self, a, b)", "(self, a, b, c=None)"),
    ("python", "branch-added", "        log(x)\n", "        if x == 3:\n            x = 4\n        log(x)\n"),
    ("python", "branch-removed", "        if x > 10:\n            return 10\n", ""),
    ("python", "condition-changed", "if x > 10:", "if x >= 10:"),
    ("python", "loop-removed", "        for i in range(a):\n            self.count += i\n", ""),
    ("python", "call-added", "        log(x)\n", "        log(x)\n        audit(x)\n"),
    ("python", "call-removed", "        log(x)\n", ""),
    ("python", "return-changed", "        return y\n", "        return -y\n"),
    ("python", "field-assignment-changed", "self.count += i", "self.count += i * 2"),
    ("python", "assignment-changed", "y = x * 2", "y = x * 3"),
    ("python", "literal-changed", "return 10", "return 12"),
    ("python", "error-handling-changed", "        except ValueError:\n            return 0\n",
     "        except ValueError:\n            raise\n"),
    ("python", "error-handling-changed", "        log(x)\n",
     "        if x < 0:\n            raise ValueError(x)\n        log(x)\n"),
    ("python", "statement-moved", "        log(x)\n        if x > 10:\n            return 10\n",
     "        if x > 10:\n            return 10\n        log(x)\n"),
]


@pytest.mark.parametrize(("lang", "cls", "old", "new"), CLASS_CASES, ids=[f"{c[0]}-{c[1]}" for c in CLASS_CASES])
def test_each_change_class_is_named(tmp_path, lang, cls, old, new):
    base, name, function = CLASS_BASES[lang]
    if lang in ("typescript", "tsx") and cls == "decorator-changed":
        function = "Box"  # the grammar puts a member's decorators in the class body: a change of the class
    if cls == "statement-moved" and lang == "javascript":
        base, suspect = JS_FN, JS_FN.replace("  log(x);\n  if (x > 10) {\n    return 10;\n  }\n",
                                             "  if (x > 10) {\n    return 10;\n  }\n  log(x);\n")
    else:
        assert old in base
        suspect = base.replace(old, new, 1)
    d = _diff(tmp_path, {name: base}, {name: suspect})
    f = _one(d, function)
    assert f.status in ("modified", "literal", "renamed")
    assert cls in f.classes, (cls, f.classes, [(c.op, c.node) for c in f.changes])
    for site in f.sites:
        assert site.base_lines is not None or site.suspect_lines is not None
    assert set(f.classes) <= set(CLASSES)


def test_every_class_is_covered_by_a_case():
    covered = {c[1] for c in CLASS_CASES}
    assert covered >= set(CLASSES) - {"expression-changed"}
    assert {c[0] for c in CLASS_CASES} == set(CLASS_BASES) == set(watermark.languages.names())


def test_an_argument_change_is_an_expression_change(tmp_path):
    d = _diff(tmp_path, {"f.go": GO_FN}, {"f.go": GO_FN.replace("\tlog(x)\n", "\tlog(x, 2)\n")})
    assert _one(d, "F").classes == ["expression-changed"]


def test_most_severe_first_and_signature_profile(tmp_path):
    suspect = GO_FN.replace("return 10, nil", "return 11, nil") + "\nfunc G() {\n}\n"
    base = GO_FN + "\nfunc G() {\n}\n"
    suspect = suspect.replace("func G() {\n}", "func G() {\n\tif ok() {\n\t\tgoto end\n\t}\nend:\n}")
    d = _diff(tmp_path, {"f.go": base}, {"f.go": suspect})
    assert [f.name for f in d.functions] == ["G", "F"]  # goto-added before literal-changed
    g = d.functions[0].signature
    assert g["base"]["gotos"] == 0 and g["suspect"]["gotos"] == 1 and g["suspect"]["branches"] == 1
    f = d.functions[1].signature
    assert f["base"]["skeleton"] == f["suspect"]["skeleton"]  # a literal change keeps the skeleton
    assert f["base"] == {**f["base"], "loops": 1, "defers": 1, "returns": 3, "field_assignments": 1, "gotos": 1}


def test_a_patched_inner_function_is_reported_once(tmp_path):
    base = "function outer() {\n  function inner(a) {\n    return a + 1;\n  }\n  return inner(2);\n}\n"
    d = _diff(tmp_path, {"a.js": base}, {"a.js": base.replace("a + 1", "a + 2")})
    assert [(f.name, f.status) for f in d.functions] == [("outer.inner", "literal")]


def test_a_cap_falls_back_to_a_statement_script(tmp_path, monkeypatch):
    monkeypatch.setattr(_script, "MAX_NODES", 50)
    d = _diff(tmp_path, {"f.go": GO_FN}, {"f.go": GO_FN.replace("\tlog(x)\n", "\tlog(x)\n\tgoto done\n")})
    f = _one(d, "F")
    assert f.capped and "goto-added" in f.classes


def test_syntax_errors_are_diffed_where_they_parse_and_reported(tmp_path):
    broken = GO_BASE.replace("func Label(name string) string {", "func Label(name string) string {{ (")
    d = _diff(tmp_path, {"a.go": GO_BASE}, {"a.go": broken.replace("c.Total += n", "c.Total -= n")})
    assert any("syntax errors" in n for f in d.files for n in f.notes)
    assert "field-assignment-changed" in _one(d, "Cart.Add").classes


def test_event_spans_point_at_the_tokens():
    data = JS_FN.encode()
    parsed = BACKEND.fingerprint(languages.get("javascript").tables, data, with_spans=True)
    view = _entities.FileView("f.js", "javascript", data)
    assert parsed.spans is not None and len(parsed.spans) == 8 * parsed.n_events
    checked = 0
    for i in range(view.events.n):
        if view.op(i) == WM_EV_TOKEN and view.kind(i) == "identifier":
            start, end = view.events.span(i)
            assert BACKEND.xxh64(data[start:end], WM_SEED_TEXT) == view.events.text(i)
            checked += 1
    assert checked > 10


# ---- a recipient's copy is layout only ------------------------------------------------

@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), layouts(), st.text("abcdefgh", min_size=1, max_size=8))
def test_a_recipients_copy_is_layout_only(program, layout, recipient):
    source = render(program, layout)
    marked = watermark.embed(source, KEY, recipient, language=program.language)
    ext = languages.get(program.language).extensions[0]
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp, "a" + ext), Path(tmp, "b" + ext)
        a.write_bytes(source)
        b.write_bytes(marked.source)
        d = watermark.diff(a, b, jobs=1)
    assert not d.changed, [(f.status, f.name, f.classes) for f in d.functions]
    assert set(d.summary) <= {"unchanged", "layout"}


def _marked_sample(tmp_path: Path, recipient: str) -> Path:
    out = tmp_path / recipient
    with watermark.Release.analyse(SAMPLE, KEY, name="sample") as release:
        release.embed(recipient, out)
    return out


def test_marked_and_reformatted_copies_of_the_sample_are_layout_only(tmp_path):
    gofmt, prettier = tool("gofmt"), tool("prettier")
    for recipient in ("acme-corp", "globex"):
        copy = _marked_sample(tmp_path, recipient)
        assert main(["diff", str(SAMPLE), str(copy)]) == 0
        subprocess.run([gofmt, "-w", str(copy)], check=True)
        js = [str(p) for p in copy.rglob("*.js")]
        subprocess.run([prettier, "--write", "--log-level", "silent", "--tab-width", "4", *js], check=True)
        d = watermark.diff(SAMPLE, copy, jobs=2)
        assert not d.changed and d.summary.get("layout", 0) > 0


def test_the_demo_patches_of_the_sample(tmp_path, capsys):
    patched = demo.copy_sample(tmp_path / "patched")
    demo.patch_tree(patched)
    assert main(["diff", str(SAMPLE), str(patched), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    classes = {c for f in out["functions"] for c in f["classes"]}
    assert {"goto-added", "branch-added", "field-assignment-changed"} <= classes


# ---- the CLI --------------------------------------------------------------------------

def test_cli_exit_codes_json_and_only(tmp_path, capsys):
    base = _tree(tmp_path / "a", {"f.go": GO_FN})
    same = _tree(tmp_path / "b", {"f.go": GO_FN.replace("\tlog(x)\n", "\n\tlog(x) // logged\n\n")})
    patched = _tree(tmp_path / "c", {"f.go": GO_FN.replace("\tlog(x)\n", "\tlog(x)\n\tgoto done\n")})
    assert main(["diff", str(base), str(same)]) == 0
    assert "no change beyond layout" in capsys.readouterr().out
    assert main(["diff", str(base), str(patched), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"summary", "functions", "files"}
    f = out["functions"][0]
    assert set(f) >= {"status", "moved", "kind", "name", "base", "suspect", "classes", "changes", "signature",
                      "capped"}
    assert f["base"]["path"] == "f.go" and f["suspect"]["start_line"] == 3
    assert {"op", "node", "base_lines", "suspect_lines"} <= set(f["changes"][0])
    assert main(["diff", str(base), str(patched), "--only", "loop-added"]) == 0
    assert "no function matches" in capsys.readouterr().out
    assert main(["diff", str(base), str(patched), "--only", "goto-added,literal-changed", "--color", "never"]) == 1
    text = capsys.readouterr().out
    assert "goto-added" in text and "+" in text and "goto done" in text


@pytest.mark.parametrize("case", ["missing", "binary", "bad-only", "no-code", "bad-rev"])
def test_cli_bad_input_is_one_line_and_exit_2(tmp_path, capsys, case):
    base = _tree(tmp_path / "a", {"f.go": GO_FN})
    if case == "missing":
        argv = ["diff", str(base), str(tmp_path / "nowhere")]
    elif case == "binary":
        bad = tmp_path / "b"
        bad.mkdir()
        (bad / "f.go").write_bytes(b"\x00\x01\x02package p\n")
        argv = ["diff", str(base), str(bad)]
        assert main(argv) == 1  # the file is reported unreadable; its functions count as removed
        out = capsys.readouterr().out
        assert "NUL bytes" in out
        return
    elif case == "bad-only":
        argv = ["diff", str(base), str(base), "--only", "nonsense"]
    elif case == "no-code":
        empty = _tree(tmp_path / "e", {"README": "hello"})
        argv = ["diff", str(empty), str(empty)]
    else:
        argv = ["diff", str(base), str(base), "--rev", "no-such-rev"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("watermark: ") and "Traceback" not in err


def test_a_git_revision_as_base(tmp_path):
    git = shutil.which("git")
    if git is None:
        pytest.skip("git missing")
    repo = _tree(tmp_path / "repo", {"f.go": GO_FN})
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    for cmd in (["init", "-q"], ["add", "."], ["commit", "-qm", "one"]):
        subprocess.run([git, "-C", str(repo), *cmd], check=True, env=env)
    (repo / "f.go").write_text(GO_FN.replace("return 10, nil", "return 11, nil"))
    d = watermark.diff(repo, repo, rev="HEAD", jobs=1)
    assert [(f.name, f.status) for f in d.functions] == [("F", "literal")]


# (on the corpora: tests/conformance/test_diff.py)


# ---- what a report never states: shapes of real version pairs (benchmarks/real_pairs) ----------

def _locale(code: str, hour: int, ordinal: str = "'.'") -> str:
    return (f"moment.defineLocale('{code}', {{\n    months: 'a_b_c'.split('_'),\n"
            f"    meridiem: function (hour, minute, isLower) {{\n        if (hour < {hour}) {{\n"
            f"            return 'am';\n        }}\n        return 'pm';\n    }},\n"
            f"    ordinal: function (n) {{\n        return n + {ordinal};\n    }},\n}});\n")


def test_members_of_call_objects_are_paired_by_their_owner_not_their_name(tmp_path):
    """moment's min/locales.js: two locales inserted, one locale's method
    changed. Pairing methods by name across objects compared every locale
    after the insertion with its neighbour (133 false reports)."""
    base = "".join(_locale(c, h) for c, h in [("ar", 12), ("br", 11), ("dv", 10), ("en", 9), ("fr", 8)])
    suspect = "".join(_locale(c, h, "'e'" if c == "dv" else "'.'")
                      for c, h in [("ar", 12), ("az", 13), ("br", 11), ("dv", 10), ("en", 9), ("ku", 7), ("fr", 8)])
    d = _diff(tmp_path, {"min/locales.js": base}, {"min/locales.js": suspect})
    got = sorted((f.status, f.name) for f in d.functions)
    assert got == [("added", "moment.defineLocale('az').meridiem"), ("added", "moment.defineLocale('az').ordinal"),
                   ("added", "moment.defineLocale('ku').meridiem"), ("added", "moment.defineLocale('ku').ordinal"),
                   ("literal", "moment.defineLocale('dv').ordinal"), ("modified", "(file scope)")]
    scope = _one(d, "(file scope)")  # the new locales' data (months) is the file's own code
    assert {c.op for c in scope.changes} == {"insert"} and "statement-added" in scope.classes


def test_object_members_are_named_by_their_owner(tmp_path):
    src = """module.exports = {
  parse: function (s) { return s.trim(); },
  nested: { deep() { return 1; } },
};
Foo.prototype = { y: function () { return 2; } };
var dv = moment.defineLocale('dv', { meridiem: function (h) { return h < 12 ? 'a' : 'p'; } });
export default { methods: { save() { return 4; } } };
new Vue({ render(h) { return h('div'); } });
"""
    d = _diff(tmp_path, {"a.js": src}, {"a.js": src.replace("return", "return 0 ||")})
    assert sorted(f.name for f in d.functions) == [
        "Foo.prototype.y", "default.methods.save", "module.exports.nested.deep", "module.exports.parse",
        "moment.defineLocale('dv').meridiem", "new Vue().render"]
    assert all(f.status == "modified" and not f.moved for f in d.functions)


def test_an_objects_owner_renamed_by_a_minifier_is_no_move(tmp_path):
    """dayjs' minified locales: the variable holding the locale object is
    renamed (n -> d); its methods did not move."""
    base = 'var n={name:"da",ordinal:function(e){return e+"."}};export default n;\n'
    d = _diff(tmp_path, {"da.js": base}, {"da.js": base.replace("var n=", "var d=").replace("default n", "default d")})
    assert [(f.status, f.name) for f in d.functions] == [("renamed", "(file scope)")]  # the variable only


def test_a_function_moved_to_another_file_is_one_move(tmp_path):
    helper = "\nfunc Helper(x int) int {\n\tif x < 0 {\n\t\treturn -x\n\t}\n\treturn x * 2\n}\n"
    other = "package shop\n\nfunc Two() int {\n\treturn 2\n}\n"
    d = _diff(tmp_path, {"a.go": GO_BASE + helper, "b.go": other}, {"a.go": GO_BASE, "b.go": other + helper})
    assert [(f.status, f.name, f.moved) for f in d.functions] == [("unchanged", "Helper", True)]


def test_a_declaration_added_or_removed_is_not_a_change_of_its_file(tmp_path):
    """Go's `var x = ...` and `var ( ... )` groups, JS's `export function`
    and `const f = () => ...`: the keyword goes with the declaration."""
    go_extra = "\nvar bigIntType = 42\n\nvar (\n\tA = 1\n\tB = 2\n)\n\nconst C = 3\n"
    js = "export function keep() {\n  return 1;\n}\n"
    js_extra = "\nexport function gone() {\n  return 2;\n}\nconst success = () => {\n  return 3;\n};\n"
    d = _diff(tmp_path, {"a.go": GO_BASE + go_extra, "a.js": js + js_extra}, {"a.go": GO_BASE, "a.js": js})
    assert sorted((f.status, f.name) for f in d.functions) == [
        ("removed", "A"), ("removed", "B"), ("removed", "C"), ("removed", "bigIntType"), ("removed", "gone"),
        ("removed", "success")]
    d = _diff(tmp_path / "2", {"a.js": js}, {"a.js": js.replace("export function", "function")})
    assert [(f.status, f.name) for f in d.functions] == [("modified", "keep")]  # `export` dropped: its change


def test_go_imports_sorted_by_gofmt_are_layout(tmp_path):
    base = 'package p\n\nimport (\n\t"fmt"\n\t"errors"\n)\n\nvar _ = fmt.Sprint\nvar _ = errors.New\n'
    d = _diff(tmp_path, {"a.go": base}, {"a.go": base.replace('\t"fmt"\n\t"errors"', '\t"errors"\n\t"fmt"')})
    assert not d.changed and d.summary.get("layout") == 1
    d = _diff(tmp_path / "2", {"a.go": base}, {"a.go": base.replace('"fmt"', '"os"')})
    assert [(f.status, f.kind) for f in d.functions] == [("literal", "import")]


def test_a_renamed_function_is_one_rename(tmp_path):
    js = "function getName(vnode) {\n  var name = vnode.tag;\n  return name || 'anonymous';\n}\n" \
         "function other() {\n  return 1;\n}\n"
    d = _diff(tmp_path, {"a.js": js}, {"a.js": js.replace("getName", "getTag")})
    (f,) = d.functions
    assert (f.status, f.name, f.suspect_name, f.moved) == ("renamed", "getName", "getTag", False)


VUE_CHILD = """function getKeepAliveChild(vnode) {
  var children = vnode.children;
  for (var i = 0; i < children.length; i++) {
    var c = children[i];
    if (isDef(c) && (isDef(c.componentOptions) || isAsyncPlaceholder(c))) {
      return c;
    }
  }
  return undefined;
}
"""


def test_a_function_renamed_and_edited_is_paired(tmp_path):
    """vue 2.6 -> 2.7: getKeepAliveChild became getInnerChild$1 with one new `if`."""
    edited = VUE_CHILD.replace("getKeepAliveChild", "getInnerChild$1").replace(
        "    var c = children[i];\n", "    var c = children[i];\n    if (!c) {\n      continue;\n    }\n")
    other = "function unrelated(a, b) {\n  return a + b;\n}\n"
    d = _diff(tmp_path, {"a.js": VUE_CHILD + other}, {"a.js": edited + other})
    (f,) = d.functions
    assert (f.status, f.name, f.suspect_name) == ("modified", "getKeepAliveChild", "getInnerChild$1")
    assert "branch-added" in f.classes
    assert "modified  function getKeepAliveChild (now getInnerChild$1)  a.js:1-10 -> a.js:1-13" in report(d)


def test_three_declarations_merged_into_one_are_no_rename(tmp_path):
    """pprof: memoryUnits, timeUnits and gcuUnits became one unitTypes: not
    a rename of any one of them."""
    def units(name: str, words: list[str]) -> str:
        rows = "".join(f'\t\t{{"{w}", "{w[0]}", {k + 1}}},\n' for k, w in enumerate(words))
        return f'var {name} = unitType{{\n\tdefaultUnit: "{words[0]}",\n\tunits: []unit{{\n{rows}\t}},\n}}\n\n'
    mem, tim, gcu = ["byte", "kilobyte", "megabyte", "gigabyte"], ["nanosecond", "second", "minute", "hour"], \
        ["gcu", "kgcu", "mgcu"]
    base = "package m\n\n" + units("memoryUnits", mem) + units("timeUnits", tim) + units("gcuUnits", gcu)
    merged = "var unitTypes = []unitType{\n" + "".join(
        units("x", w).split(" = unitType", 1)[1].rstrip("\n") + ",\n" for w in (mem, tim, gcu)) + "}\n"
    d = _diff(tmp_path, {"m.go": base}, {"m.go": "package m\n\n" + merged})
    assert sorted((f.status, f.name) for f in d.functions) == [
        ("added", "unitTypes"), ("removed", "gcuUnits"), ("removed", "memoryUnits"), ("removed", "timeUnits")]


def test_renumbered_helpers_are_paired_by_their_code(tmp_path):
    """A bundler renumbers helpers after an insertion (processRelativeTime ->
    processRelativeTime$1, ...): each is paired with its own code, not with
    the new function that took its name."""
    def helper(name: str, word: str) -> str:
        return (f"function {name}(number, withoutSuffix, key) {{\n    var format = {{ m: ['{word}', 'x'] }};\n"
                f"    return withoutSuffix ? format[key][0] : format[key][1] + number;\n}}\n")
    base = helper("processRelativeTime", "eine") + helper("processRelativeTime$1", "jedna")
    suspect = helper("processRelativeTime", "novo") + helper("processRelativeTime$1", "eine") + \
        helper("processRelativeTime$2", "jedna")
    d = _diff(tmp_path, {"l.js": base}, {"l.js": suspect})
    got = sorted((f.status, f.name, f.suspect_name or "") for f in d.functions)
    assert got == [("added", "processRelativeTime", ""),
                   ("renamed", "processRelativeTime", "processRelativeTime$1"),
                   ("renamed", "processRelativeTime$1", "processRelativeTime$2")]


def test_a_short_circuit_inserted_in_a_condition_is_a_branch(tmp_path):
    js = "function getName(vnode) {\n  var name = vnode.name;\n  if (name != null) {\n    return name;\n  }\n" \
         "  return vnode.tag;\n}\n"
    for guard in ("name && name !== null", "vnode.options && name != null"):
        d = _diff(tmp_path / guard.split()[0], {"a.js": js}, {"a.js": js.replace("name != null", guard)})
        (f,) = d.functions
        assert {"branch-added", "condition-changed"} <= set(f.classes), (guard, f.classes)


def test_an_edit_inside_a_long_string_shows_the_changed_line(tmp_path):
    lines = [f"line {i} of the help text: some words here" for i in range(360)]
    go = "package p\n\nconst usage = `" + "\n".join(lines) + "`\n"
    lines[200] = lines[200].replace("some words", "other words")
    d = _diff(tmp_path, {"x.go": go}, {"x.go": "package p\n\nconst usage = `" + "\n".join(lines) + "`\n"})
    (f,) = d.functions
    assert f.status == "literal" and "literal-changed" in f.classes
    text = report(d)
    assert "   203 | line 200 of the help text: [-some-] words here" in text
    assert "   203 | line 200 of the help text: {+other+} words here" in text
    assert "line 0 of the help" not in text


def test_a_nested_function_moved_out_leaves_its_parent_unchanged(tmp_path):
    """The parent's own code is hashed the same with and without nested
    entities (the C core's unit hashes of its own events)."""
    base = "function outer() {\n  function inner() {\n    return 1;\n  }\n  return 2;\n}\n"
    suspect = "function outer() {\n  return 2;\n}\nfunction inner() {\n  return 1;\n}\n"
    d = _diff(tmp_path, {"x.js": base}, {"x.js": suspect})
    assert [(f.status, f.name, f.moved) for f in d.functions] == [("layout", "outer.inner", True)]
    d = _diff(tmp_path / "2", {"x.js": base}, {"x.js": suspect.replace("return 2", "return 3")})
    assert sorted((f.status, f.name) for f in d.functions) == [("layout", "outer.inner"), ("literal", "outer")]


def test_python_names_in_a_conditional_block_of_a_module_or_class_are_its_variables(tmp_path):
    base = ("try:\n    import dbm\nexcept ImportError:\n    dbm = None\n\n\nclass K:\n    if dbm:\n        mode = 1\n"
            "\n\ndef f():\n    x = 1\n    return x\n")
    suspect = base.replace("dbm = None", "dbm = False").replace("mode = 1", "mode = 2").replace("x = 1", "x = 3")
    d = _diff(tmp_path, {"m.py": base}, {"m.py": suspect})
    got = {(f.kind, f.name) for f in d.functions if f.status != "unchanged"}
    assert got == {("variable", "dbm"), ("field", "K.mode"), ("function", "f")}
    d = _diff(tmp_path / "s", {"m.py": 'x = "a"\n'}, {"m.py": 'x = "b"\n'})
    assert [c.node for f in d.functions for c in f.changes] == ["string"]  # a kind hashed as another: named as it


def test_the_blanks_black_strips_around_a_docstring_are_no_change_and_other_strings_blanks_are(tmp_path):
    """black and ruff strip the blanks around a docstring's text and
    re-indent its lines; the fingerprint erases the blanks of triple-quoted
    strings only, so the diff reads single-quoted docstrings as they do."""
    base = ("' Module doc '\n\n\ndef f(x):\n    ' Return true if x'\n    return 1\n\n\n"
            "class C:\n    \"\"\"  Doc of C.\n\n        indented more\n    \"\"\"\n\n"
            "    def g(self):\n        'it\\'s '\n        return ' keep '\n\n\n"
            "def h():\n    x = 1\n    ' no docstring '\n    return x\n")
    formatted = ('"Module doc"\n\n\ndef f(x):\n    "Return true if x"\n    return 1\n\n\n'
                 'class C:\n    """Doc of C.\n\n    indented more\n    """\n\n'
                 '    def g(self):\n        "it\'s"\n        return \' keep \'\n\n\n'
                 "def h():\n    x = 1\n    ' no docstring '\n    return x\n")
    d = _diff(tmp_path, {"m.py": base}, {"m.py": formatted})
    assert d.functions == [] and d.files[0].status == "layout"
    # what black never does is a change: a docstring's words, a blank inside a
    # string that is no docstring, a docstring turned into bytes
    # a `u` prefix is no change, but a docstring continued with a backslash keeps its next line's blanks
    d = _diff(tmp_path / "u", {"m.py": "def f():\n    u' Return x'\n"}, {"m.py": 'def f():\n    "Return x"\n'})
    assert d.functions == []
    d = _diff(tmp_path / "bs", {"m.py": "def f():\n    'a \\\n    b'\n"}, {"m.py": "def f():\n    'a \\\nb'\n"})
    assert [(f.status, f.name) for f in d.functions] == [("literal", "f")]
    for old, new, name in (("Return true if x", "Return false if x", "f"), ("' keep '", "'keep'", "C.g"),
                           ("' no docstring '", "'no docstring'", "h"), ('"it\'s"', 'b"it\'s"', "C.g")):
        d = _diff(tmp_path / name / old[:3], {"m.py": base}, {"m.py": formatted.replace(old, new)})
        assert [(f.status, f.name) for f in d.functions] == [("literal", name)], (old, new)


def test_the_parentheses_black_and_ruff_put_around_a_case_sequence_are_no_change(tmp_path):
    """`case *x, 2,:` is one tuple pattern to Python; the grammar reads its
    parenthesized spelling (what black and ruff write) with one node more."""
    base = ("def f(p):\n    match p:\n        case *x, 2,:\n            return 1\n        case y,:\n"
            "            return 2\n        case 1, 2 if p:\n            return 3\n        case z:\n"
            "            return 4\n    return 0\n")
    formatted = ("def f(p):\n    match p:\n        case (\n            *x,\n            2,\n        ):\n"
                 "            return 1\n        case (y,):\n            return 2\n        case (1, 2) if p:\n"
                 "            return 3\n        case z:\n            return 4\n    return 0\n")
    d = _diff(tmp_path, {"m.py": base}, {"m.py": formatted})
    assert d.functions == [] and d.files[0].status == "layout"
    # a pattern changed is a change: a sequence of one made a capture, another element, a guard's test
    for old, new in (("case z:", "case (z,):"), ("case (y,):", "case (y, w):"), ("2) if p", "2) if not p")):
        d = _diff(tmp_path / new[:8], {"m.py": base}, {"m.py": formatted.replace(old, new)})
        assert [(f.status, f.name) for f in d.functions] == [("modified", "f")], (old, new)


def test_typescript_variance_annotations_are_read_and_their_files_diffed_as_any_other(tmp_path):
    """The pinned grammar cannot read `in` / `out` type parameters: a file
    that has them is read with them blanked, so it parses, is diffed with
    classes, and a string or a JSX tag holding `<in T` is read as it is."""
    base = ("export interface Box<in out T> {\n  get(k: \"a<in T>\"): T\n}\n\n"
            "export class C<const in T, out U> {\n  m(x: T): U {\n    return x as unknown as U\n  }\n}\n\n"
            "export function f<in T>(x: number) {\n  return x + 1\n}\n")
    assert not watermark.fingerprint(base, path="a.ts").has_error
    branch = "if (x) {\n      return null as unknown as U\n    }\n    return x as"
    suspect = base.replace("x + 1", "x + 2").replace('"a<in T>"', '"a<out T>"').replace("return x as", branch)
    d = _diff(tmp_path, {"a.ts": base}, {"a.ts": suspect})
    assert sorted((f.status, f.name) for f in d.functions) == [("literal", "Box"), ("literal", "f"),
                                                               ("modified", "C.m")]
    assert "branch-added" in _one(d, "C.m").classes and not d.files[0].notes


def test_code_with_syntax_errors_that_differs_is_unparsed_and_never_classed(tmp_path):
    # the grammar's repair of a broken region changes with its layout, so no change is stated
    base = "interface Box<T> {\n  get(k: 'a'): T;;\n  @@ x\n}\nexport function f(x: number) {\n  return x + 1;\n}\n"
    suspect = base.replace("'a'", '"a"').replace("): T", "): T | null").replace("x + 1", "x + 2")
    d = _diff(tmp_path, {"a.ts": base}, {"a.ts": suspect})
    f = _one(d, "f")
    assert f.status == "literal" and "literal-changed" in f.classes  # what parses is compared as ever
    broken = [x for x in d.functions if x.status == "unparsed"]
    assert broken and all(not x.classes and not x.changes for x in broken)
    assert not [x for x in d.functions if x.status == "modified"]
    assert any("syntax errors" in n for fd in d.files for n in fd.notes)


SAMPLES = Path(__file__).parent / "conformance" / "samples"


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.iterdir()))
def test_the_quick_pre_test_of_entities_drops_no_entity(name):
    """`Entities.maybe` turns most units away before their record is read
    (a statement that assigns no function): it may say no only where
    `entity` says None, so the entities are those of asking every unit."""
    data = (SAMPLES / name).read_bytes()
    lang = languages.for_path(name)
    assert lang is not None
    view = _entities.FileView(name, lang.name, data)
    rules, names = lang.entities, lang.tables.kind_names
    said_no = 0
    for k in range(view.n_units):
        r = view.unit(k)
        kind = names[r.symbol]
        if kind in rules.candidates and not rules.maybe(view, kind, r.ev_begin, r.ev_end):
            said_no += 1
            assert rules.entity(view, r, kind) is None, (name, kind, r.start_row + 1)
    if lang.name in ("javascript", "typescript", "tsx"):
        assert said_no > 0  # (the pre-test is asked, and turns units away)


def test_the_collector_is_back_as_it_was_after_pairs_in_several_threads(tmp_path):
    """diff pauses the cyclic collector while pairs are diffed (counted, for
    pairs in several threads at once) and leaves it as it found it."""
    import gc
    from concurrent.futures import ThreadPoolExecutor

    base = _tree(tmp_path / "b", {"a.go": GO_BASE})
    copy = _tree(tmp_path / "c", {"a.go": GO_BASE.replace("return", "return  ")})
    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        try:
            with ThreadPoolExecutor(4) as pool:
                list(pool.map(lambda _: watermark.diff(base, copy, jobs=1), range(8)))
            assert gc.isenabled() == enabled
        finally:
            gc.enable()
