"""Standing queries: the watch list of an index, kept in its folder.

    INDEX/watches.json   {"format": 1, "watches": [{"name", "query", "lang", "source", "date_from",
                          "date_to", "added", "reported"}, ...]}
    INDEX/watches.lock   held while the list is read, changed and written back (reading alone
                         takes no lock)

The list is written as the manifest is (a temporary file, fsync, one rename), so a crash
leaves the old list or the new one. It lies beside the generations, not in one, so it survives
a rebuild, which keeps every article's run number: the watches' marks stay valid.

Which articles are new to a watch: every article records the number of the run that wrote it
(searcher.model.Provenance), and run numbers only grow. A report asks the watch's query of the
articles of the runs numbered above the watch's mark (``Watch.reported``), on one commit, and
moves the mark to the highest run number in that commit. A run killed before its commit wrote
nothing; one killed after it left its articles, with its number, for the next report: nothing
is reported twice, nothing is missed. This is what Elasticsearch's percolator does per
document, done per run over the index's own ranking.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from searcher.errors import SearcherError
from searcher.filters import Filters
from searcher.locking import held
from searcher.manifest import utc_now, write_json
from searcher.model import Watch

WATCHES_NAME = "watches.json"
WATCHES_LOCK = "watches.lock"
FORMAT = 1
NAME_CHARS = 100


class WatchList:
    """The standing queries of one index (``Index.watches``): list, add, remove."""

    def __init__(self, directory: Path, check_query: Callable[[str], object], run_number: Callable[[], int]):
        self.path = directory / WATCHES_NAME
        self._lock = directory / WATCHES_LOCK
        self._check_query = check_query  # raises SearcherError for a query that cannot be asked
        self._run_number = run_number  # the last run recorded in the index

    def list(self) -> list[Watch]:
        """The watches, in the order they were added."""
        return list(self._read().values())

    def by_name(self) -> dict[str, Watch]:
        """The watches by name, read without the lock: the list is replaced whole by a rename,
        so a reader sees the old list or the new one, and never waits for a writer."""
        return self._read()

    def __iter__(self) -> Iterator[Watch]:
        return iter(self.list())

    def __len__(self) -> int:
        return len(self._read())

    def get(self, name: str) -> Watch:
        watch = self._read().get(name)
        if watch is None:
            raise SearcherError(self._unknown(name))
        return watch

    def add(self, name: str, query: str, *, lang: str | Iterable[str] | None = None,
            source: str | Iterable[str] | None = None, date_from: str | None = None, date_to: str | None = None,
            replace_existing: bool = False) -> Watch:
        """Adds the standing query ``name``: ``query`` (as ``searcher search`` reads it) with
        the filters of a search. It reports the articles of the runs after this one. A name in
        use is an error unless ``replace_existing`` (the replaced watch keeps its mark)."""
        name = _checked_name(name)
        self._check_query(query)
        filters = Filters.of(lang, source, date_from, date_to)
        with self.changing() as watches:
            old = watches.get(name)
            if old is not None and not replace_existing:
                raise SearcherError(f"a watch named {name!r} exists (query {old.query!r}): remove it first, "
                                    f"or replace it (`searcher watch add --replace`)")
            watch = Watch(name, query, filters.lang, filters.source, filters.date_from, filters.date_to, utc_now(),
                          old.reported if old is not None else self._run_number())
            watches[name] = watch
        return watch

    def remove(self, name: str) -> Watch:
        """Removes the watch ``name``; returns it."""
        with self.changing() as watches:
            if name not in watches:
                raise SearcherError(self._unknown(name, watches))
            return watches.pop(name)

    @contextmanager
    def changing(self) -> Iterator[dict[str, Watch]]:
        """The watches by name, under the list's lock; written back when the block ends
        without an error and changed them."""
        try:
            with held(self._lock):
                watches = self._read()
                before = dict(watches)
                yield watches
                if watches != before:
                    write_json(self.path, {"format": FORMAT, "watches": [watch.to_dict() for watch in watches.values()]})
        except OSError as error:
            raise SearcherError(f"cannot change the watch list {self.path}: {error.strerror or error}") from error

    def _read(self) -> dict[str, Watch]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            raise SearcherError(f"the watch list {self.path} cannot be read ({error}): fix or remove it") from error
        try:
            if data["format"] > FORMAT:
                raise SearcherError(f"the watch list {self.path} was written by a newer searcher (format {data['format']})")
            watches = [Watch.from_dict(entry) for entry in data["watches"]]
        except (KeyError, TypeError) as error:
            raise SearcherError(f"the watch list {self.path} is damaged ({error!r}): fix or remove it") from error
        return {watch.name: watch for watch in watches}

    def _unknown(self, name: str, watches: dict[str, Watch] | None = None) -> str:
        names = ", ".join(watches if watches is not None else self._read()) or "none"
        return f"no watch named {name!r}: the index has {names}"


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > NAME_CHARS or not name.isprintable():
        raise SearcherError(f"a watch name is one line of 1 to {NAME_CHARS} printable characters: {name!r} is not")
    return name
