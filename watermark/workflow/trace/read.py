"""Reading a suspect: every file is read leniently (core/reading.py) in
key-free worker processes, each eligible boundary giving an identity word
and a bit; the parent keys the words into carrier identities."""
from __future__ import annotations

import os
from array import array
from collections.abc import Iterator
from dataclasses import dataclass

from ... import languages
from ...core import reading
from ...core.keys import Key
from ...core.marks import identities_of
from ...io.pool import FileJob, Progress, ordered_map
from ...io.select import is_vcs
from ...io.sources import Source, TreeError

Suspect = str | os.PathLike | bytes | bytearray | memoryview


@dataclass(frozen=True)
class ExtractedFile:
    """What a worker read in one suspect file (no key: identity words, not
    identities)."""

    language: str | None
    note: str | None  # why nothing, or not everything, was read
    identity_words: bytes = b""
    bits: bytes = b""
    prints: bytes = b""  # provenance prints (core/prints.py)


@dataclass(frozen=True)
class SuspectFile:
    """One file of the suspect as trace uses it: its carriers' identities
    (keyed) and bits, and its provenance prints."""

    path: str
    language: str | None
    note: str | None
    identities: array
    bits: bytes
    prints: bytes


def extract_file(job: FileJob) -> ExtractedFile:
    """Worker: every boundary of one file, read leniently (core/reading),
    and the bit it holds. A file of unknown language (no extension of one,
    or text passed as bytes) is read as the language it parses best as;
    language None in the result: it is neither."""
    try:
        data = job.load(reading.READ_MAX_BYTES)
    except OSError as exc:
        return ExtractedFile(job.language, f"cannot read ({exc.strerror or exc})")
    if isinstance(data, int):
        return ExtractedFile(job.language, f"{data} bytes is over the {reading.READ_MAX_BYTES} byte limit for reading "
                             "one file; not read")
    lang = job.language or reading.guess_language(data, least=0.0 if job.path == "<text>" else 0.8)
    if lang is None:
        return ExtractedFile(None, "not in a language watermark reads")
    got = reading.read(data, lang, job.path)
    if isinstance(got, str):
        return ExtractedFile(lang, got)
    notes = ([f"read as {lang} by its content"] if job.language is None else []) + list(got.notes)
    if got.has_error:
        notes.append("syntax errors: units with errors skipped")
    return ExtractedFile(lang, "; ".join(notes) or None, got.words.tobytes(), got.bits, got.prints)


def suspect_jobs(suspect: Suspect | Source, language: str | None) -> Iterator[tuple[FileJob, tuple[str, bool]]]:
    """(job, (path, guessed)) per file to read: every regular file of the
    suspect. Files without the extension of a supported language (a leaker
    may rename `.js` to `.ts`, `.go` to `.go.txt`) are read by their
    content, and dropped when they are in no language watermark reads."""
    if isinstance(suspect, (bytes, bytearray, memoryview)):
        yield FileJob("<text>", language, bytes(suspect)), ("<text>", language is None)
        return
    src = suspect if isinstance(suspect, Source) else Source.open(suspect)
    for entry in src.entries():
        if entry.kind != "file" or is_vcs(entry.path):
            continue
        known = languages.for_path(entry.path)
        lang = language or (known.name if known else None)
        job = FileJob(entry.path, lang, None if entry.local else entry.read(), entry.local, entry.size)
        yield job, (entry.path, lang is None)


def read_suspect(source: Suspect | Source, described: str, key: Key, language: str | None, jobs: int,
                 progress: bool | None) -> list[SuspectFile]:
    """Every code file of the suspect, read (TreeError: none)."""
    files: list[SuspectFile] = []
    bar = Progress("reading", enabled=progress)
    try:
        for got, (path, guessed) in ordered_map(extract_file, suspect_jobs(source, language), jobs):
            assert got is not None
            if guessed and got.language is None and path != "<text>":
                continue  # a file that is not code
            words = array("Q")
            words.frombytes(got.identity_words)
            files.append(SuspectFile(path, got.language, got.note, identities_of(key, words), got.bits, got.prints))
            bar.step(len(got.bits))
    finally:
        bar.close()
    if not files:
        raise TreeError(f"{described}: no source file to read (watermark reads {', '.join(languages.names())})")
    return files


def describe(suspect: Suspect) -> str:
    if isinstance(suspect, (bytes, bytearray, memoryview)):
        return "<text>"
    return os.fspath(suspect)


__all__ = ["ExtractedFile", "SuspectFile", "describe", "extract_file", "read_suspect", "suspect_jobs"]
