"""Records -> Articles: the checks every record passes (a JSON object, a CSV row, a dict given
to the library, the parts of a page), the metadata a run gives to records without their own,
and the size limit.

A record has ``id`` and ``title`` and/or ``text``, and optional ``lang``, ``date``, ``source``,
``url``. The text is the body as given; an empty title is derived from the text as for a .txt
article; a headline with an empty text is an article with an empty body. ``lang`` is honoured
when fa/nl/und, else the run's ``--lang``, else detected. ``date`` (ISO or Jalali) is honoured,
else the date in the text's head, else a date in the article's names (``--date-from-name``).
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from searcher import dates
from searcher.drops.lang import detect_lang
from searcher.drops.options import DEFAULT_OPTIONS, ReadOptions
from searcher.drops.page import choose_title, head_date, parts_of_text, text_lines, title_from_paragraph
from searcher.errors import DocumentError
from searcher.model import LANGUAGES, Article, Note, Skipped

FIELDS = ("id", "title", "text", "date", "source", "url", "lang")
_SURROGATE = re.compile("[\ud800-\udfff]")
CUT_SEARCH_CHARS = 200  # a cut goes back at most this far to the last space


@dataclass(frozen=True)
class Origin:
    """Where records are read from: what an Article's ``path`` and skip lines name, and what
    their places are prefixed with inside a container ("member 2025/a.jsonl: ")."""

    path: str  # the file on disk (Article.path: what --sync and rebuild look at)
    name: str = ""  # the file or archive member name: a text article's id, a format by its suffix
    trail: tuple[str, ...] = ()  # folders from the file up to the drop folder, nearest first (dates in names)
    prefix: str = ""
    options: ReadOptions = field(default=DEFAULT_OPTIONS)

    def where(self, place: str = "") -> str:
        """A place in this origin as lines name it: "member a.jsonl: line 3", "line 3", ""."""
        return f"{self.prefix}{place}" if place else self.prefix.removesuffix(": ")

    def skipped(self, reason: str, place: str = "") -> Skipped:
        return Skipped(self.path, self.prefix + (f"{place}: " if place else "") + reason)

    def note(self, message: str, place: str = "") -> Note:
        return Note(self.path, self.prefix + (f"{place}: " if place else "") + message)

    def inside(self, member: str) -> "Origin":
        """The origin of a member of this archive (or of the file inside a .gz)."""
        folders = member.split("/")[:-1]
        return replace(self, name=member, prefix=f"{self.prefix}member {member}: ",
                       trail=(*reversed(folders), self.stem, *self.trail))

    @property
    def stem(self) -> str:
        """The name without folders and extension(s): a text article's id."""
        base = self.name.rsplit("/", 1)[-1]
        return base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base


@dataclass(frozen=True)
class Placed:
    """An Article and where in its file it was read ("line 3"; "" for a whole file)."""

    article: Article
    place: str


Item = Placed | Skipped | Note  # what the readers yield


def check_text(value: str, name: str) -> str:
    """``value`` unless it holds a lone surrogate (JSON's "\\ud800"), which no text may hold."""
    bad = _SURROGATE.search(value)
    if bad:
        raise DocumentError(f"{name} holds a lone surrogate (U+{ord(bad.group()):04X} at character {bad.start()}), not text")
    return value


def optional_str(record: dict, key: str) -> str | None:
    """A string field of a record, None when missing or blank."""
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise DocumentError(f"'{key}' is not a string")
    return check_text(value, f"'{key}'").strip() or None


def record_id(record: dict, key: str = "id") -> str:
    """A record's id, coerced to str; it is required."""
    value = record.get(key)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise DocumentError(f"no usable '{key}' (a string or integer is required)")
    text = check_text(str(value), f"'{key}'").strip()
    if not text:
        raise DocumentError(f"empty '{key}'")
    return text


def content_hash(title: str, body: str) -> str:
    """sha256 hex of the indexed content: title, newline, body."""
    return hashlib.sha256(f"{title}\n{body}".encode("utf-8")).hexdigest()


def cut(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, at the last space before the limit when
    there is one near it.

    >>> cut("een twee drie", 9)
    'een twee'
    """
    if len(text) <= limit:
        return text
    head = text[:limit]
    space = max(head.rfind(" ", limit - CUT_SEARCH_CHARS), head.rfind("\n", limit - CUT_SEARCH_CHARS))
    return head[:space].rstrip() if space > 0 else head


def build(id: str, title: str, body: str, origin: Origin, *, lang: str | None = None, date: str | None = None,
          source: str | None = None, url: str | None = None, derived_title: bool = False,
          page: str | None = None) -> tuple[Article, str | None]:
    """An Article with the run's metadata for what it lacks, within the size limit; and the note
    to give when it had to be cut (else None)."""
    options = origin.options
    limit = options.max_article_chars
    note = None
    if len(title) + len(body) > limit:
        note = _cut_note(limit)
        title = cut(title, limit)
        body = cut(body, max(limit - len(title) - 1, 0))
    if page is not None:
        page = cut(page, limit)
        if "\n".join(text_lines(page)) in (f"{title}\n{body}", body):  # nothing left out
            page = None
    lang = lang or options.lang or detect_lang(f"{title}\n{body}")
    date = date or _date_from_names(id, origin)
    article = Article(id=id, title=title, body=body, lang=lang, date=date, path=origin.path,
                      source=source or options.source, url=url, content_hash=content_hash(title, body),
                      derived_title=derived_title, page=page)
    return article, note


def _cut_note(limit: int) -> str:
    return f"text cut at {limit:,} characters (the size limit; ReadOptions.max_article_chars)"


def _date_from_names(id: str, origin: Origin) -> str | None:
    """The date ``--date-from-name`` finds in the id, the file name or its folders' names."""
    pattern = origin.options.name_pattern
    if pattern is None:
        return None
    for name in (id, origin.stem, *origin.trail):
        found = pattern.find(name)
        if found:
            return found
    return None


def article_from_record(record: dict, origin: Origin | str) -> tuple[Article, str | None]:
    """An Article from a record (see the module's docstring) and its size note, if any.
    Raises DocumentError when the record is unusable (not an object, no id, no title and no
    text, a field of the wrong type, a lone surrogate)."""
    if isinstance(origin, str):
        origin = Origin(origin)
    if not isinstance(record, dict):
        raise DocumentError("not a JSON object")
    id = record_id(record)
    body = optional_str(record, "text") or ""
    title = optional_str(record, "title")
    if not body and not title:
        raise DocumentError(f"record {id!r} has no usable 'text'")
    lines = text_lines(body)
    title_index = 0
    derived_title = not title
    if derived_title:
        title_index, title = _record_title(lines)
    lang = (optional_str(record, "lang") or "").lower()
    date_field = optional_str(record, "date")
    date = (date_field and dates.parse_date_value(date_field)) or head_date(lines, title_index)
    return build(id, title, body, origin, lang=lang if lang in LANGUAGES else None, date=date,
                 source=optional_str(record, "source"), url=optional_str(record, "url"), derived_title=derived_title)


def _record_title(lines: list[str]) -> tuple[int, str]:
    """The title derived from a record's text; the text is taken as it is, so a text of nothing
    but chrome-like lines still yields its first line."""
    try:
        return choose_title(lines)
    except DocumentError:
        return 0, title_from_paragraph(lines[0])


def article_from_text(text: str, origin: Origin | str, id: str | None = None, *, title: str | None = None,
                      date: str | None = None, url: str | None = None, page: str | None = None
                      ) -> tuple[Article, str | None]:
    """An Article from a page's text (page chrome and all) and its size note, if any: a .txt or
    .md article, or the text extracted from an HTML page with its known ``title`` and ``date``.
    The page kept for display is ``page`` (default: the text). Raises DocumentError when no
    article text is left."""
    if isinstance(origin, str):
        origin = Origin(origin)
    limit = origin.options.max_article_chars
    note = None
    if len(text) > limit:  # cut before the lines are looked at, which costs time per character
        text, note = cut(text, limit), _cut_note(limit)
    parts = parts_of_text(text, title)
    article, cut_note = build(id or origin.stem, parts.title, parts.body, origin, date=date or parts.date, url=url,
                              derived_title=parts.derived_title, page=text if page is None else page)
    return article, note or cut_note


def placed(make, origin: Origin, place: str = "") -> Iterator[Item]:
    """What reading one record yields: its Article (after the note when it was cut), or the
    Skipped saying why not. ``make`` builds it and may raise DocumentError."""
    try:
        article, note = make()
    except DocumentError as error:
        yield origin.skipped(str(error), place)
        return
    if note:
        yield origin.note(note, place)
    yield Placed(article, origin.where(place))
