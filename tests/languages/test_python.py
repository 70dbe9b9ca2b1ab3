"""Python only: which boundaries carry a bit, and what marking may never do
(Python's own `ast` is the judge; indentation is syntax)."""
from __future__ import annotations

import ast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import watermark
from languages.rules import carrier_lines, line_of

KEY = watermark.Key(bytes(range(32)))

SOURCE = '''"""Module docstring."""
import os
import sys
from typing import Any
TOTAL = 1
LIMIT = compute(
    1,
    2,
)
TEXT = """a

b"""
if TOTAL:
    a = 1
    b = 2


def function(a, b):
    """Doc."""
    c = a + b
    d = c * 2

    def inner():
        return 1
    e = inner()
    # a comment
    g = e
    return g


@decorator
def decorated():
    pass


class Klass:
    """Klass."""
    u = 1
    v = 2

    def method(self):
        s = 1
        t = 2
        return s
    w = 3


with open(TOTAL) as fh:
    data = fh.read()
    more = data
try:
    p = 1
    q = 2
except ValueError:
    r = 3
match TOTAL:
    case 1:
        t = 1
        u = 2
    case _:
        pass
'''


def carriers_at(*texts: str) -> set[bool]:
    lines = set(carrier_lines(SOURCE, "python"))
    return {line_of(SOURCE, t) in lines for t in texts}


def test_statements_of_a_block_and_of_the_module_carry_bits():
    assert carriers_at("    b = 2", "    d = c * 2", "    t = 2", "    return s", "    v = 2", "    more = data",
                       "    q = 2", "        u = 2", "try:", "match TOTAL:", "LIMIT = compute(", "TEXT = ") == {True}


def test_between_imports_only_with_nothing_but_a_blank_line_between():
    assert carriers_at("import sys", "from typing import Any") == {True}
    assert carriers_at("TOTAL = 1") == {False}  # after the last import: the formatters' own rule


def test_no_bit_after_a_docstring_after_a_definition_or_around_definitions():
    assert carriers_at('    c = a + b', "    u = 1", "import os") == {False}  # after a docstring
    assert carriers_at("    e = inner()", "    w = 3", "with open(TOTAL)") == {False}  # after a def or class
    assert carriers_at("def function", "@decorator", "class Klass", "    def method", "    def inner") == {False}
    assert carriers_at("def decorated") == {False}  # between a decorator and its definition: one unit


def test_no_bit_inside_brackets_strings_or_between_case_clauses():
    assert carriers_at("    1,", "    2,", "b\"\"\"", "    case _:") == {False}


def test_every_carrier_is_a_line_break_at_a_statement_boundary():
    for line in carrier_lines(SOURCE, "python"):
        text = SOURCE.split("\n")[line - 1]
        assert text.strip() and not text.strip().startswith((")", "]", "}", "b\"")), text


def _code_lines(src: bytes) -> list[bytes]:
    return [line for line in src.split(b"\n") if line.strip()]


@settings(max_examples=40, deadline=None)
@given(st.text("abcdefgh", min_size=1, max_size=8))
def test_marking_adds_and_removes_blank_lines_only_and_ast_is_unchanged(recipient):
    src = SOURCE.encode()
    marked = watermark.embed(src, KEY, recipient, language="python", density=1.0)
    assert marked.marked and marked.carriers > 15
    assert _code_lines(marked.source) == _code_lines(src)  # every other line, its indentation included, kept
    assert ast.dump(ast.parse(marked.source)) == ast.dump(ast.parse(src))
    assert marked.source.split(b'"""a')[1].split(b'"""')[0] == b"\n\nb"  # inside a string: untouched


def test_a_stub_file_is_read_never_marked(tmp_path):
    release = tmp_path / "r"
    (release / "pkg").mkdir(parents=True)
    (release / "pkg" / "mod.py").write_text(SOURCE)
    (release / "pkg" / "mod.pyi").write_text("def function(a: int, b: int) -> int: ...\n\n\nx: int\ny: int\n")
    r = watermark.Release.analyse(release, KEY)
    status = {f.path: f.status for f in r.files}
    assert status["pkg/mod.py"] == "marked" and status["pkg/mod.pyi"] != "marked"


@pytest.mark.corpus
def test_black_and_ruff_rewrites_of_quotes_numbers_and_parentheses_change_no_hash():
    import subprocess

    from corpus import tool

    # (not `for (i) in`: the grammar reads `(i)` as a tuple pattern, black writes `i`)
    src = (b"x = 'a'\ny = .5\nz = 1E3\nw = 0XFF\n"
           b"def f(a, b,):\n    return (a, b)\nclass C():\n    u = u'\\xAB' 'cd'\n    pass\n"
           b"for (i, j) in (range(3)):\n    print((i))\n")
    a = watermark.fingerprint(src, language="python")
    for cmd in ([tool("black"), "-q", "-"], [tool("ruff"), "format", "--no-cache", "-"]):
        out = subprocess.run(cmd, input=src, capture_output=True, check=True).stdout
        assert out != src
        b = watermark.fingerprint(out, language="python")
        assert [(u.kind, u.exact, u.renamed) for u in a.units] == [(u.kind, u.exact, u.renamed) for u in b.units]


def test_renaming_a_variable_leaves_attribute_and_keyword_names_of_the_same_text_alone():
    a = watermark.fingerprint(b"def f(d):\n    files = copy(d.files)\n    g(files, files=files)\n", language="python")
    b = watermark.fingerprint(b"def f(d):\n    r0 = copy(d.files)\n    g(r0, files=r0)\n", language="python")
    c = watermark.fingerprint(b"def f(d):\n    files = copy(d.files)\n    g(files, files=d)\n", language="python")
    assert [u.renamed for u in a.units] == [u.renamed for u in b.units]
    assert a.units[0].exact != b.units[0].exact and a.units[0].renamed != c.units[0].renamed
