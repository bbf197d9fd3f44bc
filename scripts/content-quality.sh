#!/usr/bin/env bash
# The content-quality targets of docs/content.md, measured on the first 60 days of a fresh stack
# (lumactl up on free ports, its own data directory, the template generator):
#   - share of bible picks from the curated lists (pinned or curated),
#   - share of picks that end a sentence (goal: every one; the script fails otherwise),
#   - share from law, history or narrative books (Genesis-Esther, Acts) outside the curated lists.
# Also prints each pick, so an editor can read what the ranking chooses.
# Usage: scripts/content-quality.sh [--days N] [--language en|es] [--bin DIR]   (default 60, en, .build/debug)
set -euo pipefail
cd "$(dirname "$0")/.."
days=60 language=en bin=.build/debug
while [ $# -gt 0 ]; do
  case "$1" in
    --days) days=$2; shift 2 ;;
    --language) language=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    *) echo "usage: $0 [--days N] [--language en|es] [--bin DIR]" >&2; exit 2 ;;
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
from=2027-01-01
to=$(date -u -d "$from + $((days - 1)) days" +%F)
lumactl content plan --from "$from" --to "$to" --modes bible --languages "$language" > /dev/null
lumactl content generate --from "$from" --to "$to" --json > "$data/items.json"
lumactl verses categories --json > "$data/categories.json"
for category in $(python3 -c 'import json,sys; print(" ".join(c["name"] for c in json.load(open(sys.argv[1]))["categories"]))' "$data/categories.json"); do
  lumactl verses picks "$category" --limit 1000 --json > "$data/picks-$category.json"
done
lumactl verses validate "Gen 1:1" > /dev/null   # the registry still answers
python3 - "$data" "$language" <<'PY'
import glob, json, re, subprocess, sys
data, language = sys.argv[1], sys.argv[2]
items = [i for i in json.load(open(f"{data}/items.json")).get("items", []) if i.get("mode") == "MODE_BIBLE"]
curated = set()
for path in glob.glob(f"{data}/picks-*.json"):
    for pick in json.load(open(path)).get("picks", []):
        if pick.get("source") in ("SOURCE_PINNED", "SOURCE_CURATED"):
            curated.add(pick["reference"])
narrative = ["Genesis", "Exodus", "Leviticus", "Numbers", "Deuteronomy", "Joshua", "Judges", "Ruth", "1 Samuel",
             "2 Samuel", "1 Kings", "2 Kings", "1 Chronicles", "2 Chronicles", "Ezra", "Nehemiah", "Esther", "Acts",
             "Génesis", "Éxodo", "Levítico", "Números", "Deuteronomio", "Josué", "Jueces", "Rut", "1 Reyes", "2 Reyes",
             "1 Crónicas", "2 Crónicas", "Esdras", "Nehemías", "Ester", "Hechos"]
def book(reference): return re.sub(r"\s+\d+(:\d+(-\d+(:\d+)?)?)?(-\d+)?$", "", reference)
def ends_sentence(text): return re.search(r"[.?!][\s'\"»”’)]*$", text.strip()) is not None
def canonical(item):
    # Items show references in their language ("Juan 3:16"); the picks list them in English.
    reference = item.get("verseReference", "")
    if language == "en": return reference
    answer = subprocess.run(["lumactl", "verses", "validate", reference, "--json"], capture_output=True, text=True, check=True)
    return json.loads(answer.stdout)["canonical"]
rows, from_curated, whole, narrative_outside = [], 0, 0, 0
for item in items:
    reference, text = item.get("verseReference", ""), item.get("verseText", "")
    is_curated = canonical(item) in curated
    from_curated += is_curated
    whole += ends_sentence(text)
    narrative_outside += (book(reference) in narrative and not is_curated)
    rows.append((item["postDate"], item.get("category", ""), reference, "curated" if is_curated else "scored", text[:70]))
for row in rows: print("%s  %-12s %-22s %-8s %s" % row)
n = max(1, len(items))
print(f"\n{len(items)} bible picks ({language}), first {len(items)} days of a fresh stack:")
print(f"  from the curated lists:                          {from_curated / n:6.1%}")
print(f"  ending a sentence (goal: every one):             {whole / n:6.1%}")
print(f"  law/history/narrative books outside the lists:   {narrative_outside / n:6.1%}")
if whole != len(items) or not items:
    sys.exit("not every pick ends a sentence")
PY
