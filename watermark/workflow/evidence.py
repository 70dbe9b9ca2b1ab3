"""An evidence report a vendor can hand to counsel: one self-contained HTML
file (no network, no external assets) of what `trace` found and how.

It holds what was found (the release, the accused and their bounds in
words), how it was decided (carriers, code, the correction for every
recipient tested, rounds), the registry's record of the accused's copy,
provenance and the marks diagnosis, a plot of every recipient's score with
the accused standing out, and per file the leaked text beside what the
accused's copy holds at each carrier (a blank line or none), marked match
or mismatch. The key never appears in it; recipients other than the
accused are not named unless asked (`show_all`): the report may leave the
company.
"""
from __future__ import annotations

import datetime
import html
import math
import os
from array import array
from dataclasses import dataclass

from .. import languages
from ..core import reading
from ..core.codes import Code, recipient_bits
from ..core.keys import Key
from ..core.marks import identities_of
from ..io.select import is_vcs
from ..io.sources import Source
from .registry import Registry
from .trace import Suspicion, TraceReport

MAX_LINES = 4000  # lines of one file shown whole; past this, the lines around its carriers
CONTEXT = 3  # lines shown around a carrier in a long file


@dataclass(frozen=True)
class CarrierMark:
    """One carrier of a leaked file, for the report: the line A ends on,
    what the leak holds below it, what the accused's copy holds."""

    line: int
    leak: int
    copy: int


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("watermark")
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"


def _chance(log10_bound: float) -> str:
    """A bound in words a non-statistician reads."""
    if log10_bound >= -1:
        return "not small: no better than chance"
    exponent = math.floor(-log10_bound)
    if exponent <= 6:
        return f"below 1 in {10 ** exponent:,}"
    return f"below 1 in 10<sup>{exponent}</sup> (a 1 followed by {exponent} zeros)"


def _marks_of(suspect: str | os.PathLike, key: Key, registry: Registry, release: str,
              recipient: str) -> dict[str, tuple[bytes, list[CarrierMark]]]:
    """Per suspect file with release carriers: its text and its carriers
    (the leak's bit beside the recipient's)."""
    info = registry.release(release)
    code = Code(info.code, info.cutoff, info.scheme)
    wanted: dict[int, int] = {}  # identity -> the recipient's bit
    for rec in registry.layouts(release):
        bits = recipient_bits(key, recipient, rec.identities, code)
        wanted.update(zip((int(i) for i in rec.identities), bits))
    out: dict[str, tuple[bytes, list[CarrierMark]]] = {}
    with Source.open(suspect) as src:
        for entry in src.entries():
            if entry.kind != "file" or is_vcs(entry.path) or entry.big:
                continue
            data = entry.read()
            known = languages.for_path(entry.path)
            lang = known.name if known else reading.guess_language(data)
            if lang is None or len(data) > reading.PIECE_BYTES:
                continue
            text, words, bits, lines = reading.located(data, lang)
            ids = identities_of(key, words) if len(words) else array("Q")
            marks, seen = [], set()
            for i, bit, line in zip(ids, bits, lines):
                i = int(i)
                if i in wanted and i not in seen:  # (scored once, as trace counts it)
                    seen.add(i)
                    marks.append(CarrierMark(line, bit, wanted[i]))
            if marks:
                out[entry.path] = (text, marks)
    return out


def _plot(report: TraceReport) -> str:
    """An SVG histogram of every recipient's share of matching carriers,
    the accused drawn apart."""
    accused = {s.recipient for s in report.accused}
    shares = [(s.matches / s.carriers if s.carriers else 0.0, s.recipient) for s in report.ranking]
    bins = [0] * 20
    for share, name in shares:
        if name not in accused:
            bins[min(19, int(share * 20))] += 1
    width, height, left, bottom = 640, 240, 40, 30
    top = max(bins + [1])
    bar = (width - left - 10) / 20
    parts = [f'<svg width="{width}" height="{height}" role="img" '
             'aria-label="share of matching carriers per recipient">',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" stroke="#333"/>']
    for k, n in enumerate(bins):
        h = (height - bottom - 20) * n / top
        x = left + k * bar
        parts.append(f'<rect x="{x + 1:.1f}" y="{height - bottom - h:.1f}" width="{bar - 2:.1f}" height="{h:.1f}" '
                     f'fill="#8aa"><title>{n} recipient{"s" if n != 1 else ""} matching {k * 5}-{k * 5 + 5}%'
                     '</title></rect>')
    for k in range(0, 21, 5):
        x = left + k * bar
        parts.append(f'<text x="{x:.1f}" y="{height - 10}" font-size="11" text-anchor="middle">{k * 5}%</text>')
    for share, name in shares:
        if name in accused:
            x = left + min(share, 0.999) * 20 * bar
            parts.append(f'<line x1="{x:.1f}" y1="14" x2="{x:.1f}" y2="{height - bottom}" stroke="#c00" '
                         'stroke-width="3"/>')
            parts.append(f'<text x="{min(x, width - 80):.1f}" y="12" font-size="12" fill="#c00">'
                         f'{html.escape(name)} {share:.0%}</text>')
    parts.append("</svg>")
    innocents = len(shares) - len(accused)
    caption = (f"Share of the {report.carriers} carriers each of the {len(shares)} recipients tested matches. "
               f"The {innocents} other recipient{'s' if innocents != 1 else ''} (grey) cluster around 50%, "
               "what chance gives; the accused (red) stand apart.")
    return "".join(parts) + f"<p class=small>{html.escape(caption)}</p>"


def _file_block(path: str, text: bytes, marks: list[CarrierMark], recipient: str) -> str:
    rows = text.decode("utf-8", "replace").split("\n")
    at = {m.line: m for m in marks}
    if len(rows) <= MAX_LINES:
        shown = range(1, len(rows) + 1)
    else:
        keep = sorted({n for m in marks for n in range(m.line - CONTEXT, m.line + CONTEXT + 1)
                       if 1 <= n <= len(rows)})
        shown = keep  # type: ignore[assignment]
    out = [f'<h3>{html.escape(path)}</h3><p class=small>{sum(m.leak == m.copy for m in marks)} of {len(marks)} '
           f'carriers match {html.escape(recipient)}\'s copy.</p><table class=code>']
    prev = 0
    for n in shown:
        if prev and n != prev + 1:
            out.append('<tr><td class=ln>…</td><td></td><td></td></tr>')
        prev = n
        m = at.get(n)
        cls, note = "", ""
        if m is not None:
            ok = m.leak == m.copy
            cls = " class=ok" if ok else " class=bad"
            leak = "a blank line" if m.leak else "no blank line"
            copy = "a blank line" if m.copy else "no blank line"
            note = (f'{"✓" if ok else "✗"} below this line: the leak has {leak}; '
                    f'{html.escape(recipient)}\'s copy has {copy}')
        out.append(f'<tr{cls}><td class=ln>{n}</td><td><pre>{html.escape(rows[n - 1]) or " "}</pre></td>'
                   f'<td class=note>{note}</td></tr>')
    out.append("</table>")
    return "".join(out)


_STYLE = """
body{font-family:Georgia,serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}
h1{font-size:1.7rem}h2{font-size:1.3rem;border-bottom:1px solid #ccc;margin-top:2rem}h3{font-family:monospace}
.verdict{background:#fff4f4;border-left:5px solid #c00;padding:.6rem 1rem}
.small{font-size:.9rem;color:#555}table{border-collapse:collapse}td,th{padding:.15rem .6rem;text-align:left}
table.facts td:first-child{color:#555}table.code td{vertical-align:top}
table.code pre{margin:0;font-size:.8rem;white-space:pre-wrap}.ln{color:#999;font:.8rem monospace;text-align:right}
tr.ok{background:#eef9ee}tr.bad{background:#fdeaea}.note{font-size:.8rem;color:#333}
"""


def evidence_report(report: TraceReport, suspect: str | os.PathLike, key: Key, registry: Registry, *,
                    show_all: bool = False) -> str:
    """The HTML of the evidence report for a trace of `suspect`."""
    esc = html.escape
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = [f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>Evidence report: "
             f"{esc(str(report.suspect))}</title><style>{_STYLE}</style></head><body>",
             f"<h1>Evidence report: {esc(str(report.suspect))}</h1>",
             f"<p class=small>Made {now} by watermark {esc(_version())} from the vendor's registry "
             f"{esc(str(registry.path))}.</p>"]
    accused = report.accused
    parts.append("<h2>What was found</h2>")
    if report.release is None:
        parts.append("<p>The suspect holds no carrier of a release marked with this vendor key.</p>")
    else:
        parts.append(f"<p>The suspect copy is a copy of the release <b>{esc(report.release)}</b>.</p>")
    for s in accused:
        parts.append(_verdict(s))
    if report.release is not None and not accused:
        parts.append("<p>No recipient is accused: no one's marks match well enough.</p>")
    if report.release is not None:
        parts.append("<h2>How it was decided</h2>" + _method(report))
        parts.append(_plot(report))
    for s in accused:
        mine = [c for c in registry.copies(report.release) if c.recipient == s.recipient] if report.release else []
        parts.append(f"<h2>The registry's record of {esc(s.recipient)}'s copy</h2>")
        if mine:
            parts.append("<table class=facts>" + "".join(
                f"<tr><td>issued</td><td>{esc(c.created)}</td></tr><tr><td>SHA-256 of the copy</td>"
                f"<td><code>{esc(c.digest)}</code></td></tr>" for c in mine) + "</table>")
        else:
            parts.append("<p>Registered as a recipient of the release; no copy written by watermark is recorded.</p>")
    parts.append(_provenance(report, show_all))
    if show_all and report.ranking:
        parts.append("<h2>Every recipient tested</h2><table><tr><th>recipient</th><th>matching carriers</th>"
                     "<th>bound</th></tr>" + "".join(
                         f"<tr><td>{esc(s.recipient)}</td><td>{s.matches}/{s.carriers}</td>"
                         f"<td>1e{s.log10_bound:.1f}</td></tr>" for s in report.ranking) + "</table>")
    if accused and report.release is not None and not isinstance(suspect, (bytes, bytearray)):
        who = accused[0].recipient
        parts.append(f"<h2>The leaked files beside {esc(who)}'s copy</h2><p class=small>Each carrier is a line "
                     f"boundary where {esc(who)}'s copy has a blank line or none, by the vendor's key; green where "
                     "the leak holds the same, red where it does not.</p>")
        for path, (text, marks) in sorted(_marks_of(suspect, key, registry, report.release, who).items()):
            parts.append(_file_block(path, text, marks, who))
    parts.append("</body></html>")
    return "\n".join(parts)


def _verdict(s: Suspicion) -> str:
    esc = html.escape
    how = ""
    if s.combined:
        how = f" (the copy merges {esc(s.recipient)}'s copy with those of {esc(', '.join(s.combined))})"
    if s.complemented:
        how += " (every marked blank line of the copy was toggled)"
    return (f'<div class=verdict><p><b>{esc(s.recipient)}</b> is accused{how}: {s.matches} of the {s.carriers} '
            f"carriers read in the leak hold what {esc(s.recipient)}'s copy holds. The chance that an innocent "
            f"recipient matches this well is {_chance(s.log10_bound)}.</p></div>")


def _method(r: TraceReport) -> str:
    esc = html.escape
    rows = [("carriers read", f"{r.carriers} distinct carriers of the release ({r.boundaries} line boundaries "
             "examined)"),
            ("code", f"{r.code}: each recipient's bit at each carrier comes from the vendor's secret key"),
            ("recipients tested", f"{r.recipients_tested}; each bound is multiplied by the number of tests "
             "made (every recipient, every round, every combination searched)"),
            ("accusation level", f"{r.level:g}: a recipient is accused only when their corrected bound is "
             "at most this"),
            ("rounds", ", ".join(f"{s.recipient}: round {s.round}, {s.test}" for s in r.accused) or "-")]
    return ("<table class=facts>" + "".join(f"<tr><td>{esc(a)}</td><td>{esc(b)}</td></tr>" for a, b in rows)
            + "</table><p>An innocent recipient's bits are independent of the leak: their matches follow "
            "a fair coin, so matching many more than half is improbable, and the bound says how improbable.</p>")


def _provenance(r: TraceReport, show_all: bool) -> str:
    """Where the code comes from, and what became of the marks (never an
    accusation); the candidates named only when asked."""
    esc = html.escape
    prov, marks = r.provenance, r.marks
    if prov is None or prov.release is None:
        return ""
    out = ["<h2>Provenance and the marks</h2>"]
    derived = [f for f in prov.files if f.derived]
    if prov.derived:
        out.append(f"<p>The suspect's code is derived from release <b>{esc(prov.release)}</b>: {len(derived)} of "
                   f"{len(prov.files)} files, {prov.release_share:.0%} of the release's fingerprints present. "
                   f"Independently written code shares this much with probability at most "
                   f"{10 ** prov.log10_bound:.2g}.</p>")
    else:
        out.append(f"<p>The suspect shares some code with release {esc(prov.release)}, not enough to call it "
                   "derived.</p>")
    if marks is not None and marks.state != "unknown":
        out.append(f"<p>The marks: {esc(str(marks.state))} ({esc(marks.reason)}).</p>")
        if marks.candidates:
            who = (esc(", ".join(marks.candidates)) if show_all else
                   f"{len(marks.candidates)} recipients (named with --show-all)")
            out.append(f"<p>Candidates, everyone who received {esc(prov.release)}: {who}.</p>")
    return "".join(out)


__all__ = ["CarrierMark", "evidence_report"]
