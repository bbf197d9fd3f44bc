#!/usr/bin/env python3
"""The measurements of scripts/content-quality.sh over a generated year (see that script).

Usage: content_quality.py DATA_DIR YEAR LANGUAGES SAMPLE
DATA_DIR holds items.json (lumactl content generate --json), picks-*.json (lumactl verses picks
--json) and canonical.tsv (shown reference -> canonical). The language packs are read from the
repository, to tell which skeleton each script came from.
"""
import datetime, glob, json, os, re, sys

data, year, languages, sample = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(","), int(sys.argv[4])
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
packs_dir = os.path.join(root, "services/content-pipeline/Sources/ContentPipeline/Resources/languages")
seasons = ["advent", "christmas-day", "christmas", "epiphany", "ash-wednesday", "lent", "palm-sunday", "holy-week",
           "maundy-thursday", "good-friday", "holy-saturday", "easter-day", "easter", "ascension", "pentecost"]

def easter(y):  # Meeus/Jones/Butcher, an oracle independent of the Swift ChurchYear
    a, b, c = y % 19, y // 100, y % 100
    d, e = divmod(b, 4); f = (b + 8) // 25; g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30; i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7; m = (a + 11 * h + 22 * l) // 451
    return datetime.date(y, (h + l - 7 * m + 114) // 31, (h + l - 7 * m + 114) % 31 + 1)
e = easter(year)
christmas = datetime.date(year, 12, 25)
advent = christmas - datetime.timedelta(days=(christmas.isoweekday() % 7 or 7) + 21)
feasts = {str(e - datetime.timedelta(46)): "ash-wednesday", str(e - datetime.timedelta(7)): "palm-sunday",
          str(e - datetime.timedelta(3)): "maundy-thursday", str(e - datetime.timedelta(2)): "good-friday",
          str(e - datetime.timedelta(1)): "holy-saturday", str(e): "easter-day", str(e + datetime.timedelta(39)): "ascension",
          str(e + datetime.timedelta(49)): "pentecost", str(advent): "advent", f"{year}-12-25": "christmas-day",
          f"{year}-01-06": "epiphany", f"{year}-12-31": "christmas", str(e - datetime.timedelta(20)): "lent"}

items = json.load(open(f"{data}/items.json")).get("items", [])
canonical = dict(line.rstrip("\n").split("\t") for line in open(f"{data}/canonical.tsv") if "\t" in line)
curated = set()
for path in glob.glob(f"{data}/picks-*.json"):
    for pick in json.load(open(path)).get("picks", []):
        if pick.get("source") in ("SOURCE_PINNED", "SOURCE_CURATED"):
            curated.add(pick["reference"])
denied_lines = [l.split("\t")[0] for l in open(os.path.join(root, "services/verse-registry/Sources/VerseRegistry/Resources/bible/denied_verses.tsv")) if l.strip() and not l.startswith("#")]

def verses(reference):
    m = re.fullmatch(r"(.+) (\d+):(\d+)(?:-(\d+)(?::(\d+))?)?", reference)
    if not m: return set()
    book, c, v = m.group(1), int(m.group(2)), int(m.group(3))
    if m.group(5): return {(book, c, v)} | {(book, int(m.group(4)), x) for x in range(1, int(m.group(5)) + 1)}
    return {(book, c, x) for x in range(v, int(m.group(4) or v) + 1)}
denied = set().union(*(verses(canonical.get(r, r)) for r in denied_lines))

def words(text): return re.findall(r"[\w'’]+", text.lower())
def quotations(verse, script):
    probe, text = words(verse)[:8], words(script)
    if len(probe) < 3: return 0
    count, i = 0, 0
    while i + len(probe) <= len(text):
        if text[i:i + len(probe)] == probe: count += 1; i += len(probe)
        else: i += 1
    return count
def ends_sentence(text): return re.search(r"[.?!][\s'\"»”’)]*$", text.strip()) is not None

def skeleton_matchers(skeletons):
    out = []
    for s in skeletons:
        pattern = re.escape(s)
        for p in ("reference", "text", "note", "topic"):
            pattern = pattern.replace(re.escape("{" + p + "}"), "(.*?)")
        out.append(re.compile("(?s)" + pattern + "$"))
    return out
def skeleton(matchers, text):
    for index, m in enumerate(matchers):
        if m.search(text): return index
    return None

def repeats_within(days_and_keys, window):
    last, count = {}, 0
    for day, key in days_and_keys:
        if key is None: continue
        if key in last and (day - last[key]).days < window: count += 1
        last[key] = day
    return count

failed = []
def target(label, value, ok, shown=None):
    print(f"  {label:<58} {shown if shown is not None else value:>8}  {'ok' if ok else 'MISSED'}")
    if not ok: failed.append(label)

for language in languages:
    pack = json.load(open(os.path.join(packs_dir, f"{language}.json")))
    old = set(w.lower() for w in pack.get("old_spellings", []))
    mine = sorted((i for i in items if i.get("language", "en") == language), key=lambda i: i["postDate"])
    bible = [i for i in mine if i.get("mode") == "MODE_BIBLE"]
    positivity = [i for i in mine if i.get("mode") == "MODE_POSITIVITY"]
    day = lambda i: datetime.date.fromisoformat(i["postDate"])
    print(f"\n== {language}: {len(bible)} bible and {len(positivity)} positivity items, {year}")
    n = max(1, len(bible))
    is_curated = [canonical.get(i["verseReference"], i["verseReference"]) in curated for i in bible]
    target("bible: from the curated lists", sum(is_curated), sum(is_curated) == len(bible) and bible, f"{sum(is_curated) / n:.1%}")
    fallbacks = [i for i in bible if i.get("verseNote")]
    target("bible: fallbacks to another category", len(fallbacks), not fallbacks)
    denied_hits = [i["verseReference"] for i in bible if verses(canonical.get(i["verseReference"], i["verseReference"])) & denied]
    target("bible: deny-list picks", len(denied_hits), not denied_hits)
    fragments = [i["verseReference"] for i in bible if not ends_sentence(i.get("verseText", ""))]
    target("bible: picks that do not end a sentence", len(fragments), not fragments)
    consecutive = sum(1 for a, b in zip(bible, bible[1:]) if (day(b) - day(a)).days == 1
                      and a.get("category") == b.get("category") and a.get("category") not in seasons)
    target("bible: consecutive topic repeats (ordinary days)", consecutive, consecutive == 0)
    by_date = {i["postDate"]: i.get("category") for i in bible}
    wrong = [f"{d} {by_date.get(d)} (want {want})" for d, want in feasts.items() if d in by_date and by_date[d] != want]
    target("bible: church-year feasts and seasons on their dates", len(wrong), not wrong, f"{len([d for d in feasts if d in by_date]) - len(wrong)}/{len([d for d in feasts if d in by_date])}")
    seasonal = sum(1 for i in bible if i.get("category") in seasons)
    print(f"  {'bible: days in a church season (by design one topic each)':<58} {seasonal:>8}")
    for kind, field in (("camera_script", "cameraScript"), ("devotional_reflection", "devotionalReflection"), ("meditation_script", "meditationScript")):
        matchers = skeleton_matchers(pack["bible"][kind])
        found = [(day(i), skeleton(matchers, i.get(field, ""))) for i in bible]
        unmatched = sum(1 for _, s in found if s is None)
        target(f"bible: {kind} skeleton repeats within 7 days", repeats_within(found, 7), repeats_within(found, 7) == 0 and unmatched == 0,
               f"{repeats_within(found, 7)}" + (f" ({unmatched} unmatched)" if unmatched else ""))
    twice = [i["postDate"] for i in bible if quotations(i.get("verseText", ""), i.get("cameraScript", "")) != 1
             or quotations(i.get("verseText", ""), i.get("devotionalReflection", "") + " " + i.get("meditationScript", "")) > 0]
    target("bible: verse read other than once (in the camera script)", len(twice), not twice)
    shown_old = sorted({w for i in mine for field in ("verseText", "cameraScript", "devotionalReflection", "meditationScript")
                        for w in words(i.get(field, "")) if w in old})
    target("old-spelling words in shown text", len(shown_old), not shown_old, f"{len(shown_old)}" + (f" {shown_old[:8]}" if shown_old else ""))
    scripts = [(day(i), i.get("cameraScript")) for i in positivity]
    target("positivity: script repeats within 90 days", repeats_within(scripts, 90), repeats_within(scripts, 90) == 0 and positivity)
    print(f"  {'positivity: distinct scripts':<58} {len(set(s for _, s in scripts)):>8}")
    theme_repeats = sum(1 for a, b in zip(positivity, positivity[1:]) if (day(b) - day(a)).days == 1 and a.get("category") == b.get("category"))
    target("positivity: consecutive theme repeats", theme_repeats, theme_repeats == 0)
    for kind, field in (("devotional_reflection", "devotionalReflection"), ("meditation_script", "meditationScript")):
        matchers = skeleton_matchers(pack["positivity"][kind])
        found = [(day(i), skeleton(matchers, i.get(field, ""))) for i in positivity]
        target(f"positivity: {kind} skeleton repeats within 7 days", repeats_within(found, 7), repeats_within(found, 7) == 0)
    if sample:
        print(f"\n-- every {sample}th day, {language}, as an editor reads it")
        dates = sorted({i["postDate"] for i in mine})[::sample]
        for i in (i for i in mine if i["postDate"] in dates):
            print(f"\n[{i['postDate']} {i['mode'][5:].lower()} {i.get('category', '')}] {i.get('verseReference', '')}")
            if i.get("verseText"): print("  verse:", i["verseText"])
            for field in ("cameraScript", "devotionalReflection", "meditationScript"):
                print(f"  {field}: {i.get(field, '')}")

print()
if failed:
    sys.exit("targets missed: " + "; ".join(failed))
print("every target met")
