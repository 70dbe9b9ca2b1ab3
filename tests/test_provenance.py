"""Provenance when the marks are gone: the index, the mapping of a suspect's
files to the release's, the marks diagnosis, the negative control."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

import watermark
from watermark.cli import main
from watermark.workflow import provenance as prov_module

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "sample-release"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
KEY = watermark.Key(bytes(range(32)))
CUSTOMERS = ["acme-corp", "globex", "initech"]


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """The sample release marked for three customers: (registry, copies)."""
    work = tmp_path_factory.mktemp("shop")
    registry = work / "shop.db"
    with watermark.Registry(registry) as reg, watermark.Release.analyse(SAMPLE, KEY, name="shop-1.0") as release:
        release.embed(CUSTOMERS, work / "copies", registry=reg)
    return registry, work / "copies"


def _edit(tree: Path, out: Path, fn) -> Path:  # type: ignore[no-untyped-def]
    shutil.copytree(tree, out)
    for p in out.rglob("*"):
        if p.suffix in (".go", ".js"):
            p.write_text(fn(p.read_text()))
    return out


def _strip(text: str) -> str:
    return re.sub(r"\n[ \t]*\n", "\n", text)


def test_the_index_is_recorded_with_the_release(shop):
    registry, _ = shop
    with watermark.Registry(registry, readonly=True) as reg:
        rows = reg.provenance()
    paths = {path for release, path, _l, prints, _f in rows if release == "shop-1.0" and prints}
    assert paths == {"inventory/inventory.go", "inventory/report.go", "web/cart.js", "web/format.js"}
    assert all(len(prints) % 8 == 0 and len(functions) % 24 == 0 for _r, _p, _l, prints, functions in rows)


def test_an_intact_copy_is_derived_and_its_marks_present(shop):
    registry, copies = shop
    report = watermark.trace(copies / "globex", KEY, registry, jobs=1)
    assert [s.recipient for s in report.accused] == ["globex"]
    p = report.provenance
    assert p.release == "shop-1.0" and p.derived and p.release_share == pytest.approx(1.0)
    assert {(f.path, f.release_path) for f in p.files} == {(x, x) for x in (
        "inventory/inventory.go", "inventory/report.go", "web/cart.js", "web/format.js")}
    assert all(f.similarity == pytest.approx(1.0) for f in p.files)
    assert report.marks.state == "present" and report.marks.candidates == []


@pytest.mark.parametrize("attack", ["strip-blank-lines", "blank-line-everywhere", "rename-and-strip",
                                    "strip-comments-and-blank-lines"])
def test_stripped_marks_are_diagnosed_and_the_release_still_named(shop, tmp_path, attack):
    registry, copies = shop
    if attack == "strip-blank-lines":
        fn = _strip
    elif attack == "blank-line-everywhere":
        def fn(text: str) -> str:
            return re.sub(r"(;|\{|\})\n", r"\1\n\n", _strip(text)).replace(")\n\t", ")\n\n\t")
    elif attack == "rename-and-strip":
        def fn(text: str) -> str:
            return _strip(re.sub(r"\b(sku|quantity|line|total|best|items)\b", lambda m: m.group(1) + "X", text))
    else:
        def fn(text: str) -> str:
            return _strip(re.sub(r"^\s*//.*$", "", text, flags=re.M))
    leak = _edit(copies / "globex", tmp_path / "leak", fn)
    report = watermark.trace(leak, KEY, registry, jobs=1)
    assert report.accused == []  # the marks are gone: nobody is accused ...
    assert report.provenance.release == "shop-1.0" and report.provenance.derived  # ... but the code is ours
    assert report.provenance.release_share > 0.5
    assert report.marks.state == "erased", report.marks
    assert report.marks.candidates == CUSTOMERS


def test_unrelated_code_is_not_derived(shop, tmp_path):
    registry, _ = shop
    other = tmp_path / "other"
    other.mkdir()
    for name in ("app.js", "lists.go", "server.go"):
        shutil.copyfile(FIXTURES / name, other / name)
    report = watermark.trace(other, KEY, registry, jobs=1)
    assert not report.provenance.derived
    assert report.marks.state == "unknown" and report.marks.candidates == []
    assert all(f.similarity < prov_module.DERIVED_SIMILARITY for f in report.provenance.files)


def test_a_part_of_the_release_mixed_into_other_code(shop, tmp_path):
    registry, copies = shop
    mix = tmp_path / "mix"
    mix.mkdir()
    for name in ("app.js", "lists.go", "server.go"):
        shutil.copyfile(FIXTURES / name, mix / name)
    (mix / "vendored").mkdir()
    (mix / "vendored" / "money.go").write_text(_strip((copies / "globex" / "inventory" / "report.go").read_text()))
    report = watermark.trace(mix, KEY, registry, jobs=1)
    mapped = {f.path: f.release_path for f in report.provenance.files if f.release_path is not None
              and f.similarity >= prov_module.DERIVED_SIMILARITY}
    assert mapped == {"vendored/money.go": "inventory/report.go"}


def test_the_cli_prints_the_provenance_block_and_json(shop, tmp_path, capsys):
    registry, copies = shop
    leak = _edit(copies / "initech", tmp_path / "leak", _strip)
    key_file = tmp_path / "k.key"
    KEY.save(key_file)
    assert main(["trace", str(leak), "--key-file", str(key_file), "--registry", str(registry)]) == 1
    out = capsys.readouterr().out
    assert "provenance: derived from release shop-1.0" in out and "marks: erased" in out
    assert "candidates (everyone who received shop-1.0): acme-corp, globex, initech" in out
    assert main(["trace", str(leak), "--key-file", str(key_file), "--registry", str(registry), "--json"]) == 1
    got = json.loads(capsys.readouterr().out)
    assert got["provenance"]["release"] == "shop-1.0" and got["provenance"]["derived"] is True
    assert {"path", "release_path", "similarity"} <= set(got["provenance"]["files"][0])
    assert got["marks"]["state"] == "erased" and got["marks"]["candidates"] == CUSTOMERS


def test_uniform_bits_are_unlikely_under_marks():
    # 20 carriers all alike: 2 x 2^-20 under fair bits; a Tardos cutoff of 0.3 makes it far likelier
    assert prov_module._log10_binomial_tail(20, 0, 0.5) == pytest.approx(-20 * 0.30103, abs=1e-6)
    assert prov_module._log10_binomial_tail(20, 0, 0.7) == pytest.approx(20 * -0.1549, abs=1e-3)
    assert prov_module._log10_binomial_tail(10, 10, 0.5) == pytest.approx(0.0, abs=1e-12)
