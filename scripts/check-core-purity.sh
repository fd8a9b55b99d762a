#!/usr/bin/env bash
# The core knows nothing of JavaScript: only src/wasm/ may name wasm-bindgen, js-sys or gloo.
set -euo pipefail
cd "$(dirname "$0")/.."
if grep -nE '\b(wasm_bindgen|js_sys|gloo_utils|web_sys|serde_wasm_bindgen)\b' $(find src -name "*.rs" ! -path "src/wasm/*"); then
  echo "check-core-purity: core modules above import JS bindings; move that code to src/wasm/" >&2
  exit 1
fi
echo "check-core-purity: ok"
