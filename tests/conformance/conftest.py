"""Runs every conformance test once per profile (ids: the language names),
and once per formatter, rewriter, judge or line end of each profile when the
test takes one; builds the marked corpus trees the marking tests share."""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

import watermark
from conformance.profiles import PROFILES, Profile
from watermark.core import carriers as _carriers
from watermark.core import marks as _marks

KEY = watermark.Key(bytes(range(7, 39)))

# a test argument -> the parts of a profile it runs over (each named by .name, or by its first item)
PARTS = {
    "formatter": lambda p: p.formatters,
    "rewriter": lambda p: p.rewriters,
    "judge": lambda p: p.judges,
    "line_end": lambda p: p.line_ends,
}


def _name(part) -> str:
    return part[0] if isinstance(part, tuple) else part.name


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "profile" not in metafunc.fixturenames:
        return
    wanted = [arg for arg in PARTS if arg in metafunc.fixturenames]
    assert len(wanted) <= 1, f"{metafunc.function.__name__}: at most one of {sorted(PARTS)}"
    if not wanted:
        metafunc.parametrize("profile", PROFILES, ids=[p.language for p in PROFILES])
        return
    arg = wanted[0]
    cases = [(p, part) for p in PROFILES for part in PARTS[arg](p)]
    metafunc.parametrize(("profile", arg), cases, ids=[f"{p.language}-{_name(part)}" for p, part in cases])


@pytest.fixture(scope="session")
def per_profile() -> dict[tuple[str, str], object]:
    """What the tests of a profile share, built once a session: (what, language) -> it."""
    return {}


@pytest.fixture(scope="session")
def scratch(tmp_path_factory) -> Path:
    """A directory tools may build themselves in, once a session."""
    return tmp_path_factory.mktemp("tools")


# ---- the marked corpus trees ----------------------------------------------------------------

def flip_all(data: bytes, language: str) -> bytes:
    """data with every eligible boundary flipped (a blank line added where
    there is none, removed where there is one): with the original, both
    states of every carrier."""
    fp = watermark.fingerprint(data, language=language)
    if fp.has_error:
        return data
    return _marks.flipped(fp, _carriers.boundaries(fp))


@dataclass
class Trees:
    """A profile's corpus (or its `draws.marking` sample) on disk: as shipped
    ("shipped") and, when the profile asks, rewritten by its formatters
    ("formatted"); each also marked for "alice" (every other file copied as
    it is) and with every eligible boundary of every file flipped."""

    bases: dict[str, Path]
    marked: dict[str, Path]
    flipped: dict[str, Path]
    marked_files: dict[str, int]
    unmarked: dict[str, list[str]]  # the reasons


def _mark_tree(profile: Profile, src_root: Path, dst_root: Path) -> tuple[int, list[str]]:
    """Copy src_root to dst_root, marking every corpus file for "alice".
    Returns (files marked, the reasons of the files left unmarked)."""
    wanted = set(profile.corpus.under(src_root))
    marked, unmarked = 0, []
    for dirpath, _dirs, files in os.walk(src_root):
        rel = Path(dirpath).relative_to(src_root)
        (dst_root / rel).mkdir(parents=True, exist_ok=True)
        for name in files:
            s, d = Path(dirpath) / name, dst_root / rel / name
            if s.is_symlink():
                os.symlink(os.readlink(s), d)
                continue
            data = s.read_bytes()
            if (rel / name).as_posix() in wanted:
                result = watermark.embed(data, KEY, "alice", language=profile.language, path=name)
                if result.marked:
                    marked += 1
                else:
                    unmarked.append(result.reason)
                data = result.source
            d.write_bytes(data)
            shutil.copymode(s, d)
    return marked, unmarked


@pytest.fixture
def trees(profile: Profile, per_profile, tmp_path_factory) -> Trees:
    key = ("trees", profile.language)
    if key not in per_profile:
        per_profile[key] = _build_trees(profile, tmp_path_factory)
    return per_profile[key]


def _build_trees(profile: Profile, tmp_path_factory) -> Trees:
    corpus = profile.corpus
    root = tmp_path_factory.mktemp(f"{profile.language}-trees")
    if profile.draws.marking is None:
        shipped = corpus.root()
    else:
        shipped = root / "shipped"
        shipped.mkdir()
        for i, path in enumerate(profile.draws.marking.of(corpus.files())):
            (shipped / f"{i}{corpus.copy_suffix(path)}").write_bytes(path.read_bytes())
    bases = {"shipped": shipped}
    if corpus.formatted_copy:
        bases["formatted"] = root / "formatted"
        shutil.copytree(shipped, bases["formatted"])
        for formatter in profile.rewriters:
            formatter.rewrite(bases["formatted"], corpus.under(bases["formatted"]))
    trees = Trees(bases, {}, {}, {}, {})
    for name, base in bases.items():
        trees.marked[name] = root / f"{name}-marked"
        trees.marked_files[name], trees.unmarked[name] = _mark_tree(profile, base, trees.marked[name])
        trees.flipped[name] = root / f"{name}-flipped"
        for rel in corpus.under(base):
            dst = trees.flipped[name] / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(flip_all((base / rel).read_bytes(), profile.language))
    return trees
