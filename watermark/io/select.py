"""Which files of a tree are marked (include / exclude globs, the default
excludes) and which are left out of copies (version-control metadata)."""
from __future__ import annotations

import re
from collections.abc import Iterable

from .. import languages
from .sources import TreeError

# Skipped by default (copied unmarked), documented in the README: what a
# vendor ships but would not mark - third-party and generated code, test
# fixtures, minified bundles.
DEFAULT_EXCLUDES = ("third_party", *languages.default_excludes())
# Left out of copies entirely: version-control metadata holds the
# unmarked history.
VCS_DIRS = frozenset({".git", ".hg", ".svn"})


def _glob_regex(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        out.append("[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c))
        i += 1
    return re.compile("".join(out))


class Selector:
    """Include / exclude globs on relative paths.

    A pattern without `/` matches any path component (`vendor` skips every
    vendor directory, `*.min.js` every minified file); a pattern with `/`
    matches from the root, a directory matching it covers everything
    below; `**` spans directories."""

    def __init__(self, include: Iterable[str] = (), exclude: Iterable[str] = (), defaults: bool = True) -> None:
        self.include = [self._compile(p) for p in include]
        self.exclude = [self._compile(p) for p in (*(DEFAULT_EXCLUDES if defaults else ()), *exclude)]

    @staticmethod
    def _compile(pattern: str) -> tuple[bool, re.Pattern[str]]:
        pattern = pattern.strip().strip("/") if pattern.strip() != "/" else ""
        if not pattern:
            raise TreeError("empty glob pattern")
        return ("/" in pattern, _glob_regex(pattern))

    @staticmethod
    def _matches(path: str, rule: tuple[bool, re.Pattern[str]]) -> bool:
        rooted, regex = rule
        parts = path.split("/")
        if rooted:
            return any(regex.fullmatch("/".join(parts[:k])) for k in range(1, len(parts) + 1))
        return any(regex.fullmatch(p) for p in parts)

    def selects(self, path: str) -> bool:
        if self.include and not any(self._matches(path, r) for r in self.include):
            return False
        return not any(self._matches(path, r) for r in self.exclude)


def is_vcs(path: str) -> bool:
    return any(p in VCS_DIRS for p in path.split("/"))
