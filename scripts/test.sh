#!/usr/bin/env bash
# The project's whole test suite: what README's test command and CI run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh
# Every `import` of a package module or product is a declared dependency (cheap; no build).
python3 scripts/check-imports.py
# luma-studio and lumactl link no GRDB.
python3 scripts/check-no-grdb.py
swift build --build-tests
# Suites run one after another: several of them start real service processes, and on a
# two-core machine running them side by side turns their timing checks into a lottery.
# (They bind port 0 and use their own temporary databases, so they *can* run side by side.)
swift test --skip-build --no-parallel
# Luma Studio in a real headless browser, against a stack of the binaries just built.
python3 Tests/browser/studio_e2e.py --bin .build/debug
