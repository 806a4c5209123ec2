#!/usr/bin/env bash
# Builds the DocC documentation of the four libraries (swift-docc-plugin) and fails on any
# warning: a symbol link that no longer resolves, an undocumented parameter, an article that
# names a symbol that was renamed. The compiler's warnings for these targets count too.
# Archives land in .build/plugins/Swift-DocC/outputs/<Target>.doccarchive.
set -euo pipefail
cd "$(dirname "$0")/.."
log=.build/docs.log
mkdir -p .build
status=0
swift package generate-documentation \
    --target AWSAuth --target MSKAuth --target MSKKafka --target MSKLocal >"$log" 2>&1 || status=$?
# swift-distributed-tracing 1.7.3 ships CMakeLists.txt files in its targets, which SwiftPM warns
# about on every build ("found 1 file(s) which are unhandled"): its manifest, not our docs.
warnings=$(grep 'warning:' "$log" | grep -vc "^warning: 'swift-distributed-tracing': found [0-9]* file(s) which are unhandled" || true)
if [ "$status" -ne 0 ] || [ "$warnings" -ne 0 ]; then
    grep -A8 -E 'warning:|error:' "$log" >&2 || tail -40 "$log" >&2
    echo "docs: $warnings warning(s), exit status $status (full output: $log)" >&2
    exit 1
fi
echo "docs: AWSAuth, MSKAuth, MSKKafka, MSKLocal built with no warning (.build/plugins/Swift-DocC/outputs)"
