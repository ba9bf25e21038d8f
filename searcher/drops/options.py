"""How drops are read: the metadata a run gives to articles that lack their own, and the limits
that keep one file or record from costing more than it is worth."""
from __future__ import annotations

from dataclasses import dataclass, field, fields

from searcher.dates import NamePattern
from searcher.errors import SearcherError
from searcher.model import LANGUAGES

MAX_ARTICLE_CHARS = 1_000_000  # a long feature is 100,000; beyond this a "text" is a dump, not news


@dataclass(frozen=True)
class ReadOptions:
    """Options of one reading of drops (``read_paths``); the defaults suit real news drops.

    - ``source``, ``lang``: given to articles whose record names none (a record's own field wins);
      ``lang`` is then not detected.
    - ``date_from_name``: a ``dates.NamePattern`` (``%Y-%m-%d``, ...) for articles that state no
      date in their record or head: looked for in the id, the file (or archive member) name,
      then the names of the folders up to and including the drop folder.
    - ``follow_links``: read symbolic links that point outside the drop folder (skipped otherwise).
    - ``max_article_chars``: an article's title and text together are cut (at a word boundary,
      with a note) beyond this many characters, so one huge file cannot exhaust memory.
      A file or record that cannot hold a readable article within ``max_raw_bytes`` (8 bytes a
      character: JSON may escape each as ``\\u0627``) is skipped unread.
    """

    source: str | None = None
    lang: str | None = None
    date_from_name: str | None = None
    follow_links: bool = False
    max_article_chars: int = MAX_ARTICLE_CHARS
    name_pattern: NamePattern | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.lang is not None and self.lang not in LANGUAGES:
            raise SearcherError(f"unknown language {self.lang!r}: use one of {', '.join(LANGUAGES)}")
        if self.source is not None and not self.source.strip():
            raise SearcherError("an empty source name: give the outlet's name, e.g. --source fars")
        if self.max_article_chars < 1000:
            raise SearcherError(f"max_article_chars {self.max_article_chars} is too small to hold a news article (1000 at least)")
        if self.date_from_name is not None:
            try:
                object.__setattr__(self, "name_pattern", NamePattern.parse(self.date_from_name))
            except ValueError as error:
                raise SearcherError(str(error)) from None

    def recorded(self) -> dict | None:
        """The options that differ from the defaults, as the index records them with each
        article (None: all defaults), for a rebuild to read its source the same way."""
        changed = {option.name: getattr(self, option.name) for option in fields(self)
                   if option.init and getattr(self, option.name) != option.default}
        return changed or None

    @classmethod
    def from_recorded(cls, recorded: dict | None) -> "ReadOptions":
        """The options ``recorded()`` gave (names this searcher does not know are left out)."""
        known = {option.name for option in fields(cls) if option.init}
        return cls(**{name: value for name, value in (recorded or {}).items() if name in known})

    @property
    def max_raw_bytes(self) -> int:
        """The most bytes read of one text file, JSON line or page."""
        return 8 * self.max_article_chars


DEFAULT_OPTIONS = ReadOptions()
