#!/usr/bin/env bash
# Installs the real-world corpora and the tools that the corpus tests and the
# benchmarks use, then prints `export` lines for them:
#
#     eval "$(scripts/corpora.sh)"
#
#   Go:      the Go 1.19 standard library source and toolchain (go, gofmt;
#            Debian's golang-1.19-src / golang-1.19-go), gofumpt 0.4.0's
#            sources (Debian's golang-mvdan-gofumpt-dev, from which the tests
#            build a `gofumpt -l`), and Debian's x/mod, x/crypto, x/sys, x/text,
#            pprof and demangle sources (other versions than Go 1.19 vendors:
#            real version pairs for `watermark diff`, benchmarks/real_pairs)
#   JS:      pinned npm packages: lodash, express, three, jquery, typescript
#   TS:      pinned npm packages that ship their TypeScript sources: rxjs, zod, effect
#   Python:  the standard library of this python3, and Django's sources (a
#            pinned wheel from PyPI, unpacked, never imported)
#   Tools:   prettier and terser (pinned npm packages), black and ruff (pinned,
#            in a venv of their own; only the two commands go on PATH)
#   Pairs:   the real version pairs of `watermark diff` (benchmarks/real_pairs/)
#
# npm packages are installed with --ignore-scripts: nothing they ship runs.
# Idempotent: a part already installed is skipped. Needs root for apt-get.
# Everything goes under $WATERMARK_CORPORA (default ~/.cache/watermark-corpora).
set -euo pipefail
ROOT="${WATERMARK_CORPORA:-$HOME/.cache/watermark-corpora}"
mkdir -p "$ROOT"
log() { echo "corpora.sh: $*" >&2; }
PY="$(command -v python3)"

need_apt=()
[ -d /usr/share/go-1.19/src/net ] || need_apt+=(golang-1.19-src)
[ -x /usr/lib/go-1.19/bin/go ] || need_apt+=(golang-1.19-go)
[ -d /usr/share/gocode/src/mvdan.cc/gofumpt/format ] || need_apt+=(golang-mvdan-gofumpt-dev)
[ -d /usr/share/gocode/src/golang.org/x/tools/go/ast/astutil ] || need_apt+=(golang-golang-x-tools-dev)
# Go modules of other versions than those Go 1.19 vendors: real version pairs for `watermark diff`
for pkg in golang-golang-x-mod-dev golang-golang-x-crypto-dev golang-golang-x-sys-dev golang-golang-x-text-dev \
           golang-github-google-pprof-dev golang-github-ianlancetaylor-demangle-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
# headless Chromium: the evidence report is rendered in a real browser by the tests
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

npm_corpus() {  # npm_corpus DIR PACKAGE@VERSION...
  local dir="$1"; shift
  if [ ! -f "$dir/.done" ]; then
    log "npm install $* into $dir"
    mkdir -p "$dir"
    (cd "$dir" && npm init -y >/dev/null 2>&1 && npm install --ignore-scripts --no-audit --no-fund \
       --loglevel=error "$@" >/dev/null)
    touch "$dir/.done"
  fi
}
npm_corpus "$ROOT/js" lodash@4.18.1 express@4.22.3 three@0.187.0 jquery@3.7.1 typescript@5.9.3
npm_corpus "$ROOT/ts" rxjs@7.8.2 zod@3.25.76 effect@3.22.4

PYC="$ROOT/python"
if [ ! -f "$PYC/.done" ]; then
  log "pip download Django's sources into $PYC"
  mkdir -p "$PYC/wheels" "$PYC/src"
  "$PY" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
     -d "$PYC/wheels" django==5.2.19 >/dev/null
  "$PY" -m zipfile -e "$(ls "$PYC"/wheels/[Dd]jango-*.whl | head -n 1)" "$PYC/src"
  touch "$PYC/.done"
fi

PYFMT="$ROOT/pyfmt"
if [ ! -f "$PYFMT/.done" ]; then
  log "pip install black, ruff into $PYFMT"
  "$PY" -m venv "$PYFMT"
  "$PYFMT/bin/pip" install --quiet --disable-pip-version-check black==26.10.1 ruff==0.17.5 >/dev/null
  touch "$PYFMT/.done"
fi
# only the two commands go on PATH, not the venv's own python3
mkdir -p "$PYFMT/commands"
ln -sf "$PYFMT/bin/black" "$PYFMT/commands/black"
ln -sf "$PYFMT/bin/ruff" "$PYFMT/commands/ruff"

TOOLS="$ROOT/tools"
if [ ! -f "$TOOLS/.done" ]; then
  log "npm install prettier, terser into $TOOLS"
  mkdir -p "$TOOLS"
  npm install -g --prefix "$TOOLS" --ignore-scripts --no-audit --no-fund --loglevel=error \
     prettier@3.10.1 terser@5.51.4 >/dev/null
  touch "$TOOLS/.done"
fi

# the real version pairs of `watermark diff` (npm packs, and Go modules of the folders above)
WATERMARK_CORPORA="$ROOT" GO_STDLIB_SRC=/usr/share/go-1.19/src \
  "$PY" "$(dirname "$0")/../benchmarks/real_pairs.py" fetch

cat <<OUT
export WATERMARK_CORPORA="$ROOT"
export GO_STDLIB_SRC=/usr/share/go-1.19/src
export GOROOT_119=/usr/lib/go-1.19
export JS_CORPUS="$ROOT/js/node_modules"
export TS_CORPUS="$ROOT/ts/node_modules"
export PY_STDLIB_SRC="$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')"
export PY_CORPUS="$PYC/src"
export PATH="/usr/lib/go-1.19/bin:$TOOLS/bin:$PYFMT/commands:\$PATH"
OUT
