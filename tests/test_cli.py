"""The `watermark` command line."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "watermark", *args], capture_output=True, text=True)


def test_fingerprint_prints_one_line_per_file():
    r = run("fingerprint", str(FIXTURES / "server.go"), str(FIXTURES / "app.js"))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 2 and " go " in lines[0] and " javascript " in lines[1]


def test_fingerprint_json_lists_units_with_hashes():
    r = run("fingerprint", "--json", "--units", str(FIXTURES / "server.go"))
    assert r.returncode == 0, r.stderr
    (doc,) = json.loads(r.stdout)
    assert doc["language"] == "go" and not doc["has_error"]
    assert any(u["kind"] == "method_declaration" and u["name"] == "Get" for u in doc["units"])
    assert all(len(u["exact"]) == 16 for u in doc["units"])


def test_bad_input_gives_one_clear_line_and_exit_2(tmp_path):
    (tmp_path / "x.rs").write_text("fn main() {}")
    (tmp_path / "b.go").write_bytes(b"package p\0\0")
    for args in (["fingerprint", str(tmp_path / "missing.go")], ["fingerprint", str(tmp_path / "x.rs")],
                 ["fingerprint", str(tmp_path / "b.go")]):
        r = run(*args)
        assert r.returncode == 2
        assert r.stderr.startswith("watermark: ") and len(r.stderr.strip().splitlines()) == 1
        assert "Traceback" not in r.stderr


def test_usage_error_exits_2():
    assert run("no-such-command").returncode == 2
