"""Go only: what gofmt rewrites beyond layout."""
from __future__ import annotations

import subprocess

import pytest
from corpus import tool

import watermark

pytestmark = pytest.mark.corpus


def _units(fp):
    return [(u.kind, u.exact, u.renamed, u.skeleton) for u in fp.units]


def test_gofmt_rewrites_of_semicolons_literals_and_layout_change_no_hash():
    gofmt = tool("gofmt")
    src = (b"package p\nimport \"fmt\"\nfunc f(a int) int { x := 0X1F; y := 1E3\n"
           b" if a > 0 { fmt.Println(x, y) }; return a }\n")
    formatted = subprocess.run([gofmt], input=src, capture_output=True, check=True).stdout
    assert formatted != src
    a, b = watermark.fingerprint(src, language="go"), watermark.fingerprint(formatted, language="go")
    assert _units(a) == _units(b) and a.exact == b.exact
