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

[ -x "$WASM_OPT" ] || { echo "missing $WASM_OPT: run scripts/install-tools.sh" >&2; exit 1; }
rm -rf "$OUT" && mkdir -p "$OUT"

# -C target-cpu=mvp keeps our code MVP; the prebuilt std still carries sign-ext, bulk memory and
# non-trapping float-to-int, which binaryen's lowering passes remove below. strip=true (profile)
# hides std's target_features so wasm-bindgen emits the classic (non-externref) glue.
# sha2_backend_soft="compact": the rolled SHA-256 loop (PKCE only needs one hash per sign-in).
RUSTFLAGS="-C target-cpu=mvp -C link-arg=--initial-memory=$INITIAL_MEMORY --cfg sha2_backend_soft=\"compact\"" \
  cargo build --quiet --release --target wasm32-unknown-unknown --target-dir target/wasm-mvp
wasm-bindgen --target nodejs --no-typescript --remove-name-section --remove-producers-section \
  --out-dir "$OUT" target/wasm-mvp/wasm32-unknown-unknown/release/supabase_wechat.wasm

# --flatten --rereloop before -Oz: binaryen rebuilds each function's control flow from scratch,
# which -Oz then shrinks further than it can the LLVM output (~1.5 KB of wasm, ~0.6 KB br).
"$WASM_OPT" "$OUT/supabase_wechat_bg.wasm" \
  --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int --enable-mutable-globals \
  --flatten --rereloop -Oz -Oz --signext-lowering --llvm-memory-copy-fill-lowering --llvm-nontrapping-fptoint-lowering \
  -o "$OUT/lowered.wasm"
# Second pass with only MVP features: binaryen's validator rejects anything non-MVP left over.
# Exported globals are removed (iOS WXWebAssembly does not support exporting a Global).
"$WASM_OPT" "$OUT/lowered.wasm" --mvp-features \
  --remove-exports -pa remove-exports@__abort_handler \
  --remove-exports -pa remove-exports@__instance_terminated \
  -Oz -o "$OUT/final.wasm"

node scripts/check-wasm.js "$OUT/final.wasm" "$INITIAL_MEMORY"

rm -rf "$PKG" && mkdir -p "$PKG/miniprogram_dist"
brotli -q 11 -f -o "$PKG/miniprogram_dist/supabase_wechat_bg.wasm.br" "$OUT/final.wasm"
# The shim's tree (minus the browser adapters and entry, which only the browser bundle has) with the
# patched glue beside its root files: what both bundles are made of.
mkdir -p "$OUT/shim"
cp -r js-shim/. "$OUT/shim/"
rm -r "$OUT/shim/platform/browser"
node scripts/patch-glue.js "$OUT/supabase_wechat.js" "$OUT/shim/supabase_wechat.js"
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
