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
from searcher.query.tree import COMBINATORS, And, AndMaybe, AndNot, Not, Or, map_leaves
from searcher.query.tree import normalize as tree_normalize

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
    """The ranking field's terms of a family that start with ``prefix`` (a wildcard), and
    ``word``: the terms of the prefix read as a word (``verkiezing*`` -> ``verkies``, so that
    the word itself is found in every inflection, though its stem is shorter than the prefix)."""

    family: str
    prefix: str
    boost: float = 1.0
    word: tuple[str, ...] = ()


Query = Union[Term, Phrase, Prefix, Or, And, AndNot, AndMaybe, Not]
LEAVES = (Term, Phrase, Prefix)


def normalize(query):
    """The algebra's normal form (searcher.query.tree.normalize): a part that matches nothing
    makes an exclusion or an optional part match nothing too."""
    return tree_normalize(query, lone_parts=False)


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
    # A keyword query of 2+ content clauses: all of them required, to count the articles with
    # every content word (None: not such a query). ``all_words`` is the same query when it is a tier.
    every_word: object = None
    tree: object = None  # the syntax tree read (filters taken out), for explain
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
    if query is not None and not positive_terms(query) and not has_prefix(query):
        raise QueryError(f"the query {text!r} only excludes words: add a word to search for")
    suggestible = tuple(_suggestible(tree, text))
    reading = _keyword_reading(tree, compiler, config) if tree is not None else None
    if reading is None:
        tiers = (Tier(query),) if query is not None else ()
        return Plan(text, query, tiers, False, 0, None, constraints, suggestible, notes + tuple(compiler.notes),
                    tree=tree)
    query, tiers, content, all_words, every_word = reading
    return Plan(text, query, tiers, True, content, all_words, constraints, suggestible, notes + tuple(compiler.notes),
                every_word, tree)


@dataclass(frozen=True)
class Clause:
    """A word, phrase or wildcard of a query as typed, and its part of the query algebra."""

    text: str  # as typed, without its field, sign or ``*``
    start: int  # where it is in the query text
    kind: str  # "word", "phrase" or "wildcard"
    field: str | None  # "title" or "body" when the clause names one
    excluded: bool  # under a NOT or a -
    stop: bool  # a keyword query's clause of stop words only (it scores the head only)
    query: object


def clauses(plan: Plan, config: Config) -> list[Clause]:
    """The words, phrases and wildcards of ``plan``'s query, in query order (for explain: each
    compiled again, as ``plan`` compiled it)."""
    compiler = _Compiler({family: chain(family, config.index) for family in FAMILIES}, config)
    found: list[Clause] = []

    def walk(node, excluded: bool) -> None:
        if isinstance(node, (syntax.Word, syntax.Phrase)):
            wildcard = isinstance(node, syntax.Word) and node.prefix
            kind = "wildcard" if wildcard else "word" if isinstance(node, syntax.Word) else "phrase"
            stop = plan.keyword and not wildcard and compiler.is_stop(node)
            found.append(Clause(plan.text[node.start:node.end], node.start, kind, node.field, excluded, stop,
                                normalize(compiler.compile(node))))
        elif isinstance(node, (Or, And)):
            for child in node.children:
                walk(child, excluded)
        elif isinstance(node, Not):
            walk(node.child, not excluded)
        elif isinstance(node, AndNot):
            walk(node.positive, excluded)
            walk(node.negative, not excluded)
        elif isinstance(node, AndMaybe):
            walk(node.required, excluded)
            walk(node.optional, excluded)

    walk(plan.tree, False)
    return sorted(found, key=lambda clause: clause.start)


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
        """The query of a syntax node (each leaf's remembered: the keyword reading compiles
        clauses again)."""
        if isinstance(node, COMBINATORS):
            return map_leaves(node, self.compile)
        if node not in self.compiled:
            self.compiled[node] = self._leaf(node)
        return self.compiled[node]

    def _leaf(self, node):
        if isinstance(node, syntax.Word):
            return self.word(node)
        if isinstance(node, syntax.Phrase):
            return self.phrase(node)
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
        """``word*``: the prefix folded (never stemmed), matched against each family's terms,
        and the prefix's own terms as a word."""
        found = []
        for family in FAMILIES:
            analyzer = self.analyzers[family]
            tokens = _folded(analyzer.steps, node.text)
            if len(tokens) > 1:
                self.notes.append(f"'{node.text}*' is several words; only its last one is a prefix")
            if tokens:
                last = node.text[tokens[-1].startchar : tokens[-1].endchar]
                word = tuple(token.text for token in analyzer(last) if not token.part)
                found.append(Prefix(family, tokens[-1].text, node.boost, word))
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


def has_prefix(query) -> bool:
    """Whether ``query`` holds a wildcard where it can match."""
    if isinstance(query, Prefix):
        return True
    if isinstance(query, (Or, And)):
        return any(has_prefix(child) for child in query.children)
    if isinstance(query, AndNot):
        return has_prefix(query.positive)
    if isinstance(query, AndMaybe):
        return has_prefix(query.required)
    return False


def _keyword_reading(tree, compiler: _Compiler, config: Config):
    """(query, tiers, content clauses, all-words tier, all-words count) of a keyword query: words and phrases
    side by side, some perhaps excluded, with at least one clause that is not made of stop
    words only; None for any other query."""
    wanted, banned = (tree.positive, tree.negative) if isinstance(tree, AndNot) else (tree, None)
    clauses = wanted.children if isinstance(wanted, Or) else (wanted,)
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
    every_word = without(And(tuple(normalize(clause) for clause in content))) if len(content) > 1 else None
    all_words = None
    if 1 < len(content) <= ranking.all_words_first_max and len(content) == len(clauses):
        all_words = every_word
    if stops:
        tiers = (Tier(matching, stop_query),)
    elif all_words is not None:
        tiers = (Tier(all_words), Tier(normalize(AndNot(matching, all_words))))
    else:
        tiers = (Tier(matching),)
    return query, tiers, len(content), all_words, every_word


def _constraints(tree):
    """The tree without its filters, the filters, and notes on filters that cannot apply
    where they stand (filters restrict the whole query)."""
    found: dict[str, list[str]] = {"lang": [], "source": [], "date": [], "id": []}
    excluded: list[tuple[str, str]] = []
    notes: list[str] = []

    def strip(node, top: bool, root: bool = False):
        if isinstance(node, syntax.Filter):
            found[node.name].append(node.value)
            if not top:
                notes.append(f"the filter {node.name}:{node.value} applies to the whole query")
            return None
        if isinstance(node, (Or, And)):
            # Beside the words of the query, or required with them: a filter restricts the whole
            # query exactly; as one choice of a nested OR it cannot, and is noted.
            inner = top and (root or isinstance(node, And))
            children = tuple(child for child in (strip(c, inner) for c in node.children) if child is not None)
            if not children:
                return None
            return children[0] if len(children) == 1 else type(node)(children)
        if isinstance(node, AndNot):
            negative = node.negative
            negatives = negative.children if isinstance(negative, Or) else (negative,)
            kept = []
            for item in negatives:
                if isinstance(item, syntax.Filter) and top:
                    excluded.append((item.name, item.value))
                else:
                    kept.append(strip(item, False))
            kept = [item for item in kept if item is not None]
            positive = strip(node.positive, top, root)
            if not kept:
                return positive
            rest = kept[0] if len(kept) == 1 else Or(tuple(kept))
            return AndNot(positive, rest) if positive is not None else Not(rest)
        if isinstance(node, Not):
            if isinstance(node.child, syntax.Filter) and top:
                excluded.append((node.child.name, node.child.value))
                return None
            child = strip(node.child, False)
            return Not(child) if child is not None else None
        if isinstance(node, AndMaybe):
            required = strip(node.required, top, root)
            optional = strip(node.optional, top, root)  # ``+word lang:nl``: beside the words
            if required is None:
                return optional
            return AndMaybe(required, optional) if optional is not None else required
        return node

    tree = strip(tree, True, root=True) if tree is not None else None
    constraints = Constraints(tuple(found["lang"]), tuple(found["source"]), tuple(found["date"]), tuple(found["id"]),
                              tuple(excluded))
    return tree, constraints, tuple(notes)


def _suggestible(node, text: str):
    """The plain words of the query (in phrases too), for did-you-mean."""
    if node is None:
        return
    if isinstance(node, syntax.Word):
        if not node.prefix:
            yield Span(node.start, node.end, text[node.start:node.end])
    elif isinstance(node, syntax.Phrase):
        offset = node.start
        for word in text[node.start:node.end].split():
            start = text.index(word, offset)
            offset = start + len(word)
            yield Span(start, offset, word)
    elif isinstance(node, (Or, And)):
        for child in node.children:
            yield from _suggestible(child, text)
    elif isinstance(node, AndNot):
        yield from _suggestible(node.positive, text)
    elif isinstance(node, AndMaybe):
        yield from _suggestible(node.required, text)
        yield from _suggestible(node.optional, text)
