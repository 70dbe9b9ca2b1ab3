"""Format stability: fingerprints, carrier identities, recipient bits and
registries written by watermark 0.1.0 stay what they were.

tests/golden/vectors.json and tests/golden/v0.1.0/ were produced by
watermark 0.1.0 (commit 87ace61) with the commands in their scripts
(make_golden.py, make_v0_1_0.sh); tests/golden/vectors-0.4.0.json, the
TypeScript, TSX and Python that 0.4.0 added, by 0.4.0 on the files in
tests/golden/v0.4.0/; tests/golden/vectors-0.7.0.json, scheme 3's element
boundaries, by 0.7.0 on the files in tests/golden/v0.7.0/. A change to any
value they pin makes every
registered release untraceable, so these tests never get their expectations
regenerated: a deliberate format change is a new scheme version, and the old
one keeps being read (CHANGELOG.md).
"""
from __future__ import annotations

import json
import math
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

import watermark
from watermark.core import carriers, codes
from watermark.workflow import registry as registry_module
from watermark.workflow.trace import decode as decode_module

GOLDEN = Path(__file__).resolve().parent / "golden"
sys.path.insert(0, str(GOLDEN))

import make_golden  # noqa: E402

EXPECTED = json.loads((GOLDEN / "vectors.json").read_text(encoding="utf-8"))
EXPECTED_2 = json.loads((GOLDEN / "vectors-scheme2.json").read_text(encoding="utf-8"))
FILES = sorted(EXPECTED["files"])
EXPECTED_0_4_0 = json.loads((GOLDEN / "vectors-0.4.0.json").read_text(encoding="utf-8"))
FILES_0_4_0 = sorted(EXPECTED_0_4_0["files"])
EXPECTED_0_7_0 = json.loads((GOLDEN / "vectors-0.7.0.json").read_text(encoding="utf-8"))
FILES_0_7_0 = sorted(EXPECTED_0_7_0["files"])


def test_the_golden_fixtures_are_the_files_the_vectors_were_made_from():
    assert [name for name, _p in make_golden.fixtures()] == list(EXPECTED["files"])
    for rel in FILES:
        data = make_golden.path_of(rel).read_bytes()
        assert make_golden.hashlib.sha256(data).hexdigest() == EXPECTED["files"][rel]["sha256"], \
            f"{rel} changed: the golden vectors describe its 0.1.0 content; restore it"
    assert make_golden.GOLDEN_KEY.id == EXPECTED["key_id"]


@pytest.mark.parametrize("rel", FILES)
def test_fingerprints_at_every_level_are_those_of_0_1_0(rel):
    got = make_golden.fingerprint_vector(make_golden.path_of(rel).read_bytes(), rel)
    assert got == EXPECTED["files"][rel]["fingerprint"]


@pytest.mark.parametrize("rel", FILES)
def test_carrier_identities_and_recipient_bits_are_those_of_0_1_0(rel):
    got = make_golden.mark_vector(make_golden.path_of(rel).read_bytes(), rel)
    want = EXPECTED["files"][rel]
    assert got["boundaries"] == want["boundaries"]
    assert got["carriers"] == want["carriers"]
    assert got["recipients"] == want["recipients"]


@pytest.mark.parametrize("rel", FILES)
def test_recipient_bits_of_scheme_2_are_pinned(rel):
    """Scheme 2 (128-bit vectors of the unbiased code) changes recipients'
    unbiased bits only: the same fingerprints, boundaries, carriers and
    Tardos bits as scheme 1, and the unbiased bits of vectors-scheme2.json."""
    data = make_golden.path_of(rel).read_bytes()
    got = make_golden.mark_vector(data, rel, 2)
    want = EXPECTED_2["files"][rel]
    assert want["fingerprint"] == EXPECTED["files"][rel]["fingerprint"]
    assert got["boundaries"] == want["boundaries"] == EXPECTED["files"][rel]["boundaries"]
    assert got["carriers"] == want["carriers"] == EXPECTED["files"][rel]["carriers"]
    assert got["recipients"] == want["recipients"]
    old = EXPECTED["files"][rel]["recipients"]
    for name, v in want["recipients"].items():
        assert (v == old[name]) == name.startswith("tardos/") or not v["bits"]


def test_the_0_4_0_files_are_those_its_vectors_were_made_from_in_every_language_it_added():
    assert [name for name, _p in make_golden.fixtures_0_4_0()] == list(EXPECTED_0_4_0["files"])
    for rel in FILES_0_4_0:
        data = make_golden.path_of(rel, "0.4.0").read_bytes()
        assert make_golden.hashlib.sha256(data).hexdigest() == EXPECTED_0_4_0["files"][rel]["sha256"], \
            f"{rel} changed: the golden vectors describe its 0.4.0 content; restore it"
    assert {v["fingerprint"]["language"] for v in EXPECTED_0_4_0["files"].values()} == {"typescript", "tsx", "python"}
    assert all(v["carriers"] for v in EXPECTED_0_4_0["files"].values())


@pytest.mark.parametrize("rel", FILES_0_4_0)
def test_typescript_tsx_and_python_fingerprints_identities_and_bits_are_those_of_0_4_0(rel):
    data = make_golden.path_of(rel, "0.4.0").read_bytes()
    want = EXPECTED_0_4_0["files"][rel]
    assert make_golden.fingerprint_vector(data, rel) == want["fingerprint"]
    got = make_golden.mark_vector(data, rel, 2)
    assert got["boundaries"] == want["boundaries"]
    assert got["carriers"] == want["carriers"]
    assert got["recipients"] == want["recipients"]


def test_the_current_scheme_is_3_and_schemes_1_and_2_are_still_made_and_read():
    assert codes.SCHEME == 3 and codes.SCHEMES_READ == {1, 2, 3}
    assert watermark.Code.of("unbiased").words == 2 and watermark.Code("unbiased", scheme=1).words == 1
    assert watermark.Code("unbiased", scheme=2).words == 2
    with pytest.raises(ValueError, match="scheme 1, 2, 3"):
        watermark.Code("unbiased", scheme=4)
    with pytest.raises(ValueError, match="scheme 1, 2, 3"):
        watermark.extract(b"package a\n", make_golden.GOLDEN_KEY, path="a.go", scheme=4)


@pytest.mark.parametrize("fileset,rel", [("0.1.0", r) for r in FILES] + [("0.4.0", r) for r in FILES_0_4_0])
def test_scheme_3_marks_the_files_of_the_older_vectors_as_scheme_2_did(fileset, rel):
    """Scheme 3 adds the boundaries between array elements and changes
    nothing else: none of these files has one, so their boundaries,
    carriers and every recipient's copy are scheme 2's."""
    data = make_golden.path_of(rel, fileset).read_bytes()
    want = EXPECTED_2["files"][rel] if fileset == "0.1.0" else EXPECTED_0_4_0["files"][rel]
    got = make_golden.mark_vector(data, rel, 3)
    assert got["boundaries"] == want["boundaries"]
    assert got["carriers"] == want["carriers"]
    assert got["recipients"] == want["recipients"]


def test_the_0_7_0_files_are_those_its_vectors_were_made_from():
    assert [name for name, _p in make_golden.fixtures_0_7_0()] == list(EXPECTED_0_7_0["files"]) \
        == ["tables.js", "tables.ts"]
    for rel in FILES_0_7_0:
        data = make_golden.path_of(rel, "0.7.0").read_bytes()
        assert make_golden.hashlib.sha256(data).hexdigest() == EXPECTED_0_7_0["files"][rel]["sha256"], \
            f"{rel} changed: the golden vectors describe its 0.7.0 content; restore it"


@pytest.mark.parametrize("rel", FILES_0_7_0)
def test_element_boundaries_identities_and_bits_of_scheme_3_are_those_of_0_7_0(rel):
    data = make_golden.path_of(rel, "0.7.0").read_bytes()
    want = EXPECTED_0_7_0["files"][rel]
    assert make_golden.fingerprint_vector(data, rel) == want["fingerprint"]
    got = make_golden.mark_vector(data, rel, 3)
    assert got["boundaries"] == want["boundaries"]
    assert got["carriers"] == want["carriers"]
    assert got["recipients"] == want["recipients"]


@pytest.mark.parametrize("rel", FILES_0_7_0)
def test_scheme_2_marks_no_element_boundary_and_scheme_3_every_other_boundary_of_scheme_2(rel):
    """A release recorded with scheme 2 keeps its carriers: the boundaries
    of scheme 2 are scheme 3's without those between elements, with the
    same identities; the elements' are most of scheme 3's here."""
    data = make_golden.path_of(rel, "0.7.0").read_bytes()
    fp = watermark.fingerprint(data, path=rel)
    two, three = carriers.boundaries(fp, scheme=2), carriers.boundaries(fp, scheme=3)
    elements = [k for k in range(len(three)) if carriers.is_element(three.words, k)]
    assert not any(carriers.is_element(two.words, k) for k in range(len(two)))
    assert len(elements) > len(two) > 0
    w = carriers.IDENTITY_WORDS
    rest = [tuple(three.words[w * k:w * k + w]) for k in range(len(three)) if k not in elements]
    assert rest == [tuple(two.words[w * k:w * k + w]) for k in range(len(two))]
    every = {i for i in EXPECTED_0_7_0["files"][rel]["boundaries"]}
    scheme_2 = make_golden.mark_vector(data, rel, 2)
    assert set(scheme_2["boundaries"]) < every and len(scheme_2["boundaries"]) == len(two)


def _old_registry(tmp_path: Path) -> Path:
    db = tmp_path / "registry.db"
    shutil.copyfile(GOLDEN / "v0.1.0" / "registry.db", db)
    return db


def _key() -> watermark.Key:
    return watermark.Key.load(GOLDEN / "v0.1.0" / "vendor.key")


def _share(s, recipients: int) -> float:
    """The singles' share of the level: half of it when phantom recipients
    (combinations) are searched too: unbiased code, several recipients."""
    return decode_module.SINGLES_SHARE if s["code"] == "unbiased" and recipients > 1 else 1.0


def _two_sided(s, n_tests: int, share: float) -> float:
    """The corrected two-sided bound of a recipient's score, from its definition."""
    if s["code"] == "unbiased":
        one = codes.two_sided_binomial_log10(s["carriers"], s["matches"])
    else:
        one = codes.two_sided_bernstein_log10(s["carriers"], s["score"], math.sqrt((1 - 0.01) / 0.01))
    return min(0.0, one + math.log10(n_tests) - math.log10(share))


@pytest.mark.parametrize("leak", ["globex", "merged", "hooli"])
def test_a_registry_and_leaks_made_by_0_1_0_trace_as_0_1_0_traced_them(tmp_path, leak):
    """The same release, code, carriers, accused recipients, matches and
    scores as 0.1.0. Bounds: Tardos ones are 0.1.0's on both tails (scoring
    became two-sided after 0.1.0: twice 0.1.0's one-sided bound where that
    tail is the smaller), over the singles' share of the level (phantom
    recipients take the rest since 0.2); unbiased ones are stratified since
    0.2 (core/codes.stratified_log10), at most 3 x the test on all carriers."""
    want = json.loads((GOLDEN / "v0.1.0" / f"trace-{leak}.json").read_text())
    report = watermark.trace(GOLDEN / "v0.1.0" / f"leak-{leak}.tar.gz", _key(), _old_registry(tmp_path), jobs=1)
    assert (report.release, report.code, report.carriers, report.recipients_tested) == \
        (want["release"], want["code"], want["carriers"], want["recipients_tested"])
    n_tests = want["recipients_tested"] * (3 if want["recipients_tested"] > 1 else 1)
    assert [(s["recipient"], s["matches"], s["carriers"], s["round"]) for s in want["accused"]] == \
        [(s.recipient, s.matches, s.carriers, s.round) for s in report.accused]
    ranking = {s.recipient: s for s in report.ranking}
    assert len(ranking) == want["recipients_tested"]
    for old in want["ranking"]:
        new = ranking[old["recipient"]]
        assert (new.matches, new.carriers, new.round) == (old["matches"], old["carriers"], old["round"])
        assert new.score == pytest.approx(old["score"], abs=1e-9)
        share = _share(old, want["recipients_tested"])
        if old["code"] == "tardos":
            assert new.log10_bound == pytest.approx(_two_sided(old, n_tests, share), abs=1e-9)
            if old["score"] >= 0 and old["log10_bound"] < -math.log10(2 / share):
                assert new.log10_bound == pytest.approx(old["log10_bound"] + math.log10(2 / share), abs=1e-9)
        else:  # stratified since 0.2: the best of three tests, x 3, never weaker than the test on all carriers x 3
            overall = _two_sided(old, n_tests, share)
            assert new.log10_bound <= min(0.0, overall + math.log10(codes.STRATA)) + 1e-9


def test_a_0_1_0_registry_is_read_as_it_is_and_upgraded_by_the_first_write(tmp_path):
    db = _old_registry(tmp_path)
    before = db.read_bytes()
    watermark.trace(GOLDEN / "v0.1.0" / "leak-globex.tar.gz", _key(), db, jobs=1)
    assert db.read_bytes() == before  # reading changed nothing, not even the journal mode
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == 1
    with watermark.Registry(db) as registry:
        assert {i.name: i.scheme for i in registry.releases()} == {"shop-1.0": 1, "fixtures-1.0": 1}
        # the same release analysed again today is the one 0.1.0 recorded (same digest): nothing to add
        with watermark.Release.analyse(make_golden.SAMPLE_0_1_0, _key(), name="shop-1.0",
                                       jobs=1) as release:
            assert registry.add_release(release) is False
            assert release.code.scheme == 1  # its copies keep the scheme it was marked with
        assert registry.add_recipients("shop-1.0", ["new-customer"]) == 1
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == registry_module.SCHEMA_VERSION == 4
        assert con.execute("SELECT name, scheme FROM releases ORDER BY name").fetchall() == \
            [("fixtures-1.0", 1), ("shop-1.0", 1)]
    again = watermark.trace(GOLDEN / "v0.1.0" / "leak-globex.tar.gz", _key(), db, jobs=1)
    assert [s.recipient for s in again.accused] == ["globex"] and again.recipients_tested == 204
    # analysing shop-1.0 again gave 0.1.0's release its provenance prints; fixtures-1.0 has none
    assert again.provenance is not None and again.provenance.release == "shop-1.0" and again.provenance.derived
    assert again.provenance.unindexed == ["fixtures-1.0"] and again.marks.state == "present"


def test_a_new_copy_of_a_0_1_0_release_is_made_with_its_scheme_and_traced(tmp_path):
    """A customer added today to a release 0.1.0 marked gets a copy of that
    release's scheme (64-bit vectors), which traces to them among the
    0.1.0 recipients; a new release gets the current scheme."""
    db = _old_registry(tmp_path)
    with watermark.Registry(db) as registry, \
            watermark.Release.analyse(make_golden.SAMPLE_0_1_0, _key(), name="shop-1.0",
                                      jobs=1) as release:
        assert release.code.scheme == codes.SCHEME == 3
        release.embed(["late-customer"], tmp_path / "late", registry=registry)
        assert release.code.scheme == 1
        newer = tmp_path / "shop-2.0"
        shutil.copytree(make_golden.SAMPLE_0_1_0, newer)
        for f in sorted(newer.rglob("*.go"))[:2]:  # a new version: two files gain a function
            f.write_text(f.read_text() + "\nfunc added() int {\n\tx := 1\n\ty := 2\n\tz := x + y\n\treturn z\n}\n")
        with watermark.Release.analyse(newer, _key(), name="shop-2.0", jobs=1) as fresh:
            fresh.embed(["new-customer"], tmp_path / "new", registry=registry)
        assert {i.name: i.scheme for i in registry.releases()}["shop-2.0"] == codes.SCHEME
    report = watermark.trace(tmp_path / "late", _key(), db, jobs=1)
    assert report.release == "shop-1.0" and [s.recipient for s in report.accused] == ["late-customer"]
    report = watermark.trace(tmp_path / "new", _key(), db, jobs=1)
    assert report.release == "shop-2.0" and [s.recipient for s in report.accused] == ["new-customer"]


def test_a_release_of_an_unknown_scheme_is_refused_with_one_line(tmp_path):
    db = _old_registry(tmp_path)
    with watermark.Registry(db) as registry:
        registry.add_recipients("shop-1.0", ["new-customer"])  # a write: upgrades the 0.1.0 file
    with sqlite3.connect(db) as con:
        con.execute("UPDATE releases SET scheme = 99 WHERE name = 'fixtures-1.0'")
    with pytest.raises(watermark.RegistryError) as err:
        watermark.trace(GOLDEN / "v0.1.0" / "leak-globex.tar.gz", _key(), db, jobs=1)
    message = str(err.value)
    assert "\n" not in message and "scheme 99" in message and "upgrade watermark" in message
