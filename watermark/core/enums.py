"""The base of the library's named values (statuses, states, test names).

Each is a `str` too, so it compares equal to its value, prints as it, and
goes into JSON and is one key of a dict with it: `FunctionStatus.MODIFIED == "modified"`,
`f"{status}"` is `"modified"`, `json.dumps(status)` is `'"modified"'`.
"""
from __future__ import annotations

from enum import Enum


class Named(str, Enum):
    """A str enum that prints as its value on every Python the library
    supports (enum.StrEnum arrives with 3.11)."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)

    def __hash__(self) -> int:  # as its value's: a member and its value are one key of a dict or set
        return str.__hash__(self)


__all__ = ["Named"]
