"""The human report of `watermark trace` and `watermark verify`: the
ranking of recipients, the per-file evidence, and the provenance block."""
from __future__ import annotations

from collections.abc import Iterator

from ...workflow.trace import Marks, Provenance, Suspicion, TraceReport


def report(r: TraceReport, top: int) -> Iterator[str]:
    """Every line of the report, listing at most `top` recipients."""
    if not r.releases:
        yield (f"{r.suspect}: {r.boundaries} boundaries read, none is a carrier of a release "
               f"marked with this key")
        yield from provenance_block(r)
        return
    yield from _ranking(r, top)
    if r.accused:
        yield ""
        yield from _evidence(r)
    yield from provenance_block(r)


def _ranking(r: TraceReport, top: int) -> Iterator[str]:
    names = ", ".join(f"{n} ({c} carriers)" for n, c in r.releases)
    yield f"suspect {r.suspect}: matches release {names}"
    yield (f"{r.carriers} distinct carriers scored for {r.recipients_tested} recipients "
           f"(code {r.code}, level {r.level:g}, bounds corrected for every recipient "
           f"{'and combination ' if r.code == 'unbiased' and r.recipients_tested > 1 else ''}tested)")
    yield ""
    yield f"  {'recipient':<24} {'matches':>16} {'bound':>12}  verdict"
    for s in r.ranking[:top]:
        bound = f"1e{s.log10_bound:.1f}" if s.log10_bound < -300 else f"{s.bound:.3g}"
        yield f"  {s.recipient:<24} {f'{s.matches}/{s.carriers}':>16} {bound:>12}  {verdict(s)}"
    if len(r.ranking) > top:
        yield f"  ... {len(r.ranking) - top} more, none accused"
    for d in r.decoded:
        if not d.accused:
            yield (f"  the copy is the XOR of the codewords of {', '.join(d.recipients)} "
                   f"({d.matches}/{d.carriers} carriers), but that bound (1e{d.log10_bound:.1f}) "
                   "is above the level: too many sets of that size are registered to accuse them")


def _evidence(r: TraceReport) -> Iterator[str]:
    combined = any(a.combined for a in r.accused)
    yield ("per-file evidence (matching bits / carriers"
           f"{'; one accused through a combination matches its own bits about half the time' if combined else ''}):")
    for f in r.files:
        if f.carriers:
            ev = "  ".join(f"{name} {m}/{f.carriers}" for name, m in f.matches.items())
            yield f"  {f.path}: {ev}"


def verdict(s: Suspicion) -> str:
    """The verdict column: why a recipient is accused."""
    if not s.accused:
        return "-"
    why = ["complemented copy"] if s.complemented else []
    if s.combined:
        why.append(f"{'decoded ' if s.test == 'decoded' else ''}XOR of codewords with {', '.join(s.combined)}")
    return f"ACCUSED ({'; '.join(why)})" if why else "ACCUSED"


def provenance_block(r: TraceReport) -> Iterator[str]:
    """Where the code comes from, and the marks' diagnosis (never an accusation)."""
    if r.provenance is None:
        return
    yield ""
    yield from _provenance(r.provenance)
    if r.marks is not None and r.marks.state != "unknown":
        yield from _marks(r.marks, r.provenance.release)


def _provenance(prov: Provenance) -> Iterator[str]:
    if prov.release is None:
        yield ("provenance: no release in the registry shares code with the suspect"
               + (f" ({len(prov.unindexed)} releases recorded before provenance prints)" if prov.unindexed else ""))
        return
    derived = [f for f in prov.files if f.derived]
    said = f"derived from release {prov.release}: {len(derived)} of {len(prov.files)} files derived" \
        if prov.derived else f"shares some code with release {prov.release} (not enough to call it derived)"
    yield (f"provenance: {said}, {prov.release_share:.0%} of the release's prints present, "
           f"{prov.matched_share:.0%} of the suspect's prints from it; independently written code shares this "
           f"much with probability <= {10 ** prov.log10_bound:.2g}")
    for f in sorted(derived, key=lambda f: (-f.similarity, f.path))[:10]:
        yield f"  {f.path} <- {f.release_path}  similarity {f.similarity:.2f}"
    if len(derived) > 10:
        yield f"  ... {len(derived) - 10} more files derived (--json lists every file)"
    for o in prov.others[:3]:
        yield f"  also shares {o.shared_prints} prints with release {o.release}"


def _marks(marks: Marks, release: str | None) -> Iterator[str]:
    yield f"marks: {marks.state} ({marks.reason})"
    if marks.candidates:
        shown = ", ".join(marks.candidates[:20])
        more = f" and {len(marks.candidates) - 20} more" if len(marks.candidates) > 20 else ""
        yield f"  candidates (everyone who received {release}): {shown}{more}"
