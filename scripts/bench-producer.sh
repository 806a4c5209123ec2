#!/usr/bin/env bash
# Producer throughput and peak memory: the Swift producer vs plain librdkafka in C, same settings,
# same in-process mock cluster, one run. Extra arguments go to `kafka-bench producer`.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product kafka-bench
.build/release/kafka-bench producer "$@"
