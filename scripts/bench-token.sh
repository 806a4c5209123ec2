#!/usr/bin/env bash
# Token minting speed: our signer vs AWS's official Python signer, in one release-build run.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product kafka-bench
.build/release/kafka-bench token "$@"
