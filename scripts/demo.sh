#!/usr/bin/env bash
# One command on a fresh machine: install tools, build the package, run the demo sign-in
# against the local backend. `bash scripts/demo.sh --serve` keeps the backend up for DevTools.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh
bash scripts/build.sh
node scripts/demo.js "$@"
