"""The parts of an article's page: which lines are page chrome, which line is the title, which
date the head states.

A text's lines are stripped; *chrome* lines (menu words, "more »»" links, code/ID lines, date
lines, lines without letters) are not article text. The title is the first non-chrome line that
reads as a headline (not 1-2 words, not a paragraph); if the first real line is a paragraph the
title is its first sentence, cut at a word boundary. The body is every other non-chrome line. The
date is stated in the head: the lines up to the title and the next few lines (their beginnings
only); a date labelled as the publication date wins, else the first date there. The word lists
are data files (``data/*_words.txt``).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from searcher import dates, wordlists
from searcher.analysis.chars import WORD_LOOKUP_TABLE
from searcher.errors import DocumentError

MENU_MAX_WORDS = 4  # a menu line is short
MORE_LINK_MAX_WORDS = 5
CHROME_MAX_CHARS = 100  # chrome lines are short; a longer line is article text
LABEL_MAX_WORDS = 5  # "Laatste wijziging: 14-06-2024": a short label before a date
HEADLINE_MIN_WORDS = 3  # 1-2 word lines are section names, datelines, captions
HEADLINE_MAX_CHARS = 150  # a longer line is a paragraph, not a headline
DERIVED_TITLE_MAX_CHARS = 120  # a title cut from a paragraph is at most this
HEAD_LINES_AFTER_TITLE = 2  # the head: lines up to the title, plus these
HEAD_LINE_CHARS = 200  # ... and only the beginning of each head line
HEAD_MAX_LINES = 20  # a known title (a page's) is looked for in this many first lines

_CODE_LINE = re.compile(r"(?P<label>[^\W\d_][^\d]{0,30}?)\s*[:#.]?\s*\d{3,}")
# "more" links end in arrow-like marks: "فیلم بیشتر »»", "Lees meer >>".
_MORE_LINK = re.compile(r"(»»|››|>>|→|»|›)\s*$")
# A word: a run of word characters (and apostrophes, Arabic diacritics) with a letter.
_WORD = re.compile(r"[\w'\u064b-\u065f\u0670]*[^\W\d_][\w'\u064b-\u065f\u0670]*")
_TIME = re.compile(r"(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)")
_LABEL = re.compile(r"^(?P<label>[^:\d]{1,40}):(?P<rest>.*)$")
_SENTENCE_END = re.compile(r"[.!?؟]+[»\"'”’)]*(?=\s)")


@functools.cache
def chrome_words(name: str) -> frozenset[str]:
    """The words of ``data/NAME``, folded as page words are."""
    return frozenset(word for entry in wordlists.entries(f"drops/data/{name}") for word in _words(entry))


def _words(line: str) -> list[str]:
    """The line's words (tokens holding a letter), folded and lower-cased."""
    return _WORD.findall(line.translate(WORD_LOOKUP_TABLE).lower())


def _all_in(words: list[str], name: str) -> bool:
    return bool(words) and all(w in chrome_words(name) for w in words)


def _is_menu_line(line: str) -> bool:
    """A short line made only of menu words (and numbers): "Search", "Asset 2"."""
    words = _words(line)
    return len(words) <= MENU_MAX_WORDS and _all_in(words, "menu_words.txt")


def _is_code_line(line: str) -> bool:
    """An ID line: code-label words followed by a number, "کد خبر ۸۱۹۹۹۱"."""
    match = _CODE_LINE.fullmatch(dates.fold(line))
    return bool(match) and _all_in(_words(match["label"]), "code_words.txt")


def _is_more_link(line: str) -> bool:
    """A short line ending in an arrow mark (an unbalanced "»"): "فیلم بیشتر »»"."""
    if not _MORE_LINK.search(line) or len(_words(line)) > MORE_LINK_MAX_WORDS:
        return False
    return line.count("»") > line.count("«") or not line.rstrip().endswith("»")


def _without_dates(text: str) -> tuple[str, bool]:
    """The text with its dates and times blanked, and whether it had any."""
    spans = [(m.start, m.end) for m in dates.iter_dates(text)]
    spans += [m.span() for m in _TIME.finditer(dates.fold(text))]
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text, bool(spans)


def _is_date_line(line: str) -> bool:
    """A line that only states a date/time, perhaps behind a short label:
    "۳۱ شهريور ۱۴۰۳", "تاریخ انتشار: ۱۰:۲۶ - ۱۰-۱۰-۱۴۰۰", "za 14 jun 2025"."""
    rest, found = _without_dates(line)
    if not found:
        return False
    words = _words(rest)
    if all(w in chrome_words("date_line_words.txt") for w in words):
        return True
    labelled = _LABEL.match(rest)
    return bool(labelled and len(_words(labelled["label"])) <= LABEL_MAX_WORDS and not _words(labelled["rest"]))


def is_chrome(line: str) -> bool:
    """True for a line of page chrome rather than article text."""
    if not any(c.isalpha() for c in line):
        return True
    if len(line) > CHROME_MAX_CHARS:
        return False
    return _is_menu_line(line) or _is_code_line(line) or _is_more_link(line) or _is_date_line(line)


def title_from_paragraph(paragraph: str) -> str:
    """A title cut from a paragraph: its first sentence, or its beginning cut at a word boundary
    with "…" when that sentence is too long."""
    end = _SENTENCE_END.search(paragraph)
    sentence = paragraph[: end.end()] if end else paragraph
    if len(sentence) <= DERIVED_TITLE_MAX_CHARS:
        return sentence.strip()
    cut = sentence[: DERIVED_TITLE_MAX_CHARS + 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,،;:-–—") + "…"


def _is_headline(line: str) -> bool:
    """A line that reads as a headline: a few words, not a paragraph."""
    return len(line) <= HEADLINE_MAX_CHARS and len(_words(line)) >= HEADLINE_MIN_WORDS


def choose_title(lines: list[str]) -> tuple[int, str]:
    """The index of the title line among ``lines`` and the title itself."""
    content = [i for i, line in enumerate(lines) if not is_chrome(line)]
    if not content:
        raise DocumentError("no article text, only page chrome")
    for i in content:
        if _is_headline(lines[i]):
            return i, lines[i]
        if len(lines[i]) > HEADLINE_MAX_CHARS:
            return i, title_from_paragraph(lines[i])
    first = content[0]
    return first, title_from_paragraph(lines[first])


def _is_published_line(line: str) -> bool:
    """A date line labelled as the publication date: "تاریخ انتشار: ..."."""
    return _is_date_line(line) and any(w in chrome_words("published_words.txt") for w in _words(line))


def head_date(lines: list[str], title_index: int) -> str | None:
    """The publication date stated in the head: the lines up to the title and a few after it
    (their beginnings only). A date labelled as the publication date wins; else the first
    date there."""
    head = [line[:HEAD_LINE_CHARS] for line in lines[: title_index + 1 + HEAD_LINES_AFTER_TITLE]]
    return dates.first_date(filter(_is_published_line, head)) or dates.first_date(head)


def text_lines(text: str) -> list[str]:
    """The non-blank lines of a text, stripped."""
    return [s for line in text.splitlines() if (s := line.strip())]


@dataclass(frozen=True)
class Parts:
    """What a page's text holds: title, body (chrome left out), the head's date."""

    title: str
    body: str
    date: str | None
    derived_title: bool  # the title was cut from a paragraph, which stays in the body


def parts_of_text(text: str, title: str | None = None) -> Parts:
    """The title, body and head date of a page's text (a .txt article, or the text of a page
    whose ``title`` is known). Raises DocumentError when it holds no article text."""
    lines = text_lines(text)
    if not lines and not title:
        raise DocumentError("empty text")
    if title:
        # The known title may stand in the text too (a page's <h1>): it is not repeated in the body.
        index = next((i for i, line in enumerate(lines[:HEAD_MAX_LINES]) if line == title), -1)
        body = [line for i, line in enumerate(lines) if i != index and not is_chrome(line)]
        return Parts(title, "\n".join(body), head_date(lines, max(index, 0)), False)
    index, title = choose_title(lines)
    # A title cut from a paragraph leaves that paragraph in the body.
    body = [line for i, line in enumerate(lines) if not is_chrome(line) and not (i == index and line == title)]
    return Parts(title, "\n".join(body), head_date(lines, index), title != lines[index])
