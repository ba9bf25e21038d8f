"""Drops -> records -> Articles: the reading side of indexing.

``read_paths(paths, options)`` walks the files and folders of drops (``walk``), opens each
regular file without blocking, reads it by its format (``formats``: .txt, .md, .html, .jsonl,
.json, .csv, .tsv, and .gz / .zip of them), decodes text strictly (``decode``), finds page chrome,
titles and head dates (``page``), checks each record and builds its Article (``records``),
detecting the language when it is not given (``lang``). It yields one Article per usable
article and one Skipped per unusable file or record, each reason one line naming the place
("line 7: bad JSON: ..."); Notes (a text cut at the size limit, ignored CSV columns) go to
``on_note``. ``ReadOptions`` (``options``) holds the run's metadata and limits.
"""
from __future__ import annotations

import logging
import os
import zlib
from collections.abc import Callable, Iterable, Iterator

from searcher.drops import walk
from searcher.drops.formats import read_stream, unsupported
from searcher.drops.lang import detect_lang
from searcher.drops.options import DEFAULT_OPTIONS, MAX_ARTICLE_CHARS, ReadOptions
from searcher.drops.records import Item, Origin, article_from_record, check_text, placed
from searcher.errors import DocumentError
from searcher.model import Article, Note, Skipped

__all__ = ["ReadOptions", "DEFAULT_OPTIONS", "MAX_ARTICLE_CHARS", "read_paths", "read_records", "expected_articles",
           "detect_lang"]

OnNote = Callable[[Note], None] | None
MEMORY = "<memory>"  # the path of articles given to the library in memory
_log = logging.getLogger("searcher")


def read_paths(paths: Iterable[str | os.PathLike], options: ReadOptions = DEFAULT_OPTIONS,
               on_note: OnNote = None) -> Iterator[Article | Skipped]:
    """Every Article (or Skipped) of the given files and folders, in order. A second article
    with an id already read in this run and other contents is skipped, naming where the
    first one was. Notes go to ``on_note`` (default: the "searcher" logger)."""
    def read() -> Iterator[Item]:
        for file in walk.files(paths, options.follow_links):
            if isinstance(file, Skipped):
                yield file
            else:
                yield from _read_file(file, options)

    return _first_versions(read(), on_note)


def read_records(records: Iterable[Article | dict], options: ReadOptions = DEFAULT_OPTIONS,
                 on_note: OnNote = None) -> Iterator[Article | Skipped]:
    """Articles from records given in memory (dicts as in a .jsonl file, or Articles), each
    checked as a record of a drop; a bad one is a Skipped naming its number ("record 3: ...")."""
    origin = Origin(MEMORY, options=options)

    def read() -> Iterator[Item]:
        for number, record in enumerate(records, start=1):
            place = f"record {number}"
            if isinstance(record, Article):
                yield from placed(lambda: (_checked(record), None), origin, place)
            else:
                yield from placed(lambda: article_from_record(record, origin), origin, place)

    return _first_versions(read(), on_note)


def _checked(article: Article) -> Article:
    """An Article given whole, once its strings are known to be text."""
    for name in ("id", "title", "body", "source", "url"):
        check_text(getattr(article, name) or "", name)
    return article


def _read_file(file: walk.DropFile, options: ReadOptions) -> Iterator[Item]:
    """The records of one file of a drop."""
    origin = Origin(str(file.path), file.path.name, file.trail, options=options)
    reason = unsupported(file.path.name, seekable=True)
    if reason:
        yield origin.skipped(reason)
        return
    try:
        with walk.open_file(file) as stream:
            yield from read_stream(stream, origin)
    except DocumentError as error:
        yield origin.skipped(str(error))
    except FileNotFoundError:
        yield origin.skipped("file vanished before it could be read")
    except OSError as error:
        yield origin.skipped(f"cannot read: {error.strerror or error}")


def _first_versions(items: Iterable[Item], on_note: OnNote) -> Iterator[Article | Skipped]:
    """Articles and Skipped records, a second article under an id met before with other
    contents turned into a Skipped naming its own place; Notes given to ``on_note``."""
    seen: dict[str, int] = {}  # id -> hash of its content hash: a few dozen bytes an article
    report = on_note or _log_note
    for item in items:
        if isinstance(item, Note):
            report(item)
        elif isinstance(item, Skipped):
            yield item
        elif seen.setdefault(item.article.id, hash(item.article.content_hash)) == hash(item.article.content_hash):
            yield item.article
        else:
            at = f"{item.place}: " if item.place else ""
            yield Skipped(item.article.path, f"{at}id {item.article.id!r} was read before in this run with other "
                                             "contents; kept the first")


def _log_note(note: Note) -> None:
    _log.warning("note %s: %s", note.path, note.message)


def expected_articles(paths: Iterable[str | os.PathLike], options: ReadOptions = DEFAULT_OPTIONS) -> int:
    """About how many articles the drops hold, for a progress bar: a line of a .jsonl, .csv or
    .tsv file (compressed or not), a member of a .zip, any other file one."""
    import gzip
    import zipfile

    total = 0
    for file in walk.files(paths, options.follow_links):
        if isinstance(file, Skipped):
            continue
        name = file.path.name.lower().removesuffix(".gz")
        try:
            if name.endswith((".jsonl", ".csv", ".tsv")):
                with walk.open_file(file) as raw, (gzip.open(raw) if file.path.suffix == ".gz" else raw) as data:
                    total += sum(chunk.count(b"\n") for chunk in iter(lambda: data.read(1 << 20), b""))
            elif name.endswith(".zip"):
                with walk.open_file(file) as raw, zipfile.ZipFile(raw) as archive:
                    total += sum(not info.is_dir() for info in archive.infolist())
            else:
                total += 1
        except (OSError, EOFError, zlib.error, zipfile.BadZipFile, DocumentError):
            total += 1
    return total
