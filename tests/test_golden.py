"""Format stability: fingerprints, carrier identities, recipient bits and
registries written by watermark 0.1.0 stay what they were.

tests/golden/vectors.json and tests/golden/v0.1.0/ were produced by
watermark 0.1.0 (commit 87ace61) with the commands in their scripts
(make_golden.py, make_v0_1_0.sh). A change to any value they pin makes every
registered release untraceable, so these tests never get their expectations
regenerated: a deliberate format change is a new scheme version, and the old
one keeps being read (CHANGELOG.md).
"""
from __future__ import annotations

import json
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

import watermark

GOLDEN = Path(__file__).resolve().parent / "golden"
sys.path.insert(0, str(GOLDEN))

import make_golden  # noqa: E402

EXPECTED = json.loads((GOLDEN / "vectors.json").read_text(encoding="utf-8"))
FILES = sorted(EXPECTED["files"])


def test_the_golden_fixtures_are_the_files_the_vectors_were_made_from():
    assert [p.relative_to(make_golden.ROOT).as_posix() for p in make_golden.fixtures()] == list(EXPECTED["files"])
    for rel in FILES:
        data = (make_golden.ROOT / rel).read_bytes()
        assert make_golden.hashlib.sha256(data).hexdigest() == EXPECTED["files"][rel]["sha256"], \
            f"{rel} changed: the golden vectors describe its 0.1.0 content; restore it"
    assert make_golden.GOLDEN_KEY.id == EXPECTED["key_id"]


@pytest.mark.parametrize("rel", FILES)
def test_fingerprints_at_every_level_are_those_of_0_1_0(rel):
    got = make_golden.fingerprint_vector((make_golden.ROOT / rel).read_bytes(), rel)
    assert got == EXPECTED["files"][rel]["fingerprint"]


@pytest.mark.parametrize("rel", FILES)
def test_carrier_identities_and_recipient_bits_are_those_of_0_1_0(rel):
    got = make_golden.mark_vector((make_golden.ROOT / rel).read_bytes(), rel)
    want = EXPECTED["files"][rel]
    assert got["boundaries"] == want["boundaries"]
    assert got["carriers"] == want["carriers"]
    assert got["recipients"] == want["recipients"]


def _old_registry(tmp_path: Path) -> Path:
    db = tmp_path / "registry.db"
    shutil.copyfile(GOLDEN / "v0.1.0" / "registry.db", db)
    return db


def _key() -> watermark.Key:
    return watermark.Key.load(GOLDEN / "v0.1.0" / "vendor.key")


@pytest.mark.parametrize("leak", ["globex", "merged"])
def test_a_registry_and_leaks_made_by_0_1_0_trace_exactly_as_0_1_0_traced_them(tmp_path, leak):
    want = json.loads((GOLDEN / "v0.1.0" / f"trace-{leak}.json").read_text())
    report = watermark.trace(GOLDEN / "v0.1.0" / f"leak-{leak}.tar.gz", _key(), _old_registry(tmp_path), jobs=1)
    assert report.release == want["release"]
    assert report.recipients_tested == want["recipients_tested"]
    assert report.carriers == want["carriers"]
    assert [(s["recipient"], s["log10_bound"], s["matches"], s["carriers"], s["round"]) for s in want["accused"]] == \
        [(s.recipient, pytest.approx(s.log10_bound, abs=1e-9), s.matches, s.carriers, s.round)
         for s in report.accused]
    top = [(s["recipient"], s["matches"], s["carriers"]) for s in want["ranking"]]
    assert [(s.recipient, s.matches, s.carriers) for s in report.ranking[:len(top)]] == top


def test_the_0_1_0_leak_of_one_recipient_names_it():
    """The plain statement of the promise, apart from the exact figures."""
    want = json.loads((GOLDEN / "v0.1.0" / "trace-globex.json").read_text())
    assert [s["recipient"] for s in want["accused"]] == ["globex"]


def test_a_registry_records_the_scheme_of_each_release(tmp_path):
    db = _old_registry(tmp_path)
    with watermark.Registry(db) as registry:
        infos = registry.releases()
    assert {i.name: i.scheme for i in infos} == {"shop-1.0": 1, "shop-1.0-tardos": 1}


def test_a_release_of_an_unknown_scheme_is_refused_with_one_line(tmp_path):
    db = _old_registry(tmp_path)
    with watermark.Registry(db):
        pass  # upgrades the 0.1.0 file in place
    with sqlite3.connect(db) as con:
        con.execute("UPDATE releases SET scheme = 99")
    with pytest.raises(watermark.RegistryError) as err:
        watermark.trace(GOLDEN / "v0.1.0" / "leak-globex.tar.gz", _key(), db, jobs=1)
    message = str(err.value)
    assert "\n" not in message and "scheme 99" in message and "upgrade watermark" in message
