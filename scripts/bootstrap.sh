#!/usr/bin/env bash
# Installs what building and testing swift-msk-kafka needs on a fresh Debian 12 machine:
# librdkafka (the C client we wrap), kcat (an independent Kafka client for cross-checks) and the
# Python tools the tests use as references (botocore, moto, AWS's official MSK IAM signer).
# Safe to run again: it skips what is already there.
set -euo pipefail

apt_packages=(librdkafka-dev kcat pkg-config openssl)
missing=()
for p in "${apt_packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq "${missing[@]}"
fi

python3 -m pip install -q --disable-pip-version-check -r "$(dirname "$0")/requirements-test.txt"
