#!/usr/bin/env bash
# Makes tests/golden/v0.1.0/: a registry, leaks and their trace reports as
# watermark 0.1.0 (commit 87ace61) wrote them. Run once, with 0.1.0
# installed, from the repository root:
#     git checkout 87ace61 && pip install -e . && bash tests/golden/make_v0_1_0.sh
# Every later version must trace these leaks to the same recipients with the
# same bounds (tests/test_golden.py). Never regenerate with a newer version.
set -euo pipefail
OUT=tests/golden/v0.1.0
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
rm -f "$OUT"/registry.db "$OUT"/vendor.key "$OUT"/*.tar.gz "$OUT"/*.json
# the golden test key (not a secret): bytes 0..31, as in make_golden.py
python3 -c "import watermark, sys; watermark.Key(bytes(range(32))).save(sys.argv[1])" "$OUT/vendor.key"
export WATERMARK_KEY_FILE="$OUT/vendor.key" WATERMARK_REGISTRY="$OUT/registry.db"
watermark embed examples/sample-release --out "$WORK/copies" --release shop-1.0 \
    --recipient acme-corp --recipient globex --recipient initech --jobs 1 >/dev/null
seq -f "innocent-%03g" 1 200 > "$WORK/innocents.txt"
watermark registry add-recipients --release shop-1.0 --recipients-file "$WORK/innocents.txt" >/dev/null
watermark embed examples/sample-release --out "$WORK/tardos" --release shop-1.0-tardos --code tardos \
    --recipient hooli --recipient umbrella --jobs 1 >/dev/null
# leak 1: globex's whole copy; leak 2: globex's Go merged with initech's JS
tar -C "$WORK/copies" -czf "$OUT/leak-globex.tar.gz" globex
mkdir -p "$WORK/merged"
cp -r "$WORK/copies/globex/inventory" "$WORK/copies/initech/web" "$WORK/merged/"
tar -C "$WORK" -czf "$OUT/leak-merged.tar.gz" merged
watermark trace "$OUT/leak-globex.tar.gz" --json --jobs 1 > "$OUT/trace-globex.json" || true
watermark trace "$OUT/leak-merged.tar.gz" --json --jobs 1 > "$OUT/trace-merged.json" || true
sqlite3_checkpoint='import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute("PRAGMA wal_checkpoint(TRUNCATE)"); db.execute("PRAGMA journal_mode = DELETE"); db.close()'
python3 -c "$sqlite3_checkpoint" "$OUT/registry.db"
ls -la "$OUT"
