#!/usr/bin/env bash
# The content-quality targets of docs/content.md, measured on a whole year generated on a fresh
# stack (lumactl up on free ports, its own data directory, the template generator), bible and
# positivity items in every language, generated together as an operator does. Per language:
#   bible       curated share (target 100 %), fallbacks (0), deny-list picks (0), picks that
#               do not end a sentence (0), consecutive topic repeats on ordinary days (0),
#               church-year feasts on their dates (all), skeleton repeats within 7 days (0),
#               verse read more than once (0), old-spelling words in shown text (0);
#   positivity  script repeats within 90 days (0), consecutive theme repeats (0), skeleton
#               repeats within 7 days (0).
# Exits non-zero when a target is missed. --sample N prints every N-th day's items in full, for
# an editor to read; --keep DIR keeps the generated items (items.json) there.
# Usage: scripts/content-quality.sh [--year 2027] [--days 365] [--languages en,es] [--bin DIR] [--sample N] [--keep DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
year=2027 days=0 languages=en,es bin=.build/debug sample=0 keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --year) year=$2; shift 2 ;;
    --days) days=$2; shift 2 ;;
    --languages|--language) languages=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --sample) sample=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    *) echo "usage: $0 [--year YYYY] [--days N] [--languages en,es] [--bin DIR] [--sample N] [--keep DIR]" >&2; exit 2 ;;
  esac
done
[ -x "$bin/lumactl" ] || swift build --product lumactl >&2
[ -x "$bin/content-pipeline" ] || swift build >&2
export PATH="$PWD/$bin:$PATH"
data=$(mktemp -d)
export LUMA_DATA_DIR="$data"
lumactl up --base-port 0 --no-seed --data-dir "$data" > "$data/up.log" 2>&1 &
up=$!
trap 'kill -INT $up 2>/dev/null || true; wait $up 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 120); do
  grep -q "^ready" "$data/up.log" && break
  kill -0 $up 2>/dev/null || { cat "$data/up.log"; exit 1; }
  sleep 1
done
eval "$(grep '^export LUMA_' "$data/up.log")"
from=$year-01-01
if [ "$days" -gt 0 ]; then to=$(date -u -d "$from + $((days - 1)) days" +%F); else to=$year-12-31; fi
lumactl content plan --from "$from" --to "$to" --modes bible,positivity --languages "$languages" > /dev/null
started=$(date +%s.%N)
lumactl content generate --from "$from" --to "$to" --json > "$data/items.json"
echo "generated $from .. $to ($languages) in $(echo "$(date +%s.%N) - $started" | bc) s"
lumactl verses categories --json > "$data/categories.json"
for category in $(python3 -c 'import json,sys; print(" ".join(c["name"] for c in json.load(open(sys.argv[1]))["categories"]))' "$data/categories.json"); do
  lumactl verses picks "$category" --limit 1000 --json > "$data/picks-$category.json"
done
# Canonical (English) references of the Spanish items, and of the deny list.
python3 -c '
import json, sys
items = json.load(open(sys.argv[1])).get("items", [])
# English items show canonical references already.
refs = sorted({i["verseReference"] for i in items if i.get("mode") == "MODE_BIBLE" and i.get("verseReference") and i.get("language", "en") != "en"})
print("\n".join(refs))' "$data/items.json" > "$data/shown-references.txt"
grep -v '^#' services/verse-registry/Sources/VerseRegistry/Resources/bible/denied_verses.tsv | cut -f1 | grep . > "$data/denied.txt"
: > "$data/canonical.tsv"
while IFS= read -r reference; do
  printf '%s\t%s\n' "$reference" "$(lumactl verses validate "$reference" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["canonical"])')" >> "$data/canonical.tsv"
done < <(cat "$data/shown-references.txt" "$data/denied.txt")
[ -n "$keep" ] && mkdir -p "$keep" && cp "$data"/items.json "$data"/canonical.tsv "$keep"/
python3 scripts/content_quality.py "$data" "$year" "$languages" "$sample"
