#!/usr/bin/env bash
# The Swift test suite under ThreadSanitizer and AddressSanitizer, each in its own scratch
# path (.build-tsan, .build-asan; gitignored), one after the other. Not in CI: a sanitized
# debug build of the whole package plus the suite takes far longer than CI's budget (see
# docs/robustness.md for the last run and its times). Fails if either run fails.
#
#   scripts/sanitize.sh                 both
#   scripts/sanitize.sh thread          one of them (thread | address)
#   scripts/sanitize.sh address --filter LumaRPCTests    extra arguments go to `swift test`
#
# Suppressions: scripts/sanitizers/tsan.supp (each entry says why). While
# /tmp/luma-bench-running exists (a benchmark is measuring), no build or run starts.
set -euo pipefail
cd "$(dirname "$0")/.."

kinds=(thread address)
if [ $# -gt 0 ] && { [ "$1" = thread ] || [ "$1" = address ]; }; then kinds=("$1"); shift; fi
extra=("$@")

wait_for_bench() {
  while [ -e /tmp/luma-bench-running ]; do
    echo "sanitize.sh: /tmp/luma-bench-running exists; waiting for the benchmark to finish"
    sleep 15
  done
}

here=$(pwd)
# halt_on_error: the first report fails the run (with the test that caused it in the log).
export TSAN_OPTIONS="suppressions=$here/scripts/sanitizers/tsan.supp halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
# LeakSanitizer: the Swift runtime's metadata caches and the tests' process-wide fixtures live
# until exit and would all be reported; use-after-free, overflows and double frees still fail.
export ASAN_OPTIONS="detect_leaks=0 halt_on_error=1 ${ASAN_OPTIONS:-}"

# Swift 6.3's region-based isolation checker refuses correct code under -sanitize=thread:
# TSan instruments every inout access (a `var` mutated through a subscript, then captured by
# a task), and the checker counts that instrumentation as a use after `sending`. The normal
# build compiles the same code cleanly; under TSan swift-otel's OTelBatchLogRecordProcessor
# (a dependency we cannot edit) fails with "sending 'logger' risks causing data races". So
# the TSan build compiles in the Swift 5 language mode (the last -swift-version wins), where
# those diagnostics are not errors, and keeps the Swift 6 runtime check that an actor's code
# runs on its actor (-enable-actor-data-race-checks). The ASan build is the Swift 6 build.
tsan_flags=(-Xswiftc -swift-version -Xswiftc 5 -Xswiftc -enable-actor-data-race-checks)

status=0
for kind in "${kinds[@]}"; do
  flags=()
  case "$kind" in thread) scratch=.build-tsan; flags=("${tsan_flags[@]}") ;; address) scratch=.build-asan ;; esac
  wait_for_bench
  started=$(date +%s)
  echo "== $kind sanitizer: build ($scratch)"
  swift build --build-tests --sanitize="$kind" --scratch-path "$scratch" "${flags[@]}"
  built=$(date +%s)
  echo "== $kind sanitizer: test (build took $(( built - started )) s)"
  wait_for_bench
  if swift test --skip-build --no-parallel --sanitize="$kind" --scratch-path "$scratch" "${flags[@]}" "${extra[@]}" 2>&1 | tee "$scratch/sanitize-$kind.log"; then
    echo "sanitize.sh: $kind: clean (test run $(( $(date +%s) - built )) s)"
  else
    echo "sanitize.sh: $kind: FAILED (log: $scratch/sanitize-$kind.log)"
    grep -n -A 20 "WARNING: ThreadSanitizer\|ERROR: AddressSanitizer" "$scratch/sanitize-$kind.log" | head -n 80 || true
    status=1
  fi
done
exit $status
