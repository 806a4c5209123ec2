#!/usr/bin/env bash
# The test command: installs prerequisites (idempotent), runs every test of the package, then a
# 2-minute soak against msk-local with faults that fails on any lost or corrupted message.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
swift test "$@"
./scripts/soak.sh --duration 120 --out .build/soak-ci
