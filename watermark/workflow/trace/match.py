"""Which release a suspect comes from: the registry holds the carrier
identities of every release made with the key, and the release sharing the
most identities with the suspect is the one it came from. Only identities
that are carriers of the key's releases with that release's code are used:
boundaries a leaker's edits made eligible carry no bit and would only add
noise. Which identities are used depends on the suspect and the registry,
never on a recipient, so the bounds stay valid."""
from __future__ import annotations

from array import array
from dataclasses import dataclass

from ...core.codes import Code
from ...core.marks import Observations
from ..registry import Registry, ReleaseInfo
from .model import ReleaseOverlap
from .read import SuspectFile


@dataclass(frozen=True)
class ReleaseMatch:
    """The releases a suspect shares carriers with, most first; the code of
    each release made with the key; the carriers usable for scoring."""

    releases: list[ReleaseOverlap]
    code_of: dict[str, Code]
    usable: frozenset[int]

    @property
    def code(self) -> Code | None:
        """The code of the release it comes from (None: no release)."""
        return self.code_of[self.releases[0].name] if self.releases else None

    def observations(self, files: list[SuspectFile]) -> Observations:
        """The usable carriers read in the suspect, each identity once."""
        obs = Observations()
        for f in files:
            keep = [k for k, i in enumerate(f.identities) if i in self.usable]
            obs = obs + Observations(array("Q", (f.identities[k] for k in keep)), bytes(f.bits[k] for k in keep))
        return obs

    def usable_in(self, f: SuspectFile) -> tuple[array, bytes]:
        keep = [k for k, i in enumerate(f.identities) if i in self.usable]
        return array("Q", (f.identities[k] for k in keep)), bytes(f.bits[k] for k in keep)


def match_release(registry: Registry, key_id: str, key_releases: list[ReleaseInfo],
                  files: list[SuspectFile]) -> ReleaseMatch:
    observed: set[int] = set()
    for f in files:
        observed.update(f.identities)
    overlap: dict[str, int] = {}
    carriers_of: dict[str, set[int]] = {}
    code_of = {r.name: Code(r.code, r.cutoff, r.scheme) for r in key_releases}
    for carrier_file in registry.carrier_files(key_id):
        hit = observed.intersection(carrier_file.identities)
        if hit:
            name = carrier_file.release
            overlap[name] = overlap.get(name, 0) + len(hit)
            carriers_of.setdefault(name, set()).update(hit)
    releases = [ReleaseOverlap(n, c) for n, c in sorted(overlap.items(), key=lambda kv: (-kv[1], kv[0]))]
    if not releases:
        return ReleaseMatch([], code_of, frozenset())
    code = code_of[releases[0].name]
    usable = frozenset().union(*(carriers_of[r.name] for r in releases if code_of[r.name] == code))
    return ReleaseMatch(releases, code_of, usable)


__all__ = ["ReleaseMatch", "match_release"]
