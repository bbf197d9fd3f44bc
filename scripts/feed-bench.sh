#!/usr/bin/env bash
# luma-feed's speed (issue 28): requests per second and p99 of GET /feed/en/today from one
# luma-feed process with a warm cache, against the same bytes served as a static answer by the
# same Hummingbird server in the same run (the floor), with wrk (Debian `wrk`). Also how many
# calls content-pipeline saw while the feed served them all (it should stay flat: one per
# refresh interval, whatever the traffic). Loopback only, on a fresh `lumactl up` with its own
# data directory. Numbers: docs/benchmarks.md ("The feed").
# Usage: scripts/feed-bench.sh [--bin .build/release] [--seconds 10] [--connections 64]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release seconds=10 connections=64
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    *) echo "usage: $0 [--bin DIR] [--seconds N] [--connections N]" >&2; exit 2 ;;
  esac
done
command -v wrk > /dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
[ -x "$bin/luma-feed" ] || { echo "no $bin/luma-feed: swift build -c release first" >&2; exit 1; }
export PATH="$PWD/$bin:$PATH"
data=$(mktemp -d)
export LUMA_DATA_DIR="$data"
lumactl up --base-port 0 --data-dir "$data" > "$data/up.log" 2>&1 &
up=$!
feed=""
trap '[ -n "$feed" ] && kill $feed 2>/dev/null; kill -INT $up 2>/dev/null || true; wait $up 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 120); do
  grep -q "^ready" "$data/up.log" && break
  kill -0 $up 2>/dev/null || { cat "$data/up.log"; exit 1; }
  sleep 1
done
eval "$(grep '^export LUMA_' "$data/up.log")"
# Today's bible item in New York (the en channel), approved: what /feed/en/today shows.
today=$(TZ=America/New_York date +%F)
lumactl content plan --from "$today" --to "$today" --modes bible --languages en > /dev/null
lumactl content generate --from "$today" --to "$today" > /dev/null
id=$(lumactl content list --from "$today" --to "$today" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
lumactl content assign "$id" --auto > /dev/null
lumactl content submit "$id" --video https://cdn.example.com/v.mp4 --thumbnail https://cdn.example.com/t.jpg > /dev/null
lumactl content approve "$id" > /dev/null
# The floor: the same bytes, served as a static answer by the same server.
curl -fsS "$LUMA_FEED/feed/en/today" > "$data/today.json"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
luma-feed --listen "127.0.0.1:$port" --content "$LUMA_CONTENT" --auth-key "$data/auth.key" --log-level warning \
  --bench-static-file "$data/today.json" > "$data/feed.log" 2>&1 &
feed=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/health" > /dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "http://127.0.0.1:$port/feed/en/today" > /dev/null    # warm
calls_before=$(curl -fsS "http://127.0.0.1:$port/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["content_pipeline_calls"])')
run() {
  wrk -t1 -c"$connections" -d"${seconds}s" --latency "$1" > "$data/wrk.txt"
  rps=$(awk '/^Requests\/sec/ {print $2}' "$data/wrk.txt")
  p50=$(awk '$1 == "50%" {print $2}' "$data/wrk.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$data/wrk.txt")
  echo "$rps $p50 $p99"
}
read -r static_rps static_p50 static_p99 <<< "$(run "http://127.0.0.1:$port/bench/static")"
read -r feed_rps feed_p50 feed_p99 <<< "$(run "http://127.0.0.1:$port/feed/en/today")"
calls_after=$(curl -fsS "http://127.0.0.1:$port/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["content_pipeline_calls"])')
bytes=$(wc -c < "$data/today.json")
echo "luma-feed, one process, warm cache, $connections connections, ${seconds}s each (wrk, loopback); body $bytes bytes"
printf "%-28s %12s %10s %10s\n" "" "requests/s" "p50" "p99"
printf "%-28s %12s %10s %10s\n" "static answer (the floor)" "$static_rps" "$static_p50" "$static_p99"
printf "%-28s %12s %10s %10s\n" "/feed/en/today" "$feed_rps" "$feed_p50" "$feed_p99"
python3 -c "import sys; print(f'feed / floor: {float(sys.argv[1]) / float(sys.argv[2]):.2f}')" "$feed_rps" "$static_rps"
echo "content-pipeline calls during the feed's run: $((calls_after - calls_before)) (refresh every 10 s; requests served: ~$(python3 -c "print(int(float('$feed_rps') * $seconds))"))"
