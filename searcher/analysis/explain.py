"""How a text becomes terms, step by step (the query explanation shows where a term came from)."""
from __future__ import annotations

from .registry import steps


def explain(text: str, name: str = "text") -> list[tuple[str, list[str]]]:
    """[(step name, terms after that step), ...] for the chain ``name``; stop words and compound
    parts are kept (they are in the index too)."""
    chain = steps(name)
    tokens = chain[0](text)
    trace = [(chain[0].name, [token.text for token in tokens])]
    for step in chain[1:]:
        tokens = step(tokens)
        trace.append((step.name, [token.text for token in tokens]))
    return trace
