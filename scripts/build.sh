#!/usr/bin/env bash
# Builds the installable package dist/supabase-wechat/:
#   Rust core -> MVP-only wasm -> wasm-bindgen (nodejs glue, patched for WeChat) -> wasm-opt
#   -> validated with every post-MVP feature disabled -> brotli -> package directory.
# Recipe and its traps: ../shared/research/toolchain.md §4 (recipe A).
set -euo pipefail
cd "$(dirname "$0")/.."

# Initial linear memory. Sized so normal use never grows memory (WXWebAssembly on iOS is
# unreliable at memory.grow): 1 MiB shadow stack + static data + a 3 MiB heap.
INITIAL_MEMORY=${INITIAL_MEMORY:-4194304}
PKG=dist/supabase-wechat
OUT=target/wasm-out
WASM_OPT=node_modules/.bin/wasm-opt
# The wasm is built by a pinned nightly (installed by scripts/install-tools.sh; tests, clippy and
# rustfmt use rust-toolchain.toml's stable): -Zbuild-std rebuilds core and alloc with
# -Cpanic=immediate-abort, so every panic is a bare `unreachable` — no panic formatting, no
# Location, no source path in the data (-Zlocation-detail=none for #[track_caller] callers):
# -6.9 KB of wasm.br. Bump it deliberately (measure the wasm.br, run the tests).
WASM_TOOLCHAIN=nightly-2026-05-20
# --names: a measuring build instead of the package: the same module with its function names,
# written to target/wasm-out/named.wasm for scripts/wasm-sizes.js (where the bytes go).
NAMES=0
[ "${1:-}" = --names ] && NAMES=1

[ -x "$WASM_OPT" ] || { echo "missing $WASM_OPT: run scripts/install-tools.sh" >&2; exit 1; }
rustup run "$WASM_TOOLCHAIN" rustc --print sysroot >/dev/null 2>&1 \
  || { echo "missing the $WASM_TOOLCHAIN toolchain: run scripts/install-tools.sh" >&2; exit 1; }
rm -rf "$OUT" && mkdir -p "$OUT"

# -C target-cpu=mvp keeps our code, and with -Zbuild-std core and alloc too, MVP; what LLVM still
# emits of sign-ext, bulk memory and non-trapping float-to-int is lowered by binaryen below.
# strip=true (profile) drops the target_features section so wasm-bindgen emits the classic
# (non-externref) glue; --names keeps the names and strips only that section.
# sha2_backend_soft="compact": the rolled SHA-256 loop (PKCE only needs one hash per sign-in).
TARGET_DIR=target/wasm-mvp
KEEP=()
[ $NAMES = 1 ] && { TARGET_DIR=target/wasm-names; KEEP=(-g); export CARGO_PROFILE_RELEASE_STRIP=false; }
RUSTFLAGS="-C target-cpu=mvp -C link-arg=--initial-memory=$INITIAL_MEMORY --cfg sha2_backend_soft=\"compact\" \
-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none" \
  cargo "+$WASM_TOOLCHAIN" build --quiet --release --target wasm32-unknown-unknown --target-dir "$TARGET_DIR" \
  -Zbuild-std=core,alloc
CORE_WASM=$TARGET_DIR/wasm32-unknown-unknown/release/supabase_wechat.wasm
if [ $NAMES = 1 ]; then
  "$WASM_OPT" "$CORE_WASM" --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int \
    --enable-mutable-globals --strip-target-features --strip-dwarf -g -o "$OUT/named-in.wasm"
  CORE_WASM=$OUT/named-in.wasm
  wasm-bindgen --target nodejs --no-typescript --keep-debug --remove-producers-section --out-dir "$OUT" "$CORE_WASM"
  mv "$OUT/named-in_bg.wasm" "$OUT/supabase_wechat_bg.wasm"
else
  wasm-bindgen --target nodejs --no-typescript --remove-name-section --remove-producers-section \
    --out-dir "$OUT" "$CORE_WASM"
fi

# --flatten --rereloop before -Oz: binaryen rebuilds each function's control flow from scratch,
# which -Oz then shrinks further than it can the LLVM output (~1.5 KB of wasm, ~0.6 KB br).
"$WASM_OPT" "$OUT/supabase_wechat_bg.wasm" "${KEEP[@]}" \
  --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int --enable-mutable-globals \
  --flatten --rereloop -Oz -Oz --signext-lowering --llvm-memory-copy-fill-lowering --llvm-nontrapping-fptoint-lowering \
  -o "$OUT/lowered.wasm"
# Second pass with only MVP features: binaryen's validator rejects anything non-MVP left over.
# Exported globals are removed (iOS WXWebAssembly does not support exporting a Global). -Oz twice:
# the second still finds ~100 B of wasm.br (round 2 of bench/results/wasm-size-issue17.md).
"$WASM_OPT" "$OUT/lowered.wasm" "${KEEP[@]}" --mvp-features \
  --remove-exports -pa remove-exports@__abort_handler \
  --remove-exports -pa remove-exports@__instance_terminated \
  -Oz -Oz -o "$OUT/final.wasm"
if [ $NAMES = 1 ]; then
  mv "$OUT/final.wasm" "$OUT/named.wasm"
  echo "built $OUT/named.wasm (with names): node scripts/wasm-sizes.js $OUT/named.wasm"
  exit 0
fi

# One-letter import, module and export names (the glue's `wasm.core_handleDataResponse`, its hashed
# `__wbg_…_7859b7151d4116b3` import keys): wasm-opt writes the old -> new names, patch-glue renames
# the glue's uses from them (and checks them against the module).
"$WASM_OPT" "$OUT/final.wasm" --mvp-features --minify-imports-and-exports-and-modules -o "$OUT/final.wasm" >"$OUT/names.json"
node scripts/check-wasm.js "$OUT/final.wasm" "$INITIAL_MEMORY"

rm -rf "$PKG" && mkdir -p "$PKG/miniprogram_dist"
brotli -q 11 -f -o "$PKG/miniprogram_dist/supabase_wechat_bg.wasm.br" "$OUT/final.wasm"
# The shim's tree (minus the browser adapters and entry, which only the browser bundle has) with the
# patched glue beside its root files: what both bundles are made of.
mkdir -p "$OUT/shim"
cp -r js-shim/. "$OUT/shim/"
rm -r "$OUT/shim/platform/browser"
node scripts/patch-glue.js "$OUT/supabase_wechat.js" "$OUT/shim/supabase_wechat.js" "$OUT/names.json" "$OUT/final.wasm"
# The mini-program entry: one minified index.js (every module the WeChat entry reaches, in a module
# table) and its source map index.js.map beside it (WeChat counts no .map in the code package).
node scripts/bundle-miniprogram.js "$OUT/shim" "$PKG/miniprogram_dist"
# Build-tool integrations (Node code, outside `miniprogram`): supabase-wechat/vite, …
cp -r integrations "$PKG/"
# Taro resolves plugin names with the `resolve` package, which ignores `exports`: a root taro.js makes
# `supabase-wechat/taro` resolve there too (issue 15).
printf "'use strict'\nmodule.exports = require('./integrations/taro.js')\n" >"$PKG/taro.js"
node scripts/write-package-json.js "$PKG"
node scripts/build-types.js "$PKG"
# The browser entry (same core, browser adapters): one <script> and the raw .wasm beside it
# (browsers decompress with Content-Encoding themselves; WebAssembly.instantiateStreaming reads it).
mkdir -p "$PKG/browser"
cp "$OUT/final.wasm" "$PKG/browser/supabase_wechat_bg.wasm"
node scripts/bundle-browser.js "$OUT/shim" js-shim/platform/browser "$PKG/browser/supabase-wechat.js"
echo "built $PKG: wasm $(wc -c <"$OUT/final.wasm") B, wasm.br $(wc -c <"$PKG/miniprogram_dist/supabase_wechat_bg.wasm.br") B, index.js $(wc -c <"$PKG/miniprogram_dist/index.js") B"
