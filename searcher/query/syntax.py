"""Query syntax: the text a user types -> a syntax tree of words, phrases, fields and operators.

The syntax (the README's query table is its reference):

- ``word``; ``word*`` (the words of the index starting with it); ``"a phrase"`` and
  ``"a phrase"~N`` (its words within N positions); ``word^2`` or ``"a phrase"^2`` weighs a
  clause more;
- ``AND``, ``OR``, ``NOT``, ``ANDNOT``, ``ANDMAYBE``, ``REQUIRE`` (upper case), parentheses;
  ``+word`` (required) and ``-word`` (excluded), at the start of a word only, so that
  ``Midden-Oosten`` stays one word; ``-lang:nl``, ``-title:word`` likewise;
- ``name:`` before a word, a phrase or a parenthesised group: the fields ``title:`` and
  ``body:``, and the filters ``lang:``, ``source:``, ``date:`` and ``id:``. Any other
  ``name:word`` is read as words, with a note (a web address, ``https://...``, without one).

Operators bind as in Whoosh and Lucene's classic parser: ``NOT`` (prefix) tightest, then ``AND``,
then ``OR``, then ``ANDNOT``/``ANDMAYBE``, then ``REQUIRE``; words side by side form an OR
group. ``+``/``-`` sort the clauses of a group into required, optional and excluded ones; in
an OR group ``a NOT b`` means a without b. Whatever is typed gets a reading: an operator with
nothing to apply to, an unclosed quote or parenthesis are read as well as they can be; only a
query longer than ``max_chars`` or nested deeper than ``max_depth`` is refused (QueryError).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from searcher.errors import QueryError
from searcher.query.tree import And, AndMaybe, AndNot, Not, Or, map_leaves, normalize

FIELDS = ("title", "body")
FILTERS = ("lang", "source", "date", "id")
OPERATORS = ("AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "REQUIRE")
# Characters that carry syntax, and operator words: what ``plain_words`` blanks out.
SYNTAX_CHARS = re.compile(r"""["'()\[\]{}^~:+\-*?]""")
OPERATOR_WORDS = re.compile(r"\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE|REQUIRE)\b")

_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<open>\()"
    r"|(?P<close>\))"
    r'|(?P<phrase>"(?P<inner>[^"]*)")(?:~(?P<slop>\d{1,3}))?(?:\^(?P<pboost>\d+(?:\.\d+)?))?'
    r"|(?P<marks>(?:(?<![^\s(])[+-])*)(?P<prefix>[A-Za-z]+):(?=[^\s:])"
    r'|(?P<word>[^\s()"]+)'
)
_BOOST = re.compile(r"\^(\d+(?:\.\d+)?)$")


# Syntax tree -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    """A word as typed (``field``: "title", "body" or None for both)."""

    text: str
    start: int
    end: int
    field: str | None = None
    boost: float = 1.0
    prefix: bool = False  # ``word*``: every indexed word starting with ``text``


@dataclass(frozen=True)
class Phrase:
    """Words that must stand in this order, at most ``slop`` extra positions apart."""

    text: str
    start: int
    end: int
    slop: int = 1
    field: str | None = None
    boost: float = 1.0


@dataclass(frozen=True)
class Filter:
    """``lang:``, ``source:``, ``date:`` or ``id:``, and the value typed after it."""

    name: str
    value: str
    start: int
    end: int


Node = Word | Phrase | Filter | Or | And | Not | AndNot | AndMaybe


@dataclass(frozen=True)
class Parsed:
    """A query read: its tree (None when nothing searchable is left), and notes for the user."""

    tree: Node | None
    notes: tuple[str, ...] = ()


# Reading -----------------------------------------------------------------------------------------


@dataclass
class _Op:
    """An operator word or a +/- marker waiting to be applied."""

    name: str  # an OPERATORS word, "+" or "-"


def parse(text: str, max_chars: int = 2000, max_depth: int = 32) -> Parsed:
    """The syntax tree of ``text``."""
    if len(text) > max_chars:
        raise QueryError(f"the query is {len(text):,} characters long; the limit is {max_chars:,}")
    reader = _Reader(text, max_depth)
    items = reader.group(0)
    tree = normalize(_reduce(items))
    return Parsed(tree, tuple(dict.fromkeys(reader.notes)))


def plain_words(text: str) -> str:
    """``text`` with every syntax character and operator word turned into a space (the same
    length, so offsets stay valid)."""
    return OPERATOR_WORDS.sub(lambda m: " " * len(m.group()), SYNTAX_CHARS.sub(" ", text))


class _Reader:
    """Reads tokens into nested lists of nodes and pending operators."""

    def __init__(self, text: str, max_depth: int):
        self.text = text
        self.max_depth = max_depth
        self.tokens = [(kind, m) for m in _TOKEN.finditer(text) if (kind := _kind(m)) != "space"]
        self.i = 0
        self.notes: list[str] = []

    def group(self, depth: int) -> list:
        """The items up to the closing parenthesis of this group (or the end)."""
        if depth > self.max_depth:
            raise QueryError(f"the query nests parentheses more than {self.max_depth} deep")
        items: list = []
        while self.i < len(self.tokens):
            kind, match = self.tokens[self.i]
            if kind == "close":
                self.i += 1
                if depth > 0:
                    return items
                continue  # a stray closing parenthesis
            items += self.item(depth)
        return items

    def item(self, depth: int) -> list:
        """One clause, or an operator, at the reader's position."""
        kind, match = self.tokens[self.i]
        self.i += 1
        if kind == "open":
            return [Or((_reduce(self.group(depth + 1)),))]
        if kind == "phrase":
            return [self.phrase(match, None)]
        if kind == "prefix":
            return [_Op(mark) for mark in match.group("marks")] + self.fielded(match, depth)
        text = match.group()
        if text in OPERATORS and self._operator_here(match):
            return [_Op(text)]
        return self.word(match.start(), text, None)

    def _operator_here(self, match: re.Match) -> bool:
        """Operators stand between spaces or parentheses (``NOT`` may also open the query)."""
        before = self.text[match.start() - 1] if match.start() else ""
        after = self.text[match.end()] if match.end() < len(self.text) else ""
        return (before == "" or before.isspace() or before in "()") and (after == "" or after.isspace() or after in "()")

    def word(self, start: int, text: str, field: str | None) -> list:
        """A word, with its +/- marker, ``*`` and ``^boost`` read off."""
        items: list = []
        while text[:1] in ("+", "-") and (start == 0 or self.text[start - 1].isspace() or self.text[start - 1] == "("):
            items.append(_Op(text[0]))
            text, start = text[1:], start + 1
        boost = 1.0
        found = _BOOST.search(text)
        if found and found.start() > 0:
            boost = float(found.group(1))
            text = text[: found.start()]
        prefix = len(text) > 1 and text.endswith("*") and text.count("*") == 1
        if prefix:
            text = text[:-1]
        if text:
            items.append(Word(text, start, start + len(text), field, boost, prefix))
        return items

    def phrase(self, match: re.Match, field: str | None) -> Phrase:
        slop = int(match.group("slop")) if match.group("slop") else 1
        boost = float(match.group("pboost")) if match.group("pboost") else 1.0
        return Phrase(match.group("inner"), match.start("inner"), match.end("inner"), slop, field, boost)

    def filter(self, name: str, match: re.Match) -> list:
        """``name:value``: the value is a quoted phrase, or everything up to the next space or
        closing parenthesis (``date:2024-01-01..2024-03-31``, ``id:a:b``)."""
        start = match.end()
        if self.text.startswith('"', start) and '"' in self.text[start + 1 :]:
            end = self.text.index('"', start + 1) + 1
            value = self.text[start + 1 : end - 1]
        else:
            end = start
            while end < len(self.text) and not self.text[end].isspace() and self.text[end] != ")":
                end += 1
            value = self.text[start:end]
        while self.i < len(self.tokens) and self.tokens[self.i][1].start() < end:
            self.i += 1
        return [Filter(name, value, match.start("prefix"), end)]

    def fielded(self, match: re.Match, depth: int) -> list:
        """What follows ``name:``: a field's clause, a filter, or words with a note."""
        name = match.group("prefix")
        lowered = name.lower()
        if lowered not in FIELDS + FILTERS:
            if not self.text.startswith("//", match.end()):  # a web address is words, as meant
                    self.notes.append(f"unknown field '{name}:' searched as words (fields: "
                                  f"{', '.join(f + ':' for f in FIELDS + FILTERS)})")
            end = match.end()
            while self.i < len(self.tokens) and self.tokens[self.i][0] in ("word", "prefix") \
                    and self.tokens[self.i][1].start() == end:
                end = self.tokens[self.i][1].end()
                self.i += 1
            return self.word(match.start("prefix"), self.text[match.start("prefix"):end], None)
        if lowered in FILTERS:
            return self.filter(lowered, match)
        if self.i >= len(self.tokens):
            return []
        kind, value = self.tokens[self.i]
        self.i += 1
        if kind == "phrase":
            return [self.phrase(value, lowered)]
        if kind == "open":
            inner = _reduce(self.group(depth + 1))
            return [Or((_with_field(inner, lowered),))] if inner is not None else []
        if kind == "word":
            return self.word(value.start(), value.group(), lowered)
        self.i -= 1
        return []


def _kind(match: re.Match) -> str:
    """Which of the token patterns matched (``lastgroup`` would name a phrase's slop group)."""
    return next(kind for kind in ("space", "open", "close", "phrase", "prefix", "word") if match.group(kind) is not None)


def _with_field(node, field: str):
    """``node`` with every unfielded word and phrase in it searched in ``field``."""
    def fielded(leaf):
        if isinstance(leaf, (Word, Phrase)) and not leaf.field:
            return type(leaf)(**{**leaf.__dict__, "field": field})
        return leaf

    return map_leaves(node, fielded)


# Operators ---------------------------------------------------------------------------------------

_INFIX = (("AND", "and"), ("OR", "or"), ("ANDNOT", "andnot"), ("ANDMAYBE", "andmaybe"), ("REQUIRE", "require"))


def _reduce(items: list):
    """One group's items -> a node: +/- markers first, then the operators by precedence."""
    required, optional, banned = [], [], []
    target = optional
    for item in items:
        if isinstance(item, _Op) and item.name in ("+", "-"):
            target = required if item.name == "+" else banned
            continue
        target.append(item)
        target = optional
    node = _operators(optional)
    if required:
        required_node = _operators(required)
        node = AndMaybe(required_node, node) if node is not None else required_node
    if banned:
        banned_node = _operators(banned)
        if banned_node is not None:
            node = AndNot(node, banned_node) if node is not None else Not(banned_node)
    return node


def _operators(items: list):
    """Applies NOT, then each infix operator in precedence order, left to right; an operator
    without operands is dropped. Side by side, the clauses that are left form an OR group."""
    items = list(items)
    i = 0
    while i < len(items):  # NOT binds to the clause after it (a chain of NOTs, to the last)
        if isinstance(items[i], _Op) and items[i].name == "NOT":
            j = i
            while j < len(items) and isinstance(items[j], _Op) and items[j].name == "NOT":
                j += 1
            if j < len(items) and not isinstance(items[j], _Op):
                node = items[j]
                for _ in range(j - i):
                    node = Not(node)
                items[i : j + 1] = [node]
            else:
                del items[i:j]
                continue
        i += 1
    for word, kind in _INFIX:
        i = 0
        while i < len(items):
            if not (isinstance(items[i], _Op) and items[i].name == word):
                i += 1
                continue
            if 0 < i < len(items) - 1 and not isinstance(items[i - 1], _Op) and not isinstance(items[i + 1], _Op):
                left, right = items[i - 1], items[i + 1]
                items[i - 1 : i + 2] = [_combine(kind, left, right)]
            else:
                del items[i]
    nodes = [item for item in items if not isinstance(item, _Op)]
    if not nodes:
        return None
    return _prohibit(Or(tuple(nodes)))


def _combine(kind: str, left, right):
    if kind in ("and", "or"):
        group = And if kind == "and" else Or
        if isinstance(left, group):
            return group((*left.children, right))
        return group((left, right))
    if kind == "andnot":
        return AndNot(left, right)
    if kind == "andmaybe":
        return AndMaybe(left, right)
    return And((left, right))  # REQUIRE: both must match, the left one scores


def _prohibit(group: Or):
    """In an OR group, ``a NOT b`` means a without b."""
    banned = [child.child for child in group.children if isinstance(child, Not)]
    kept = [child for child in group.children if not isinstance(child, Not)]
    if banned and kept:
        return AndNot(Or(tuple(kept)), Or(tuple(banned)))
    return group
