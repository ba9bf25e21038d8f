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
from dataclasses import dataclass

from whoosh import query as wq
from whoosh.qparser import QueryParser, plugins, syntax

from searcher.backend.whoosh.schema import FIELD_ALIASES, FIELD_BOOSTS, SEARCH_FIELDS
from searcher.errors import QueryError

# Characters that carry syntax; a query that cannot be parsed is read again without them.
SYNTAX_CHARS = re.compile(r"""["'()\[\]{}^~:+\-*?]""")
OPERATOR_WORDS = re.compile(r"\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE)\b")


@dataclass(frozen=True)
class ParsedQuery:
    """A query read from the user's text."""

    text: str
    query: wq.Query  # every clause, as the user combined them
    required: wq.Query | None  # keyword queries: all content clauses at once (the first tier)


class AliasGroup(syntax.OrGroup):
    """One clause searched in every index field its user-facing field name covers."""


class FieldAliasPlugin(plugins.Plugin):
    """Expands unfielded and ``title:``/``body:`` nodes over the index fields they cover."""

    def filters(self, parser: QueryParser) -> list:
        # After the fields plugin (priority 100) has attached explicit field names.
        return [(self.expand, 110)]

    def expand(self, parser: QueryParser, group: syntax.GroupNode) -> syntax.GroupNode:
        for i, node in enumerate(group):
            if isinstance(node, syntax.GroupNode):
                group[i] = self.expand(parser, node)
            elif node.has_fieldname:
                names = FIELD_ALIASES.get(node.fieldname, SEARCH_FIELDS)
                copies = []
                for name in names:
                    fielded = copy.copy(node)
                    fielded.set_fieldname(name)
                    fielded.set_boost(FIELD_BOOSTS[name] * node.boost)
                    copies.append(fielded)
                group[i] = AliasGroup(copies)
        return group


def make_parser(schema) -> QueryParser:
    """A parser for the query syntax above."""
    parser = QueryParser(None, schema, group=syntax.OrGroup)
    for unwanted in (plugins.WildcardPlugin, plugins.RangePlugin, plugins.EveryPlugin):
        parser.remove_plugin_class(unwanted)
    parser.replace_plugin(plugins.FieldsPlugin(expr=r"(?P<text>title|body):", remove_unknown=False))
    parser.add_plugin(plugins.PlusMinusPlugin())
    parser.add_plugin(FieldAliasPlugin())
    return parser


def parse(parser: QueryParser, text: str) -> ParsedQuery:
    """Reads ``text``; a malformed query gets a best-effort reading, an empty one a QueryError."""
    tree = _syntax_tree(parser, text)
    query = tree.query(parser).normalize() if tree is not None else wq.NullQuery
    if query is wq.NullQuery or next(query.iter_all_terms(), None) is None:
        raise QueryError(f"the query {text!r} has no words to search for")
    return ParsedQuery(text=text, query=query, required=_first_tier(parser, tree))


def _syntax_tree(parser: QueryParser, text: str) -> syntax.GroupNode | None:
    """The parsed syntax tree; on a parser failure, the tree of the text without syntax."""
    try:
        return parser.process(text)
    except Exception:  # Whoosh's parser has no error type of its own
        plain = OPERATOR_WORDS.sub(" ", SYNTAX_CHARS.sub(" ", text))
        try:
            return parser.process(plain)
        except Exception:
            return None


def _first_tier(parser: QueryParser, tree: syntax.GroupNode) -> wq.Query | None:
    """For a keyword query of two or more content clauses, the query requiring all of them."""
    if not all(isinstance(node, AliasGroup) for node in tree):
        return None
    analyzer = parser.schema["body"].analyzer
    content = [node for node in tree if not _is_stop_clause(analyzer, getattr(node[0], "text", ""))]
    if len(content) < 2:
        return None
    return wq.And([node.query(parser) for node in content]).normalize()


def _is_stop_clause(analyzer, words: str) -> bool:
    """True when the clause's words analyse to stop words only (or to nothing)."""
    return all(token.stopped for token in analyzer(words, mode="query"))
