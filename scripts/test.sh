#!/usr/bin/env bash
# The project's whole test suite: what README's test command and CI run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh
swift build --build-tests
swift test --skip-build
