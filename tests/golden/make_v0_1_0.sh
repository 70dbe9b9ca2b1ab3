#!/usr/bin/env bash
# Makes tests/golden/v0.1.0/: a registry, leaks and their trace reports as
# watermark 0.1.0 (commit 87ace61) wrote them. Run once, from the
# repository root, with 0.1.0 importable (a built checkout of 87ace61 at DIR):
#     PYTHONPATH=DIR bash tests/golden/make_v0_1_0.sh
# Every later version must trace these leaks to the same recipients with the
# same bounds (tests/test_golden.py). Never regenerate with a newer version.
set -euo pipefail
OUT=tests/golden/v0.1.0
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
rm -f "$OUT"/registry.db "$OUT"/vendor.key "$OUT"/*.tar.gz "$OUT"/*.json
export PYTHONSAFEPATH=1  # the 0.1.0 on PYTHONPATH or installed, never this work tree
watermark() { python3 -m watermark "$@"; }
python3 -c "import watermark, sys; sys.exit(watermark.__version__ != '0.1.0' or 'scheme' in watermark.native_info())" \
    || { echo "make_v0_1_0.sh: needs watermark 0.1.0 (commit 87ace61)" >&2; exit 2; }
# the golden test key (not a secret): bytes 0..31, as in make_golden.py
python3 -c "import watermark, sys; watermark.Key(bytes(range(32))).save(sys.argv[1])" "$OUT/vendor.key"
export WATERMARK_KEY_FILE="$OUT/vendor.key" WATERMARK_REGISTRY="$OUT/registry.db"
watermark embed tests/golden/v0.1.0/sample-release --out "$WORK/copies" --release shop-1.0 \
    --recipient acme-corp --recipient globex --recipient initech --jobs 1 >/dev/null
seq -f "innocent-%03g" 1 200 > "$WORK/innocents.txt"
watermark registry add-recipients --release shop-1.0 --recipients-file "$WORK/innocents.txt" >/dev/null
# a release of other content with the Tardos code
mkdir -p "$WORK/fixtures-src"
cp tests/fixtures/*.go tests/fixtures/*.js "$WORK/fixtures-src/"
watermark embed "$WORK/fixtures-src" --out "$WORK/tardos" --release fixtures-1.0 --code tardos \
    --recipient hooli --recipient umbrella --jobs 1 >/dev/null
seq -f "tardos-innocent-%02g" 1 50 > "$WORK/tardos-innocents.txt"
watermark registry add-recipients --release fixtures-1.0 --recipients-file "$WORK/tardos-innocents.txt" >/dev/null
# leak 1: globex's whole copy; leak 2: globex's Go merged with initech's JS;
# leak 3: hooli's copy of the Tardos release
tar -C "$WORK/copies" -czf "$OUT/leak-globex.tar.gz" globex
mkdir -p "$WORK/merged"
cp -r "$WORK/copies/globex/inventory" "$WORK/copies/initech/web" "$WORK/merged/"
tar -C "$WORK" -czf "$OUT/leak-merged.tar.gz" merged
tar -C "$WORK/tardos" -czf "$OUT/leak-hooli.tar.gz" hooli
watermark trace "$OUT/leak-globex.tar.gz" --json --jobs 1 > "$OUT/trace-globex.json" || true
watermark trace "$OUT/leak-merged.tar.gz" --json --jobs 1 > "$OUT/trace-merged.json" || true
watermark trace "$OUT/leak-hooli.tar.gz" --json --jobs 1 > "$OUT/trace-hooli.json" || true
sqlite3_checkpoint='import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute("PRAGMA wal_checkpoint(TRUNCATE)"); db.execute("PRAGMA journal_mode = DELETE"); db.close()'
python3 -c "$sqlite3_checkpoint" "$OUT/registry.db"
ls -la "$OUT"
