"""`watermark diff`: a copy against its release, function by function.

    report = watermark.diff("release/", "customer-copy.tar.gz")
    for f in report.functions:  # most severe first
        print(f.status, f.name, f.classes)

The layers: diff/entities.py (a file's functions, types and classes and
their trees, from the C core's events), diff/pairing.py (the matchers
within a file), diff/worker.py (one file pair, in a worker process),
diff/tree.py (the matchers across the tree, and `diff`), diff/script.py
(edit scripts, GumTree), diff/classes.py (change classes),
diff/describe.py (the report on one pair), diff/model.py (the records),
diff/render.py (the human report)."""
from __future__ import annotations

from .classes import CLASSES, Site
from .model import (
    STATUSES,
    Change,
    FileDiff,
    FileDiffStatus,
    FunctionDiff,
    FunctionStatus,
    Location,
    Snippet,
    TreeDiff,
)
from .tree import diff

__all__ = ["CLASSES", "STATUSES", "Change", "FileDiff", "FileDiffStatus", "FunctionDiff", "FunctionStatus", "Location",
           "Site", "Snippet", "TreeDiff", "diff"]
