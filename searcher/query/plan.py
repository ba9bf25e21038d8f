"""Query text -> a plan: the one reading of a query that ranking, snippets, proximity,
did-you-mean and explain all use; nothing after this module tokenizes the query again.

A plan holds:

- ``query``: what an article must match and how it scores, as a small algebra of index terms
  (``Term`` of one field and family, ``Phrase``, ``Prefix``, ``Or``, ``And``, ``AndNot``,
  ``AndMaybe``, ``Not``), normalised as Whoosh normalises its queries (nested ORs and ANDs
  flattened, duplicates dropped), so scores are those of the engine's reference ranking;
- ``tiers``: the order in which matches are ranked. A *keyword query* (words and phrases,
  some perhaps excluded) of 2 to ``all_words_first_max`` content words, none a stop word, ranks
  the articles with all of them first; a keyword query's stop words match nothing alone and
  add to the scores of the head of the ranking only;
- the words each family's snippets mark, the neighbouring words proximity looks at, the words
  did-you-mean may correct, the filters typed in the query, and notes for the user.

Each query word is analysed with the chain of each family (searcher.analysis.article): a word
in Arabic script gets the Persian analysis, one in Latin script the Dutch one, and the generic
chain serves articles of other languages, so a query needs no language flag.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Union

from searcher.analysis.article import FAMILIES, chain
from searcher.analysis.chars import ZWNJ
from searcher.analysis.registry import Analyzer
from searcher.config import Config
from searcher.errors import QueryError
from searcher.query import syntax

RANKING, TITLE, BODY = "ranking", "title", "body"


# The query algebra --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A term of one field (``ranking``, ``title`` or ``body``) of one family."""

    field: str
    family: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Phrase:
    """Terms in this order in a title or body, at most ``slop`` positions apart in all.
    ``written``: the phrase's words as typed, when the search may also try them written
    solid or apart (searcher.search.variants)."""

    field: str
    family: str
    words: tuple[str, ...]
    slop: int = 1
    boost: float = 1.0
    written: tuple[str, ...] = ()


@dataclass(frozen=True)
class Prefix:
    """The ranking field's terms of a family that start with ``prefix`` (a wildcard)."""

    family: str
    prefix: str
    boost: float = 1.0


@dataclass(frozen=True)
class Or:
    children: tuple


@dataclass(frozen=True)
class And:
    children: tuple


@dataclass(frozen=True)
class AndNot:
    positive: object
    negative: object


@dataclass(frozen=True)
class AndMaybe:
    required: object
    optional: object


@dataclass(frozen=True)
class Not:
    child: object


Query = Union[Term, Phrase, Prefix, Or, And, AndNot, AndMaybe, Not]
LEAVES = (Term, Phrase, Prefix)


def normalize(query):
    """Nested ORs and ANDs flattened, duplicate children dropped, empty parts (None) removed."""
    if isinstance(query, (Or, And)):
        children = []
        for child in (normalize(c) for c in query.children):
            if child is None:
                continue
            children.extend(child.children if type(child) is type(query) else (child,))
        children = list(dict.fromkeys(children))
        if not children:
            return None
        return children[0] if len(children) == 1 else type(query)(tuple(children))
    if isinstance(query, AndNot):
        positive, negative = normalize(query.positive), normalize(query.negative)
        if positive is None:
            return None
        return AndNot(positive, negative) if negative is not None else positive
    if isinstance(query, AndMaybe):
        required, optional = normalize(query.required), normalize(query.optional)
        if required is None:
            return None
        return AndMaybe(required, optional) if optional is not None else required
    if isinstance(query, Not):
        child = normalize(query.child)
        return Not(child) if child is not None else None
    return query


def positive_terms(query, optional: bool = True) -> list[tuple[str, str, str]]:
    """(field, family, term) of the terms a matching article holds, in query order: never the
    excluded ones, and without ``optional`` not those that only add to scores (ANDMAYBE)."""
    if query is None or isinstance(query, Not):
        return []
    if isinstance(query, AndNot):
        return positive_terms(query.positive, optional)
    if isinstance(query, AndMaybe):
        found = positive_terms(query.required, optional)
        return found + positive_terms(query.optional, optional) if optional else found
    if isinstance(query, (Or, And)):
        return [term for child in query.children for term in positive_terms(child, optional)]
    if isinstance(query, Term):
        return [(query.field, query.family, query.text)]
    if isinstance(query, Phrase):
        return [(query.field, query.family, word) for word in query.words]
    return []  # a Prefix: its terms are known once expanded


# The plan -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tier:
    """One tier of a ranking: the articles ``matching`` matches, ranked on its score;
    ``stop_words`` (if any) add their score to the head of the ranking."""

    matching: object
    stop_words: object = None


@dataclass(frozen=True)
class Span:
    """A word of the query text that did-you-mean may correct."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Constraints:
    """The filters typed in a query (``lang:``, ``source:``, ``date:``, ``id:``), as typed;
    the ranking reads them with searcher.filters."""

    lang: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    date: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    excluded: tuple[tuple[str, str], ...] = ()  # (name, value) of ``-name:value``

    def __bool__(self) -> bool:
        return bool(self.lang or self.source or self.date or self.ids or self.excluded)


@dataclass(frozen=True)
class Plan:
    """A query read once: see the module docstring."""

    text: str
    query: object  # the whole query: what matches, how it scores (snippets, totals)
    tiers: tuple[Tier, ...]
    keyword: bool  # words and phrases only (some perhaps excluded)
    content_clauses: int  # a keyword query's clauses that are not stop words
    all_words: object = None  # a keyword query's content clauses all required (None: not one)
    constraints: Constraints = field(default_factory=Constraints)
    suggestible: tuple[Span, ...] = ()
    notes: tuple[str, ...] = ()
    expanded: bool = False  # its wildcards and phrase variants resolved in an index (Engine.expanded)

    def snippet_terms(self, family: str) -> frozenset[str]:
        """The terms a hit's body may mark, for an article of ``family``."""
        return frozenset(term for name, fam, term in positive_terms(self.query) if fam == family and name != TITLE)

    def title_terms(self, family: str) -> frozenset[str]:
        """The terms a hit's title may mark."""
        return frozenset(term for name, fam, term in positive_terms(self.query) if fam == family and name != BODY)

    def proximity_words(self, family: str) -> list[str]:
        """The content words (no stop words) in query order, each once."""
        return list(dict.fromkeys(term for _, fam, term in positive_terms(self.query, optional=False) if fam == family))

    def with_query(self, query) -> "Plan":
        return replace(self, query=query)


def plan(text: str, config: Config, literal: bool = False) -> Plan:
    """The plan of ``text``. With ``literal`` the text is read as plain words, its syntax
    characters and operator words ignored (for text pasted from elsewhere: a headline, a
    question). Raises QueryError for a query with nothing to search for."""
    if len(text) > config.limits.query_chars:
        raise QueryError(f"the query is {len(text):,} characters long; the limit is {config.limits.query_chars:,}")
    analyzers = {family: chain(family, config.index) for family in FAMILIES}
    words = syntax.plain_words(text) if literal else text
    parsed = syntax.parse(_glued(analyzers["text"], words), config.limits.query_chars, config.limits.query_depth)
    tree, constraints, notes = _constraints(parsed.tree)
    notes = parsed.notes + notes
    compiler = _Compiler(analyzers, config)
    query = normalize(compiler.compile(tree)) if tree is not None else None
    if query is None and not constraints:
        raise QueryError(f"the query {text!r} has no words to search for")
    if query is not None and not positive_terms(query) and not _has_prefix(query):
        raise QueryError(f"the query {text!r} only excludes words: add a word to search for")
    suggestible = tuple(_suggestible(tree, text))
    reading = _keyword_reading(tree, compiler, config) if tree is not None else None
    if reading is None:
        tiers = (Tier(query),) if query is not None else ()
        return Plan(text, query, tiers, False, 0, None, constraints, suggestible, notes + tuple(compiler.notes))
    query, tiers, content, all_words = reading
    return Plan(text, query, tiers, True, content, all_words, constraints, suggestible, notes + tuple(compiler.notes))


def _glued(text_analyzer: Analyzer, text: str) -> str:
    """Where the analysis joins words across a space (``می کند`` -> one term), a ZWNJ in that
    space: the syntax splits words at spaces, and the word must meet the index's term. The
    analyzer itself decides, so the two cannot drift; offsets stay the same."""
    chars = list(text)
    for token in text_analyzer(text):
        for i in range(token.startchar, token.endchar):
            if chars[i].isspace():
                chars[i] = ZWNJ
    return "".join(chars)


class _Compiler:
    """Syntax tree -> query algebra, analysing each word with each family's chain."""

    def __init__(self, analyzers: dict[str, Analyzer], config: Config):
        self.analyzers = analyzers
        self.config = config
        self.notes: list[str] = []
        self.compiled: dict = {}

    def compile(self, node):
        """The query of a syntax node (remembered: the keyword reading compiles clauses again)."""
        if node not in self.compiled:
            self.compiled[node] = self._compile(node)
        return self.compiled[node]

    def _compile(self, node):
        if isinstance(node, syntax.Word):
            return self.word(node)
        if isinstance(node, syntax.Phrase):
            return self.phrase(node)
        if isinstance(node, syntax.Group):
            kind = Or if node.kind == "or" else And
            return kind(tuple(self.compile(child) for child in node.children))
        if isinstance(node, syntax.Not):
            return Not(self.compile(node.child))
        if isinstance(node, syntax.AndNot):
            return AndNot(self.compile(node.positive), self.compile(node.negative))
        if isinstance(node, syntax.AndMaybe):
            return AndMaybe(self.compile(node.required), self.compile(node.optional))
        return None  # a filter nested where it cannot apply (noted by _constraints)

    def word(self, node: syntax.Word):
        if node.prefix:
            return self.prefix(node)
        if node.field is not None:
            return self.fielded(node.text, node.field, 1, node.boost)
        return normalize(Or(tuple(Term(RANKING, family, term, node.boost)
                                  for family in FAMILIES for term in self.ranking_terms(node.text, family))))

    def ranking_terms(self, word: str, family: str) -> list[str]:
        """The ranking field's terms of a query word: its terms that are not stop words (all of
        them when it has nothing else: the parts of ``عراق‌هم`` search ``عراق``), and the solid
        forms of its half-space runs."""
        analyzer = self.analyzers[family]
        tokens = analyzer(word)
        terms = [token.text for token in tokens if not token.is_stop] or [token.text for token in tokens]
        return terms + _solid_forms(analyzer, word, tokens)

    def fielded(self, text: str, name: str, slop: int, boost: float):
        """A word or phrase in titles or bodies (``name``: "title", "body" or None for both):
        one term is a term query, several a phrase."""
        names = (name,) if name else (TITLE, BODY)
        found = []
        for family in FAMILIES:
            words = tuple(token.text for token in self.analyzers[family](text) if not token.part)
            for field_name in names:
                weight = boost * (self.config.ranking.title_boost if field_name == TITLE else 1.0)
                if len(words) == 1:
                    found.append(Term(field_name, family, words[0], weight))
                elif words:
                    written = tuple(text.split()) if family == "text" else ()
                    found.append(Phrase(field_name, family, words, slop, weight, written))
        return normalize(Or(tuple(found)))

    def phrase(self, node: syntax.Phrase):
        return self.fielded(node.text, node.field, node.slop, node.boost)

    def prefix(self, node: syntax.Word):
        """``word*``: the prefix folded (never stemmed), matched against each family's terms."""
        found = []
        for family in FAMILIES:
            steps = self.analyzers[family].steps
            pieces = [token.text for token in _folded(steps, node.text)]
            if len(pieces) > 1:
                self.notes.append(f"'{node.text}*' is several words; only its last one is a prefix")
            if pieces:
                found.append(Prefix(family, pieces[-1], node.boost))
        return normalize(Or(tuple(found)))

    def is_stop(self, node) -> bool:
        """A clause whose words are all stop words (or compound parts), or that has none."""
        text = node.text
        return all(token.is_stop or token.part for token in self.analyzers["text"](text))


def _folded(steps: list, text: str) -> list:
    """The tokens of ``text`` after the chain's splitting and folding (no joining, no stemming)."""
    tokens = steps[0](text)
    for step in steps[1:]:
        if step.name not in ("split", "fold"):
            break
        tokens = step(tokens)
    return tokens


def _solid_forms(analyzer: Analyzer, word: str, tokens: list) -> list[str]:
    """The terms of each run of the word's tokens joined by single half-spaces, analysed as
    one word (``تیم‌ملی`` -> ``تیمملی``), that are not the run's own."""
    if ZWNJ not in word:
        return []
    tokens = [token for token in tokens if not token.part]
    runs, run = [], tokens[:1]
    for previous, token in zip(tokens, tokens[1:]):
        if token.startchar - previous.endchar == 1 and word[previous.endchar] == ZWNJ:
            run.append(token)
        else:
            runs.append(run)
            run = [token]
    runs.append(run)
    solid = []
    for run in runs:
        if len(run) > 1:
            own = {token.text for token in run}
            written = word[run[0].startchar : run[-1].endchar].replace(ZWNJ, "")
            solid += [term for term in analyzer.terms(written) if term not in own]
    return solid


def _has_prefix(query) -> bool:
    if isinstance(query, Prefix):
        return True
    if isinstance(query, (Or, And)):
        return any(_has_prefix(child) for child in query.children)
    if isinstance(query, AndNot):
        return _has_prefix(query.positive)
    if isinstance(query, AndMaybe):
        return _has_prefix(query.required)
    return False


def _keyword_reading(tree, compiler: _Compiler, config: Config):
    """(query, tiers, content clauses, all-words query) of a keyword query: words and phrases
    side by side, some perhaps excluded, with at least one clause that is not made of stop
    words only; None for any other query."""
    wanted, banned = (tree.positive, tree.negative) if isinstance(tree, syntax.AndNot) else (tree, None)
    clauses = wanted.children if isinstance(wanted, syntax.Group) and wanted.kind == "or" else (wanted,)
    if not all(isinstance(clause, (syntax.Word, syntax.Phrase)) for clause in clauses):
        return None
    stop = [compiler.is_stop(clause) for clause in clauses]
    content = [compiler.compile(clause) for clause, is_stop in zip(clauses, stop) if not is_stop]
    if not content:
        return None
    ranking = config.ranking
    stops = [compiler.compile(clause) for clause, is_stop in zip(clauses, stop) if is_stop] if ranking.score_stop_words else []
    excluded = compiler.compile(banned) if banned is not None else None

    def without(query):
        return normalize(AndNot(query, excluded)) if excluded is not None else normalize(query)

    matching = without(Or(tuple(content)))
    # Stop clauses that analyse to nothing still make the head rescored: an empty OR.
    stop_query = (normalize(Or(tuple(stops))) or Or(())) if stops else None
    query = without(AndMaybe(Or(tuple(content)), stop_query) if stop_query is not None else Or(tuple(content)))
    all_words = None
    if 1 < len(content) <= ranking.all_words_first_max and len(content) == len(clauses):
        all_words = without(And(tuple(normalize(clause) for clause in content)))
    if stops:
        tiers = (Tier(matching, stop_query),)
    elif all_words is not None:
        tiers = (Tier(all_words), Tier(normalize(AndNot(matching, all_words))))
    else:
        tiers = (Tier(matching),)
    return query, tiers, len(content), all_words


def _constraints(tree):
    """The tree without its filters, the filters, and notes on filters that cannot apply
    where they stand (filters restrict the whole query)."""
    found: dict[str, list[str]] = {"lang": [], "source": [], "date": [], "id": []}
    excluded: list[tuple[str, str]] = []
    notes: list[str] = []

    def strip(node, top: bool):
        if isinstance(node, syntax.Filter):
            found[node.name].append(node.value)
            if not top:
                notes.append(f"the filter {node.name}:{node.value} applies to the whole query")
            return None
        if isinstance(node, syntax.Group):
            children = tuple(child for child in (strip(c, top and node.kind in ("or", "and")) for c in node.children)
                             if child is not None)
            if not children:
                return None
            return children[0] if len(children) == 1 else syntax.Group(node.kind, children)
        if isinstance(node, syntax.AndNot):
            negative = node.negative
            negatives = negative.children if isinstance(negative, syntax.Group) and negative.kind == "or" else (negative,)
            kept = []
            for item in negatives:
                if isinstance(item, syntax.Filter) and top:
                    excluded.append((item.name, item.value))
                else:
                    kept.append(strip(item, False))
            kept = [item for item in kept if item is not None]
            positive = strip(node.positive, top)
            if not kept:
                return positive
            rest = kept[0] if len(kept) == 1 else syntax.Group("or", tuple(kept))
            return syntax.AndNot(positive, rest) if positive is not None else syntax.Not(rest)
        if isinstance(node, syntax.Not):
            if isinstance(node.child, syntax.Filter) and top:
                excluded.append((node.child.name, node.child.value))
                return None
            child = strip(node.child, False)
            return syntax.Not(child) if child is not None else None
        if isinstance(node, syntax.AndMaybe):
            required = strip(node.required, top)
            optional = strip(node.optional, False)
            if required is None:
                return optional
            return syntax.AndMaybe(required, optional) if optional is not None else required
        return node

    tree = strip(tree, True) if tree is not None else None
    constraints = Constraints(tuple(found["lang"]), tuple(found["source"]), tuple(found["date"]), tuple(found["id"]),
                              tuple(excluded))
    return tree, constraints, tuple(notes)


def _suggestible(tree, text: str):
    """The plain words of the query (in phrases too), for did-you-mean."""
    if tree is None:
        return
    if isinstance(tree, syntax.Word):
        if not tree.prefix:
            yield Span(tree.start, tree.end, text[tree.start:tree.end])
    elif isinstance(tree, syntax.Phrase):
        offset = tree.start
        for word in text[tree.start:tree.end].split():
            start = text.index(word, offset)
            offset = start + len(word)
            yield Span(start, offset, word)
    elif isinstance(tree, syntax.Group):
        for child in tree.children:
            yield from _suggestible(child, text)
    elif isinstance(tree, syntax.AndNot):
        yield from _suggestible(tree.positive, text)
    elif isinstance(tree, syntax.AndMaybe):
        yield from _suggestible(tree.required, text)
        yield from _suggestible(tree.optional, text)
