"""A leaker's keyless edits that depend on the language, through the CLI:
the odd line ends the language's tools accept. Each runs on globex's copy
of a release of the profile's samples (3 recipients): the copy still names
globex and no one else, every file is read, and read right.

(The edits every language shares are in tests/test_attacks.py.)"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import leaker
import pytest

import watermark
from conformance.profiles import Profile

RECIPIENTS = ("acme-corp", "globex", "initech")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "watermark", *args], capture_output=True, text=True)


@pytest.fixture
def release(profile: Profile, per_profile, tmp_path_factory) -> tuple[Path, Path, Path]:
    """(copies, key file, registry) of a release of the profile's samples."""
    key = ("release", profile.language)
    if key not in per_profile:
        per_profile[key] = _release(profile, tmp_path_factory.mktemp(f"{profile.language}-release"))
    return per_profile[key]


def _release(profile: Profile, tmp: Path) -> tuple[Path, Path, Path]:
    src = tmp / "src"
    src.mkdir()
    for k, path in enumerate(profile.samples):
        shutil.copyfile(path, src / f"{k}-{path.name}")
    key = tmp / "k.key"
    watermark.Key(bytes(range(32))).save(key)
    db = tmp / "r.db"
    r = run("embed", str(src), "--out", str(tmp / "copies"), "--release", "s1",
            *(a for name in RECIPIENTS for a in ("--recipient", name)), "--key-file", str(key), "--registry", str(db))
    assert r.returncode == 0, r.stderr
    return tmp / "copies", key, db


def test_odd_line_ends_the_tools_accept_still_name_the_recipient(profile: Profile, line_end, release, tmp_path):
    _name, ending = line_end
    copies, key, db = release
    suspect = tmp_path / "leak"
    shutil.copytree(copies / "globex", suspect)
    leaker.line_ends(suspect, endings={profile.language: ending})
    r = run("trace", str(suspect), "--key-file", str(key), "--registry", str(db), "--json")
    assert "Traceback" not in r.stderr
    doc = json.loads(r.stdout)
    assert r.returncode == 0, r.stderr
    assert [s["recipient"] for s in doc["accused"]] == ["globex"], doc["ranking"][:3]
    assert not doc["accused"][0]["complemented"]
    read = [f for f in doc["files"] if f["carriers"]]
    assert len(read) == len(profile.samples), doc["files"]
    for f in read:  # every file read, and read right
        assert f["matches"]["globex"] >= 0.9 * f["carriers"], f
