"""The plumbing: a script-aware tokenizer and small token filters.

Rules (which characters fold, which affixes join, which words stop or stem)
live in ``chars.py``, ``fa.py`` and ``nl.py``; the filters here only feed
tokens to them. A chain is a tokenizer followed by filters, each a callable
from a list of tokens to a list of tokens (``registry.Analyzer`` runs them).

Speed: every step takes an iterable of tokens and returns a *list* (one
tight loop per step instead of a generator frame switch per token and step),
and changes token objects in place where it can.

Conventions every filter keeps:

* each token is a distinct ``Token`` object (no re-yielded singleton),
  so a stream can be ``list()``-ed and filters may look ahead;
* ``startchar``/``endchar`` always point into the original text (deletions
  and foldings happen on ``token.text`` only);
* ``pos`` is sequential 0, 1, 2... (from ``start_pos``): a filter that
  changed the number of tokens renumbers its output, the others keep the
  sequence they were given; the one exception, added compound parts, share
  their compound's position and are flagged ``part`` (no positional field
  indexes them);
* ``token.script`` is one of ``"arabic" | "latin" | "digit" | "other"`` and
  per-script steps only touch tokens of their script;
* ``token.sep`` says what separated the token from the previous one in the
  text: ``""`` (nothing), ``"zwnj"`` (a ZWNJ), ``" "`` (whitespace only) or
  ``"x"`` (punctuation/other); the Persian affix joiner reads it.
"""

from __future__ import annotations

import re
from typing import Callable, Iterable, Mapping, Sequence

from . import chars as C

ARABIC, LATIN, DIGIT, OTHER = "arabic", "latin", "digit", "other"

_AR = C.AR_LETTERS
_ARM = _AR + C.AR_MARKS
_LAT = C.LATIN_LETTERS
_LATM = _LAT + C.LATIN_MARKS + "0-9"
_DIG = "0-9" + C.PERSIAN_DIGITS + C.ARABIC_INDIC_DIGITS

TOKEN_RE = re.compile(
    # Arabic script: a letter, then letters/marks; ZWNJ/ZWJ only *inside*.
    rf"(?P<arabic>[{_AR}](?:[{_ARM}]+|[{C.JOINERS}]+(?=[{_ARM}]))*)"
    # digit runs of any of the three digit sets
    rf"|(?P<digit>[{_DIG}]+)"
    # Latin: letters (+ combining accents, ASCII digits); apostrophes and
    # hyphens only between letters (video's, Midden-Oosten)
    rf"|(?P<latin>[{_LAT}](?:[{_LATM}]+|[{C.APOSTROPHES}{C.HYPHENS}](?=[{_LAT}]))*)"
    # any other word characters (Cyrillic, Greek, CJK, ...)
    rf"|(?P<other>[^\W_{_AR}{_LAT}{_DIG}]+)"
)


def script_of(text: str) -> str:
    """Script of a whole string (used for ``tokenize=False``)."""
    m = TOKEN_RE.search(text)
    return m.lastgroup if m else OTHER


class Token:
    """One term of a text: ``text`` (the term), ``script``, ``pos`` (its word's position),
    ``startchar``/``endchar`` (where it is written in the text), ``sep`` (what separated it
    from the previous token), ``is_stop`` (a stop word) and ``part`` (a compound's part, added
    after the compound at its position). Attributes live in ``__dict__`` so that a filter
    makes a changed copy with one dict display (``_clone``)."""

    def __repr__(self) -> str:
        return f"Token({self.__dict__!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Token) and other.__dict__ == self.__dict__


def _new(attrs: dict) -> Token:
    """A Token with ``attrs`` as its attribute dict (no __init__, no copy)."""
    t = object.__new__(Token)
    t.__dict__ = attrs
    return t


def _clone(t: Token, **attrs) -> Token:
    return _new({**t.__dict__, **attrs})


def _gap_kind(gap: str) -> str:
    if gap == " ":
        return " "
    if not gap:
        return ""
    if gap.isspace():
        return " "
    if not gap.replace(C.ZWNJ, " ").strip():
        return " " if gap.strip(C.ZWNJ) else "zwnj"
    return "x"


class ScriptTokenizer:
    """One token per word, tagged with its script (see ``TOKEN_RE``)."""

    name = "tokenize"

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def __call__(self, value: str, start_pos: int = 0, start_char: int = 0, tokenize: bool = True) -> list[Token]:
        """The words of ``value``; with ``tokenize=False`` the whole value is one token."""
        if not isinstance(value, str):
            raise TypeError(f"analyzers take str, not {type(value).__name__}; decode first")
        if not tokenize:
            if not value:
                return []
            return [_new({"text": value, "script": script_of(value), "sep": "", "pos": start_pos,
                          "startchar": start_char, "endchar": start_char + len(value), "is_stop": False,
                          "part": False})]
        out = []
        append = out.append
        new = object.__new__
        prev_end = 0
        pos = start_pos
        for m in TOKEN_RE.finditer(value):
            s, e = m.span()
            t = new(Token)
            # A display in one go: twice as fast as filling the attribute dict item by item.
            t.__dict__ = {"text": m.group(), "script": m.lastgroup, "pos": pos, "startchar": start_char + s,
                          "endchar": start_char + e, "sep": _gap_kind(value[prev_end:s]) if prev_end else "x",
                          "is_stop": False, "part": False}
            prev_end = e
            pos += 1
            append(t)
        return out


def _renumber(tokens: list[Token]) -> list[Token]:
    """Sequential positions from the first token's, for a filter whose output
    count differs from its input's (the others keep the input's sequence)."""
    if tokens:
        first = tokens[0].pos
        for i, t in enumerate(tokens):
            t.pos = first + i
    return tokens


class SplitFilter:
    """Splits tokens of a script at separator characters (kept in offsets).

    ``seps``: script -> characters.  Arabic tokens split at ZWNJ (the parts
    are rejoined or kept apart by the Persian steps), Latin at hyphens
    (Midden-Oosten = Midden -Oosten = Midden Oosten).
    """

    name = "split"

    def __init__(self, seps: Mapping[str, str]):
        self.seps = dict(seps)
        self._res = {k: re.compile("[" + re.escape(v) + "]+") for k, v in self.seps.items()}

    def __eq__(self, other):
        return other.__class__ is self.__class__ and other.seps == self.seps

    def __call__(self, tokens: Iterable[Token]) -> list[Token]:
        seps, res = self.seps, self._res
        out = []
        append = out.append
        changed = False
        for t in tokens:
            sep = seps.get(t.script)
            if sep is None:
                append(t)
                continue
            text = t.text
            for c in sep:
                if c in text:
                    break
            else:
                append(t)
                continue
            changed = True
            kind = "zwnj" if sep == C.ZWNJ else "x"
            start = 0
            base = t.startchar
            first = True
            for m in res[t.script].finditer(text):
                if m.start() > start:
                    append(_clone(t, text=text[start:m.start()],
                                  startchar=base + start, endchar=base + m.start(),
                                  sep=t.sep if first else kind))
                    first = False
                start = m.end()
            if start < len(text):
                append(_clone(t, text=text[start:], startchar=base + start,
                              endchar=t.endchar, sep=t.sep if first else kind))
        return _renumber(out) if changed else out


class FoldFilter:
    """Applies a str -> str folding per script; drops tokens folded to ''.

    Foldings are memoised per filter (bounded by ``MEMO_SIZE`` words per
    script; the memo restarts when full)."""

    name = "fold"
    MEMO_SIZE = 1 << 17

    def __init__(self, folders: Mapping[str, Callable[[str], str]], name: str = "fold"):
        self.folders = dict(folders)
        self.name = name
        self._memo: dict[str, dict[str, str]] = {script: {} for script in self.folders}

    def __eq__(self, other):
        return other.__class__ is self.__class__ and other.folders == self.folders

    def __call__(self, tokens: Iterable[Token]) -> list[Token]:
        folders, memos = self.folders, self._memo
        out = []
        append = out.append
        dropped = False
        for t in tokens:
            memo = memos.get(t.script)
            if memo is not None:
                text = memo.get(t.text)
                if text is None:
                    text = folders[t.script](t.text)
                    if len(memo) >= self.MEMO_SIZE:
                        memo.clear()
                    memo[t.text] = text
                if not text:
                    dropped = True
                    continue
                t.text = text
            append(t)
        return _renumber(out) if dropped else out


def _merge(a: Token, b: Token) -> Token:
    return _clone(a, text=a.text + b.text, endchar=b.endchar)


class AffixJoinFilter:
    """Joins detached Persian affixes to their word, so half-space, space and
    no space spell the same term (می‌کند / می کند / میکند -> میکند).

    ``prefixes``: joined to the next Arabic-script token (after ZWNJ/space);
    ``suffixes``: joined to the previous Arabic-script token after a ZWNJ or a
    space; ``zwnj_suffixes``: only after a ZWNJ (they are also words).
    Tokens separated by punctuation (``sep == "x"``) never join.
    """

    name = "join-affixes"

    def __init__(self, prefixes, suffixes, zwnj_suffixes, script=ARABIC):
        self.prefixes = frozenset(prefixes)
        self.suffixes = frozenset(suffixes)
        self.zwnj_suffixes = frozenset(zwnj_suffixes)
        self.script = script

    def __eq__(self, other):
        return other.__class__ is self.__class__ and other.__dict__ == self.__dict__

    def __call__(self, tokens: Iterable[Token]) -> list[Token]:
        script = self.script
        prefixes, suffixes, zsuffixes = self.prefixes, self.suffixes, self.zwnj_suffixes
        out = []
        append = out.append
        joined = False
        pending = None  # last token, not yet emitted
        pending_is_prefix = False
        for t in tokens:
            if pending is not None and t.script == script and pending.script == script:
                sep = t.sep
                if sep in ("zwnj", " ", ""):
                    if pending_is_prefix and t.text not in suffixes:
                        pending = _merge(pending, t)
                        pending_is_prefix = False
                        joined = True
                        continue
                    if t.text in suffixes or (sep == "zwnj" and t.text in zsuffixes):
                        pending = _merge(pending, t)
                        # A prefix with a suffix after it (می + ایی) is a word: no third token joins it.
                        pending_is_prefix = False
                        joined = True
                        continue
            if pending is not None:
                append(pending)
            pending = t
            pending_is_prefix = t.script == script and t.text in prefixes
        if pending is not None:
            append(pending)
        return _renumber(out) if joined else out


class _LookupFilter:
    """A filter that asks a language module's ``lookup(text)`` about the tokens of one script."""

    def __init__(self, lookup: Callable[[str], "Sequence[str] | None"], script: str):
        self.lookup = lookup
        self.script = script

    def __eq__(self, other):
        return other.__class__ is self.__class__ and (other.lookup, other.script) == (self.lookup, self.script)


class CompoundSplitFilter(_LookupFilter):
    """Splits known compounds into their parts (canonical form = apart), so
    رئیس‌جمهور / رئیس جمهور / رئیسجمهور give the same terms and positions.

    ``lookup(text) -> list[str] | None`` comes from the language module.
    When the folded text has the original's length the parts get exact
    offsets, else each part spans the whole original token.
    """

    name = "split-compounds"

    def __call__(self, tokens: Iterable[Token]) -> list[Token]:
        lookup, script = self.lookup, self.script
        out = []
        append = out.append
        changed = False
        for t in tokens:
            parts = lookup(t.text) if t.script == script else None
            if not parts:
                append(t)
                continue
            changed = True
            exact = t.endchar - t.startchar == len(t.text)
            s = t.startchar
            for i, p in enumerate(parts):
                if exact:
                    append(_clone(t, text=p, startchar=s, endchar=s + len(p),
                                  sep=t.sep if i == 0 else ""))
                    s += len(p)
                else:
                    append(_clone(t, text=p, sep=t.sep if i == 0 else ""))
        return _renumber(out) if changed else out


class CompoundPartsFilter(_LookupFilter):
    """Adds the parts of compound words after them (the compound stays): Lucene's dictionary
    decompounder, for languages that write compounds solid (Dutch kabinetsformatie).

    ``lookup(text) -> tuple[str, ...]`` comes from the language module (empty: no parts).
    A part has its compound's position and offsets and ``part = True``: parts stay out of the
    positional fields (titles, bodies: phrases and field lengths are the words as written) and
    reach only the ranking field (searcher.analysis.article).
    """

    name = "compound-parts"

    def __call__(self, tokens: Iterable[Token]) -> list[Token]:
        lookup, script = self.lookup, self.script
        out = []
        append = out.append
        for t in tokens:
            append(t)
            if t.script == script:
                for part in lookup(t.text):
                    append(_clone(t, text=part, part=True))
        return out


class StopFlagFilter:
    """Flags stop words (``token.is_stop``); never removes them: the index keeps them,
    phrases and stop-word-only queries use them.

    ``stops``: script -> zero-argument callable returning a set (lazy load).
    """

    name = "stop"

    def __init__(self, stops: Mapping[str, Callable[[], "frozenset[str]"]]):
        self.stops = dict(stops)

    def __eq__(self, other):
        return other.__class__ is self.__class__ and other.stops == self.stops

    def __call__(self, tokens: Iterable[Token]) -> list[Token]:
        tokens = tokens if isinstance(tokens, list) else list(tokens)
        sets = {}
        for t in tokens:
            sc = t.script
            s = sets.get(sc)
            if s is None:
                f = self.stops.get(sc)
                s = sets[sc] = f() if f is not None else frozenset()
            if t.text in s:
                t.is_stop = True
        return tokens


class StemFilter:
    """Per-script stemming.

    Stop words are not stemmed (Lucene's keyword idea): برای must not become بر.
    """

    name = "stem"

    def __init__(self, stemmers: Mapping[str, Callable[[str], str]]):
        self.stemmers = dict(stemmers)

    def __eq__(self, other):
        return other.__class__ is self.__class__ and other.stemmers == self.stemmers

    def __call__(self, tokens: Iterable[Token]) -> list[Token]:
        tokens = tokens if isinstance(tokens, list) else list(tokens)
        stemmers = self.stemmers
        for t in tokens:
            f = stemmers.get(t.script)
            if f is not None and not t.is_stop:
                t.text = f(t.text)
        return tokens
