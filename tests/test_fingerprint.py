"""watermark.fingerprint: units, names, positions, and the invariances of
the three hash levels."""
from __future__ import annotations

from pathlib import Path

import pytest

import watermark

FIXTURES = Path(__file__).parent / "fixtures"


def hashes(fp):
    return (fp.exact, fp.renamed, fp.skeleton, [(u.kind, u.exact, u.renamed, u.skeleton) for u in fp.units])


# (every language: its registry against its grammar, its extensions, the hash levels' invariances
# on generated programs and hand-written pairs: tests/conformance/test_fingerprints.py)


def test_unknown_language_raises_a_value_error_naming_the_supported_ones():
    with pytest.raises(watermark.UnsupportedLanguageError, match="go.*javascript") as err:
        watermark.fingerprint(b"x", path="main.rs")
    assert isinstance(err.value, ValueError)
    with pytest.raises(watermark.UnsupportedLanguageError):
        watermark.fingerprint(b"x", language="cobol")
    with pytest.raises(watermark.UnsupportedLanguageError):
        watermark.fingerprint(b"x")


def test_binary_and_oversized_input_are_refused_clearly():
    with pytest.raises(watermark.SourceError, match="NUL"):
        watermark.fingerprint(b"package p\0", language="go")
    with pytest.raises(watermark.SourceError, match="limit"):
        watermark.fingerprint(b" " * (watermark.core.source.MAX_SOURCE_BYTES + 1), language="go")
    with pytest.raises(TypeError):
        watermark.fingerprint(123, language="go")


def test_go_units_cover_declarations_statements_fields_specs_and_cases():
    fp = watermark.fingerprint((FIXTURES / "server.go").read_bytes(), path="server.go")
    kinds = {u.kind for u in fp.units}
    assert {"function_declaration", "method_declaration", "type_declaration", "type_spec", "field_declaration",
            "var_declaration", "var_spec", "import_spec", "short_var_declaration", "if_statement",
            "return_statement", "defer_statement", "expression_statement"} <= kinds
    named = {(u.kind, u.name) for u in fp.units if u.name}
    assert ("function_declaration", "NewStore") in named
    assert ("method_declaration", "ServeHTTP") in named
    assert ("type_declaration", "Store") in named and ("type_spec", "Store") in named
    assert ("field_declaration", "items") in named
    assert ("var_declaration", "ErrNotFound") in named
    assert all(u.name is None for u in fp.units if u.kind.endswith("_statement"))
    assert not fp.has_error and not any(u.has_error for u in fp.units)


def test_javascript_units_cover_statements_members_properties_and_declarators():
    fp = watermark.fingerprint((FIXTURES / "app.js").read_bytes(), path="app.js")
    named = {(u.kind, u.name) for u in fp.units if u.name}
    assert ("class_declaration", "Counter") in named
    assert ("method_definition", "increment") in named
    assert ("function_declaration", "summarize") in named
    assert ("lexical_declaration", "DEFAULTS") in named and ("variable_declarator", "DEFAULTS") in named
    kinds = [u.kind for u in fp.units]
    assert kinds.count("pair") >= 3  # object properties are units
    assert "if_statement" in kinds and "return_statement" in kinds


def test_lines_and_byte_offsets_are_exact_for_non_ascii_text():
    src = "package p\n\n// héllo wörld\nvar ŝ = \"ü\"\n\nfunc f() {\n\tx := \"日本\"\n\t_ = x\n}\n"
    fp = watermark.fingerprint(src, language="go")
    data = src.encode()
    by_kind = {u.kind: u for u in fp.units}
    var = by_kind["var_declaration"]
    assert data[var.start_byte:var.end_byte] == 'var ŝ = "ü"'.encode()
    assert (var.start_line, var.end_line, var.name) == (4, 4, "ŝ")
    stmt = by_kind["short_var_declaration"]
    assert data[stmt.start_byte:stmt.end_byte].decode() == 'x := "日本"'
    assert stmt.start_line == 7
    assert fp.units[by_kind["short_var_declaration"].parent].kind == "function_declaration"
    assert watermark.fingerprint(data, language="go") == fp  # str and bytes agree


def test_siblings_share_a_container_and_nest_under_their_parent_unit():
    fp = watermark.fingerprint((FIXTURES / "server.go").read_bytes(), language="go")
    get = next(i for i, u in enumerate(fp.units) if u.name == "Get")
    body = [u for u in fp.units if u.parent == get]
    assert [u.kind for u in body][:2] == ["expression_statement", "defer_statement"]
    assert len({u.container for u in body}) == 1


@pytest.mark.parametrize("one,other", [
    ("x = a && (b || c);\n", "x = (a && b) || c;\n"),
    ("x = a && (b ?? c);\n", "x = (a && b) ?? c;\n"),
    ("x = a - (b - c);\n", "x = (a - b) - c;\n"),
    ("o = {'a-b': 1};\n", "o = {a_b: 1};\n"),
    ("o = {'07': 1};\n", "o = {7: 1};\n"),
    ("x = o['a'];\n", "x = o.a;\n"),
])
def test_normalizations_keep_different_programs_apart(one, other):
    a = watermark.fingerprint(one, language="javascript")
    b = watermark.fingerprint(other, language="javascript")
    assert a.exact != b.exact


def test_files_with_syntax_errors_get_fingerprints_and_flag_the_broken_units():
    fp = watermark.fingerprint("package p\n\nfunc ok() {\n\tx := 1\n\t_ = x\n}\n\nfunc bad() {\n\tx := (\n}\n",
                               language="go")
    assert fp.has_error
    by_name = {u.name: u for u in fp.units if u.name}
    assert by_name["ok"].has_error is False
    assert any(u.has_error for u in fp.units if u.start_line >= 8)


def test_comment_text_and_position_are_ignored_but_code_inside_strings_is_not():
    a = watermark.fingerprint("let s = '// not a comment';\n", language="javascript")
    b = watermark.fingerprint("let s = '';\n", language="javascript")
    assert a.exact != b.exact
    c = watermark.fingerprint("let s = ''; // a comment\n", language="javascript")
    assert hashes(b) == hashes(c) and b.syntax_digest != c.syntax_digest
