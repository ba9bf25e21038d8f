"""Reader of saved web pages (.html, .htm): the article's main text, title and date extracted by
trafilatura (an optional dependency: ``pip install 'searcher[html]'``), which leaves out menus,
footers and comments; its date comes from the page's metadata (publication meta tags, JSON-LD),
else from the text's head as for a .txt article. Read whole, within ``max_raw_bytes``; the
encoding is the page's own declaration, else detected."""
from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import BinaryIO

from searcher import dates
from searcher.drops.formats.streams import read_bounded
from searcher.drops.records import Item, Origin, article_from_text, placed
from searcher.drops.signatures import binary_kind
from searcher.errors import DocumentError

INSTALL_HINT = "pip install 'searcher[html]'"
# htmldate's extensive search guesses dates from any text of the page (copyright lines, links);
# metadata only, and our own reading of the article's head after it.
DATE_OPTIONS = {"extensive_search": False, "original_date": True}


@functools.cache
def _trafilatura():
    """The trafilatura module, imported on first use (its import takes about 0.5 s)."""
    try:
        import trafilatura
    except ImportError as error:
        raise DocumentError(f"reading web pages needs trafilatura: {INSTALL_HINT} ({error})") from None
    return trafilatura


def read_html(stream: BinaryIO, origin: Origin) -> Iterator[Item]:
    """The article of a saved web page."""
    data, complete = read_bounded(stream, origin.options.max_raw_bytes)

    def make():
        if not complete:
            raise DocumentError(f"a page larger than {origin.options.max_raw_bytes:,} bytes")
        if not data.strip():
            raise DocumentError("empty file")
        kind = binary_kind(data)
        if kind:
            raise DocumentError(f"{kind}, not a web page")
        extract = _trafilatura().bare_extraction
        try:
            page = extract(data, with_metadata=True, include_comments=False, date_extraction_params=DATE_OPTIONS)
        except Exception as error:  # a parser's failure on one page must cost that page, not the drop
            raise DocumentError(f"the page could not be parsed ({type(error).__name__}: {error})") from None
        if page is None or not (page.text or "").strip():
            raise DocumentError("no article text found in the page")
        title = (page.title or "").strip() or None
        date = dates.parse_date_value(page.date) if page.date else None
        return article_from_text(page.text, origin, title=title, date=date, url=page.url or None)

    yield from placed(make, origin)
