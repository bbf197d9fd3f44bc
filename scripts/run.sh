#!/usr/bin/env bash
# Runs the local stack on its embedded defaults (README's first command).
# Until the Luma services land, the stack is the example Echo server on 127.0.0.1:7100.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh
exec swift run luma-echo "$@"
