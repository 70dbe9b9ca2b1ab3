"""Write the golden vectors that pin watermark's formats (tests/test_golden.py).

    python3 tests/golden/make_golden.py                       # prints the scheme 1 vectors as JSON
    python3 tests/golden/make_golden.py --scheme 2 --write    # writes tests/golden/vectors-scheme2.json
    python3 tests/golden/make_golden.py --scheme 2 --set 0.4.0 --write   # tests/golden/vectors-0.4.0.json
    python3 tests/golden/make_golden.py --scheme 3 --set 0.7.0 --write   # tests/golden/vectors-0.7.0.json

vectors.json was written by this script with watermark 0.1.0 (commit 87ace61),
vectors-scheme2.json (the recipient bits of scheme 2's 128-bit vectors) with
the release after 0.1.0, vectors-0.4.0.json (TypeScript, TSX and Python, the
languages 0.4.0 added, on the files in v0.4.0/) with 0.4.0, vectors-0.7.0.json
(scheme 3's element boundaries, on the JavaScript and TypeScript arrays in
v0.7.0/) with 0.7.0, and none may
change: every value below is part of a format that registries and issued
copies depend on. It uses the public API
only, so the same script runs on every version (0.1.0 knows scheme 1 only);
a change here is a scheme change (see CHANGELOG.md).

What it pins, for each fixture file:
  fingerprint  file hashes at every level, the syntax digest, node and unit
               counts, and every unit's kind, name, lines and three hashes
  boundaries   the keyed identity of every eligible boundary (density 1)
  carriers     the carrier identities at the default density
  recipients   per recipient and code: the SHA-256 of the marked copy, its
               carrier count, lines added / removed, and the bits read back
The key is GOLDEN_KEY below: a fixed test key, not a secret.
"""
from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import sys
from pathlib import Path

import watermark

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent / "vectors.json"


def out_of(scheme: int) -> Path:
    """Where the vectors of a scheme are kept."""
    return OUT if scheme == 1 else OUT.with_name(f"vectors-scheme{scheme}.json")
GOLDEN_KEY = watermark.Key(bytes(range(32)))
RECIPIENTS = ["acme-corp", "globex", "initech", "Ünïcödé Кириллица 株式会社"]
CODES = ["unbiased", "tardos"]


# the sample release as 0.1.0 shipped it (examples/sample-release then): the
# demo's sample may grow, these files may not
SAMPLE_0_1_0 = Path(__file__).resolve().parent / "v0.1.0" / "sample-release"


def fixtures() -> list[tuple[str, Path]]:
    """(name in the vectors, file) of the small source files the vectors are
    computed on, in a fixed order."""
    found = sorted((ROOT / "tests" / "fixtures").glob("*.go")) + sorted((ROOT / "tests" / "fixtures").glob("*.js"))
    named = [(p.relative_to(ROOT).as_posix(), p) for p in found]
    named += [("examples/sample-release/" + p.relative_to(SAMPLE_0_1_0).as_posix(), p)
              for p in sorted(SAMPLE_0_1_0.rglob("*")) if p.suffix in (".go", ".js")]
    return named


# the TypeScript, TSX and Python files 0.4.0 was pinned on (its conformance
# samples and the demo's billing/ and reports/ packages, frozen here)
FILES_0_4_0 = Path(__file__).resolve().parent / "v0.4.0"


def fixtures_0_4_0() -> list[tuple[str, Path]]:
    """(name in vectors-0.4.0.json, file), in a fixed order."""
    return [(p.relative_to(FILES_0_4_0).as_posix(), p) for p in sorted(FILES_0_4_0.rglob("*"))
            if p.suffix in (".ts", ".tsx", ".py")]


# the JavaScript and TypeScript arrays scheme 3 (0.7.0) was pinned on: lists whose element boundaries carry marks,
# and lists whose do not (filled, short, commented, all numbers)
FILES_0_7_0 = Path(__file__).resolve().parent / "v0.7.0"


def fixtures_0_7_0() -> list[tuple[str, Path]]:
    """(name in vectors-0.7.0.json, file), in a fixed order."""
    return [(p.relative_to(FILES_0_7_0).as_posix(), p) for p in sorted(FILES_0_7_0.rglob("*"))
            if p.suffix in (".js", ".ts")]


SETS = {"0.1.0": fixtures, "0.4.0": fixtures_0_4_0, "0.7.0": fixtures_0_7_0}


def path_of(name: str, fileset: str = "0.1.0") -> Path:
    """The file a vector name stands for."""
    return dict(SETS[fileset]())[name]


def _hex(value: int) -> str:
    return f"{value:016x}"


def fingerprint_vector(data: bytes, path: str) -> dict:
    fp = watermark.fingerprint(data, path=path)
    return {
        "language": fp.language,
        "exact": _hex(fp.exact), "renamed": _hex(fp.renamed), "skeleton": _hex(fp.skeleton),
        "syntax_digest": _hex(fp.syntax_digest),
        "node_count": fp.node_count, "unit_count": fp.unit_count,
        "units": [[u.kind, u.name, u.start_line, u.end_line, _hex(u.exact), _hex(u.renamed), _hex(u.skeleton)]
                  for u in fp.units],
    }


# The boundaries embed marks: extract reads leniently since 0.2 (more
# boundaries than the eligible ones), and lenient=False reads as 0.1.0 did.
_STRICT = {"lenient": False} if "lenient" in inspect.signature(watermark.extract).parameters else {}
# and the carrier rules of the scheme the marks are made with (extract knows schemes since 0.7.0; before, its
# rules were those of schemes 1 and 2)
_SCHEMED = "scheme" in inspect.signature(watermark.extract).parameters


def _code(name: str, scheme: int) -> object:
    """The code `name` with the bits of `scheme` (0.1.0's codes have no scheme: 1)."""
    code = watermark.Code.of(name)
    if hasattr(code, "of_scheme"):
        return code.of_scheme(scheme)
    if scheme != 1:
        raise SystemExit(f"this watermark makes scheme 1 only, not {scheme}")
    return name


def mark_vector(data: bytes, path: str, scheme: int = 1) -> dict:
    strict: dict = {**_STRICT, "scheme": scheme} if _SCHEMED else _STRICT
    every = watermark.extract(data, GOLDEN_KEY, path=path, density=1.0, **strict)
    chosen = watermark.extract(data, GOLDEN_KEY, path=path, **strict)
    recipients = {}
    for code in CODES:
        for r in RECIPIENTS:
            copy = watermark.embed(data, GOLDEN_KEY, r, path=path, code=_code(code, scheme))
            seen = watermark.extract(copy.source, GOLDEN_KEY, path=path, **strict)
            recipients[f"{code}/{r}"] = {
                "sha256": hashlib.sha256(copy.source).hexdigest(),
                "carriers": copy.carriers, "lines_added": copy.lines_added, "lines_removed": copy.lines_removed,
                "bits": "".join(str(b) for b in seen.bits),
            }
    return {
        "boundaries": [_hex(i) for i in every.identities],
        "carriers": [_hex(i) for i in chosen.identities],
        "recipients": recipients,
    }


def vectors(scheme: int = 1, fileset: str = "0.1.0") -> dict:
    files = {}
    for rel, p in SETS[fileset]():
        data = p.read_bytes()
        files[rel] = {"sha256": hashlib.sha256(data).hexdigest(), "fingerprint": fingerprint_vector(data, rel),
                      **mark_vector(data, rel, scheme)}
    return {"key_id": GOLDEN_KEY.id, "recipients": RECIPIENTS, "codes": CODES, "files": files}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"rewrite {OUT.relative_to(ROOT)}")
    parser.add_argument("--scheme", type=int, default=1, help="the scheme of the recipient bits (default 1)")
    parser.add_argument("--set", default="0.1.0", choices=sorted(SETS),
                        help="the files: 0.1.0's Go and JS fixtures (default), 0.4.0's TS, TSX and Python, "
                        "or 0.7.0's JS and TS arrays")
    args = parser.parse_args()
    text = json.dumps(vectors(args.scheme, args.set), indent=1, ensure_ascii=False) + "\n"
    if args.write:
        out = out_of(args.scheme) if args.set == "0.1.0" else OUT.with_name(f"vectors-{args.set}.json")
        out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
