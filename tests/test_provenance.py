"""Provenance when the marks are gone: the index, the mapping of a suspect's
files to the release's, the marks diagnosis, the negative control."""
from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import pytest

import watermark
from watermark import demo, languages
from watermark.cli import main
from watermark.core import codes
from watermark.workflow.trace import provenance as prov_module

SAMPLE = demo.SAMPLE
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
        if languages.for_path(p.name) is not None:
            p.write_text(fn(p.read_text()))
    return out


# every code file of the sample: a Go and a JavaScript package, TypeScript (and TSX), Python
SAMPLE_CODE = ("billing/InvoiceList.tsx", "billing/format.ts", "billing/invoice.ts", "inventory/inventory.go",
               "inventory/report.go", "reports/aging.py", "reports/ledger.py", "web/cart.js", "web/format.js")


def _strip(text: str) -> str:
    return re.sub(r"\n[ \t]*\n", "\n", text)


def test_the_index_is_recorded_with_the_release(shop):
    registry, _ = shop
    with watermark.Registry(registry, readonly=True) as reg:
        rows = reg.prints()
    paths = {path for release, path, _l, prints, _f in rows if release == "shop-1.0" and prints}
    assert paths == set(SAMPLE_CODE)
    assert all(len(prints) % 8 == 0 and len(functions) % 24 == 0 for _r, _p, _l, prints, functions in rows)


def test_an_intact_copy_is_derived_and_its_marks_present(shop):
    registry, copies = shop
    report = watermark.trace(copies / "globex", KEY, registry, jobs=1)
    assert [s.recipient for s in report.accused] == ["globex"]
    p = report.provenance
    assert p.release == "shop-1.0" and p.derived and p.release_share == pytest.approx(1.0)
    assert {(f.path, f.release_path) for f in p.files} == {(x, x) for x in SAMPLE_CODE}
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


def _unrelated(out: Path) -> Path:
    """The test fixtures: Go and JS code that has nothing to do with the sample."""
    out.mkdir()
    for name in ("app.js", "lists.go", "server.go"):
        shutil.copyfile(FIXTURES / name, out / name)
    return out


def test_unrelated_code_is_not_derived(shop, tmp_path):
    registry, _ = shop
    report = watermark.trace(_unrelated(tmp_path / "other"), KEY, registry, jobs=1)
    assert not report.provenance.derived
    assert report.marks.state == "unknown" and report.marks.candidates == []
    assert not any(f.derived for f in report.provenance.files)


def test_a_part_of_the_release_mixed_into_other_code_is_derived_and_nothing_else(shop, tmp_path):
    """Each file gets its p-value; only the release's files are derived,
    however many prints the others share with it by chance, and the JSON
    lists the others without a release file (their candidate labelled)."""
    registry, copies = shop
    mix = _unrelated(tmp_path / "mix")
    (mix / "vendored").mkdir()
    (mix / "vendored" / "money.go").write_text(_strip((copies / "globex" / "inventory" / "report.go").read_text()))
    report = watermark.trace(mix, KEY, registry, jobs=1)
    p = report.provenance
    assert p.derived
    assert {f.path: f.release_path for f in p.files if f.derived} == {"vendored/money.go": "inventory/report.go"}
    shared = [f for f in p.files if not f.derived and f.release_path is not None]
    assert shared, "the unrelated fixtures share some prints with the sample"  # (else this test shows nothing)
    assert all(f.p_value > 0.01 for f in shared)
    files = {f["path"]: f for f in p.to_json()["files"]}
    assert files["vendored/money.go"] == {"path": "vendored/money.go", "derived": True,
                                          "release_path": "inventory/report.go", "similarity": 1.0,
                                          "p_value": files["vendored/money.go"]["p_value"]}
    for f in shared:
        got = files[f.path]
        assert got["derived"] is False and got["release_path"] is None
        assert got["candidate_not_derived"] == {"release_path": f.release_path, "similarity": round(f.similarity, 4)}


def test_a_file_is_derived_only_as_part_of_the_evidence(tmp_path):
    """The files that make the tree bound, and only when the tree is derived."""
    ps = [0.0014] * 10 + [0.003, 0.02, 0.5] + [1.0] * 80
    bound, at = prov_module.evidence(ps)
    assert bound == pytest.approx(93 * 0.0014 / 10) and at == 0.0014
    assert prov_module.evidence([0.0014] + [1.0] * 99)[0] > prov_module.DERIVED_LEVEL  # one file among 100: no claim


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
    derived = [f for f in got["provenance"]["files"] if f["derived"]]
    assert derived and all({"path", "release_path", "similarity", "p_value"} <= set(f) for f in derived)
    assert got["marks"]["state"] == "erased" and got["marks"]["candidates"] == CUSTOMERS


def test_uniform_bits_are_unlikely_under_marks():
    # 20 carriers all alike: 2 x 2^-20 under fair bits; a Tardos cutoff of 0.3 makes it far likelier
    # (the diagnosis: at most k of n bits differ from the likelier value, binomial_tail_log10_p(n, n - k, p))
    assert codes.binomial_tail_log10_p(20, 20, 0.5) == pytest.approx(-20 * 0.30103, abs=1e-6)
    assert codes.binomial_tail_log10_p(20, 20, 0.7) == pytest.approx(20 * -0.1549, abs=1e-3)
    assert codes.binomial_tail_log10_p(10, 0, 0.5) == pytest.approx(0.0, abs=1e-12)


def test_an_excerpt_keeps_its_marks_present(shop, tmp_path):
    """Half of one file: its carriers are compared with what that half holds,
    not with the whole file's (which would look erased)."""
    registry, copies = shop
    text = (copies / "acme-corp" / "inventory" / "inventory.go").read_text()
    cut = text.index("\n// Ship")
    leak = tmp_path / "leak"
    leak.mkdir()
    (leak / "part.go").write_text(text[:cut] + "\n")
    report = watermark.trace(leak, KEY, registry, jobs=1)
    f = report.provenance.files[0]
    assert f.release_path == "inventory/inventory.go" and f.similarity > 0.9 and 0.3 < f.coverage < 0.9
    assert report.marks.state == "present", report.marks


def _reorder(text: str) -> str:
    marker = "\nfunc " if "\npackage " in "\n" + text else "\nfunction "
    head, *rest = text.split(marker)
    return head + "".join(marker + r for r in reversed(rest))


@pytest.mark.parametrize("attack", ["formatters", "functions-reordered", "files-merged-and-split",
                                    "files-renamed-and-moved", "terser-mangle-then-prettier", "functions-edited"])
def test_every_attack_still_names_the_release(shop, tmp_path, attack):
    import subprocess

    from corpus import tool

    registry, copies = shop
    leak = tmp_path / "leak"
    shutil.copytree(copies / "initech", leak)
    code = sorted(p for p in leak.rglob("*") if languages.for_path(p.name) is not None)
    if attack == "formatters":
        subprocess.run([tool("gofmt"), "-w", str(leak)], check=True)
        subprocess.run([tool("prettier"), "--write", "--log-level", "silent", "--tab-width", "8",
                        *[str(p) for p in code if p.suffix == ".js"]], check=True)
    elif attack == "functions-reordered":
        for p in code:
            p.write_text(_reorder(_strip(p.read_text())))
    elif attack == "files-merged-and-split":
        inv, rep = leak / "inventory" / "inventory.go", leak / "inventory" / "report.go"
        inv.write_text(inv.read_text() + re.sub(r"^package \w+\n", "", rep.read_text(), flags=re.M))
        rep.unlink()
        cart = leak / "web" / "cart.js"
        text = cart.read_text()
        cut = text.index("\nfunction mergeCarts")
        cart.write_text(text[:cut] + "\n")
        (leak / "web" / "merge.js").write_text(text[cut:])
    elif attack == "files-renamed-and-moved":
        for k, p in enumerate(code):
            dst = leak / "src" / f"m{k}{p.suffix}"
            dst.parent.mkdir(exist_ok=True)
            p.rename(dst)
    elif attack == "terser-mangle-then-prettier":
        for p in code:
            if p.suffix == ".js":
                p.write_bytes(subprocess.run([tool("terser"), str(p), "--mangle"], check=True,
                                             capture_output=True).stdout)
        subprocess.run([tool("prettier"), "--write", "--log-level", "silent",
                        *[str(p) for p in code if p.suffix == ".js"]], check=True)
    else:  # about one function in five edited
        for p in code:
            text = p.read_text()
            p.write_text(text.replace("return nil\n", "return fmt.Errorf(\"patched\")\n", 1)
                         .replace("return true;", "return !false;", 1))
    report = watermark.trace(leak, KEY, registry, jobs=1)
    p = report.provenance
    assert p.release == "shop-1.0" and p.derived, p
    mapped = [f for f in p.files if f.derived]
    assert len(mapped) >= 3
    if attack == "terser-mangle-then-prettier":
        assert {f.release_path for f in mapped} >= {"web/cart.js", "web/format.js"}


def test_the_tree_bound_holds_under_any_dependence():
    # F files, m of them at p: F * p / m at best; one file: its own p
    assert prov_module.tree_bound([0.001]) == pytest.approx(0.001)
    assert prov_module.tree_bound([0.001] * 10) == pytest.approx(0.001)
    assert prov_module.tree_bound([0.001, 0.001, 1.0, 1.0]) == pytest.approx(0.002)
    assert prov_module.tree_bound([0.5, 0.9]) == pytest.approx(0.9)
    assert prov_module.tree_bound([0.001], comparisons=3) == pytest.approx(0.003)
    assert prov_module.tree_bound([]) == 1.0


def test_a_file_p_value_is_the_share_of_background_files_as_similar():
    sims = watermark.languages.get("go").background
    n = len(sims)
    assert prov_module.file_p("go", 1.01) == pytest.approx(1 / (n + 1))  # beyond every measured file
    assert prov_module.file_p("go", 0.0) == pytest.approx(1.0)
    assert prov_module.file_p("go", 0.5) == pytest.approx((sum(1 for x in sims if x >= 0.5) + 1) / (n + 1))
    assert prov_module.file_p(None, 1.0) == 1.0  # no background: no claim
    assert list(sims) == sorted(sims) and n >= 500


def test_the_bound_of_a_copy_and_of_unrelated_code(shop, tmp_path):
    registry, copies = shop
    leak = _edit(copies / "globex", tmp_path / "leak", _strip)
    copy = watermark.trace(leak, KEY, registry, jobs=1).provenance
    assert copy.derived and copy.log10_bound <= math.log10(prov_module.DERIVED_LEVEL)
    unrelated = watermark.trace(_unrelated(tmp_path / "other"), KEY, registry, jobs=1).provenance
    assert not unrelated.derived and unrelated.log10_bound > math.log10(prov_module.DERIVED_LEVEL)


def test_two_versions_narrow_the_candidates(tmp_path):
    """Version 1 went to two customers, version 2 (patched) to a third: a
    stripped leak of version 2 names version 2, and only its recipient."""
    registry = tmp_path / "versions.db"
    with watermark.Registry(registry) as reg:
        with watermark.Release.analyse(SAMPLE, KEY, name="shop-1.0") as v1:
            v1.embed(["acme-corp", "globex"], tmp_path / "v1", registry=reg)
        patched = demo.copy_sample(tmp_path / "shop-1.1")
        demo.patch_tree(patched)
        with watermark.Release.analyse(patched, KEY, name="shop-1.1") as v2:
            v2.embed("initech", tmp_path / "v2", registry=reg)
    leak = _edit(tmp_path / "v2", tmp_path / "leak", _strip)
    report = watermark.trace(leak, KEY, registry, jobs=1)
    assert report.provenance.release == "shop-1.1" and report.provenance.derived
    assert [o.release for o in report.provenance.others] == ["shop-1.0"]
    assert report.marks.state == "erased" and report.marks.candidates == ["initech"]
