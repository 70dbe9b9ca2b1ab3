"""Real version pairs for `watermark diff`, each with a hand-checked list of
the entities that really changed (benchmarks/real_pairs/*.json).

    python3 benchmarks/real_pairs.py fetch          # download / copy every pair (idempotent)
    python3 benchmarks/real_pairs.py [NAME ...]     # diff each pair, score it against its truth
    python3 benchmarks/real_pairs.py --show NAME    # the report and the scoring, line by line

A pair file holds:
  name, language, about     what the pair is
  base, suspect             where each side comes from:
                              {"npm": "moment@2.29.4"}           `npm pack`, unpacked (package/ dropped)
                              {"pypi": "six==1.17.0"}            the sdist `pip download --no-binary :all:`
                                                                  fetches, unpacked (its top folder dropped)
                              {"dir": "$GO_STDLIB_SRC/cmd/vendor/golang.org/x/mod"}   a folder on this
                                                                  machine ($VARS expanded; scripts/corpora.sh
                                                                  installs what they name)
  files                     the paths compared (relative to each side's root; default: every file)
  truth                     every entity whose own code changed, checked by hand from `diff -u`:
      {"path", "kind", "name", "base_line", "suspect_line", "change", "note", ["suspect_path"]}
      path / suspect_path   the file in base / in suspect (suspect_path only when it moved)
      kind                  func, method, type, var, const, import (Go); function, method, class,
                            field (JS); file (the file's own code outside every other entity)
      base_line, suspect_line   the entity's first line on each side (null where it is absent;
                            ignored for kind "file")
      change                modified (its code changed), added, removed, renamed (only the name and
                            identifiers changed), renamed+modified, moved (to another file; "moved+modified")
      note                  what changed, in words
      group                 (optional) entries that stand or fall together, for `alternatives`
  alternatives              (optional) other descriptions as true as a group of entries, e.g. three
                            identical functions renamed, which can be paired two ways:
      {"group", "why", "accept": [entries]}: a report may give the accepted entries instead of the
                            group's (all of them instead of all of the group's)

Scoring: a reported function is *true* when a truth entry names the same entity (the same kind, and on
each side where the report has it, the same file and first line) with the same kind of change; every
other report is *false* (a change that is not there, the wrong pairing, or the wrong change). A truth
entry no report names is a *miss*.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent / "real_pairs"


def store() -> Path:
    root = os.environ.get("WATERMARK_CORPORA")
    if not root:
        sys.exit('WATERMARK_CORPORA is not set: run  eval "$(scripts/corpora.sh)"  first')
    return Path(root) / "pairs"


@dataclass
class Pair:
    name: str
    language: str
    about: str
    base: dict[str, str]
    suspect: dict[str, str]
    files: list[str] | None
    truth: list[dict[str, Any]] = field(default_factory=list)
    alternatives: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> Pair:
        d = json.loads(path.read_text(encoding="utf-8"))
        return cls(d["name"], d["language"], d.get("about", ""), d["base"], d["suspect"], d.get("files"),
                   d.get("truth", []), d.get("alternatives", []))

    def side(self, which: str) -> Path:
        return store() / self.name / which


def pairs(names: list[str] | None = None) -> list[Pair]:
    found = [Pair.load(p) for p in sorted(HERE.glob("*.json"))]
    if names:
        found = [p for p in found if p.name in names]
        missing = set(names) - {p.name for p in found}
        if missing:
            sys.exit(f"no such pair: {', '.join(sorted(missing))}")
    return found


def _expand(text: str) -> str:
    out = os.path.expandvars(text)
    if "$" in out:
        sys.exit(f"{text}: a variable is not set (eval \"$(scripts/corpora.sh)\")")
    return out


def _fetch_side(spec: dict[str, str], dest: Path, files: list[str] | None) -> None:
    with tempfile.TemporaryDirectory(prefix="pair-") as tmp:
        if "npm" in spec:
            r = subprocess.run(["npm", "pack", spec["npm"], "--silent", "--pack-destination", tmp],
                               capture_output=True, text=True)
            if r.returncode != 0:
                sys.exit(f"npm pack {spec['npm']}: {r.stderr.strip()[-300:]}")
            tgz = Path(tmp) / r.stdout.strip().splitlines()[-1]
            with tarfile.open(tgz) as tf:
                tf.extractall(Path(tmp) / "x", filter="data")
            src = Path(tmp) / "x" / "package"
        elif "pypi" in spec:
            r = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                                "--quiet", spec["pypi"], "-d", tmp], capture_output=True, text=True)
            sdists = [f for f in Path(tmp).iterdir() if f.name.endswith((".tar.gz", ".zip"))]
            if r.returncode != 0 or len(sdists) != 1:
                sys.exit(f"pip download {spec['pypi']}: {r.stderr.strip()[-300:]}")
            if sdists[0].name.endswith(".zip"):
                with zipfile.ZipFile(sdists[0]) as zf:
                    zf.extractall(Path(tmp) / "x")
            else:
                with tarfile.open(sdists[0]) as tf:
                    tf.extractall(Path(tmp) / "x", filter="data")
            (src,) = (Path(tmp) / "x").iterdir()  # the sdist's one top folder (name-version/)
        else:
            src = Path(_expand(spec["dir"]))
            if not src.is_dir():
                sys.exit(f"{src}: no such folder (eval \"$(scripts/corpora.sh)\")")
        staging = dest.with_name(dest.name + ".part")
        shutil.rmtree(staging, ignore_errors=True)
        if files is None:
            shutil.copytree(src, staging, ignore=shutil.ignore_patterns("testdata"))
        else:
            for rel in files:
                if (src / rel).is_file():
                    (staging / rel).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(src / rel, staging / rel)
        staging.mkdir(parents=True, exist_ok=True)
        staging.rename(dest)


def fetch(selected: list[Pair]) -> None:
    for p in selected:
        for which in ("base", "suspect"):
            dest = p.side(which)
            if dest.is_dir():
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            _fetch_side(getattr(p, which), dest, p.files)
            print(f"real_pairs: fetched {p.name} {which} into {dest}", file=sys.stderr)


# ---- scoring ----------------------------------------------------------------------------------

_CATEGORY = {"modified": "modified", "literal": "modified", "renamed": "modified"}


def category(f: Any) -> str:
    """A reported function's change, in the truth's words."""
    if f.status in ("added", "removed"):
        return f.status
    name_changed = getattr(f, "suspect_name", None) is not None
    if f.moved and f.base is not None and f.suspect is not None and f.base.path != f.suspect.path:
        return "moved" if f.status in ("unchanged", "layout") else "moved+modified"
    if name_changed:
        return "renamed" if f.status in ("renamed", "unchanged", "layout") else "renamed+modified"
    return _CATEGORY.get(f.status, f.status)


def _matches(t: dict[str, Any], f: Any) -> bool:
    """Whether truth entry t names the reported function f: the same kind,
    and on each side f exists, the same file and (but for a file's own
    code) the same first line."""
    if t["kind"] != f.kind:
        return False
    sides = ((f.base, t["path"], t.get("base_line")),
             (f.suspect, t.get("suspect_path") or t["path"], t.get("suspect_line")))
    return all(loc is None or (loc.path == path and (f.kind == "file" or loc.start_line == line))
               for loc, path, line in sides)


@dataclass
class Score:
    pair: str
    truth: int
    reported: int
    true: int
    false: list[str]
    misses: list[str]
    seconds: float

    def row(self) -> str:
        return (f"| {self.pair} | {self.truth} | {self.reported} | {self.true} | {len(self.false)} | "
                f"{len(self.misses)} | {self.seconds:.2f} |")


def _describe(f: Any) -> str:
    loc = f.base or f.suspect
    return f"{category(f)} {f.kind} {f.name} ({loc.path}:{loc.start_line})"


def score(p: Pair, jobs: int | None = None) -> tuple[Score, Any]:
    import watermark

    base, suspect = p.side("base"), p.side("suspect")
    if not base.is_dir() or not suspect.is_dir():
        sys.exit(f"{p.name}: not fetched (python3 benchmarks/real_pairs.py fetch)")
    started = time.perf_counter()
    d = watermark.diff(base, suspect, jobs=jobs)
    seconds = time.perf_counter() - started
    used: set[int] = set()
    wrong: dict[int, str] = {}  # report -> why it is false
    true = 0
    for n, f in enumerate(d.functions):
        hit = next((k for k, t in enumerate(p.truth) if k not in used and _matches(t, f)), None)
        if hit is not None and p.truth[hit]["change"] == category(f):
            used.add(hit)
            true += 1
        else:
            wrong[n] = "" if hit is None else f" (truth: {p.truth[hit]['change']})"
    for alt in p.alternatives:  # a group described another way, as truly: all of it instead of all of the group
        members = [k for k, t in enumerate(p.truth) if t.get("group") == alt["group"]]
        if not members or any(k in used for k in members):
            continue
        hits: list[int] = []
        for a in alt["accept"]:
            got = next((n for n in wrong if n not in hits and _matches(a, d.functions[n])
                        and a["change"] == category(d.functions[n])), None)
            if got is None:
                break
            hits.append(got)
        else:
            used.update(members)
            true += len(hits)
            for n in hits:
                del wrong[n]
    false = [_describe(d.functions[n]) + why for n, why in wrong.items()]
    misses = [f"{t['change']} {t['kind']} {t['name']} ({t['path']}:{t.get('base_line') or t.get('suspect_line')})"
              for k, t in enumerate(p.truth) if k not in used]
    return Score(p.name, len(p.truth), len(d.functions), true, false, misses, seconds), d


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", nargs="*", help="fetch, or the names of the pairs to score (default: all)")
    ap.add_argument("--show", action="store_true", help="print each pair's report and every false report / miss")
    ap.add_argument("--jobs", type=int)
    args = ap.parse_args()
    if args.what[:1] == ["fetch"]:
        fetch(pairs(args.what[1:]))
        return 0
    selected = pairs(args.what)
    fetch(selected)
    print("| pair | changed (truth) | reported | true | false | misses | diff s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    bad = 0
    for p in selected:
        s, d = score(p, args.jobs)
        print(s.row(), flush=True)
        bad += len(s.false) + len(s.misses)
        if args.show:
            from watermark.diff.render import report

            print(report(d))
        for line in s.false:
            print(f"    false: {line}", file=sys.stderr)
        for line in s.misses:
            print(f"    miss:  {line}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
