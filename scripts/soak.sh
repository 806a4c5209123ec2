#!/usr/bin/env bash
# A soak run against msk-local with faults (kafka-soak drive); writes <out>/report.json and
# <out>/report.html and exits non-zero on any lost or corrupted message.
#   ./scripts/soak.sh                      # 2 minutes, report in soak-report/
#   ./scripts/soak.sh --duration 3600 --out docs/soak-1h
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product kafka-soak >/dev/null
exec "$(swift build --show-bin-path)/kafka-soak" drive "$@"
