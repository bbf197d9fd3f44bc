#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/ (release, -sanitize=fuzzer,address) and runs each one
# for a bounded time with its committed seed corpus; fails if any input crashes a target or
# breaks one of its properties. docs/robustness.md has the targets, what they check and the
# recorded campaign.
#
#   scripts/fuzz.sh                         every target for 30 s
#   scripts/fuzz.sh --seconds 10 --target FuzzFrame
#   scripts/fuzz.sh --runs 10000000 --target FuzzFrame   a campaign: stop after N executions
#   scripts/fuzz.sh --runs 10000000 --seconds 900        ... or after 900 s per target
#   scripts/fuzz.sh --build-only
#   scripts/fuzz.sh --reproduce FuzzFrame path/to/crash-input
#   LUMA_FUZZ_ROOT=/tmp/snap/main scripts/fuzz.sh ...   fuzz that copy of the root package
#     (e.g. `git archive HEAD | tar -x -C /tmp/snap/main`) instead of this tree, which someone
#     may be editing; the scratch path stays Fuzz/.build
#
# New inputs the fuzzer finds go to Fuzz/.build/corpus/<target>/ (not committed; copy the
# interesting ones to Fuzz/Corpus/<target>/), crashes to Fuzz/.build/artifacts/.
# While /tmp/luma-bench-running exists (a benchmark is measuring), no run starts.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=30
seconds_given=no
runs=""
targets=()
build_only=no
reproduce=""
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; seconds_given=yes; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --target) targets+=("$2"); shift 2 ;;
    --build-only) build_only=yes; shift ;;
    --reproduce) targets=("$2"); reproduce="$3"; shift 3 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "fuzz.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
all=(FuzzFrame FuzzReference FuzzTranslationTSV FuzzTranscoder FuzzToken FuzzStudio FuzzUpload)
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")

# -enable-testing: the targets reach internal parsers with @testable import.
# -parse-as-library: main.swift holds no top-level code; libFuzzer provides main().
export SWIFT_DETERMINISTIC_HASHING=1
# --sanitize=fuzzer --sanitize=address: the C targets get coverage and ASan (clang adds both).
# -Xswiftc -sanitize=fuzzer,address: the Swift modules. SwiftPM's two flags reach swiftc as
# `-sanitize=fuzzer -sanitize=address` and swiftc keeps only the last: no coverage counters in
# any Swift module (libFuzzer: "no interesting inputs were found"). This one comes after them.
build=(swift build --package-path Fuzz -c release --scratch-path Fuzz/.build
       --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address
       -Xswiftc -enable-testing -Xswiftc -parse-as-library)
started=$(date +%s)
if [ ${#targets[@]} -eq ${#all[@]} ]; then
  "${build[@]}"
else
  for target in "${targets[@]}"; do "${build[@]}" --product "$target"; done
fi
echo "fuzz.sh: build took $(( $(date +%s) - started )) s"
[ "$build_only" = yes ] && exit 0
bin=Fuzz/.build/release

wait_for_bench() {
  while [ -e /tmp/luma-bench-running ]; do
    echo "fuzz.sh: /tmp/luma-bench-running exists; waiting for the benchmark to finish"
    sleep 15
  done
}

# Swift's runtime keeps metadata caches and the targets' fixtures for the life of the process:
# LeakSanitizer would report them as leaks at exit, so leak detection is off (ASan still catches
# every out-of-bounds access and use after free). -timeout: one input taking 10 s is a hang.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"
# Swift's own backtracer would race libFuzzer's and ASan's crash reports (and trips ASan itself).
export SWIFT_BACKTRACE=enable=no
flags=(-timeout=10 -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 -detect_leaks=0)

if [ -n "$reproduce" ]; then
  exec "$bin/${targets[0]}" "${flags[@]}" "$reproduce"
fi

failed=()
for target in "${targets[@]}"; do
  work=Fuzz/.build/corpus/$target
  mkdir -p "$work" Fuzz/.build/artifacts
  wait_for_bench
  # --runs alone: until N executions; with --seconds too: whichever comes first.
  limit=(-max_total_time="$seconds")
  if [ -n "$runs" ]; then
    limit=(-runs="$runs")
    [ "$seconds_given" = yes ] && limit+=(-max_total_time="$seconds")
  fi
  what="$seconds s"
  if [ -n "$runs" ]; then what="$runs runs"; [ "$seconds_given" = yes ] && what="$what or $seconds s"; fi
  echo "== $target ($what)"
  log=Fuzz/.build/artifacts/$target.log
  if "$bin/$target" "${flags[@]}" "${limit[@]}" -artifact_prefix="Fuzz/.build/artifacts/$target-" \
       "$work" "Fuzz/Corpus/$target" > "$log" 2>&1; then
    grep -E "^#[0-9]+.*(DONE|pulse)|stat::|Done [0-9]+ runs" "$log" | tail -n 8 || true
  else
    echo "fuzz.sh: $target FAILED (log: $log)"
    grep -A 30 -E "ERROR|fuzz property failed|Fatal error|deadly signal|timeout" "$log" | head -n 60 || tail -n 40 "$log"
    ls Fuzz/.build/artifacts/"$target"-* 2>/dev/null || true
    failed+=("$target")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: crashes or broken properties in: ${failed[*]}"
  exit 1
fi
echo "fuzz.sh: ${#targets[@]} target(s), no crash"
