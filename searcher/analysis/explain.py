"""Per-step trace of an analyzer, for debugging (``searcher analyze --explain``)."""

from __future__ import annotations

from whoosh.analysis import CompositeAnalyzer

from .registry import steps


def explain(text: str, name: str = "text") -> list[tuple[str, list[str]]]:
    """[(step name, terms after that step), ...] for analyzer ``name``.

    Stop-flagged terms are kept (they are in the index too).
    """
    chain = steps(name)
    out = []
    for i in range(1, len(chain) + 1):
        ana = CompositeAnalyzer(*chain[:i])
        out.append((chain[i - 1].name, [t.text for t in ana(text, positions=True, chars=True)]))
    return out
