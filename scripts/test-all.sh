#!/usr/bin/env bash
# One command on a fresh machine: installs what it needs, then runs every check and test.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-tools.sh

echo "== lint"
# JavaScript: Biome's format check and linter (biome.jsonc); warnings fail too. Fix with `npx biome check --write .`.
npx --no-install biome ci --error-on-warnings .
cargo fmt --check
cargo clippy --quiet --all-targets -- -D warnings
cargo clippy --quiet --lib --target wasm32-unknown-unknown -- -D warnings
bash scripts/check-core-purity.sh

echo "== cargo test (core, native, virtual clock)"
cargo test --quiet

echo "== build the package"
bash scripts/build.sh

echo "== node tests (built package in the strict mini-program simulator, local backend)"
node --test tests/node/*.test.js
