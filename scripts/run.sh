#!/usr/bin/env bash
# Runs the local stack on its embedded defaults (README's first command): builds, then
# `lumactl up` starts verse-registry (7101), creator-registry (7102), content-pipeline (7103) and
# the web studio (7180), with their databases in ./.luma. Extra arguments go to `lumactl up` (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh
swift build
exec .build/debug/lumactl up "$@"
