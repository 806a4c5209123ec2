#!/usr/bin/env bash
# The test command: installs prerequisites (idempotent), then runs every test of the package.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
swift test "$@"
