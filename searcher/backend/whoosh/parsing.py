"""Query syntax -> Whoosh queries.

The syntax: words; ``"phrases"`` with optional ``~N`` slop; ``AND``, ``OR``, ``NOT``,
``-word``; parentheses; ``title:`` and ``body:`` prefixes. Every word is analysed with the
analyzer of each field it searches, exactly as at index time.

A query of plain words and phrases (no operator) is a *keyword query*: it is answered in two
tiers, articles matching every content clause first, then the ones matching only some. Clauses
made only of stop words never decide the first tier, but a query of stop words alone still
matches.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass

from whoosh import query as wq
from whoosh.qparser import QueryParser, plugins, syntax

from searcher.analysis.chars import ZWNJ
from searcher.backend.whoosh.schema import FIELD_ALIASES, FIELD_BOOSTS, PHRASE_FIELDS, WORD_FIELDS
from searcher.errors import QueryError

# Characters that carry syntax; a query that cannot be parsed is read again without them.
SYNTAX_CHARS = re.compile(r"""["'()\[\]{}^~:+\-*?]""")
# Ranking policy of keyword queries, chosen by measurement (docs/relevance.md).
SCORE_STOP_CLAUSES = True
ALL_WORDS_FIRST_MAX = 4  # keyword queries of 2..this many words, none a stop word, rank all-words matches first
OPERATOR_WORDS = re.compile(r"\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE|REQUIRE)\b")


@dataclass(frozen=True)
class ParsedQuery:
    """A query read from the user's text."""

    text: str
    query: wq.Query  # every clause, as the user combined them
    required: wq.Query | None  # keyword queries: all content clauses at once (the first tier)
    # Keyword queries with stop words: ``query`` is AndMaybe(``content``, ``stop_words``): the
    # matches of the content clauses, scored on the stop words too.
    content: wq.Query | None = None
    stop_words: wq.Query | None = None


class AliasGroup(syntax.OrGroup):
    """One clause searched in every index field its user-facing field name covers."""


class FieldAliasPlugin(plugins.Plugin):
    """Expands unfielded and ``title:``/``body:`` nodes over the index fields they cover: an
    unfielded word is searched in the combined title-and-body fields (one BM25F score; a word
    the analysis splits, such as words joined by half-spaces, as any of its terms), a phrase in
    titles and bodies."""

    def filters(self, parser: QueryParser) -> list:
        # After the fields plugin (priority 100) has attached explicit field names.
        return [(self.expand, 110)]

    def expand(self, parser: QueryParser, group: syntax.GroupNode) -> syntax.GroupNode:
        for i, node in enumerate(group):
            if isinstance(node, syntax.GroupNode):
                group[i] = self.expand(parser, node)
            elif node.has_fieldname:
                names = FIELD_ALIASES.get(node.fieldname) or self.unfielded(node)
                copies = []
                for name in names:
                    fielded = copy.copy(node)
                    fielded.set_fieldname(name)
                    fielded.set_boost(FIELD_BOOSTS[name] * node.boost)
                    copies.append(fielded)
                group[i] = AliasGroup(copies)
        return group

    @staticmethod
    def unfielded(node: syntax.SyntaxNode) -> tuple[str, ...]:
        """The index fields an unfielded node searches."""
        return WORD_FIELDS if isinstance(node, syntax.WordNode) else PHRASE_FIELDS


class ProhibitPlugin(plugins.Plugin):
    """``a NOT b`` means a, without b (as ``a -b`` does), not "a, or anything but b"."""

    def filters(self, parser: QueryParser) -> list:
        # After the operators filter (priority 600) has made NOT groups.
        return [(self.prohibit, 610)]

    def prohibit(self, parser: QueryParser, group: syntax.GroupNode) -> syntax.GroupNode:
        for i, node in enumerate(group):
            if isinstance(node, syntax.GroupNode):
                group[i] = self.prohibit(parser, node)
        if type(group) is not syntax.OrGroup:
            return group
        banned = [node.nodes[0] for node in group if isinstance(node, syntax.NotGroup)]
        kept = [node for node in group if not isinstance(node, syntax.NotGroup)]
        if banned and kept:
            return syntax.AndNotGroup([syntax.OrGroup(kept), syntax.OrGroup(banned)])
        return group


def make_parser(schema) -> QueryParser:
    """A parser for the query syntax above."""
    parser = QueryParser(None, schema, group=syntax.OrGroup)
    for unwanted in (plugins.WildcardPlugin, plugins.RangePlugin, plugins.EveryPlugin):
        parser.remove_plugin_class(unwanted)
    parser.replace_plugin(plugins.FieldsPlugin(expr=r"(?P<text>title|body):", remove_unknown=False))
    # + and - only at the start of a word: "Midden-Oosten" is one word, not "Midden -Oosten".
    parser.add_plugin(plugins.PlusMinusPlugin(plusexpr=r"(?<![^\s(])\+", minusexpr=r"(?<![^\s(])-"))
    parser.add_plugin(FieldAliasPlugin())
    parser.add_plugin(ProhibitPlugin())
    return parser


def parse(parser: QueryParser, text: str, literal: bool = False) -> ParsedQuery:
    """Reads ``text``; a malformed query gets a best-effort reading, an empty one a QueryError.
    With ``literal``, the text is read as plain words, its syntax characters and operator words
    ignored (for text pasted from elsewhere: a headline, a question)."""
    words = plain_words(text) if literal else text
    tree = _syntax_tree(parser, _glue_joined_words(parser.schema["body"].analyzer, words))
    query = tree.query(parser).normalize() if tree is not None else wq.NullQuery
    if query is wq.NullQuery or next(query.iter_all_terms(), None) is None:
        raise QueryError(f"the query {text!r} has no words to search for")
    if next(positive_terms(query), None) is None:
        raise QueryError(f"the query {text!r} only excludes words: add a word to search for")
    keyword = _keyword_reading(parser, tree, text)
    return keyword or ParsedQuery(text=text, query=query, required=None)


def positive_terms(query: wq.Query, stop_words: bool = True) -> Iterator[tuple[str, str]]:
    """(field, term) pairs a matching article contains: never the negated ones, and without
    ``stop_words`` not the terms of the stop-word clauses that only add to scores."""
    if isinstance(query, wq.Not):
        return
    if isinstance(query, wq.AndNot) or (isinstance(query, wq.AndMaybe) and not stop_words):
        yield from positive_terms(query.a, stop_words)
        return
    if query.is_leaf():
        for name, term in query.terms(phrases=True):
            yield name, term.decode("utf-8") if isinstance(term, bytes) else term
        return
    for child in query.children():
        yield from positive_terms(child, stop_words)


def _glue_joined_words(analyzer, text: str) -> str:
    """Where the analysis joins words across a space (``می کند`` -> one term), puts a ZWNJ in
    that space: the parser splits words at spaces before analysing them, so without this the
    query would not meet the index. The analyzer itself decides, so the two cannot drift."""
    chars = list(text)
    for token in analyzer(text, chars=True, mode="query"):
        for i in range(token.startchar, token.endchar):
            if chars[i].isspace():
                chars[i] = ZWNJ
    return "".join(chars)


def plain_words(text: str) -> str:
    """``text`` with every syntax character and operator word turned into a space."""
    return OPERATOR_WORDS.sub(" ", SYNTAX_CHARS.sub(" ", text))


def _syntax_tree(parser: QueryParser, text: str) -> syntax.GroupNode | None:
    """The parsed syntax tree; on a parser failure, the tree of the text without syntax."""
    try:
        return parser.process(text)
    except Exception:  # Whoosh's parser has no error type of its own
        try:
            return parser.process(plain_words(text))
        except Exception:
            return None


def _keyword_reading(parser: QueryParser, tree: syntax.GroupNode, text: str) -> ParsedQuery | None:
    """The reading of a keyword query (words and phrases, perhaps some banned) that has content
    clauses: the articles matching them (stop-word clauses add to their scores when
    SCORE_STOP_CLAUSES, but match nothing by themselves), and a short query of keywords (two
    to ALL_WORDS_FIRST_MAX clauses, none of them stop words) gets a first tier requiring them
    all; longer ones and queries written as sentences (a headline, a question) are ranked by
    BM25F alone. None for any other query."""
    wanted, banned = (tree[0], tree[1]) if isinstance(tree, syntax.AndNotGroup) else (tree, None)
    if not all(isinstance(node, AliasGroup) for node in wanted):
        return None
    analyzer = parser.schema["body"].analyzer
    stop = [_is_stop_clause(analyzer, getattr(node[0], "text", "")) for node in wanted]
    content = [node for node, is_stop in zip(wanted, stop) if not is_stop]
    if not content:
        return None
    stop_clauses = [node.query(parser) for node, is_stop in zip(wanted, stop) if is_stop and SCORE_STOP_CLAUSES]

    def scored(matching: wq.Query) -> wq.Query:
        """``matching``, its matches also scored on the query's stop words if it has any."""
        return wq.AndMaybe(matching, wq.Or(stop_clauses)) if stop_clauses else matching

    matching = wq.Or([node.query(parser) for node in content])
    required = None
    if 1 < len(content) <= ALL_WORDS_FIRST_MAX and len(content) == len(wanted):
        required = _without(scored(wq.And([node.query(parser) for node in content])), banned, parser)
    return ParsedQuery(text=text, query=_without(scored(matching), banned, parser), required=required,
                       content=_without(matching, banned, parser) if stop_clauses else None,
                       stop_words=wq.Or(stop_clauses).normalize() if stop_clauses else None)


def _without(query: wq.Query, banned: syntax.GroupNode | None, parser: QueryParser) -> wq.Query:
    """``query`` minus the articles matching ``banned`` (if any)."""
    return (wq.AndNot(query, banned.query(parser)) if banned is not None else query).normalize()


def _is_stop_clause(analyzer, words: str) -> bool:
    """True when the clause's words analyse to stop words only (or to nothing)."""
    return all(token.stopped for token in analyzer(words, mode="query"))
