#!/usr/bin/env bash
# Long property-test ("fuzz") run: every property in tests/fuzz.rs with FUZZ_CASES inputs each,
# in release. The default, 834,000 x 12 properties, is >= 10^7 inputs (about 10 min on 2 cores).
# Usage: scripts/fuzz-long.sh [cases per property]
set -euo pipefail
cd "$(dirname "$0")/.."
cases="${1:-${FUZZ_CASES:-834000}}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
start=$(date +%s)
set +e
FUZZ_CASES="$cases" cargo test --release --test fuzz -- --nocapture >"$log" 2>&1
status=$?
set -e
end=$(date +%s)
grep -E '^fuzz-inputs|^test result|FAILED|panicked|minimal failing' "$log" || true
[ "$status" -eq 0 ] || tail -n 60 "$log"
total=$(awk '/^fuzz-inputs /{ s += $3 } END { print s + 0 }' "$log")
props=$(grep -c '^fuzz-inputs ' "$log" || true)
echo "fuzz-long: ${total} inputs over ${props} properties (FUZZ_CASES=${cases}) in $((end - start)) s, exit ${status}"
exit "$status"
