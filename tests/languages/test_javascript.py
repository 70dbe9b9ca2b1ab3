"""JavaScript only: what prettier rewrites beyond layout."""
from __future__ import annotations

import subprocess

import pytest
from corpus import tool

import watermark

pytestmark = pytest.mark.corpus


def _units(fp):
    return [(u.kind, u.exact, u.renamed, u.skeleton) for u in fp.units]


def test_prettier_rewrites_of_quotes_semicolons_parens_and_numbers_change_no_hash():
    prettier = tool("prettier")
    src = (b"var a = 'x', b = \"y\"\nconst f = x => (x + 1)\nlet n = .50, m = 1E3\n"
           b"function g(p,q){return [p,q,]}\nconst o = {k: 'it\\'s', l: [1,2,3,]}\n"
           b"const q = {'a': 1, 'b-c': 2, '7': x, 'm'() {}};;\nclass K { 'f' = 1; static 'g'() {} }\n"
           b"x = a && (b && c) || (d || e); y = a ?? (b ?? c); z = new Foo; r = /x/ig\n")
    formatted = subprocess.run([prettier, "--stdin-filepath", "x.js"], input=src, capture_output=True,
                               check=True).stdout
    assert formatted != src
    a = watermark.fingerprint(src, language="javascript")
    b = watermark.fingerprint(formatted, language="javascript")
    assert _units(a) == _units(b) and a.exact == b.exact
