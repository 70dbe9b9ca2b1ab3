"""How often carrier identities repeat, and how many survive a cut, on the
real corpora.

For every error-free corpus file: its eligible boundaries (per 1,000 lines),
and how often identity inputs repeat within a file and across files, for the
chosen identity (the window A-, A, B, B+ of siblings around the boundary,
and its occurrence index) and for two simpler ones: the window alone, and
(A, B). Repeats are not wrong (equal identities carry equal bits and count
once) but each repeat is evidence lost. Then, for 150 files of 300-3,000
lines per corpus, three 300-line excerpts each: the share of the excerpt's
boundaries whose identity is one of the whole file's (the rest read noise).

    python3 benchmarks/carrier_identity.py
"""
from __future__ import annotations

import random
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _corpora  # noqa: E402

import watermark  # noqa: E402
from watermark import _carriers  # noqa: E402
from robustness import excerpt  # noqa: E402

# prefixes of the identity words (A, B, A-, B+, occurrence)
CHOICES = {"(A-, A, B, B+, occurrence)": 5, "(A-, A, B, B+)": 4, "(A, B)": 2}
STRIDE = _carriers.IDENTITY_WORDS


def main() -> None:
    print("| corpus | files | lines | eligible boundaries | per 1,000 lines | identity | "
          "repeats within a file | file identities also in another file |")
    print("|---|---:|---:|---:|---:|---|---:|---:|")
    for language in ("go", "javascript"):
        files = lines = total = 0
        within = Counter()
        across = {name: Counter() for name in CHOICES}
        for _path, data in _corpora.load(language):
            fp = watermark.fingerprint(data, language=language)
            if fp.has_error:
                continue
            files += 1
            lines += data.count(b"\n")
            words = _carriers.boundaries(fp).words
            n = len(words) // STRIDE
            total += n
            for name, width in CHOICES.items():
                ids = {tuple(words[STRIDE * k:STRIDE * k + width]) for k in range(n)}
                within[name] += n - len(ids)
                across[name].update(ids)
        for name in CHOICES:
            counts = across[name]
            shared = sum(v for v in counts.values() if v > 1) / max(1, sum(counts.values()))
            print(f"| {language} | {files:,} | {lines:,} | {total:,} | {1000 * total / lines:.0f} | {name} | "
                  f"{100 * within[name] / max(1, total):.1f}% | {100 * shared:.1f}% |")
    print("\n| corpus | files | 300-line excerpts | boundaries in the excerpts | identity also in the whole file |")
    print("|---|---:|---:|---:|---:|")
    for language in ("go", "javascript"):
        rng = random.Random(5)
        files = [d for p, d in _corpora.load(language)
                 if 300 <= d.count(b"\n") <= 3000 and "testdata" not in p and not p.endswith(".min.js")]
        files = [d for d in rng.sample(files, 150) if not watermark.fingerprint(d, language=language).has_error]
        seen = kept = 0
        for data in files:
            whole = set(_identity_words(data, language))
            for _ in range(3):
                cut = _identity_words(excerpt(data, rng), language)
                seen += len(cut)
                kept += sum(1 for w in cut if w in whole)
        print(f"| {language} | {len(files)} | {3 * len(files)} | {seen:,} | {100 * kept / max(1, seen):.1f}% |")


def _identity_words(data: bytes, language: str) -> list[tuple[int, ...]]:
    words = _carriers.boundaries(watermark.fingerprint(data, language=language)).words
    return [tuple(words[k:k + STRIDE]) for k in range(0, len(words), STRIDE)]


if __name__ == "__main__":
    main()
