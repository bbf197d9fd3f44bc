#!/usr/bin/env python3
"""Corrections to the bundled Reina-Valera 1909 text (issue 24).

    scripts/fix-rv1909.py [SOURCE] [--out PATH] [--check] [--find]

SOURCE defaults to the bundled file
services/verse-registry/Sources/VerseRegistry/Resources/bible/sparv.tsv, which is rewritten in
place (or written to --out).  The script only reads SOURCE; every fix below is a reviewed rule or
table, so running it again on its own output changes nothing (idempotent).

What it fixes (the spelling of the words themselves is NOT touched here: the stored text stays
RV1909; modern spelling is applied when text is shown, see ModernSpanishSpelling.swift):

 (a) Psalm superscriptions.  The SWORD module puts the psalm's title at the start of verse 1
     ("Al Músico principal: Salmo de David, cuando ... TEN piedad de mí").  The verse text proper
     starts at the all-caps first word, so everything before it is dropped.  "Aleluya." before the
     first word is kept: it is part of the psalm's first verse (KJV: "Praise ye the LORD").  The
     22 Hebrew letters that head the stanzas of Psalm 119 ("ALEPH.", "BETH", ...) are headings
     too and are dropped as well.
 (b) Glued words.  The module lost the spaces around some words ("losdonesespirituales").  They
     were found with --find (tokens that occur at most three times, are not words elsewhere in
     the text and split into two or more frequent words) and reviewed by hand: GLUED lists every
     fix; real words that look like concatenations ("desordenada", "contener", "sobrellevar",
     "sinrazón") and names ("Hasadía", "Lael", "Selemía", "Subael") are not in it.
 (c) All-caps chapter openings.  Each chapter (and the section at Luke 1:5) starts with its first
     word, sometimes two, in capitals ("EN el principio", "¡OH Jehová", "DE SIETE años", "A TI").
     The run of capitalised words is written in normal case: the first word capitalised, the
     others in the case they have elsewhere in the text ("Y EZECHÎAS" -> "Y Ezechîas").  The
     capitals inside verses are inscriptions and names printed in capitals in RV1909
     ("SANTIDAD Á JEHOVÁ", "JESUS NAZARENO, REY DE LOS JUDIOS", "MENE, MENE, TEKEL"; "JAH") and
     stay as they are.

--check exits 1 if SOURCE would change (for CI); --find prints glued-word candidates that are not
in the table yet, for review.
"""
import argparse
import collections
import math
import os
import re
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT = os.path.join(HERE, "..", "services", "verse-registry", "Sources", "VerseRegistry",
                       "Resources", "bible", "sparv.tsv")

UPPER = "A-ZÁÉÍÓÚÜÑÂÊÎÔÛ"
LETTER = r"[^\W\d_]"

# (b) Glued words, written with the spaces they lost.  A fix applies to the whole token only
# (letters on neither side), in any case, and keeps the letters' case: "FUÉqueá" -> "FUÉ que á".
GLUED = """
abram de | a esta mujer | alabanza sea en | alabanza será siempre | alas traerá salud |
algunos príncipes | al lugar que | animal era semejante | aquél era | así nosotros | así una |
así vienen | así vosotros | babilonia juntamente con | bendito sea el | cabezas tenían como |
casa alguna desde | casa que | castigo será | cielos que | cien panes | comida que |
como cuando un | conforme al | conmigo como | contigo de | cosas todos | cual sea la |
dado conforme | dar reposo | david eran los | de los | de mil | de toda | digo que ni | dile que |
doctrina de | dos del | días de | díjole dios | ejércitos es el | el espíritu del | ella es |
ella las | enemigo en | enemigos bajo | engendró un | en jesús | entrado jesús |
enviada por medio | envióle también | era como | era muy | esposa mía | espíritu es | es su |
esta oscuridad | estas son | estos fueron hijos | es vuestro | fuese á | fué de | fué que á |
fué á | galaad también le | gentes lo oyeron | hablaba de | haya alianza | hicieron hoyo para |
hijo á | hubo una voz | izquierda esté debajo | jacobo hijo de | jehová es para |
jehová los acose | jehová será con | jehová y | jesucristo sea con | judá dirás |
juicio contra el | juntamente con | la de | ejército se | llamaba sísara | luz que los |
madre fué | madre fué abi | maría madre de | mes cuarto | mes quinto | mes séptimo | mes tercero |
mes décimo | mes sexto | midió otros mil | mil hombres valientes | mil hombres de |
mirad cómo el | misericordia es para | mujer de | mujer hermosa | mí palabra | no hablo con |
no haya quien | no lo hizo | no será | no tuvieron pastor | no haberlo | os lo hubiera |
otra casa | otra tercera | oyendo esto | oyeron estas | oyó hablar de | parte de |
pasando jesús | pero no | pero salieron para | porque pasados aún | porque no |
pueblo será lo de | puesto en | puso sus | que estaba | que estaba una | que está delante |
que fueron | que fué | que salomón | que vinieron | que yo | que es | que es en | que las |
reposo de | reyes á | sabio toma el | sala de | salmo de | salomón en | ser como metal |
sean á | seáis sin | señor de | siendo el | siendo sadoc | simiente cayó | sino á | sino el de |
situada en | somos apóstoles | suerte dióseles su | tabernáculo en | tenía un |
testimonio dado á | tomaron gente | trono había como | uno del | un solo marido | vasos de |
velo estaba el | vendrá como | vendrá sin | verdad hecha | viene con | ya es | ya los |
ya sabes | ya salido | y como | y con | y jesús | y los | yo para | y padre | y paz | y según |
y sino | y una | él sea gloria | gracia sea con | alábenle todos | anciano también |
ancho era de | animales silvestres según | así vayáis | caridad nacida de | clase especial |
como ayudadores | como lo esperábamos | como lo oímos | compraron drogas aromáticas |
condenado y muerto | crecen con | cuales ambas despierto | cual misterio en | cuánto nos ayudó |
cumbre del | david guarnición en | derrama palabra sobre | dios sea honor |
en lugares celestiales | envió mensaje á | envíalo á | espera el | estamos firmes |
estrechas por | anchas por | guardadlo y | hable conforme | higos secos |
hombres para edificación | invocaréle por | llevando consigo | llevaron á | medidas tienen |
mil cañas y | najoth que | no aprovecha | ojos miran á | ora sea bueno | oyéndolo jesús |
pedían alegría | perfecta su obra | preguntaban por | presentaros como una |
prevaricadores hallará mal | púsoles ley | que la tengan | que quisieres | que tenías en |
que vivimos confiados | reinó diecisiete | reinó nueve | rehum y baana | salían éstos dando |
semejante caso | sementeras que | siervos miran á | socorro viene de | tañedores en |
tocaren sólo la | treinta piezas de | uno llamado lázaro | uno trae en | uno traía en |
y comprad | y la declaró | y partícipes | y si condenó | y volviendo de | gracia sea á |
hijo de | los dones espirituales | primer día de | ser apóstol | tesalonicenses que | una parte |
grado han | comienzo en | de febe | enviándola por | desolado nos | la que | es en | y él |
pisan al | es ramat | de narciso | de la | con sus mujeres | es el | lugar donde | me han | que no |
y de | y en | y tu | y á | siempre es su
"""

# Glued words that are also real words elsewhere: fixed only in the verse named.
GLUED_AT = {
    ("Acts", 8, 2): ["enterrar á"],   # "llevaron á enterrar á Esteban"; "enterrará" is a word too
}


def glued_table():
    fixes = [s.strip() for s in GLUED.replace("\n", " ").split("|") if s.strip()]
    table = {}
    for fix in fixes:
        key = fix.replace(" ", "")
        assert key not in table or table[key] == fix, fix
        table[key] = fix
    return table


def split_token(token, fix):
    """The token with spaces where `fix` has them, keeping the token's own letters."""
    out, i = [], 0
    for ch in fix:
        if ch == " ":
            out.append(" ")
        else:
            out.append(token[i])
            i += 1
    return "".join(out)


def fix_glued(text, table):
    """The text with the table's glued words split, and how many tokens were split."""
    return re.subn(LETTER + "+", lambda m: split_token(m.group(0), table[m.group(0).lower()])
                   if m.group(0).lower() in table else m.group(0), text)


# (a) The verse proper starts at the first word in capitals: optional opening marks, an optional
# one-letter word ("A TI"), then a word of two or more capitals.
FIRST_WORD = re.compile(r"(?:^|(?<=\s))[¡¿«\"(]*(?:[%s]\s)?[%s]{2,}(?!%s)" % (UPPER, UPPER, r"[a-záéíóúüñ]"))
KEEP_BEFORE = {"Aleluya. "}
PS119_LETTERS = re.compile(r"^(ALEPH|BETH|GIMEL|DALETH|HE|VAU|ZAIN|CHETH|TETH|JOD|CAPH|LAMED|MEM|NUN|"
                           r"SAMECH|AIN|PE|TZADDI|COPH|RESH|SIN|SCHIN|TAU)\.? (?=\S)")


def strip_heading(text):
    m = FIRST_WORD.search(text)
    # a title ends its sentence (". ", ": "); "Alabad á JAH" has no title before "JAH"
    if not m or m.start() == 0 or text[:m.start()] in KEEP_BEFORE or text[m.start() - 2] not in ".:?":
        return text, False
    return text[m.start():], True


# (c) The capitals at the start of a chapter.
CAPS_WORD = re.compile(r"[%s]{2,}(?![^\W\d_])" % UPPER)
# An opening: marks, then a run of words in capitals (one-letter words too, "Y Á SUS discípulos"),
# at least one of two letters or more.  It may follow "Aleluya. " (Ps 111) or the title that
# Proverbs 10 keeps in its first verse, as KJV does ("Las sentencias de Salomón. EL hijo sabio").
OPENING_RUN = re.compile(r"^((?:Aleluya\. |Las sentencias de Salomón\. )?[¡¿«\"(]*)"
                         r"((?:[%s]+(?:[ ]+|(?=[^\w])|$))*[%s]{2,}(?:[ ]+|(?=[^\w])|$)(?:[%s]{2,}(?:[ ]+|(?=[^\w])|$))*)"
                         % (UPPER, UPPER, UPPER))
SECTION_STARTS = {("Luke", 1, 5)}   # "HUBO en los días de Herodes": Luke's narrative after the prologue


def usual_case(word, cases):
    """The form the word mostly has inside sentences: "Jehová", "Dios", "siete"."""
    forms = cases.get(word.lower())
    if not forms:
        return word.lower()
    return forms.most_common(1)[0][0]


def uncap_opening(text, cases):
    m = OPENING_RUN.match(text)
    if not m:
        return text, 0
    lead, run = m.group(1), m.group(2)
    words = re.split(r"( +)", run)
    out, changed, first = [], 0, True
    for piece in words:
        if not piece or piece.isspace():
            out.append(piece)
            continue
        new = usual_case(piece, cases)
        if first:
            new = new[0].upper() + new[1:]
            first = False
        changed += new != piece
        out.append(new)
    return lead + "".join(out) + text[m.end():], changed


def word_cases(rows):
    """Case forms of each word where it is not sentence-initial nor in capitals."""
    cases = collections.defaultdict(collections.Counter)
    for r in rows:
        for m in re.finditer(LETTER + "+", r[4]):
            w = m.group(0)
            before = r[4][:m.start()].rstrip()
            if not before or before[-1] in ".:;!?¡¿" or w.isupper():
                continue
            cases[w.lower()][w] += 1
    return cases


def fix(rows):
    table = glued_table()
    stats = collections.Counter()
    seen_chapter = set()
    for r in rows:
        book, chapter, verse = r[1], int(r[2]), int(r[3])
        text = r[4]
        new = fix_glued(text, table)[0]
        for f in GLUED_AT.get((book, chapter, verse), []):
            new = re.sub(r"(?<!%s)%s(?!%s)" % (LETTER, re.escape(f.replace(" ", "")), LETTER),
                         lambda m: split_token(m.group(0), f), new)
        stats["glued tokens split"] += len(new.split()) > len(text.split()) and \
            sum(1 for w in re.findall(LETTER + "+", text) if w.lower() in table) + \
            sum(1 for f in GLUED_AT.get((book, chapter, verse), []) if f.replace(" ", "") in text)
        stats["verses with glued words"] += new != text
        r[4] = new
    # the case table is taken after the glue fixes, before headings and openings are touched
    cases = word_cases(rows)
    for r in rows:
        book, chapter, verse = r[1], int(r[2]), int(r[3])
        text = r[4]
        if book == "Ps" and verse == 1:
            text, stripped = strip_heading(text)
            stats["psalm superscriptions stripped"] += stripped
        if book == "Ps" and chapter == 119:
            text, n = PS119_LETTERS.subn("", text)
            stats["Psalm 119 letters stripped"] += n
        if (book, chapter) not in seen_chapter or (book, chapter, verse) in SECTION_STARTS:
            seen_chapter.add((book, chapter))
            text, n = uncap_opening(text, cases)
            stats["chapter openings recased"] += n > 0
            stats["opening words recased"] += n
        r[4] = text
    return stats


def read(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def find(rows):
    """Glued-word candidates not in the table: rare tokens that split into frequent words."""
    table = glued_table()
    count = collections.Counter(w.lower() for r in rows for w in re.findall(LETTER + "+", r[4]))
    words = list(count)
    singles = {"a", "á", "y", "é", "o", "ó"}

    def segment(token):
        best = [None] * (len(token) + 1)
        best[0] = (0.0, [])
        for i in range(1, len(token) + 1):
            for j in range(max(0, i - 20), i):
                piece = token[j:i]
                if best[j] is None or count.get(piece, 0) < 3 or (len(piece) == 1 and piece not in singles):
                    continue
                score = best[j][0] + math.log(count[piece]) - 9
                if best[i] is None or score > best[i][0]:
                    best[i] = (score, best[j][1] + [piece])
        return best[-1]

    for token, n in sorted(count.items()):
        if n > 3 or len(token) < 5 or token in table:
            continue
        seg = segment(token)
        if not seg or len(seg[1]) < 2:
            continue
        parts = seg[1]
        prefix, suffix = token[:len(parts[0]) + 2], token[-(len(parts[-1]) + 2):]
        if any(w != token and w.startswith(prefix) for w in words) and \
           any(w != token and w.endswith(suffix) and len(w) > len(suffix) for w in words):
            continue   # a word with relatives (contener/contenía): not glued
        print(f"{token}\t{n}\t{' '.join(parts)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("source", nargs="?", default=DEFAULT)
    ap.add_argument("--out")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--find", action="store_true")
    args = ap.parse_args()
    rows = read(args.source)
    if args.find:
        find(rows)
        return
    before = [r[4] for r in rows]
    stats = fix(rows)
    changed = sum(a != r[4] for a, r in zip(before, rows))
    for k in ("glued tokens split", "verses with glued words", "psalm superscriptions stripped", "Psalm 119 letters stripped",
              "chapter openings recased", "opening words recased"):
        print(f"{k}: {stats[k]}", file=sys.stderr)
    print(f"verses changed: {changed}", file=sys.stderr)
    if args.check:
        sys.exit(1 if changed else 0)
    out = args.out or args.source
    with open(out, "w", encoding="utf-8") as f:
        for r in rows:
            f.write("\t".join(r) + "\n")


if __name__ == "__main__":
    main()
