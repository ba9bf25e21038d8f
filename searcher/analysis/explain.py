"""How a text becomes terms, step by step (the query explanation shows where a term came from)."""
from __future__ import annotations

from dataclasses import dataclass

from .registry import steps

# What each step of a chain did to a term it changed or made, in the words of the explanation.
HOW = {
    "split": "split",  # at a half-space or a hyphen
    "fold": "folded",  # letter forms, case, diacritics, digits
    "join-affixes": "joined",  # a detached Persian affix joined to its word
    "split-compounds": "compound split",  # a Persian compound written solid, cut into its words
    "compound-parts": "compound part",  # a part of a Dutch compound, indexed beside it
    "stop": "stop word",
    "stem": "stemmed",
}


def explain(text: str, name: str = "text") -> list[tuple[str, list[str]]]:
    """[(step name, terms after that step), ...] for the chain ``name``; stop words and compound
    parts are kept (they are in the index too)."""
    return [(step, [token[0] for token in tokens]) for step, tokens in _states(text, name)]


@dataclass(frozen=True)
class Origin:
    """A term of a text and where it came from: the text it was read from as written there,
    and what the steps of the chain did to make it (``HOW``'s words, in chain order)."""

    term: str
    written: str
    how: tuple[str, ...]
    part: bool = False
    stop: bool = False


def origins(text: str, name: str = "text") -> list[Origin]:
    """The terms the chain ``name`` makes of ``text``, each with its origin. A token is followed
    through the steps by its place in the text (and, for a compound's parts, which part it is):
    a step that changed its text, made it, or split or joined the text it covers is named."""
    states = _states(text, name)
    keyed = [_keyed(tokens) for _, tokens in states]
    found = []
    for key, (term, stop) in keyed[-1].items():
        start, end, part, _ = key
        how: list[str] = []
        for (step, tokens), before, after, previous in zip(states[1:], keyed, keyed[1:], states):
            label = HOW.get(step)
            if key in before and key in after:
                if before[key][0] != after[key][0] and label and step != "stop":
                    how.append(label)
                if after[key][1] and not before[key][1]:
                    how.append(HOW["stop"])
            elif label and _inside(previous[1], start, end, part) != _inside(tokens, start, end, part):
                how.append(label)
        found.append(Origin(term, text[start:end], tuple(dict.fromkeys(how)), part, stop))
    return found


def _states(text: str, name: str) -> list[tuple[str, list[tuple]]]:
    """(step name, [(text, start, end, part, stop) of each token]) after each step of the chain.
    Steps change tokens in place, so each state is copied as it is reached."""
    chain = steps(name)
    tokens = chain[0](text)
    states = [(chain[0].name, _copied(tokens))]
    for step in chain[1:]:
        tokens = step(tokens)
        states.append((step.name, _copied(tokens)))
    return states


def _copied(tokens) -> list[tuple]:
    return [(token.text, token.startchar, token.endchar, token.part, token.is_stop) for token in tokens]


def _keyed(tokens: list[tuple]) -> dict[tuple, tuple[str, bool]]:
    """Tokens by (start, end, part, which of the tokens with that place): their text and stop flag."""
    keyed: dict[tuple, tuple[str, bool]] = {}
    seen: dict[tuple, int] = {}
    for text, start, end, part, stop in tokens:
        place = (start, end, part)
        seen[place] = seen.get(place, -1) + 1
        keyed[(*place, seen[place])] = (text, stop)
    return keyed


def _inside(tokens: list[tuple], start: int, end: int, part: bool) -> list[str]:
    """The texts of the tokens written over any of ``start``-``end`` (parts, or whole words):
    what a step changed there before the token itself was made (a word folded, then split)."""
    return [text for text, first, last, is_part, _ in tokens if first < end and last > start and is_part == part]
