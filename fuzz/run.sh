#!/usr/bin/env bash
# Run each cargo-fuzz target for N seconds (default 60), seeded with tests/fuzz_corpus/.
# New inputs go to fuzz/corpus/<target>/ (git-ignored); crashes to fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-60}"
for t in parsers client rest; do
  mkdir -p "corpus/$t"
  log="$(mktemp)"
  set +e
  cargo +nightly fuzz run "$t" "corpus/$t" ../tests/fuzz_corpus -- -max_total_time="$secs" -max_len=4096 >"$log" 2>&1
  status=$?
  set -e
  grep -E '^#[0-9]+.*DONE|^Done [0-9]+ runs|SUMMARY|panicked' "$log" || true
  [ "$status" -eq 0 ] || { tail -n 40 "$log"; rm -f "$log"; exit "$status"; }
  rm -f "$log"
done
