"""Readers of one article a file: .txt (the text of a saved page) and .md (Markdown, its first
heading the title). Read whole, within ``ReadOptions.max_raw_bytes``."""
from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from searcher.drops.decode import decode_text
from searcher.drops.formats.streams import read_bounded
from searcher.drops.records import Item, Origin, article_from_text, placed


def read_txt(stream: BinaryIO, origin: Origin) -> Iterator[Item]:
    """The article of a .txt file: title, body without page chrome, the head's date."""
    data, complete = read_bounded(stream, origin.options.max_raw_bytes)
    yield from placed(lambda: article_from_text(decode_text(data, complete), origin), origin)


def read_markdown(stream: BinaryIO, origin: Origin) -> Iterator[Item]:
    """The article of a .md file: its first heading is the title, its text (without the
    Markdown markup) the body; the page kept for display is the Markdown as written."""
    data, complete = read_bounded(stream, origin.options.max_raw_bytes)

    def make():
        markdown = decode_text(data, complete)
        title, text = markdown_text(markdown)
        return article_from_text(text, origin, title=title, page=markdown)

    yield from placed(make, origin)


def markdown_text(markdown: str) -> tuple[str | None, str]:
    """The first heading of a Markdown text (None when it has none) and its plain text, one
    line per heading, paragraph, list item or code line (markdown-it-py's CommonMark parser).

    >>> markdown_text("Rubriek\\n# De *brug* gaat dicht\\n\\nEen [bericht](http://x) over de brug.")
    ('De brug gaat dicht', 'Rubriek\\nDe brug gaat dicht\\nEen bericht over de brug.')
    """
    from markdown_it import MarkdownIt  # only for drops that hold Markdown

    title, lines, in_heading = None, [], False
    for token in MarkdownIt("commonmark").parse(markdown):
        if token.type == "heading_open":
            in_heading = True
        elif token.type == "heading_close":
            in_heading = False
        elif token.type == "inline":
            line = "".join(_inline_text(token.children or []))
            if in_heading and title is None and line.strip():
                title = line.strip()
            lines.extend(line.split("\n"))
        elif token.type in ("fence", "code_block"):
            lines.extend(token.content.split("\n"))
    return title, "\n".join(lines)


def _inline_text(children) -> Iterator[str]:
    """The text of a Markdown inline token's children: links by their words, images left out."""
    for child in children:
        if child.type in ("text", "code_inline"):
            yield child.content
        elif child.type == "softbreak":
            yield " "
        elif child.type == "hardbreak":
            yield "\n"
