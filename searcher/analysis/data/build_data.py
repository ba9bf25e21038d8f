"""Derive the Persian data files from hazm 0.10.0's lexicon (MIT licence).

Run from the repo root:  python -m searcher.analysis.data.build_data
(needs hazm installed; the analyzer itself never imports hazm).

Source: hazm/data/words.dat, lines ``word<TAB>freq<TAB>POS[,POS...]``
(193,750 entries; freq from hazm's corpus, 0 for most function words).

Outputs (folded with chars.fold_arabic, one entry a line, '#' = comment):

* fa_compounds.txt  ``solid<TAB>part part...``: every words.dat entry with a
  ZWNJ that our own split/fold/join steps turn into >= 2 terms, keyed by its
  solid spelling (no ZWNJ), so the solid spelling splits exactly like the
  half-space one.  Skipped when the solid spelling is itself a words.dat word
  with freq >= STANDALONE_FREQ (a different word that happens to look joined).
* fa_bases.txt      nouns/adjectives (POS N or AJ, any freq) and POS-less
  entries ending in ی (nisba adjectives): what the lexicon stemmer may leave
  after stripping an ending.
* fa_protected.txt  ``word<TAB>would-be-stem<TAB>why``: frequent words
  (freq >= PROTECT_FREQ) that the lexicon rule would reduce to a base, kept
  whole because they only *look* inflected:
  - the base is much rarer (freq(word) > PROTECT_RATIO * freq(base); why is
    the ratio), e.g. انسان -> انس: a real plural or derivation is rarely far
    more frequent than its base;
  - or the word ends in ان/ات and the lexicon has it as a noun or adjective
    of its own, not tagged PL (why: ``N``), e.g. میزان "amount" -> میز
    "table", بحران -> بحر, شکلات -> شکل.  Regular plurals are not entries
    (کودکان), but a few lexicalised ones are tagged N only: the endings گان and
    یان, which are plural markers alone (نویسندگان, غزنویان), are left out.
* fa_adjectives.txt ``form<TAB>entry``: relational adjectives in ‌ای (هسته‌ای
  "nuclear", منطقه‌ای "regional") as the stemmer sees them (هستهای), kept
  whole so that they do not meet the plural or indefinite of their base
  (هسته‌ها "nuclei").  An entry of words.dat whose last word is X‌ای is a
  lexicalised word, not X + the indefinite ‌ای (which the lexicon never
  lists); kept when tagged AJ or POS-less (as for the nisba adjectives
  above) and X is a base the stemmer would strip it to.  X‌ای after a
  numeral prefix (تک‌رشته‌ای, چندرسانه‌ای, written apart or solid) counts
  for X‌ای too, except for units: an X seen after UNIT_NUMERALS or more
  numerals (دوهفته‌ای, سه‌هفته‌ای...) is an adjective only with its number.
"""

from __future__ import annotations

import importlib.util
import sys
from collections import defaultdict
from pathlib import Path

from searcher.analysis.chars import ZWNJ

STANDALONE_FREQ = 1000
PROTECT_FREQ = 1000
PROTECT_RATIO = 3.0
UNIT_NUMERALS = 3

OUT = Path(__file__).parent


def hazm_data(name: str) -> Path:
    spec = importlib.util.find_spec("hazm")
    if spec is None:
        sys.exit("hazm is not installed: pip install hazm==0.10.0")
    return Path(spec.submodule_search_locations[0]) / "data" / name


def main() -> None:
    from whoosh.analysis import CompositeAnalyzer

    from searcher.analysis import chars as C
    from searcher.analysis import fa
    from searcher.analysis.registry import _text_prestop

    prejoin = CompositeAnalyzer(*_text_prestop()[:4])  # tokenize..join-affixes
    freq: dict[str, int] = defaultdict(int)  # solid folded spelling -> freq
    pos: dict[str, set] = defaultdict(set)
    zwnj_entries = []
    entries: list[tuple[str, set[str]]] = []  # every entry with its tags
    for line in open(hazm_data("words.dat"), encoding="utf-8"):
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 3:
            continue
        word, f, tags = parts[0], int(parts[1] or 0), parts[2]
        entries.append((word, set(tags.split(","))))
        if C.ZWNJ in word:
            zwnj_entries.append((word, f))
            continue
        w = C.fold_arabic(word)
        freq[w] += f
        pos[w].update(tags.split(","))

    compounds: dict[str, tuple[tuple[str, ...], int]] = {}
    for word, f in zwnj_entries:
        terms = tuple(t.text for t in prejoin(word))
        if len(terms) < 2 or not all(t for t in terms):
            continue
        key = "".join(terms)
        if freq.get(key, 0) >= STANDALONE_FREQ:
            continue
        if key not in compounds or compounds[key][1] < f:
            compounds[key] = (terms, f)

    # words.dat lists many derived words with freq 0: nouns/adjectives count
    # whatever their freq (روسا 0 N,PL), and POS-less "0" entries ending in ی
    # are the nisba adjectives (ایرانی, نظامی).
    bases = sorted(w for w, f in freq.items()
                   if len(w) >= fa.MIN_STEM
                   and (pos[w] & {"N", "AJ"} or (pos[w] == {"0"} and w.endswith("ی"))))
    known = frozenset(bases)
    protected = []
    for w, f in freq.items():
        if f < PROTECT_FREQ:
            continue
        s = fa.lexicon_stem_raw(w, known)
        if s == w:
            continue
        if f > PROTECT_RATIO * max(freq.get(s, 0), 1):
            protected.append((w, s, f"{f / max(freq.get(s, 0), 1):.0f}"))
        elif (w.endswith(("ان", "ات")) and not w.endswith(("گان", "یان"))
              and pos[w] & {"N", "AJ"} and "PL" not in pos[w]):
            protected.append((w, s, "N"))
    protected.sort()

    adjectives = relational_adjectives(entries, pos, known, prejoin)

    head = "# generated by searcher/analysis/data/build_data.py from hazm 0.10.0 words.dat\n"
    with open(OUT / "fa_compounds.txt", "w", encoding="utf-8") as out:
        out.write(head + "# solid spelling<TAB>parts (space separated)\n")
        for key in sorted(compounds):
            out.write(f"{key}\t{' '.join(compounds[key][0])}\n")
    with open(OUT / "fa_bases.txt", "w", encoding="utf-8") as out:
        out.write(head + "# nouns/adjectives (N, AJ) + POS-less words ending in ی\n")
        out.write("\n".join(bases) + "\n")
    with open(OUT / "fa_protected.txt", "w", encoding="utf-8") as out:
        out.write(head + f"# word<TAB>stem it is kept from<TAB>freq ratio (> {PROTECT_RATIO}), or N: a noun ending in ان/ات, not a plural\n")
        for w, s, why in protected:
            out.write(f"{w}\t{s}\t{why}\n")
    with open(OUT / "fa_adjectives.txt", "w", encoding="utf-8") as out:
        out.write(head + "# relational adjective in ‌ای as the stemmer sees it<TAB>the words.dat entry it comes from\n")
        for form in sorted(adjectives):
            out.write(f"{form}\t{adjectives[form]}\n")
    print(f"compounds {len(compounds)}, bases {len(bases)}, protected {len(protected)}, adjectives {len(adjectives)}")


def relational_adjectives(entries: list[tuple[str, set[str]]], pos: dict[str, set], known: frozenset[str],
                          prejoin) -> dict[str, str]:
    """Form (folded, ‌ای joined) -> the first entry giving it; see the module docstring."""
    numerals = {w for w, tags in pos.items() if "NUM" in tags and len(w) >= 2}
    found: dict[str, str] = {}
    after_numerals: dict[str, set[str]] = defaultdict(set)
    for word, tags in entries:
        if ZWNJ + "ای" not in word:
            continue
        terms = [t.text for t in prejoin(word)]
        for i, term in enumerate(terms):
            if not term.endswith("ای"):
                continue
            base, numeral = term[:-2], terms[i - 1] if i and terms[i - 1] in numerals else None
            for cut in range(2, len(base) - 1):  # a numeral written solid: چندرسانه‌ای
                if numeral is None and base not in known and base[:cut] in numerals and base[cut:] in known:
                    base, numeral = base[cut:], base[:cut]
            if numeral:
                after_numerals[base].add(numeral)
            if base in known and (tags & {"AJ"} or tags == {"0"}):
                found.setdefault(base + "ای", word)
    return {form: word for form, word in found.items() if len(after_numerals[form[:-2]]) < UNIT_NUMERALS}


if __name__ == "__main__":
    main()
