#!/usr/bin/env bash
# CI: runs README's first set-up command (scripts/run.sh, default ports) in the background,
# waits until the four services answer, runs the README walkthrough against it, and stops it
# with Ctrl-C (SIGINT). The walkthrough's output is also compared line by line in
# Tests/LumactlTests/WalkthroughTests.swift; here it must simply succeed on the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
data=$(mktemp -d)
# lumactl finds the stack's key (and so its admin token) through LUMA_DATA_DIR.
export LUMA_DATA_DIR="$data"
scripts/run.sh > "$data/up.log" 2>&1 &
up=$!
trap 'kill -INT $up 2>/dev/null || true; wait $up 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  grep -q "^ready" "$data/up.log" && break
  kill -0 $up 2>/dev/null || { cat "$data/up.log"; exit 1; }
  sleep 1
done
grep -q "^ready" "$data/up.log" || { cat "$data/up.log"; echo "stack did not start" >&2; exit 1; }
export PATH="$PWD/.build/debug:$PATH"
for port in 7101 7102 7103 7104; do lumactl health "127.0.0.1:$port"; done
# The walkthrough's commands, as README shows them.
sed -n '/<!-- walkthrough -->/,/<!-- \/walkthrough -->/p' README.md | grep '^\$ lumactl ' | sed 's/^\$ //' | while read -r line; do
  echo "+ $line"
  eval "$line" > /dev/null
done
# A video uploaded, checked and submitted for the walkthrough's item 2 (assigned, not yet submitted).
ffmpeg -nostdin -v error -f lavfi -i testsrc=size=540x960:rate=30 -f lavfi -i sine=frequency=440 -t 6 \
  -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -shortest "$data/clip.mp4"
lumactl content submit 2 --file "$data/clip.mp4"
lumactl content show 2 | grep -q "video: media .*(540x960, 6.0 s, h264/aac)"
kill -INT $up
wait $up
trap - EXIT
grep -q "^stopped" "$data/up.log" || { cat "$data/up.log"; exit 1; }
echo "README smoke test passed"
