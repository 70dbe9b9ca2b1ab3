"""The watermark on single files: keys, carriers, embed / extract / verify."""
from __future__ import annotations

import math
import os
import pickle
import stat

import pytest

import watermark
from watermark.core import codes as _codes

KEY = watermark.Key(bytes(range(32)))
OTHER_KEY = watermark.Key(bytes(range(1, 33)))

GO = b"""package p

func f(a, b int) int {
\tx := a + b
\ty := x * 2
\tif y > 10 {
\t\treturn y
\t}
\tz := g(x)
\tw := z + 1
\treturn w
}
"""


# --- keys -------------------------------------------------------------------

def test_key_file_round_trip_is_owner_only_and_never_overwritten(tmp_path):
    key = watermark.Key.generate()
    path = tmp_path / "vendor.key"
    key.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert watermark.Key.load(path) == key and key.id == watermark.Key.load(path).id
    with pytest.raises(watermark.KeyFileError, match="never overwritten"):
        watermark.Key.generate().save(path)
    assert watermark.Key.load(path) == key


def test_the_key_never_shows_in_repr_errors_or_pickles(tmp_path):
    key = watermark.Key(b"S" * 32)
    assert "SSSS" not in repr(key) and key.id in repr(key)
    with pytest.raises(TypeError):
        pickle.dumps(key)
    bad = tmp_path / "bad.key"
    bad.write_bytes(b"watermark-key v1\nU1NTU1NTU1NTU1NTU1NTU1NT!!\n")
    with pytest.raises(watermark.KeyFileError) as err:
        watermark.Key.load(bad)
    assert "U1NT" not in str(err.value) and "damaged" in str(err.value)
    with pytest.raises(watermark.KeyFileError, match="not a watermark key"):
        (tmp_path / "x").write_bytes(b"hello")
        watermark.Key.load(tmp_path / "x")
    with pytest.raises(watermark.KeyFileError):
        watermark.Key(b"short")


def test_subkeys_differ_by_purpose_and_recipient():
    assert len({KEY.subkey(b"wm-carrier-id"), KEY.subkey(b"wm-carrier-pick"),
                KEY.recipient_key("a"), KEY.recipient_key("b"), OTHER_KEY.recipient_key("a")}) == 5


# --- embed / extract / verify ------------------------------------------------
# (on generated programs of every language: tests/conformance/test_marks.py)

def test_a_real_sized_function_accuses_its_recipient_only():
    src = b"package p\n\nfunc f(a int) int {\n" + b"".join(
        b"\tv%d := g(a, %d)\n\tif v%d > a {\n\t\ta = v%d\n\t}\n" % (i, i, i, i) for i in range(60)
    ) + b"\treturn a\n}\n"
    marked = watermark.embed(src, KEY, "alice", language="go")
    obs = watermark.extract(marked.source, KEY, language="go")
    assert watermark.verify(obs, KEY, "alice").accused
    assert not any(watermark.verify(obs, KEY, r).accused for r in ("bob", "carol", "dave"))
    assert not watermark.verify(obs, OTHER_KEY, "alice").accused
    # the wrong key selects its own ~3/4 of the same 120 boundaries, and reads noise there
    wrong_key = watermark.extract(marked.source, OTHER_KEY, language="go")
    assert 70 <= len(wrong_key) <= 110 and not watermark.verify(wrong_key, OTHER_KEY, "alice").accused
    everywhere = watermark.extract(marked.source, OTHER_KEY, language="go", density=1.0)
    assert len(everywhere) == 120 and not watermark.verify(everywhere, OTHER_KEY, "alice").accused


@pytest.mark.parametrize("code", ["unbiased", "tardos"])
def test_a_complemented_copy_accuses_its_recipient_and_the_bound_is_two_sided(code):
    """Every bit toggled: agreement nowhere is evidence as strong as agreement
    everywhere (the same bound, on the other tail); others stay at chance."""
    src = b"".join(b"a%d = f(%d);\nif (a%d) {\n  g();\n}\n" % (i, i, i) for i in range(400))
    marked = watermark.embed(src, KEY, "alice", language="javascript", density=1.0, code=code)
    obs = watermark.extract(marked.source, KEY, language="javascript", density=1.0)
    flipped = watermark.Observations(obs.identities, bytes(1 - b for b in obs.bits))
    straight, turned = (watermark.verify(o, KEY, "alice", code=code) for o in (obs, flipped))
    assert straight.accused and not straight.complemented
    assert turned.accused and turned.complemented and turned.matches == 0
    if code == "unbiased":
        assert turned.log10_bound == pytest.approx(straight.log10_bound)
    assert not any(watermark.verify(o, KEY, "bob", code=code).accused for o in (obs, flipped))


def test_two_sided_bounds_are_twice_the_smaller_tail():
    assert _codes.two_sided_binomial_log10(10, 10) == pytest.approx(math.log10(2 * 2.0 ** -10))
    assert _codes.two_sided_binomial_log10(10, 0) == _codes.two_sided_binomial_log10(10, 10)
    assert 10 ** _codes.two_sided_binomial_log10(10, 2) == pytest.approx(2 * 56 / 1024)
    assert _codes.two_sided_binomial_log10(10, 5) == 0.0  # capped at 1
    assert _codes.two_sided_bernstein_log10(100, -30.0, 3.0) == _codes.two_sided_bernstein_log10(100, 30.0, 3.0) == \
        pytest.approx(math.log10(2) - 900 / (2 * (100 + 30)) / math.log(10))


def test_text_input_gives_text_output_and_carriers_sit_between_statements():
    marked = watermark.embed(GO.decode(), KEY, "alice", language="go", density=1.0)
    assert isinstance(marked.source, str)
    # six statements in f's body: five boundaries; `return y` is alone in its block
    assert marked.carriers == 5
    assert [line for line in marked.source.splitlines() if line] == \
        [line for line in GO.decode().splitlines() if line]


def test_repeated_identities_count_once():
    marked = watermark.embed(GO, KEY, "alice", language="go", density=1.0)
    obs = watermark.extract(marked.source, KEY, language="go", density=1.0)
    twice = obs + obs
    assert len(twice) == 2 * len(obs)
    assert watermark.verify(twice, KEY, "alice").carriers == len(obs)


def test_conflicting_bits_for_one_identity_are_dropped():
    obs = watermark.Observations(_codes.array("Q", [1, 1, 2]), b"\x00\x01\x01")
    assert watermark.verify(obs, KEY, "alice").carriers == 1


# --- where carriers are (not) ------------------------------------------------

@pytest.mark.parametrize("gap", [b"\t// note\n", b"\t/* c */\n", b"\t// one\n\n\t/* two\n\n\t */\n"])
def test_a_blank_line_goes_above_a_comment_never_between_it_and_what_it_documents(gap):
    src = b"package p\n\nfunc f() {\n\ta()\n" + gap + b"\tb()\n}\n"
    for recipient in ("x", "y", "z", "w"):
        result = watermark.embed(src, KEY, recipient, language="go", density=1.0)
        assert result.carriers == 1
        marked = result.source
        assert marked.endswith(gap + b"\tb()\n}\n")  # the comment still sits right on b()
        assert marked in (src, src.replace(b"\ta()\n", b"\ta()\n\n"))


@pytest.mark.parametrize("src", [
    b"package p\n\ntype T struct {\n\ta int\n\t// the name\n\tbb string\n}\n",
    b"package p\n\nconst (\n\tA T = 1\n\t// B is two\n\tBB = 2\n)\n",
    b"package p\n\nvar (\n\ta = 1\n\t// b\n\tbb = 2\n)\n",
    b"package p\n\nvar m = map[string]int{\n\t\"a\": 1,\n\t/* more */\n\t\"bb\": 2,\n}\n",
    b"package p\n\ntype I interface {\n\tA()\n\t// B does b\n\tB()\n}\n",
])
def test_comment_lines_make_go_list_members_carriers_with_the_blank_line_above_them(src):
    """gofmt starts a new alignment section at a comment line either way."""
    a_line = src.split(b"\n")[3] + b"\n"
    for recipient in ("x", "y", "z", "w"):
        result = watermark.embed(src, KEY, recipient, language="go", density=1.0)
        assert result.carriers == 1
        assert result.source in (src, src.replace(a_line, a_line + b"\n"))


def test_go_case_clauses_are_carriers():
    """tree-sitter-go's case clauses run up to the next `case`: their gap
    starts after the body's last token."""
    src = (b"package p\n\nfunc f(x int) int {\n\tswitch x {\n\tcase 1:\n\t\treturn 1\n\n"
           b"\tcase 2:\n\t\treturn 2 // two\n\t// then\n\tcase 3:\n\tdefault:\n\t\treturn 0\n\t}\n}\n")
    result = watermark.embed(src, KEY, "x", language="go", density=1.0)
    assert result.carriers == 2  # 1|2 and 3|default; not after the trailing comment of `return 2`
    for recipient in ("x", "y", "z", "w"):
        marked = watermark.embed(src, KEY, recipient, language="go", density=1.0).source
        assert marked.replace(b"\n\n", b"\n") == src.replace(b"\n\n", b"\n")
        assert b"// two\n\t// then\n\tcase 3:\n" in marked


@pytest.mark.parametrize("src", [
    b"package p\n\nvar a = 1\nvar b = 2\n",  # top level: gofmt's business
    b"package p\n\ntype T struct {\n\ta int\n\tbb string\n}\n",  # alignment section
    b"package p\n\nconst (\n\ta = 1\n\tbb = 2\n)\n",
    b"package p\n\nvar m = map[string]int{\n\t\"a\": 1,\n\t\"bb\": 2,\n}\n",
    b"package p\n\nfunc f() error {\n\terr := g()\n\tif err != nil {\n\t\treturn err\n\t}\n}\n",
    b"package p\n\nfunc f() { a(); b() }\n",  # same line
    b"package p\n\nconst (\n\tA T = iota\n\tB\n)\n",  # A's line has alignment cells
    b"package p\n\ntype T struct {\n\tio.Reader `json:\"r\"`\n\tx int\n}\n",  # a tagged embedded field
    b"package p\n\nvar x = [3]T{\n\t{1, 2},\n\t{3, 4},\n\t2: {5},\n}\n",  # a key: value in the list
    b"package p\n\nvar x = []int{\n\t1,\n\t2, // two\n\t3,\n}\n",  # comments in the enclosing unit
    b"package p\n\ntype I interface {\n\tRead() int\n\tWrite(b []byte)\n}\n",  # gofumpt joins these
])
def test_go_boundaries_that_formatters_control_are_not_carriers(src):
    assert watermark.embed(src, KEY, "x", language="go", density=1.0).carriers == 0


@pytest.mark.parametrize("src", [
    b"'use strict';\nfoo();\n",
    b"let a = 1,\n  b = 2;\n",
    b"x = { a: 1,\n  b: 2 };\n",  # prettier may collapse this object
    b"var a = /x/ // note\nvar b = 2\n",  # the automatic `;` swallowed the comment
])
def test_js_boundaries_that_prettier_controls_are_not_carriers(src):
    assert watermark.embed(src, KEY, "x", language="javascript", density=1.0).carriers == 0


def test_go_list_members_whose_line_holds_no_alignment_cell_are_carriers():
    src = (b"package p\n\ntype T struct {\n\tsync.Mutex\n\tname string\n}\n\n"
           b"const (\n\tA K = iota\n\tB\n\tC, D\n\tE\n)\n\n"
           b"var x = [][]int{\n\t{1, 2},\n\t{3, 4},\n\t{5},\n}\n\n"
           b"var y = []T{\n\t{\n\t\tK: 1,\n\t},\n\t{K: 2},\n}\n")
    # T: Mutex|name; const: B|C,D and C,D|E; x: two boundaries; y: one (cells inside elements don't count)
    assert watermark.embed(src, KEY, "x", language="go", density=1.0).carriers == 6


def test_js_statements_members_and_expanded_objects_are_carriers():
    src = b"a();\nb();\nclass K {\n  m() {}\n  n() {}\n}\nx = {\n  a: 1,\n  b: 2,\n};\n"
    assert watermark.embed(src, KEY, "x", language="javascript", density=1.0).carriers == 5


# --- safety ------------------------------------------------------------------

def test_files_with_syntax_errors_are_left_byte_identical_and_say_where():
    src = b"package p\n\nfunc f() {\n\ta()\n\tb()\n\tx := (\n}\n"
    result = watermark.embed(src, KEY, "x", language="go", path="bad.go", density=1.0)
    assert not result.marked and result.source == src
    assert "bad.go" in result.reason and "syntax error" in result.reason and "line" in result.reason


def test_bad_input_is_refused_clearly():
    with pytest.raises(watermark.SourceError):
        watermark.embed(b"\x00\x01binary", KEY, "x", language="go")
    with pytest.raises(watermark.UnsupportedLanguageError):
        watermark.embed(b"x", KEY, "x", path="a.rs")
    with pytest.raises(ValueError):
        watermark.embed(GO, KEY, "", language="go")
    with pytest.raises(ValueError):
        watermark.embed(GO, KEY, "x", language="go", density=0)


def test_verdicts_and_results_never_contain_the_key():
    secret = b"K" * 32
    key = watermark.Key(secret)
    marked = watermark.embed(GO, key, "alice", language="go")
    verdict = watermark.verify(watermark.extract(marked.source, key, language="go"), key, "alice")
    for text in (repr(marked), repr(verdict), repr(key)):
        assert "KKKK" not in text and secret.hex() not in text


def test_binomial_tail_is_exact_and_the_tardos_bound_is_bernstein():
    assert _codes.binomial_tail_log10(10, 10) == pytest.approx(-10 * 0.30102999566398)
    assert 10 ** _codes.binomial_tail_log10(10, 8) == pytest.approx(56 / 1024)
    assert _codes.binomial_tail_log10(10, 0) == 0.0
    # above n/2 the tail is summed in floating point from C(n, m) on: the exact integer sum to 1e-10 in log10
    for n, m in [(11, 7), (101, 51), (101, 52), (1_000, 530), (1_000, 999), (12_000, 6_100), (12_000, 7_000),
                 (20_000, 10_001), (20_000, 19_000)]:
        term = exact = 1  # C(n, n), then C(n, k - 1) from C(n, k): the exact integer sum, top down
        for k in range(n, m, -1):
            term = term * k // (n - k + 1)
            exact += term
        want = math.log10(exact) - n * math.log10(2)
        assert _codes.binomial_tail_log10(n, m) == pytest.approx(want, abs=1e-10), (n, m)
    assert 10 ** _codes.bernstein_log10(100, 30.0, 3.0) == pytest.approx(
        2.718281828459045 ** (-900 / (2 * (100 + 30))))


def test_tardos_code_accuses_a_single_leaker_and_not_others():
    src = b"".join(b"a%d = f(%d);\nif (a%d) {\n  g();\n}\n" % (i, i, i) for i in range(400))
    marked = watermark.embed(src, KEY, "alice", language="javascript", density=1.0, code="tardos")
    obs = watermark.extract(marked.source, KEY, language="javascript", density=1.0)
    assert watermark.verify(obs, KEY, "alice", code="tardos").accused
    assert not watermark.verify(obs, KEY, "bob", code="tardos").accused


def test_embedding_does_not_touch_the_input_file(tmp_path):
    path = tmp_path / "a.go"
    path.write_bytes(GO)
    before = os.stat(path)
    watermark.embed(path.read_bytes(), KEY, "alice", path=str(path))
    assert path.read_bytes() == GO and os.stat(path).st_mtime_ns == before.st_mtime_ns
