"""What `watermark diff` reports: a TreeDiff of FileDiffs and FunctionDiffs,
each FunctionDiff with its change classes (sites) and edit-script actions
(Changes); every record turns into JSON with `to_json()`."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..core.enums import Named
from . import classes as _classes


class FunctionStatus(Named):
    """How a function (type, class, method, file scope) of the copy differs
    from the release's, from the least to the most."""

    UNCHANGED = "unchanged"  # the same bytes
    LAYOUT = "layout"  # the same tree, other whitespace or comments
    RENAMED = "renamed"  # the same code up to a consistent renaming
    LITERAL = "literal"  # the same node kinds, other names or literals
    MODIFIED = "modified"  # other code
    ADDED = "added"  # only in the copy
    REMOVED = "removed"  # only in the release
    # other code where a side has syntax errors: the grammar's repair of a
    # broken region differs with its layout, so nothing more is said
    UNPARSED = "unparsed"


class FileDiffStatus(Named):
    """How a file of the copy compares with the release's."""

    UNCHANGED = "unchanged"
    LAYOUT = "layout"
    MODIFIED = "modified"
    ADDED = "added"
    REMOVED = "removed"
    UNREADABLE = "unreadable"  # one side cannot be read (too big, binary): not compared


STATUSES = tuple(s.value for s in FunctionStatus)
REPORTED = frozenset({FunctionStatus.RENAMED, FunctionStatus.LITERAL, FunctionStatus.MODIFIED,
                      FunctionStatus.ADDED, FunctionStatus.REMOVED, FunctionStatus.UNPARSED})
MAX_CHANGES = 200  # actions kept per function (the classes still see all of them)
_RANK = {FunctionStatus.MODIFIED: 0, FunctionStatus.LITERAL: 1, FunctionStatus.RENAMED: 2,
         FunctionStatus.REMOVED: 3, FunctionStatus.ADDED: 4, FunctionStatus.UNPARSED: 5}


@dataclass(frozen=True)
class Location:
    path: str
    start_line: int
    end_line: int

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "start_line": self.start_line, "end_line": self.end_line}


@dataclass(frozen=True)
class Snippet:
    """Source lines shown for one side of a change: `lines` from line
    `first` on; `mark` (row in lines, start column, end column) is what
    changed, for an update."""

    lines: tuple[str, ...] = ()
    first: int = 0
    mark: tuple[int, int, int] | None = None


@dataclass(frozen=True)
class Change:
    """One action of an edit script, with the lines it names (the node's
    whole span) and, for the human report, the lines to show on each side:
    the node's first lines, or for an update of a long literal, the lines
    around what changed in it."""

    op: str
    node: str
    base_lines: tuple[int, int] | None
    suspect_lines: tuple[int, int] | None
    base_text: Snippet = Snippet()
    suspect_text: Snippet = Snippet()

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "node": self.node,
                "base_lines": list(self.base_lines) if self.base_lines else None,
                "suspect_lines": list(self.suspect_lines) if self.suspect_lines else None}

@dataclass
class FunctionDiff:
    """One function / method / type / class that is not the same."""

    status: FunctionStatus
    moved: bool
    kind: str
    name: str
    base: Location | None
    suspect: Location | None
    sites: list[_classes.Site] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    signature: dict[str, Any] = field(default_factory=dict)
    capped: bool = False
    more_changes: int = 0  # actions beyond MAX_CHANGES, not listed
    suspect_name: str | None = None  # its name in the suspect, where its own name changed

    @property
    def classes(self) -> list[str]:
        seen = {s.cls for s in self.sites}
        return [c for c in _classes.CLASSES if c in seen]

    @property
    def severity(self) -> int:
        ranks = [_classes.SEVERITY[c] for c in self.classes]
        status_rank = _RANK.get(self.status, 6)
        return min(ranks) if ranks else len(_classes.CLASSES) + status_rank

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status, "moved": self.moved, "kind": self.kind, "name": self.name,
            "base": self.base.to_json() if self.base else None,
            "suspect": self.suspect.to_json() if self.suspect else None,
            "classes": self.classes,
            "class_sites": [{"class": s.cls, "base_lines": list(s.base_lines) if s.base_lines else None,
                             "suspect_lines": list(s.suspect_lines) if s.suspect_lines else None}
                            for s in self.sites],
            "changes": [c.to_json() for c in self.changes],
            "more_changes": self.more_changes,
            "signature": self.signature, "capped": self.capped, "suspect_name": self.suspect_name,
        }


@dataclass
class FileDiff:
    status: FileDiffStatus
    base: str | None
    suspect: str | None
    language: str | None
    moved: bool = False
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "moved": self.moved, "language": self.language, "base": self.base,
                "suspect": self.suspect, "notes": self.notes}


@dataclass
class TreeDiff:
    """What `watermark.diff` found. `functions`: every function that is not
    unchanged / layout in place, most severe first; `summary`: how many
    functions (and file scopes) have each status; `changed`: anything beyond
    layout, or a file that could not be compared (the CLI's exit status 1)."""

    base: str
    suspect: str
    summary: dict[str, int]
    functions: list[FunctionDiff]
    files: list[FileDiff]
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.functions) or any(f.status == FileDiffStatus.UNREADABLE for f in self.files)

    def only(self, wanted: Iterable[str]) -> list[FunctionDiff]:
        """The functions with at least one of these classes (or statuses)."""
        want = set(wanted)
        return [f for f in self.functions if want & set(f.classes) or f.status in want]

    def to_json(self) -> dict[str, Any]:
        return {"base": self.base, "suspect": self.suspect, "summary": self.summary,
                "functions": [f.to_json() for f in self.functions], "files": [f.to_json() for f in self.files],
                "seconds": round(self.seconds, 3)}


__all__ = ["MAX_CHANGES", "REPORTED", "STATUSES", "Change", "FileDiff", "FileDiffStatus", "FunctionDiff",
           "FunctionStatus", "Location", "Snippet", "TreeDiff"]
