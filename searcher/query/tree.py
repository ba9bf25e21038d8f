"""Clauses combined: the operators of the syntax tree (searcher.query.syntax) and of the query
algebra (searcher.query.plan), one definition for both, with the walks they share.

``Or`` and ``And`` hold children; ``Not`` is everything but its child (within a group, the child
excluded); ``AndNot`` is ``positive`` without ``negative``; ``AndMaybe`` is ``required``, scored
also on ``optional`` where it matches. Leaves are whatever a tree holds at its ends: words,
phrases and filters in the syntax tree, index terms in the algebra.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Or:
    children: tuple


@dataclass(frozen=True)
class And:
    children: tuple


@dataclass(frozen=True)
class Not:
    child: object


@dataclass(frozen=True)
class AndNot:
    positive: object
    negative: object


@dataclass(frozen=True)
class AndMaybe:
    required: object
    optional: object


COMBINATORS = (Or, And, Not, AndNot, AndMaybe)


def map_leaves(node, function: Callable):
    """``node`` with each leaf replaced by ``function(leaf)`` (None stays None)."""
    if isinstance(node, (Or, And)):
        return type(node)(tuple(map_leaves(child, function) for child in node.children))
    if isinstance(node, Not):
        return Not(map_leaves(node.child, function))
    if isinstance(node, AndNot):
        return AndNot(map_leaves(node.positive, function), map_leaves(node.negative, function))
    if isinstance(node, AndMaybe):
        return AndMaybe(map_leaves(node.required, function), map_leaves(node.optional, function))
    return function(node) if node is not None else None


def normalize(node, lone_parts: bool = True):
    """Nested ORs and ANDs flattened, duplicate children dropped, groups of one child
    unwrapped, empty parts (None) removed.

    An exclusion or optional part left without its required part: with ``lone_parts`` (the
    syntax tree, where ``-war`` alone means everything but war) the exclusion becomes a ``Not``
    and the optional part what remains; without (the algebra, where an empty part matches
    nothing, as in Whoosh's normalisation, so scores are those of the reference ranking) the
    whole is empty."""
    if isinstance(node, (Or, And)):
        children = []
        for child in (normalize(c, lone_parts) for c in node.children):
            if child is None:
                continue
            children.extend(child.children if type(child) is type(node) else (child,))
        children = list(dict.fromkeys(children))
        if not children:
            return None
        return children[0] if len(children) == 1 else type(node)(tuple(children))
    if isinstance(node, Not):
        child = normalize(node.child, lone_parts)
        return Not(child) if child is not None else None
    if isinstance(node, AndNot):
        positive, negative = normalize(node.positive, lone_parts), normalize(node.negative, lone_parts)
        if positive is None:
            return Not(negative) if negative is not None and lone_parts else None
        return AndNot(positive, negative) if negative is not None else positive
    if isinstance(node, AndMaybe):
        required, optional = normalize(node.required, lone_parts), normalize(node.optional, lone_parts)
        if required is None:
            return optional if lone_parts else None
        return AndMaybe(required, optional) if optional is not None else required
    return node
