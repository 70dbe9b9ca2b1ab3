"""The report on one entity pair: its status, where it is on each side,
its change classes, and the actions of its edit script with the lines to
show for each (a long literal is shown where it changed)."""
from __future__ import annotations

from typing import Any

from . import classes as _classes
from .entities import Entity, FileView
from .model import MAX_CHANGES, Change, FunctionDiff, FunctionStatus, Location, Snippet
from .script import MAX_NODES, edit_script


def function_diff(base: FileView | None, a: Entity | None, suspect: FileView | None, b: Entity | None,
                  status: FunctionStatus, moved: bool) -> FunctionDiff:
    """The report on one entity pair (or one added / removed entity)."""
    one = a if a is not None else b
    assert one is not None
    if base is not None and a is not None:
        base.settle(a)
    if suspect is not None and b is not None:
        suspect.settle(b)
    fd = FunctionDiff(status, moved, one.kind, one.display,
                      Location(base.path, a.start_line, a.end_line) if base is not None and a is not None else None,
                      Location(suspect.path, b.start_line, b.end_line) if suspect is not None and b is not None
                      else None, suspect_name=b.display if a is not None and b is not None and a.name != b.name
                      else None)
    signature: dict[str, Any] = {}
    if status == FunctionStatus.UNPARSED:
        return fd  # (no edit script: the trees of a broken region say nothing)
    if a is None or b is None:
        view, e = (base, a) if a is not None else (suspect, b)
        assert view is not None and e is not None
        side = "base" if a is not None else "suspect"
        signature[side] = {"skeleton": f"{e.skeleton:016x}", **_classes.profile(view.tree(e), view.language)}
        fd.signature = signature
        return fd
    assert base is not None and suspect is not None
    # a pair too large to match node by node is compared statement by
    # statement (script.MAX_NODES): there a statement both sides have whole
    # is one leaf, never built node by node
    coarse = base.own_events(a) + suspect.own_events(b) > 2 * MAX_NODES
    if coarse:
        whole = base.whole_units(a), suspect.whole_units(b)
        shared = {h for _, h in whole[0].values()} & {h for _, h in whole[1].values()}
        t1, t2 = (view.tree(e, {k: v for k, v in w.items() if v[1] in shared})
                  for view, e, w in ((base, a, whole[0]), (suspect, b, whole[1])))
    else:
        t1, t2 = base.tree(a), suspect.tree(b)
    script = edit_script(t1, t2, coarse)
    # a nested entity's placeholder inserted, deleted, renamed or moved is
    # that entity's own report (added, removed, renamed, moved), not its parent's
    own = [x for x in script.actions if x.node.entity < 0]
    # and a respelling the formatters make (a docstring's blanks, in Python) is no
    # change. An entity with no change of its own left (its trees alike, each read
    # in the language's canonical spelling: FileView.tree) is layout
    spelling = base.language.entities.formatter_spelling
    kept = [x for x in own if not (x.op == "update" and x.old is not None and x.new is not None
                                   and spelling(x.old, x.new, base.source, suspect.source))]
    if not kept and status in (FunctionStatus.LITERAL, FunctionStatus.MODIFIED):
        fd.status = FunctionStatus.LAYOUT
        return fd
    own = kept
    classifier = _classes.Classifier(base.language, base, suspect, t1, t2)
    fd.sites = classifier.classify(own)
    fd.capped = script.capped
    actions = sorted(own, key=lambda x: (x.new.start if x.new is not None else x.node.start, x.op))
    fd.more_changes = max(0, len(actions) - MAX_CHANGES)
    fd.changes = [_change(base, suspect, x) for x in actions[:MAX_CHANGES]]
    # (the profile counts what the trees hold: a coarse pair's shared statements are leaves)
    profiles = ({}, {}) if coarse else (_classes.profile(t1, base.language), _classes.profile(t2, suspect.language))
    fd.signature = {"base": {"skeleton": f"{a.skeleton:016x}", **profiles[0]},
                    "suspect": {"skeleton": f"{b.skeleton:016x}", **profiles[1]}}
    return fd


SNIPPET_LINES = 4  # lines shown of a node
CONTEXT = 1  # lines of context around what changed inside a long literal
LONG_TOKEN = 120  # an updated token longer than this (or over lines) is shown where it changed


def _snippet(view: FileView, start: int, end: int, mark: bool = False, limit: int = SNIPPET_LINES,
             context: int = 0) -> Snippet:
    """The lines holding [start, end) (at most `limit`, after `context` lines
    before), marking [start, end) on its first line when `mark`."""
    src = view.source
    line_start = src.rfind(b"\n", 0, start) + 1
    for _ in range(context):
        if line_start == 0:
            break
        line_start = src.rfind(b"\n", 0, line_start - 1) + 1
    line_end = src.find(b"\n", max(start, end - 1))
    for _ in range(context):
        if line_end < 0:
            break
        line_end = src.find(b"\n", line_end + 1)
    if line_end < 0:
        line_end = len(src)
    text = [t.rstrip("\r") for t in src[line_start:line_end].decode("utf-8", "replace").split("\n")][:limit]
    first = view.line_of(line_start)
    found = None
    if mark:
        row = view.line_of(start) - first
        row_start = src.rfind(b"\n", 0, start) + 1
        column = len(src[row_start:start].decode("utf-8", "replace"))
        stop = src.find(b"\n", start, end)
        width = len(src[start:end if stop < 0 else stop].decode("utf-8", "replace"))
        if row < len(text):
            found = (row, column, column + width)
    return Snippet(tuple(text), first, found)


def _changed_span(a: bytes, b: bytes) -> tuple[int, int]:
    """Where `a` and `b` differ: the length of their common prefix, and of
    their common suffix (not overlapping it), on UTF-8 character bounds."""
    def inside(x: bytes, at: int) -> bool:  # a UTF-8 continuation byte: inside a character
        return at < len(x) and (x[at] & 0xC0) == 0x80

    n = min(len(a), len(b))
    p = 0
    while p < n and a[p] == b[p]:
        p += 1
    while p > 0 and (inside(a, p) or inside(b, p)):
        p -= 1
    q = 0
    while q < n - p and a[-1 - q] == b[-1 - q]:
        q += 1
    while q > 0 and (inside(a, len(a) - q) or inside(b, len(b) - q)):
        q -= 1
    return p, q


def _update_snippets(base: FileView, old: Any, suspect: FileView, new: Any) -> tuple[Snippet, Snippet]:
    """Both sides of an update: the whole token marked, or for a long token
    (a raw string, a template), the lines around what changed in it."""
    a, b = base.source[old.start:old.end], suspect.source[new.start:new.end]
    if len(a) <= LONG_TOKEN and len(b) <= LONG_TOKEN and b"\n" not in a and b"\n" not in b:
        return _snippet(base, old.start, old.end, mark=True), _snippet(suspect, new.start, new.end, mark=True)
    p, q = _changed_span(a, b)
    return (_snippet(base, old.start + p, old.end - q, mark=True, context=CONTEXT),
            _snippet(suspect, new.start + p, new.end - q, mark=True, context=CONTEXT))


def _change(base: FileView, suspect: FileView, x: Any) -> Change:
    old, new = x.old, x.new
    if x.op == "update":
        bt, st = _update_snippets(base, old, suspect, new)
    else:
        bt = _snippet(base, old.start, old.end) if old is not None else Snippet()
        st = _snippet(suspect, new.start, new.end) if new is not None else Snippet()
    node = (new if old is None else old).kind
    if node == "token":
        node = str((new if old is None else old).label)
    return Change(x.op, node, base.lines_of(old.start, old.end) if old is not None else None,
                  suspect.lines_of(new.start, new.end) if new is not None else None, bt, st)


__all__ = ["function_diff"]
