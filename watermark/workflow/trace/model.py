"""What a trace reports: a TraceReport with every recipient's Suspicion,
the evidence per file, the sets of recipients a merged leak decodes into,
and the provenance and marks diagnosis. `to_json()` turns it into JSON."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

from ...core.codes import CodeName
from ...core.enums import Named
from ...core.marks import Verdict
from .provenance import Marks, Provenance


class Test(Named):
    """Which family of tests named a recipient."""

    SINGLE = "single"  # the recipient's own bits
    PAIR = "pair"  # a phantom: its codeword XOR another's (core/collusion.py)
    DECODED = "decoded"  # a phantom: a set of codewords the leak decodes into


@dataclass(frozen=True)
class Suspicion(Verdict):
    """One recipient's verdict in a trace: `bound` and `log10_bound` are
    corrected for every test made (N recipients x rounds, or every
    combination searched, over the family's share of the level); `round`
    is the round that gave it. `test` says which family; for a phantom
    (the XOR of this recipient's codeword and those of `combined`),
    matches and carriers are the phantom's."""

    round: int = 1
    test: Test = Test.SINGLE
    combined: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class FileEvidence:
    path: str
    language: str | None
    carriers: int  # release carriers read in this file
    matches: dict[str, int] = field(default_factory=dict)  # accused recipient -> matching bits here
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class ReleaseOverlap(NamedTuple):
    """A release sharing carriers with the suspect."""

    name: str
    carriers: int


@dataclass(frozen=True)
class DecodedSet:
    """Recipients whose codewords XOR to the leak (a merged copy), accused or
    not: `log10_bound` bounds the chance that a set of innocents decodes so."""

    recipients: tuple[str, ...]
    log10_bound: float
    matches: int
    carriers: int
    complemented: bool
    accused: bool

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "recipients": list(self.recipients)}


@dataclass(frozen=True)
class TraceReport:
    suspect: str
    key_id: str
    level: float
    code: CodeName
    releases: list[ReleaseOverlap]  # releases sharing carriers with the suspect, most first
    boundaries: int  # eligible boundaries read in the suspect
    carriers: int  # distinct release carriers used for scoring
    recipients_tested: int
    ranking: list[Suspicion]  # every recipient, most suspect first
    files: list[FileEvidence]
    seconds: dict[str, float] = field(default_factory=dict)  # "extract", "score": wall time
    decoded: list[DecodedSet] = field(default_factory=list)
    provenance: Provenance | None = None  # where the code comes from (trace/provenance.py)
    marks: Marks | None = None  # what became of the marks of that release

    @property
    def accused(self) -> list[Suspicion]:
        return [s for s in self.ranking if s.accused]

    @property
    def release(self) -> str | None:
        return self.releases[0].name if self.releases else None

    def to_json(self, top: int = 20) -> dict[str, Any]:
        return {
            "suspect": self.suspect, "key_id": self.key_id, "level": self.level, "code": self.code,
            "release": self.release,
            "releases": [{"name": r.name, "carriers": r.carriers} for r in self.releases],
            "boundaries": self.boundaries, "carriers": self.carriers,
            "recipients_tested": self.recipients_tested,
            "accused": [s.to_json() for s in self.accused],
            "ranking": [s.to_json() for s in self.ranking[:top]],
            "files": [f.to_json() for f in self.files],
            "decoded": [d.to_json() for d in self.decoded],
            "provenance": self.provenance.to_json() if self.provenance else None,
            "marks": self.marks.to_json() if self.marks else None,
            "seconds": self.seconds,
        }


__all__ = ["DecodedSet", "FileEvidence", "ReleaseOverlap", "Suspicion", "Test", "TraceReport"]
