#!/usr/bin/env bash
# A bounded soak of a Luma RPC server on loopback: luma-echo (release) under connection churn
# (short connections, one call each, one in ten a mutated frame), a steady caller and bursts of
# concurrent half-sent frames, sampling the server's RSS, open fds and the steady caller's
# latency every 10 s (scripts/soak.py). Fails if, after a warm-up, RSS grows by more than
# 16 MiB over its post-warm-up value, fds by more than 16, or the last p99 exceeds 50 ms.
#
#   scripts/soak.sh                  2 minutes
#   scripts/soak.sh --minutes 60     the full hour (docs/robustness.md has a recorded run)
#   scripts/soak.sh --bin DIR        use DIR/luma-echo instead of building it
#   MALLOC_ARENA_MAX=2 scripts/soak.sh ...   environment reaches the server
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=2
bin=""
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    --bin) bin="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) extra+=("$1"); shift ;;
  esac
done
if [ -z "$bin" ]; then
  swift build -c release --product luma-echo
  bin=.build/release
fi
out=$(mktemp -d /tmp/luma-soak.XXXXXX)
"$bin/luma-echo" --port 0 > "$out/server.out" 2> "$out/server.err" &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q listening "$out/server.out" && break; sleep 0.1; done
port=$(sed -n 's/.*listening on [^:]*:\([0-9]*\).*/\1/p' "$out/server.out")
[ -n "$port" ] || { echo "soak.sh: the server did not start"; cat "$out/server.err"; exit 1; }
seconds=$(python3 -c "print(float($minutes) * 60)")
warmup=$(python3 -c "print(min(60.0, float($minutes) * 60 / 4))")
echo "soak.sh: luma-echo pid $server on 127.0.0.1:$port for $minutes min (warm-up $warmup s); samples in $out/samples.csv"
python3 scripts/soak.py --port "$port" --pid "$server" --seconds "$seconds" --warmup "$warmup" \
  --csv "$out/samples.csv" "${extra[@]}"
