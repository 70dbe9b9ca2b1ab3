"""`watermark diff`: a copy against its release, function by function.

    report = watermark.diff("release/", "customer-copy.tar.gz")
    for f in report.functions:  # most severe first
        print(f.status, f.name, f.classes)

See diff/match.py for the matching, diff/script.py for the edit scripts
(GumTree), diff/classes.py for the change classes."""
from __future__ import annotations

from .classes import CLASSES
from .match import STATUSES, Change, FileDiff, FunctionDiff, Location, TreeDiff, diff

__all__ = ["CLASSES", "STATUSES", "Change", "FileDiff", "FunctionDiff", "Location", "TreeDiff", "diff"]
