"""The `watermark` command line."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from corpus import tool

import watermark
from watermark import demo
from watermark.core.codes import SCHEME

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


# --- the vendor workflow ------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = demo.SAMPLE


def sh_block(page: str, marker: str) -> str:
    """The first ```sh block after `marker` (an HTML comment) in a page of
    the README or the manual."""
    text = (ROOT / page).read_text()
    assert marker in text, f"{page} has no {marker}"
    return text.split(marker, 1)[1].split("```sh", 1)[1].split("```", 1)[0]


def verdicts(out: str) -> dict[str, str]:
    """recipient -> verdict column of trace's ranking table."""
    rows = re.findall(r"^  (\S+) +\d+/\d+ +\S+ +(.+)$", out, re.MULTILINE)
    return {name: verdict for name, verdict in rows}


def test_the_readme_quickstart_and_the_stripped_example_work_as_written(tmp_path):
    """The README's quickstart (a scratch folder, the sample, keygen, embed
    for 3 recipients, a leaked copy traced), its gofmt + prettier + black block and
    the manual's stripped-marks example, run in order as written: the right
    recipient is accused, the stripped copy still maps to the release, and
    nothing is written where the commands were started."""
    here, scratch = tmp_path / "clone", tmp_path / "tmp"
    here.mkdir()
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch),
           "PATH": os.pathsep.join([*(str(Path(tool(name)).parent) for name in ("gofmt", "prettier", "black")),
                                    str(Path(sys.executable).parent), os.environ.get("PATH", "")])}

    def block(page: str, marker: str, cwd: Path) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", "-e", "-c", sh_block(page, marker)], cwd=cwd, env=env, capture_output=True,
                              text=True)

    r = block("README.md", "<!-- quickstart -->", here)
    assert r.returncode == 0, r.stdout + r.stderr
    assert verdicts(r.stdout) == {"globex": "ACCUSED", "acme-corp": "-", "initech": "-"}, r.stdout
    assert list(here.iterdir()) == []  # the key, the registry and the copies went to the scratch folder
    (folder,) = scratch.iterdir()
    assert (folder / "vendor.key").stat().st_mode & 0o777 == 0o600
    r = block("README.md", "<!-- quickstart-formatters -->", folder)
    assert r.returncode == 0, r.stdout + r.stderr
    assert verdicts(r.stdout)["globex"] == "ACCUSED" and list(verdicts(r.stdout).values()).count("-") == 2
    r = block("docs/provenance.md", "<!-- example: stripped -->", folder)
    assert r.returncode == 1, r.stdout + r.stderr  # nobody accused: the marks are gone
    assert "derived from release shop-1.0: 9 of 9 files derived" in r.stdout and "marks: erased" in r.stdout


def bare_path(tmp_path: Path) -> str:
    """A PATH with no Go, gofmt, Node, prettier or black on it."""
    bare = tmp_path / "bin"
    bare.mkdir(exist_ok=True)
    for tool_name in ("go", "gofmt", "node", "npm", "prettier", "black"):
        assert shutil.which(tool_name, path=str(bare)) is None
    return str(bare)


def test_the_demo_runs_to_the_end_without_go_or_node_and_leaves_nothing(tmp_path):
    here, scratch = tmp_path / "cwd", tmp_path / "tmp"
    here.mkdir()
    scratch.mkdir()
    env = {**os.environ, "PATH": bare_path(tmp_path), "TMPDIR": str(scratch)}
    r = subprocess.run([sys.executable, "-m", "watermark", "demo"], cwd=here, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    assert "gofmt, prettier and black are not on PATH" in out and "demo reformats the leak itself" in out
    for command in ("$ watermark keygen vendor.key", "$ watermark embed release --out copies", "$ watermark trace leak",
                    "$ watermark diff release patched", "$ watermark trace stripped"):
        assert command in out  # each step teaches its command
    assert verdicts(out.split("$ watermark trace leak", 1)[1].split("$ watermark diff", 1)[0]) == \
        {"globex": "ACCUSED", "acme-corp": "-", "initech": "-"}
    for cls in ("goto-added", "branch-added", "field-assignment-changed", "condition-changed"):
        assert cls in out
    diff = out.split("$ watermark diff release patched", 1)[1].split("$ watermark trace stripped", 1)[0]
    for function in ("method Store.Reserve", "method Store.Ship", "method Cart.applyCoupon", "method Cart.discount",
                     "function lateFee", "method Ledger.pay"):  # every planted patch, in each language
        assert function in diff
    assert diff.count("\nmodified  ") + diff.count("\nliteral  ") == 6
    assert "derived from release shop-1.0" in out and "marks: erased" in out
    assert list(here.iterdir()) == [] and list(scratch.iterdir()) == []  # nothing left, nothing in the cwd


def test_the_demo_in_a_folder_keeps_everything_and_uses_gofmt_prettier_and_black(tmp_path):
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(tool(name)).parent)
                                                  for name in ("gofmt", "prettier", "node", "black")])}
    r = subprocess.run([sys.executable, "-m", "watermark", "demo", str(tmp_path / "d")], env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "gofmt, prettier and black are on PATH" in r.stdout and "$ gofmt -w leak/inventory" in r.stdout
    assert "$ prettier --write --log-level warn leak/billing leak/web" in r.stdout
    assert "$ black --quiet leak/reports" in r.stdout
    assert "demo reformats" not in r.stdout
    kept = sorted(p.name for p in (tmp_path / "d").iterdir() if not p.name.startswith("shop.db-"))  # (SQLite's)
    assert kept == ["copies", "leak", "patched", "release", "shop.db", "stripped", "vendor.key"]
    assert sorted(p.name for p in (tmp_path / "d" / "copies").iterdir()) == ["acme-corp", "globex", "initech"]
    assert stat_mode(tmp_path / "d" / "vendor.key") == 0o600
    again = run("demo", str(tmp_path / "d"))  # never into a folder that holds something
    assert again.returncode == 2 and len(again.stderr.splitlines()) == 1 and "not an empty folder" in again.stderr


def test_the_demo_reformats_itself_only_the_files_whose_formatter_is_missing(tmp_path):
    env = {**os.environ,
           "PATH": os.pathsep.join([str(Path(tool(name)).parent) for name in ("gofmt", "prettier", "node")])}
    if shutil.which("black", path=env["PATH"]):
        pytest.skip("black is installed beside gofmt, prettier or node")
    r = subprocess.run([sys.executable, "-m", "watermark", "demo", str(tmp_path / "d")], env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "(gofmt and prettier are on PATH: the leak goes through them; black is not)" in r.stdout
    assert "$ gofmt -w leak/inventory" in r.stdout and "$ black" not in r.stdout
    assert "the demo reformats the Python files itself" in r.stdout
    assert (tmp_path / "d" / "leak" / "reports" / "ledger.py").read_bytes().count(b"\r\n") > 50
    assert b"\r\n" not in (tmp_path / "d" / "leak" / "web" / "cart.js").read_bytes()


def test_demo_sample_only_writes_the_sample_release(tmp_path):
    r = run("demo", "--sample-only", str(tmp_path / "s"))
    assert r.returncode == 0, r.stderr
    got = sorted(p.relative_to(tmp_path / "s").as_posix() for p in (tmp_path / "s").rglob("*") if p.is_file())
    want = sorted(p.relative_to(SAMPLE).as_posix() for p in SAMPLE.rglob("*")
                  if p.is_file() and not any(part.startswith((".", "__pycache__"))
                                             for part in p.relative_to(SAMPLE).parts))
    assert got == want
    assert {"billing/invoice.ts", "billing/InvoiceList.tsx", "reports/ledger.py", "web/cart.js"} <= set(got)
    assert (tmp_path / "s" / "web" / "cart.js").read_bytes() == (SAMPLE / "web" / "cart.js").read_bytes()
    r = run("demo", "--sample-only")
    assert r.returncode == 2 and "needs DIR" in r.stderr


def test_version_and_help_say_what_the_code_does():
    from importlib import metadata

    assert watermark.__version__ == metadata.version("watermark") != "0.1.0"
    r = run("--version")
    assert r.stdout.startswith(f"watermark {watermark.__version__} (scheme ")
    for command in ("trace", "verify", "extract"):
        text = " ".join(run(command, "--help").stdout.split())
        assert "by its content" in text and "default: by extension)" not in text
    assert "demo" in run("--help").stdout


def test_cli_embed_trace_verify_extract_and_registry(tmp_path):
    key = tmp_path / "k.key"
    assert run("keygen", str(key)).returncode == 0
    assert stat_mode(key) == 0o600
    again = run("keygen", str(key))
    assert again.returncode == 2 and "never overwritten" in again.stderr
    key.unlink()  # the rest with the golden test key, whose carriers are known
    import watermark

    watermark.Key(bytes(range(32))).save(key)
    db = str(tmp_path / "r.db")
    r = run("embed", str(SAMPLE), "--out", str(tmp_path / "alice.tar.gz"), "--release", "s1",
            "--recipient", "alice", "--key-file", str(key), "--registry", db, "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    # 107 in the Go and JavaScript files (tests/golden/v0.1.0/trace-globex.json), 122 in the TypeScript and Python ones
    assert doc["release"] == "s1" and doc["carriers"] == 234 and doc["copies"][0]["recipient"] == "alice"
    (tmp_path / "more.txt").write_text("# customers\nbob\n\ncarol  # a comment\n")
    r = run("registry", "add-recipients", "--release", "s1", "--recipients-file", str(tmp_path / "more.txt"),
            "--registry", db)
    assert r.returncode == 0 and r.stdout.startswith("2 new"), r.stderr
    r = run("trace", str(tmp_path / "alice.tar.gz"), "--key-file", str(key), "--registry", db, "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert [a["recipient"] for a in doc["accused"]] == ["alice"] and doc["accused"][0]["bound"] <= 1e-9
    assert doc["recipients_tested"] == 3 and doc["release"] == "s1"
    with tarfile.open(tmp_path / "alice.tar.gz") as tf:
        go = tf.extractfile("inventory/inventory.go").read()
    env = {**os.environ, "WATERMARK_KEY_FILE": str(key)}
    # one 157-line file on stdin: ~33 carriers, named at a level that its size supports
    r = subprocess.run([sys.executable, "-m", "watermark", "trace", "-", "--registry", db, "--level", "1e-6"],
                       input=go, capture_output=True, env=env)
    assert r.returncode == 0 and b"ACCUSED" in r.stdout, r.stderr
    (tmp_path / "one.go").write_bytes(go)
    ok = run("verify", str(tmp_path / "one.go"), "--recipient", "alice", "--key-file", str(key), "--registry", db)
    no = run("verify", str(tmp_path / "one.go"), "--recipient", "bob", "--key-file", str(key), "--registry", db)
    assert (ok.returncode, no.returncode) == (0, 1)
    r = run("extract", str(tmp_path / "one.go"), "--key-file", str(key), "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["carriers"] >= 40
    r = run("trace", str(SAMPLE), "--key-file", str(key), "--registry", db)  # the unmarked original
    assert r.returncode == 1 and "ACCUSED" not in r.stdout
    listing = run("registry", "list", "--registry", db)
    assert listing.returncode == 0 and "s1" in listing.stdout
    show = run("registry", "show", "s1", "--registry", db, "--json")
    assert sorted(json.loads(show.stdout)["recipient_names"]) == ["alice", "bob", "carol"]
    secret = key.read_text().split("\n")[1]
    for text in (listing.stdout, show.stdout, r.stdout):
        assert secret not in text


def test_a_recipient_name_that_is_not_registered_is_refused_with_the_closest_names(tmp_path):
    """`verify --recipient Globex` (registered: globex) must not score a
    name nobody received and call it innocent."""
    key, db = tmp_path / "k.key", str(tmp_path / "r.db")
    run("keygen", str(key))
    r = run("embed", str(SAMPLE), "--out", str(tmp_path / "copies"), "--release", "s1", "--recipient", "globex",
            "--recipient", "initech", "--key-file", str(key), "--registry", db)
    assert r.returncode == 0, r.stderr
    leak = str(tmp_path / "copies" / "globex")
    for args, hint in ((["verify", leak, "--recipient", "Globex"], "did you mean globex?"),
                       (["verify", leak, "--recipient", "inetch"], "did you mean initech?"),
                       (["verify", leak, "--recipient", "umbrella"], "registry show")):
        r = run(*args, "--key-file", str(key), "--registry", db)
        assert r.returncode == 2 and len(r.stderr.splitlines()) == 1, r.stderr
        assert "is not registered" in r.stderr and hint in r.stderr and "Traceback" not in r.stderr
    assert run("verify", leak, "--recipient", "globex", "--key-file", str(key), "--registry", db).returncode == 0
    with pytest.raises(watermark.RegistryError, match="not registered"):
        watermark.trace(leak, watermark.Key.load(key), db, recipients=["Globex"], jobs=1)


def test_extract_prints_a_table(tmp_path):
    key = tmp_path / "k.key"
    run("keygen", str(key))
    (tmp_path / "notes.txt").write_text("not code at all\n")
    shutil.copytree(SAMPLE, tmp_path / "tree")
    shutil.copy(tmp_path / "notes.txt", tmp_path / "tree" / "notes.txt")
    r = run("extract", str(tmp_path / "tree"), "--key-file", str(key))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["path", "language", "boundaries", "note"]
    assert "('" not in r.stdout and "notes.txt" not in r.stdout and "README.md" not in r.stdout
    rows = {line.split()[0]: line.split() for line in lines[1:-1]}
    assert sorted(rows) == ["billing/InvoiceList.tsx", "billing/format.ts", "billing/invoice.ts",
                            "inventory/inventory.go", "inventory/report.go", "reports/aging.py", "reports/ledger.py",
                            "web/cart.js", "web/format.js"]
    assert rows["web/cart.js"][1] == "javascript" and int(rows["web/cart.js"][2]) > 0
    assert rows["billing/InvoiceList.tsx"][1] == "tsx" and rows["reports/ledger.py"][1] == "python"
    assert lines[-1].endswith("boundaries read in 9 files")


def stat_mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_cli_bad_input_is_one_line_and_exit_2(tmp_path):
    key = tmp_path / "k.key"
    other = tmp_path / "o.key"
    run("keygen", str(key))
    run("keygen", str(other))
    db = str(tmp_path / "r.db")
    assert run("embed", str(SAMPLE), "--out", str(tmp_path / "c"), "--release", "s1", "--recipient", "a",
               "--key-file", str(key), "--registry", db).returncode == 0
    evil = tmp_path / "evil.tar"
    with tarfile.open(evil, "w") as tf:
        info = tarfile.TarInfo("../../escape.go")
        tf.addfile(info)
    corrupt = tmp_path / "corrupt.zip"
    corrupt.write_bytes(b"PK\x03\x04" + b"\0" * 40)
    text = tmp_path / "text.tar.gz"  # a text file with an archive's name
    text.write_text("hello\n")
    empty_db = tmp_path / "empty.db"
    empty_db.write_bytes(b"")
    inside = tmp_path / "tree"
    shutil.copytree(SAMPLE, inside)
    cases = [
        (["embed", str(tmp_path / "missing"), "--out", str(tmp_path / "x"), "--recipient", "a", "--key-file", str(key),
          "--registry", db], "no such file"),
        (["embed", str(SAMPLE), "--out", str(tmp_path / "y"), "--release", "s1", "--recipient", "b",
          "--key-file", str(other), "--registry", db], "marked with key"),
        (["embed", str(evil), "--out", str(tmp_path / "z"), "--recipient", "a", "--key-file", str(key),
          "--registry", db], "climbs out"),
        (["embed", str(corrupt), "--out", str(tmp_path / "w"), "--recipient", "a", "--key-file", str(key),
          "--registry", db], "corrupt zip"),
        (["embed", str(text), "--out", str(tmp_path / "t"), "--recipient", "a", "--key-file", str(key),
          "--registry", db], "not a readable tar archive"),
        (["trace", str(text), "--key-file", str(key), "--registry", db], "not a readable tar archive"),
        (["trace", str(tmp_path / "c"), "--key-file", str(key), "--registry", str(empty_db)],
         "not a watermark registry"),
        (["registry", "list", "--registry", str(empty_db)], "not a watermark registry"),
        (["embed", str(inside), "--out", str(inside / "out"), "--recipient", "a", "--key-file", str(key),
          "--registry", db], "inside the input"),
        (["embed", str(SAMPLE), "--out", str(tmp_path / "v"), "--recipient", "../x", "--key-file", str(key),
          "--registry", db], "not usable"),
        (["embed", str(SAMPLE), "--out", str(tmp_path / "v"), "--recipient", "a", "--registry", db], "no key"),
        (["trace", str(tmp_path / "c"), "--key-file", str(other), "--registry", db], "no release was marked"),
        (["trace", str(tmp_path / "c"), "--key-file", str(key), "--registry", str(tmp_path / "none.db")],
         "no such registry"),
        (["trace", str(tmp_path / "nope"), "--key-file", str(key), "--registry", db], "no such file"),
        (["registry", "add-recipients", "--release", "nope", "--recipient", "a", "--registry", db], "no release named"),
    ]
    env = {k: v for k, v in os.environ.items() if k != "WATERMARK_KEY_FILE"}
    for args, message in cases:
        r = subprocess.run([sys.executable, "-m", "watermark", *args], capture_output=True, text=True, env=env)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert r.stderr.startswith("watermark: ") and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert message in r.stderr, (message, r.stderr)
        assert "Traceback" not in r.stderr
    assert empty_db.read_bytes() == b""  # a read command gives no file a schema
    assert not (tmp_path.parent / "escape.go").exists()
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())


# --- keyless edits of a leaked copy ----------------------------------------------

def _flip_eligible_boundaries(tree: Path, fraction: float, seed: int) -> None:
    """A keyless attack: the eligibility rules are public, so a leaker can
    toggle the blank line at any share of the eligible boundaries."""
    import random

    import watermark
    from watermark.backend import BACKEND
    from watermark.core import carriers

    rng = random.Random(seed)
    for path in sorted(tree.rglob("*")):
        if watermark.languages.for_path(path.name) is None:
            continue
        fp = watermark.fingerprint(path.read_bytes(), path=str(path))
        found = carriers.boundaries(fp)
        bits = BACKEND.read_bits(fp.source, found.gaps)
        path.write_bytes(BACKEND.set_bits(fp.source, found.gaps, bytes(b ^ (rng.random() < fraction) for b in bits))[0])


@pytest.mark.parametrize("fraction", [1.0, 0.9])
def test_a_copy_with_its_blank_lines_complemented_names_its_recipient(tmp_path, fraction):
    """Every (or 90% of every) eligible boundary toggled: the copy disagrees
    with its recipient's bits far beyond chance, and the two-sided score names
    it; the other recipients stay at chance."""
    import watermark

    key = tmp_path / "k.key"
    watermark.Key(bytes(range(32))).save(key)
    db = str(tmp_path / "r.db")
    r = run("embed", str(SAMPLE), "--out", str(tmp_path / "copies"), "--release", "s1", "--recipient", "acme-corp",
            "--recipient", "globex", "--recipient", "initech", "--key-file", str(key), "--registry", db)
    assert r.returncode == 0, r.stderr
    leak = tmp_path / "copies" / "globex"
    _flip_eligible_boundaries(leak, fraction, seed=3)
    r = run("trace", str(leak), "--key-file", str(key), "--registry", db)
    assert r.returncode == 0, (r.stdout, r.stderr)
    rows = {line.split()[0]: line for line in r.stdout.splitlines() if line.startswith("  ") and "/" in line}
    assert "ACCUSED (complemented copy)" in rows["globex"]
    assert "ACCUSED" not in rows["acme-corp"] and "ACCUSED" not in rows["initech"]
    doc = json.loads(run("trace", str(leak), "--key-file", str(key), "--registry", db, "--json").stdout)
    assert [(s["recipient"], s["complemented"]) for s in doc["accused"]] == [("globex", True)]


def test_cli_options_are_checked_and_refused_in_one_line_naming_the_option(tmp_path):
    cases = [
        (["trace", "x", "--jobs", "0"], "--jobs: 0 is less than 1"),
        (["trace", "x", "--jobs", "-3"], "--jobs: -3 is less than 1"),
        (["trace", "x", "--top", "-1"], "--top: -1 is less than 0"),
        (["trace", "x", "--level", "abc"], "--level: 'abc' is not a number"),
        (["trace", "x", "--level", "2"], "--level: level is a probability"),
        (["embed", "x", "--out", "y", "--recipient", "a", "--density", "x"], "--density: 'x' is not a number"),
        (["embed", "x", "--out", "y", "--recipient", "a", "--jobs", "two"], "--jobs: 'two' is not a whole number"),
        (["no-such-command"], "invalid choice"),
        (["embed", "x"], "required: --out"),
    ]
    for args, message in cases:
        r = run(*args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert r.stderr.startswith("watermark: ") and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert message in r.stderr, (args, r.stderr)
    version = run("--version")
    assert version.returncode == 0
    assert version.stdout.startswith(f"watermark {watermark.__version__} (scheme {SCHEME}, ABI ")


def test_cli_warns_about_a_key_others_can_read_and_a_release_with_nothing_marked(tmp_path):
    import watermark

    key = tmp_path / "k.key"
    watermark.Key(bytes(range(32))).save(key)
    key.chmod(0o644)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("no code here\n")
    r = run("embed", str(empty), "--out", str(tmp_path / "c"), "--recipient", "a", "--key-file", str(key),
            "--registry", str(tmp_path / "r.db"))
    assert r.returncode == 0, r.stderr
    warnings = r.stderr.strip().splitlines()
    assert len(warnings) == 2 and all(w.startswith("watermark: warning: ") for w in warnings), warnings
    assert "can be read by others (mode 644); run: chmod 600" in warnings[0]
    assert "nothing was marked" in warnings[1]
    assert "AAECAwQF" not in r.stderr + r.stdout  # never the key (its base64 starts so)
    key.chmod(0o600)
    again = run("embed", str(SAMPLE), "--out", str(tmp_path / "d"), "--recipient", "a", "--key-file", str(key),
                "--registry", str(tmp_path / "r.db"))
    assert again.returncode == 0 and again.stderr == "", again.stderr


def test_a_source_folder_without_a_build_says_it_shadows_the_installed_package(tmp_path):
    """From the root of a clone after a plain `pip install .`, `import
    watermark` finds the unbuilt source folder first: the message says so."""
    clone = tmp_path / "clone"
    shutil.copytree(ROOT / "watermark", clone / "watermark", ignore=shutil.ignore_patterns("_native*", "__pycache__"))
    shutil.copy(ROOT / "setup.py", clone / "setup.py")
    env = {k: v for k, v in os.environ.items() if k not in ("WATERMARK_PURE_PYTHON", "PYTHONSAFEPATH")}
    # as after a plain `pip install .`: no editable-install finder to fetch the extension from elsewhere
    code = ("import sys; sys.meta_path[:] = [f for f in sys.meta_path if 'Editable' not in getattr(f, '__name__', "
            "type(f).__name__)]; import watermark")
    r = subprocess.run([sys.executable, "-c", code], cwd=clone, capture_output=True, text=True, env=env)
    assert r.returncode != 0
    last = r.stderr.strip().splitlines()[-1]
    assert "NativeBuildError" in last and "shadows an installed watermark" in last and str(clone) in last


def test_a_registry_with_a_damaged_page_is_refused_in_one_line(tmp_path):
    golden = ROOT / "tests" / "golden" / "v0.1.0"
    db = tmp_path / "registry.db"
    data = bytearray((golden / "registry.db").read_bytes())
    middle = 4096 * (len(data) // 4096 // 2)
    data[middle:middle + 4096] = bytes(range(256)) * 16  # one page of garbage in the middle
    db.write_bytes(bytes(data))
    import watermark

    key = tmp_path / "k.key"  # mode 0600: the checked-out golden key file may be readable by others
    watermark.Key.load(golden / "vendor.key").save(key)
    for args in (["trace", str(golden / "leak-globex.tar.gz"), "--key-file", str(key)],
                 ["registry", "list"], ["registry", "show", "shop-1.0", "--files"]):
        r = run(*args, "--registry", str(db))
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert r.stderr.startswith("watermark: ") and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert "damaged or unreadable registry" in r.stderr and "restore it from a backup" in r.stderr


def test_hard_links_in_a_tar_are_copies_of_earlier_files_or_refused(tmp_path):
    import io

    import watermark

    key = tmp_path / "k.key"
    watermark.Key(bytes(range(32))).save(key)
    code = b"package a\n\nfunc f() {\n\tx := 1\n\ty := 2\n\t_ = x + y\n}\n"

    def archive(name: str, target: str):
        path = tmp_path / f"{name}.tar"
        with tarfile.open(path, "w") as tf:
            info = tarfile.TarInfo("a.go")
            info.size = len(code)
            tf.addfile(info, io.BytesIO(code))
            link = tarfile.TarInfo(name)
            link.type, link.linkname = tarfile.LNKTYPE, target
            tf.addfile(link)
        return path

    db = str(tmp_path / "r.db")
    good = archive("b.go", "a.go")
    r = run("embed", str(good), "--out", str(tmp_path / "copy"), "--recipient", "a", "--key-file", str(key),
            "--registry", db)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "copy" / "b.go").read_bytes() == (tmp_path / "copy" / "a.go").read_bytes()
    for target in ("/etc/passwd", "../../etc/passwd", "not-in-the-archive.go"):
        bad = archive("link.go", target)
        for args in (["embed", str(bad), "--out", str(tmp_path / "out"), "--recipient", "a"], ["trace", str(bad)]):
            r = run(*args, "--key-file", str(key), "--registry", db)
            assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)
            assert "is a hard link to" in r.stderr and "Traceback" not in r.stderr
        assert not (tmp_path / "out").exists()


def test_a_fifo_in_the_source_is_listed_as_not_copied_with_why(tmp_path):
    import watermark

    key = tmp_path / "k.key"
    watermark.Key(bytes(range(32))).save(key)
    src = tmp_path / "src"
    shutil.copytree(SAMPLE, src)
    os.mkfifo(src / "web" / "events.pipe")
    r = run("embed", str(src), "--out", str(tmp_path / "copy"), "--recipient", "a", "--key-file", str(key),
            "--registry", str(tmp_path / "r.db"))
    assert r.returncode == 0, r.stderr
    assert "  not copied: web/events.pipe: a FIFO: not copied" in r.stdout
    assert not (tmp_path / "copy" / "web" / "events.pipe").exists() and (tmp_path / "copy" / "web" / "cart.js").exists()
    # the same tree without the FIFO is the same release: a FIFO is not content
    with watermark.Registry(tmp_path / "r.db") as registry:
        with watermark.Release.analyse(SAMPLE, watermark.Key(bytes(range(32))), name=src.name, jobs=1) as plain:
            assert registry.add_release(plain) is False


# --- internal errors --------------------------------------------------------------

@pytest.mark.parametrize("exc", [RuntimeError("boom:\n  something internal broke"), ValueError("boom"),
                                 KeyError("boom")])
def test_an_internal_error_is_one_line_exit_70_with_the_traceback_in_a_file(tmp_path, monkeypatch, capsys, exc):
    """A bug (any exception that is not a WatermarkError, OSError or an
    interrupt) is no usage error: exit 70, one line naming the file that
    holds the traceback."""
    import tempfile

    from watermark import cli

    def broken(args):
        raise exc

    monkeypatch.setattr(cli.info, "run", broken)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.delenv("WATERMARK_DEBUG", raising=False)
    assert cli.main(["info"]) == 70
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert line.startswith(f"watermark: internal error ({type(exc).__name__}: ")
    assert "; please report it with the traceback in " in line
    (crash,) = tmp_path.iterdir()
    assert line.endswith(str(crash)) and crash.name.startswith("watermark-crash-") and stat_mode(crash) == 0o600
    text = crash.read_text()
    assert "Traceback (most recent call last)" in text and "in broken" in text and f"{type(exc).__name__}: " in text
    assert text.startswith(f"watermark {watermark.__version__} info, Python ")


@pytest.mark.parametrize("exc", [MemoryError(), MemoryError("fingerprint: out of memory")])
def test_running_out_of_memory_is_one_line_exit_2_as_a_dead_worker_is(tmp_path, monkeypatch, capsys, exc):
    """In the calling process (a single job runs there) as in a worker
    (io.pool: the pool breaks): the machine's limit, not a bug."""
    import tempfile

    from watermark import cli

    def hungry(args):
        raise exc

    monkeypatch.setattr(cli.info, "run", hungry)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv("WATERMARK_DEBUG", "1")
    with pytest.raises(MemoryError):
        cli.main(["info"])
    monkeypatch.delenv("WATERMARK_DEBUG")
    assert cli.main(["info"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and list(tmp_path.iterdir()) == []
    assert captured.err.splitlines() == [
        "watermark: out of memory" + (" (fingerprint: out of memory)" if str(exc) else "")
        + "; retry with fewer jobs or a smaller input"]


def test_with_watermark_debug_an_internal_error_propagates(tmp_path, monkeypatch):
    import tempfile

    from watermark import cli

    def broken(args):
        raise RuntimeError("boom")

    monkeypatch.setattr(cli.info, "run", broken)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv("WATERMARK_DEBUG", "1")
    with pytest.raises(RuntimeError, match="boom"):
        cli.main(["info"])
    assert list(tmp_path.iterdir()) == []


def test_a_user_error_stays_one_line_and_exit_2_without_a_crash_file(tmp_path, monkeypatch, capsys):
    import tempfile

    from watermark import cli

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setenv("WATERMARK_DEBUG", "1")  # changes nothing for user errors
    argv = ["trace", str(SAMPLE), "--key-file", str(tmp_path / "missing.key"), "--registry", str(tmp_path / "r.db")]
    assert cli.main(argv) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("watermark: cannot read key file") and "missing.key" in line
    assert list(scratch.iterdir()) == []
