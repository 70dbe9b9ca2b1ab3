"""The evidence report of `watermark trace --report`: what it says, what it
never says, and that a real browser renders it."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import watermark
from watermark import demo

KEY = watermark.Key(bytes(range(32)))
RECIPIENTS = ("acme", "globex", "initech")


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("shop")
    with watermark.Registry(root / "r.db") as reg, \
            watermark.Release.analyse(demo.SAMPLE, KEY, name="shop-1.0", jobs=1) as release:
        reg.add_release(release)
        release.embed(list(RECIPIENTS), root / "copies", registry=reg)
    KEY.save(root / "k.key")
    return root


def _report(shop: Path, suspect: Path, *extra: str) -> tuple[subprocess.CompletedProcess, str]:
    out = shop / f"report-{suspect.name}-{len(extra)}.html"
    r = subprocess.run([sys.executable, "-m", "watermark", "trace", str(suspect), "--key-file", str(shop / "k.key"),
                        "--registry", str(shop / "r.db"), "--report", str(out), *extra], capture_output=True, text=True)
    return r, out.read_text() if out.exists() else ""


def test_the_report_names_the_accused_in_words_and_no_one_else(shop):
    r, page = _report(shop, shop / "copies" / "globex")
    assert r.returncode == 0, r.stderr
    assert "<b>globex</b> is accused" in page and "below 1 in 10<sup>" in page
    assert "acme" not in page and "initech" not in page  # the report may leave the company
    assert bytes(range(32)).hex() not in page and "k.key" not in page
    assert not re.search(r"(?:src|href)=|https?://|<script|<link|@import", page)  # self-contained, no network
    assert "The registry's record of globex's copy" in page and "SHA-256 of the copy" in page
    assert page.count('class=ok') > 100 and 'class=bad' not in page  # every carrier of the copy matches
    _r, everyone = _report(shop, shop / "copies" / "globex", "--show-all")
    assert "acme" in everyone and "initech" in everyone


def test_a_merged_leak_shows_the_mismatches_and_a_stripped_one_names_nobody(shop, tmp_path):
    half = tmp_path / "half"
    shutil.copytree(shop / "copies" / "globex", half)
    shutil.copyfile(shop / "copies" / "acme" / "web" / "cart.js", half / "web" / "cart.js")
    r, page = _report(shop, half)
    assert "<b>globex</b> is accused" in page and "class=bad" in page
    stripped = tmp_path / "stripped"
    shutil.copytree(shop / "copies" / "globex", stripped)
    for p in stripped.rglob("*.*"):
        if p.suffix in (".go", ".js", ".ts", ".tsx", ".py"):
            p.write_text(re.sub(r"\n[ \t]*\n", "\n", p.read_text()))
    r, page = _report(shop, stripped)
    assert r.returncode == 1 and "</b> is accused" not in page and "No recipient is accused" in page
    assert "derived from release <b>shop-1.0</b>" in page and "named with --show-all" in page


@pytest.mark.corpus
def test_headless_chromium_renders_the_report(shop, tmp_path):
    """The report as a browser shows it: its text, and a screenshot."""
    from corpus import tool

    _r, _page = _report(shop, shop / "copies" / "globex")
    html_file = shop / "report-globex-0.html"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([tool("chromium"), *flags, "--dump-dom", html_file.as_uri()], capture_output=True,
                         text=True, timeout=120)
    assert "globex" in dom.stdout and "is accused" in dom.stdout and "The leaked files beside" in dom.stdout
    shot = tmp_path / "report.png"
    subprocess.run([tool("chromium"), *flags, "--window-size=1200,2000", f"--screenshot={shot}", html_file.as_uri()],
                   capture_output=True, timeout=120)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
