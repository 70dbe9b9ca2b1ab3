"""TypeScript and TSX only: which boundaries carry a bit (interfaces, type
literals, enums, overloads, decorators, namespaces, JSX)."""
from __future__ import annotations

import re
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

import watermark
from languages.rules import carrier_lines, line_of

KEY = watermark.Key(bytes(range(32)))

SOURCE = '''import { a } from "./a";
import { b } from "./b";
export interface Shape {
  kind: string;
  area(): number;
  readonly sides: number;
}
type Point = {
  x: number;
  y: number;
};
enum Color {
  Red,
  Green = 2,
  Blue,
}
function over(a: string): string;
function over(a: number): number;
function over(a: any): any {
  return a;
}
export class Box<T> implements Shape {
  kind = "box";
  sides = 4;
  @memo()
  area(): number {
    const w = 1;
    const h = 2;
    return w * h;
  }
  @field() label = "x";
  constructor(private readonly item: T) {}
}
namespace Geo {
  export const one = 1;
  export const two = 2;
}
'''

JSX = '''export function List(props: { items: string[] }) {
  const n = props.items.length;
  const title = "List";
  return (
    <ul title={title}>
      <li>first</li>
      {props.items.map((item) => (
        <li key={item}>{item}</li>
      ))}
      <li>last {n}</li>
    </ul>
  );
}
'''


def carriers_at(src: str, language: str, *texts: str) -> set[bool]:
    lines = set(carrier_lines(src, language))
    return {line_of(src, t) in lines for t in texts}


@pytest.mark.parametrize("language", ["typescript", "tsx"])
def test_interface_members_overloads_and_declarations_carry_bits(language):
    assert carriers_at(SOURCE, language, "  area(): number;", "  readonly sides", "function over(a: number)",
                       "function over(a: any)", "type Point", "enum Color") == {True}


@pytest.mark.parametrize("language", ["typescript", "tsx"])
def test_members_of_enums_and_type_literals_carry_no_bit(language):
    # (prettier joins a short type literal onto one line, in a parameter's type, however it was written)
    assert carriers_at(SOURCE, language, "  Green = 2,", "  Blue,", "  y: number;") == {False}


def test_never_between_a_decorator_and_what_it_decorates():
    assert carriers_at(SOURCE, "typescript", "  @memo()", "  area(): number {") == {False}
    # a member after a decorated one, and a member whose decorator is on its line: boundaries as any
    assert carriers_at(SOURCE, "typescript", '  @field() label = "x";', "  constructor(") == {True}


def test_namespace_members_and_class_members_carry_bits():
    assert carriers_at(SOURCE, "typescript", "  export const two", "  sides = 4;", "    const h = 2;") == {True}


def test_jsx_children_carry_no_bit():
    lines = set(carrier_lines(JSX, "tsx"))
    assert lines == {line_of(JSX, "  const title"), line_of(JSX, "  return (")}


def test_marking_keeps_the_tree_in_both_grammars():
    for src, language in ((SOURCE, "typescript"), (SOURCE, "tsx"), (JSX, "tsx")):
        marked = watermark.embed(src.encode(), KEY, "alice", language=language, density=1.0)
        assert marked.marked
        a = watermark.fingerprint(src.encode(), language=language)
        b = watermark.fingerprint(marked.source, language=language)
        assert (a.syntax_digest, a.exact) == (b.syntax_digest, b.exact)
        assert [x for x in marked.source.split(b"\n") if x.strip()] == [x for x in src.encode().split(b"\n")
                                                                         if x.strip()]


def test_a_type_parameter_renamed_consistently_is_a_renaming():
    a = watermark.fingerprint(b"function id<T>(x: T): T {\n  return x;\n}\n", language="typescript")
    b = watermark.fingerprint(b"function id<U>(x: U): U {\n  return x;\n}\n", language="typescript")
    c = watermark.fingerprint(b"function id<T>(x: T): string {\n  return x;\n}\n", language="typescript")
    assert a.units[0].exact != b.units[0].exact and a.units[0].renamed == b.units[0].renamed
    assert a.units[0].renamed != c.units[0].renamed  # a type annotation is structure


@pytest.mark.corpus
def test_prettier_keeps_every_hash_and_bit_of_the_marked_source():
    from corpus import tool

    marked = watermark.embed(SOURCE.encode(), KEY, "alice", language="typescript", density=1.0)
    out = subprocess.run([tool("prettier"), "--stdin-filepath", "x.ts"], input=marked.source, capture_output=True,
                         check=True).stdout
    assert out == marked.source  # the sample is prettier-clean, and stays clean marked
    clean = subprocess.run([tool("prettier"), "--stdin-filepath", "x.ts", "--no-semi", "--single-quote"],
                           input=marked.source, capture_output=True, check=True).stdout
    a = watermark.fingerprint(marked.source, language="typescript")
    b = watermark.fingerprint(clean, language="typescript")
    assert [(u.kind, u.exact) for u in a.units] == [(u.kind, u.exact) for u in b.units]
    assert watermark.extract(clean, KEY, language="typescript", density=1.0).bits == \
        watermark.extract(marked.source, KEY, language="typescript", density=1.0).bits


def test_what_the_grammar_cannot_read_is_respelled_for_it_and_nothing_else():
    """tree-sitter-typescript 0.23.2 cannot read `in` / `out` type
    parameters, nor call signatures of an object type separated by line
    breaks only: such a file is read respelled (same length, same lines),
    with the annotations blanked and a `;` between the signatures; an
    `in` / `out` after a `<` or `,` in a string, a comment or a JSX tag
    stays, and the marked copy keeps every byte of the original."""
    from watermark.languages import get

    src = (b"// see Box<in T, out U> below, in short\n"
           b"export interface Box<in\n  out T, const in U> {\n  get(k: 'a<in T>'): T\n}\n\n"
           b"export const view = (x: number) => <out key={x}>x, in y</out>\n\n"
           b"export const pipe: {\n  /** data last */\n  <A>(f: (a: A) => A): (self: A) => A\n"
           b"  /** data first */\n  <A>(self: A, f: (a: A) => A): A\n} = null as any\n\n"
           b"export type F<out T> = () => T\n")
    tsx = get("tsx")
    got = tsx.respelled(src)
    assert got is not None
    assert len(got) == len(src) and got.count(b"\n") == src.count(b"\n")
    assert got == (src.replace(b"Box<in\n  out T", b"Box<  \n      T").replace(b"const in U", b"const    U")
                          .replace(b"F<out T>", b"F<    T>").replace(b"\n  <A>(self", b"\n ;<A>(self"))
    assert tsx.respelled(b"const s = 'a<in T>'\n") is None  # (nothing the grammar puts in a type list)
    assert tsx.respelled(b"/**\n * a list, in order\n */\nconst s = 1\n") is None
    assert tsx.respelled(b"const s = 'a<in T>'\nconst = \n") is None  # (an error elsewhere: no respelling)
    fp = watermark.fingerprint(src, path="a.tsx")
    assert not fp.has_error and [u.kind for u in fp.units][:1] == ["export_statement"]
    copy = watermark.embed(src, KEY, "acme", path="a.tsx")
    assert copy.carriers and copy.source.replace(b"\n\n", b"\n") == src.replace(b"\n\n", b"\n")


@pytest.mark.parametrize("name", ["variance", "signatures"])
def test_a_file_the_grammar_reads_as_it_is_is_never_respelled(name):
    """Call signatures separated by a line break are sometimes read without
    error (as something else): such a file keeps the fingerprint 0.4.0
    gave it, respelling or not."""
    from watermark.backend import BACKEND
    from watermark.languages import get

    src = {"variance": b"const s = 'x<in T>'\nfunction f<T>(x: T) {\n  return [x, 'y, out z']\n}\n",
           "signatures": b"export const n: {\n  (count: number): Counter<number>\n  (count: bigint): Counter<bigint>\n}"
                         b" = null as any\n"}[name]
    lang = get("typescript")
    plain = BACKEND.fingerprint(lang.tables, src)
    assert not plain.has_error
    assert lang.parse(src) == plain


def test_a_respelling_changes_no_string_no_member_and_no_word_outside_a_type_parameter_list():
    """In a file the grammar cannot read (here for a variance annotation), an
    `in` / `out` after a `<` or `,` that is no variance annotation stays:
    in a template literal type, a string, a property of an object type
    inside a constraint, a default."""
    from watermark.languages import get

    keep = (b"type F<T extends `a, in b`> = T\n"
            b"type G<T extends '<in T'> = T\n"
            b"interface Box<T extends { a: string, out\n  b: number }> { x: T }\n"
            b"type H<T = { a: 1, in\n  b: 2 }> = T\n"
            b"function f(a: number, out: number) { return a < out }\n")
    src = keep + b"interface V<in out T> { v: T }\n"
    got = get("typescript").respelled(src)
    assert got is not None and got[:len(keep)] == keep
    assert got[len(keep):] == b"interface V<       T> { v: T }\n"


def test_a_respelling_of_hostile_input_does_not_hang():
    """Candidates are read back a bounded distance: runs of `<` / `,` in
    one long comment or on one long line cost linear time (a quadratic
    scan would take hours at these sizes)."""
    import time

    from watermark.languages import get

    lang = get("typescript")
    for data in (b",/*" * 300_000 + b"*/\n", b"x(" + b", out b" * 150_000 + b"\n", b",//" * 300_000 + b"\n",
                 b"type M = `" + b"\\`\\$\\\\" * 100_000 + b"`\n<in T>",
                 b"let x = ;\n" + b"\n" * 300_000 + b"a\n", b"let x = ;\nx" + b" \n" * 200_000 + b" (a)\n",
                 b"type A<" + b" " * 300_000 + b"in T> = T\n;(",
                 b"*/ in T," * 100_000, (b"<A,/*" + b"x" * 5000 + b"*/ in T,\n (a): B\n") * 200):
        start = time.monotonic()
        fp = lang.parse(data)
        assert fp.n_units >= 0 and time.monotonic() - start < 60


_OLD_VARIANCE_WORD = re.compile(rb"(?<![\w$])(in(?:[ \t\r\n]+out)?|out)(?=[ \t\r\n]+[A-Za-z_$])")
_OLD_SIGNATURE_LINE = re.compile(rb"(?<=[\w$>\])}\"'/])(?:[ \t]*\r?\n)+[ \t]*([ \t])"
                                 rb"(?:\(|<(?:[ \t]*\r?\n|const\b|[\w$]+(?:[ \t]*[,=]|[ \t]+extends\b|>\()))")


# (what a member cannot end in: an arrow, or a type operator the next line continues)
_NO_MEMBER_END = re.compile(rb"(?:=>|(?<![\w$])(?:extends|keyof|typeof|infer|is|asserts|as|satisfies|readonly|unique"
                            rb"|new|in|of))(?:[ \t]*\r?\n)+[ \t]*[ \t][(<]")


@given(st.lists(st.sampled_from([b"in", b"out", b" ", b"\t", b"\n", b"\r\n", b"x", b"$", b"<", b">", b",", b"(",
                                 b")", b"}", b"'", b"/", b"*", b"const", b"extends", b"=", b"A", b"\r", b"\n\n",
                                 b"  (", b" <", b"=>", b"keyof", b"infer", b"as"]), max_size=60))
def test_the_respelling_scans_find_what_their_lookbehind_patterns_find(parts):
    """The scans check a match's start by hand (a pattern that starts with a
    lookbehind is tried at every byte): they find exactly what the patterns
    with the lookbehind find (for signatures, but after an arrow or a type
    operator)."""
    from watermark.languages import typescript as ts

    data = b"".join(parts)
    assert list(ts._variance_words(data)) == [m.span(1) for m in _OLD_VARIANCE_WORD.finditer(data)]
    def after_no_member(m: re.Match) -> bool:
        return any(n.end() == m.end(1) + 1 for n in _NO_MEMBER_END.finditer(data, max(0, m.start() - 12), m.end(1) + 1))

    assert list(ts._signature_lines(data)) == [m.start(1) for m in _OLD_SIGNATURE_LINE.finditer(data)
                                               if not after_no_member(m)]


def test_a_type_that_goes_on_over_a_line_break_is_no_call_signature():
    """A member's conditional type broken after `extends`, with the next
    line starting `(`, is one type, not a call signature after a member: no
    `;` goes there, so it no longer breaks the object type whose real
    overloads need one (effect's `internal/stream.ts`, which the grammar
    read with errors before, reads respelled)."""
    from watermark.languages import get

    src = (b"export const catchTags: {\n"
           b"  <E>(cases: E): <A>(self: A) => Box<\n"
           b"    | {\n      [K in keyof E]: E[K] extends\n        ((...args: Array<any>) => infer A) ? A\n"
           b"        : never\n    }[keyof E]\n  >\n"
           b"  <A, E>(self: A, cases: E): Box<A>\n"
           b"} = null as any\n")
    lang = get("typescript")
    got = lang.respelled(src)
    assert got == src.replace(b"\n  <A, E>(self", b"\n ;<A, E>(self")
    assert not watermark.fingerprint(src, language="typescript").has_error


def test_an_escape_in_a_template_literal_type_is_respelled_and_one_in_a_string_is_not():
    """The grammar reads `\\``, `\\$` and `\\\\` in a template string, not in a
    template literal type: there the two bytes are respelled as fragment
    text; in a string, a template string, a regex or a comment they stay
    (the file's other error keeps it read respelled)."""
    from watermark.languages import get

    src = (b"type MissingSelf = `Missing \\`Self\\` - \\${x} \\\\`\n"
           b"const s = 'a\\`b', t = `c\\`d`, r = /e\\$/ // f\\`\n"
           b"interface Box<in T> { v: T }\n")
    ts = get("typescript")
    assert ts.parse(src).reading == 1 and not ts.parse(src).has_error
    got = ts.respelled(src)
    assert got is not None and len(got) == len(src)
    first, rest = src.split(b"\n", 1)
    assert got.split(b"\n", 1)[0] == (first.replace(b"\\`Self\\`", b"\x01\x02Self\x01\x02")
                                      .replace(b"\\${", b"\x01\x03{").replace(b"\\\\`", b"\x01\x04`"))
    assert got.split(b"\n")[1] == rest.split(b"\n")[0]  # (the string, template string, regex and comment: as they were)
    # the same type, written twice, hashes alike; another escape does not
    other = src.replace(b"`Self\\`", b"`Self\\$")
    units = [(u.kind, u.exact) for u in watermark.fingerprint(src, language="typescript").units]
    assert units[0] != [(u.kind, u.exact) for u in watermark.fingerprint(other, language="typescript").units][0]


def test_a_candidate_far_behind_blanks_is_none_and_one_behind_a_long_comment_is():
    """Blanks and `//` lines are read back 4 KB at most (as every version
    did); a block comment is skipped whole, however long (a JSDoc block
    with examples before an overload)."""
    from watermark.languages import get

    ts = get("typescript")
    assert ts.parse(b"type A<" + b" " * 5000 + b"in T> = T\n").reading == 2  # (not respelled: left as it is)
    assert ts.parse(b"type A<\n" + b"// c\n" * 1000 + b"in T> = T\n").reading == 2
    doc = b"  /**\n" + b"   * an example line of the comment\n" * 200 + b"   */\n"
    src = (b"export const race: {\n  <A>(that: A): A\n" + doc +
           b"  <A, B>(self: A, that: B): A | B\n} = null as any\n")
    assert ts.parse(src).reading == 1 and not ts.parse(src).has_error
