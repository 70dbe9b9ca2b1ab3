"""The human report of `watermark diff`: a summary, then each changed
function, most severe first, with its classes and a compact structural diff
(colored on a terminal; `[-old-]` / `{+new+}` marks changed tokens when
plain)."""
from __future__ import annotations

from collections.abc import Iterable

from .model import Change, FunctionDiff, Location, Snippet, TreeDiff

MAX_SHOWN = 8  # changes printed per function
MAX_LINES = 3  # lines printed per change

_RED, _GREEN, _YELLOW, _BOLD, _DIM, _OFF = "\033[31m", "\033[32m", "\033[33m", "\033[1m", "\033[2m", "\033[0m"


def _loc(loc: Location | None) -> str:
    if loc is None:
        return "-"
    return f"{loc.path}:{loc.start_line}" + (f"-{loc.end_line}" if loc.end_line != loc.start_line else "")


def _lines(span: tuple[int, int] | None) -> str:
    if span is None:
        return ""
    return str(span[0]) if span[0] == span[1] else f"{span[0]}-{span[1]}"


class _Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def paint(self, code: str, text: str) -> str:
        return f"{code}{text}{_OFF}" if self.color else text

    def marked(self, text: str, span: tuple[int, int] | None, old: bool) -> str:
        if span is None:
            return text
        a, b = span
        inner = text[a:b]
        if self.color:
            return text[:a] + f"{_BOLD}{inner}{_OFF}{_RED if old else _GREEN}" + text[b:]
        return text[:a] + (f"[-{inner}-]" if old else f"{{+{inner}+}}") + text[b:]


def _change_lines(c: Change, st: _Style) -> Iterable[str]:
    head = f"    {c.op} {c.node}"
    where = []
    if c.base_lines:
        where.append(f"base {_lines(c.base_lines)}")
    if c.suspect_lines:
        where.append(f"suspect {_lines(c.suspect_lines)}")
    yield st.paint(_DIM, f"{head}  ({', '.join(where)})")
    if c.op == "move":
        first = c.suspect_text.lines[0].strip() if c.suspect_text.lines else ""
        yield st.paint(_YELLOW, f"      ~ {first}")
        return
    yield from _side(c, "delete", c.base_text, c.base_lines, st)
    yield from _side(c, "insert", c.suspect_text, c.suspect_lines, st)


def _side(c: Change, op: str, text: Snippet, lines: tuple[int, int] | None, st: _Style) -> Iterable[str]:
    """The base (`delete`) or suspect (`insert`) lines of a change."""
    if not text.lines or c.op not in (op, "update"):
        return
    sign, color = ("-", _RED) if op == "delete" else ("+", _GREEN)
    shown = text.lines[:MAX_LINES] if c.op != "update" else text.lines
    for k, line in enumerate(shown):
        mark = text.mark[1:] if text.mark is not None and text.mark[0] == k else None
        body = st.marked(line, mark, sign == "-")
        yield st.paint(color, f"      {sign} {text.first + k:>5} | {body}")
    last = text.first + len(shown) - 1
    if lines and lines[1] > last and (c.op == op or text.mark is not None):  # more of the node: elided
        yield st.paint(color, f"      {sign}       | ...")


def function_lines(f: FunctionDiff, st: _Style) -> Iterable[str]:
    moved = " (moved)" if f.moved else ""
    where = f"{_loc(f.base)} -> {_loc(f.suspect)}"
    renamed = f" (now {f.suspect_name})" if f.suspect_name else ""
    yield st.paint(_BOLD, f"{f.status}{moved}  {f.kind} {f.name}{renamed}") + f"  {where}"
    if f.classes:
        yield f"  classes: {', '.join(f.classes)}"
    if f.capped:
        yield "  (too large to match node by node: statement-level script)"
    for c in f.changes[:MAX_SHOWN]:
        yield from _change_lines(c, st)
    hidden = len(f.changes) - MAX_SHOWN + f.more_changes
    if hidden > 0:
        yield st.paint(_DIM, f"    ... {hidden} more change(s) (--json lists them)")


def report(d: TreeDiff, *, color: bool = False, functions: list[FunctionDiff] | None = None) -> str:
    st = _Style(color)
    shown = d.functions if functions is None else functions
    out = [f"base {d.base}  suspect {d.suspect}"]
    summary = ", ".join(f"{n} {s}" for s, n in d.summary.items()) or "nothing to compare"
    out.append(f"functions: {summary}")
    file_counts: dict[str, int] = {}
    for fd in d.files:
        label = fd.status + (" (moved)" if fd.moved else "")
        file_counts[label] = file_counts.get(label, 0) + 1
    out.append("files: " + ", ".join(f"{n} {s}" for s, n in sorted(file_counts.items())))
    for fd in d.files:
        for note in fd.notes:
            out.append(f"note: {fd.suspect or fd.base}: {note}")
    if not shown:
        if not d.changed:
            out.append("no change beyond layout")
        elif d.functions:
            out.append("no function matches the filter")
        else:
            out.append("some files could not be compared (see the notes)")
    for f in shown:
        out.append("")
        out.extend(function_lines(f, st))
    return "\n".join(out)
