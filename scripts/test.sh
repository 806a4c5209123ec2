#!/usr/bin/env bash
# The test command: installs prerequisites (idempotent), runs every test of the package, then a
# 2-minute soak against msk-local with faults that fails on any lost or corrupted message.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
swift test "$@"
# Tests that measure time (deadlines, credentials expiring mid-run) run apart from the ~300
# others, which keep both cores busy; then the long one, alone. (The token refresh schedule no
# longer needs to: OAuthBearerRefreshTests run it on a manual clock.)
MSK_ISOLATED_TESTS=1 swift test --skip-build --filter \
    "aServerThatTricklesBytesHitsTheOverallDeadline|steadyProductionThroughSessionExpiriesAndRotationsLosesNothing|webIdentityTokenFileRotatedMidRunKeepsTheProducerDelivering"
MSK_LONG_TESTS=1 swift test --skip-build --filter ConsumerGroupFaultTests
./scripts/docs.sh   # DocC of AWSAuth, MSKAuth, MSKKafka, MSKLocal: fails on any warning (a link that no longer resolves)
# Under the least-privilege policy the soak needs (docs/policies/soak.json): authorization
# checks every request on the hot path, and report.json lists any denial.
./scripts/soak.sh --duration 120 --policy docs/policies/soak.json --out .build/soak-ci
# The example service for real (Examples/OrderService, its own package, built in .build so that
# shared dependencies compile once): HTTP in, msk-local out, through dropped connections and
# credential rotations; every accepted order read back. Last: its build re-resolves .build.
./scripts/example-service.sh
