#!/usr/bin/env bash
# The core's two structural rules, checked by grep (comments are ignored):
# 1. The core knows nothing of JavaScript: only src/wasm/ may name wasm-bindgen, js-sys or gloo.
# 2. Layers without cycles (ARCHITECTURE.md): the leaves (output.rs, config.rs, encoding/) import
#    no machine; auth, data and realtime never import each other, the router (client.rs) or the
#    binding; nothing but the binding imports the router.
# 3. No file under src/ over 600 lines (a file that big holds more than one idea).
set -euo pipefail
cd "$(dirname "$0")/.."
status=0

code() { grep -nH -v '^\s*//' "$@" 2>/dev/null || true; }

if code $(find src -name "*.rs" ! -path "src/wasm/*") | grep -E '\b(wasm_bindgen|js_sys|gloo_utils|web_sys|serde_wasm_bindgen)\b'; then
  echo "check-core-purity: core modules above import JS bindings; move that code to src/wasm/" >&2
  status=1
fi

# forbid <files> <modules…>: none of <files> may name crate::<module>.
forbid() {
  local files=$1
  shift
  local pattern
  pattern="crate::($(IFS='|'; echo "$*"))\\b"
  if code $files | grep -E "$pattern"; then
    echo "check-core-purity: the lines above break the layering ($files must not use $*)" >&2
    status=1
  fi
}
forbid "src/output.rs src/config.rs $(find src/encoding -name '*.rs' | tr '\n' ' ')" auth data realtime client wasm
forbid "$(find src/auth -name '*.rs' | tr '\n' ' ')" data realtime client wasm
forbid "$(find src/data -name '*.rs' | tr '\n' ' ')" auth realtime client wasm
forbid "$(find src/realtime -name '*.rs' | tr '\n' ' ')" auth data client wasm

for f in $(find src -name '*.rs'); do
  n=$(wc -l <"$f")
  if [ "$n" -gt 600 ]; then
    echo "check-core-purity: $f has $n lines (at most 600): split it" >&2
    status=1
  fi
done

[ $status -eq 0 ] && echo "check-core-purity: ok (no JS bindings in the core; layers without cycles; files ≤ 600 lines)"
exit $status
