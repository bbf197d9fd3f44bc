#!/usr/bin/env python3
"""Checks curated passage files the way an editor would before they ship.

Usage: scripts/check-curated-passages.py FILE.tsv [FILE.tsv ...] [--no-notes]

Each line (after '#' comments): category<TAB>reference<TAB>note in English<TAB>note in Spanish.
A passage is accepted when:
  - its reference is "Book C:V", "Book C:V-W" or "Book C:V-C2:W" with the KJV canon's book
    abbreviations (a space after a leading number is allowed: "1 John 4:8"),
  - every verse exists in the KJV and in the Reina-Valera 1909,
  - it stands alone: it starts a sentence or clause (the verse before it, if any in its chapter, ends with . ? ! : ; or
    a quotation's "saying,")
    and its last verse ends one, in the KJV, and its last verse ends one in the RV1909,
  - it is at most 110 words in the KJV (a short video reads it once),
  - it is not on the deny list and overlaps no other passage in any of the files (the ledger
    takes every verse of a passage, so an overlapping passage could never be picked),
  - both notes are one or two sentences (40 to 240 characters) ending in a full stop, and
    neither quotes its passage (its first six words, or any seven in a row): the video reads the
    verse once and then the note.
The shipped form splits these columns: curated_verses.tsv (category, reference) and
passage_notes.<language>.tsv (reference, note).
The same rules run in CuratedPassagesTests; this script is for editors and writers.
"""
import re, sys, os, unicodedata

here = os.path.dirname(os.path.abspath(__file__))
bible = os.path.join(here, "..", "services", "verse-registry", "Sources", "VerseRegistry", "Resources", "bible")

def load(name):
    verses = {}
    for line in open(os.path.join(bible, name), encoding="utf-8"):
        parts = line.rstrip("\n").split("\t")
        if len(parts) >= 5:
            verses[(parts[1], int(parts[2]), int(parts[3]))] = parts[4]
    return verses

kjv, rv = load("kjv.tsv"), load("sparv.tsv")
books = []
for key in kjv:
    if key[0] not in books: books.append(key[0])
last_verse = {}
for (b, c, v) in kjv: last_verse[(b, c)] = max(v, last_verse.get((b, c), 0))

def parse(reference):
    m = re.fullmatch(r"((?:[123] ?)?[A-Za-z]+) (\d+):(\d+)(?:-(\d+)(?::(\d+))?)?", reference.strip())
    if not m: return None, "not a reference like 'John 3:16' or 'Rom 5:3-5'"
    book = m.group(1).replace(" ", "")
    if book not in books: return None, f"unknown book '{m.group(1)}' (use the KJV canon's abbreviations: {' '.join(books)})"
    c, v = int(m.group(2)), int(m.group(3))
    if m.group(5): c2, v2 = int(m.group(4)), int(m.group(5))
    elif m.group(4): c2, v2 = c, int(m.group(4))
    else: c2, v2 = c, v
    verses = []
    cc, vv = c, v
    while (cc, vv) <= (c2, v2):
        if (book, cc, vv) not in kjv:
            if vv > last_verse.get((book, cc), 0) and (book, cc + 1, 1) in kjv and cc < c2: cc, vv = cc + 1, 1; continue
            return None, f"{book} {cc}:{vv} does not exist"
        verses.append((book, cc, vv)); vv += 1
    if not verses: return None, "empty range"
    return verses, None

ends = re.compile(r"[.?!][\s'\"»”’)]*$")
# The KJV separates whole clauses with ':' and ';' and opens a quotation with "saying,".
starts_after = re.compile(r"([.?!:;][\s'\"»”’)]*|\b(saying|said|spake|answered)( unto them| unto him)?,)$")
denied = set()
for line in open(os.path.join(bible, "denied_verses.tsv"), encoding="utf-8"):
    if line.startswith("#") or not line.strip(): continue
    verses, _ = parse(line.split("\t")[0])
    denied.update(verses or [])

def words(text):
    folded = "".join(c for c in unicodedata.normalize("NFD", text.lower()) if unicodedata.category(c) != "Mn")
    return re.findall(r"\w+", folded)

def quotes(verse, note):
    v, n = words(verse), " " + " ".join(words(note)) + " "
    if " " + " ".join(v[:6]) + " " in n: return " ".join(v[:6])
    for i in range(len(v) - 6):
        if " " + " ".join(v[i:i + 7]) + " " in n: return " ".join(v[i:i + 7])
    return None

def main(paths, notes):
    taken, errors, count, per_category = {}, 0, 0, {}
    for path in paths:
        for number, line in enumerate(open(path, encoding="utf-8"), 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"): continue
            where = f"{os.path.basename(path)}:{number}"
            parts = line.split("\t")
            def fail(message):
                nonlocal errors
                errors += 1
                print(f"{where}: {parts[1] if len(parts) > 1 else line}: {message}")
            if len(parts) != (4 if notes else 2) and not (not notes and len(parts) == 4):
                fail(f"expected {4 if notes else 2} tab-separated columns, found {len(parts)}"); continue
            category, reference = parts[0], parts[1]
            verses, problem = parse(reference)
            if problem: fail(problem); continue
            if any(key not in rv for key in verses): fail("missing in the RV1909"); continue
            first, last = verses[0], verses[-1]
            before = (first[0], first[1], first[2] - 1)
            if before in kjv and not starts_after.search(kjv[before]):
                fail(f"starts mid-sentence in the KJV (the verse before ends \"...{kjv[before][-30:]}\")")
            if not ends.search(kjv[last]): fail(f"ends mid-sentence in the KJV (\"...{kjv[last][-30:]}\")")
            if not ends.search(rv[last]): fail(f"ends mid-sentence in the RV1909 (\"...{rv[last][-30:]}\")")
            words = sum(len(kjv[key].split()) for key in verses)
            if words > 110: fail(f"{words} words in the KJV (at most 110)")
            if denied.intersection(verses): fail("on the deny list (denied_verses.tsv)")
            for key in verses:
                if key in taken: fail(f"overlaps {taken[key]}"); break
            for key in verses: taken.setdefault(key, f"{reference} ({where})")
            if notes or len(parts) == 4:
                for label, note, text in (("English note", parts[2], kjv), ("Spanish note", parts[3], rv)):
                    if not 40 <= len(note) <= 240: fail(f"{label} is {len(note)} characters (40 to 240)")
                    quoted = quotes(" ".join(text[key] for key in verses), note)
                    if quoted: fail(f"{label} quotes the passage (\"{quoted}\")")
                    if not note.rstrip().endswith((".", "!", "?")): fail(f"{label} does not end with a full stop")
            count += 1
            per_category[category] = per_category.get(category, 0) + 1
    print(f"{count} passages, {errors} problems; per category: " + ", ".join(f"{k} {v}" for k, v in sorted(per_category.items())))
    return 1 if errors else 0

if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if not args: sys.exit(__doc__)
    sys.exit(main(args, "--no-notes" not in sys.argv))
