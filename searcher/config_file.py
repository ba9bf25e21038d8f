"""The configuration file ``searcher.toml``: the default index and the defaults of options.

It is looked for in the working directory, then in the user's configuration directory
(``$XDG_CONFIG_HOME/searcher/searcher.toml``, ``~/.config/searcher/searcher.toml`` when
XDG_CONFIG_HOME is not set); the first found is read, alone::

    index = "~/news/index"   # the default index; a relative path is relative to this file's folder

    [search]                 # defaults of `searcher search` and `searcher similar`
    limit = 20
    lang = "fa"

    [indexing]               # defaults of `searcher index`
    date-from-name = "%Y-%m-%d"

    [ranking]                # searcher.config.RankingConfig
    k1 = 1.1

Which index a command uses: ``--index``, else ``$SEARCHER_INDEX``, else the file's ``index``,
else ``indexes/default``. This module reads and checks the file's shape and the ranking
settings; the CLI checks the options of ``[search]`` and ``[indexing]`` against its own.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from searcher.api import DEFAULT_INDEX, INDEX_ENV
from searcher.config import RankingConfig
from searcher.errors import SearcherError

CONFIG_NAME = "searcher.toml"
OPTION_SECTIONS = ("search", "indexing")  # tables of command options


class ConfigError(SearcherError):
    """The configuration file cannot be used (one line naming the file and the problem)."""


@dataclass(frozen=True)
class ConfigFile:
    """What a configuration file says (an empty one when there is no file)."""

    path: Path | None = None
    index: Path | None = None
    options: dict[str, dict[str, object]] = field(default_factory=dict)  # section -> option -> value
    ranking: RankingConfig | None = None

    def error(self, problem: str) -> ConfigError:
        return ConfigError(f"the configuration file {self.path}: {problem}")


@dataclass(frozen=True)
class IndexChoice:
    """The index a command uses, and why: ``flag``, ``environment``, ``config`` or ``default``."""

    path: Path
    reason: str
    config_file: Path | None = None

    def describe(self) -> str:
        return {"flag": "from --index", "environment": f"from ${INDEX_ENV}",
                "config": f"from the configuration file {self.config_file}", "default": "the default"}[self.reason]


def find(cwd: Path | None = None, environ: dict[str, str] | None = None) -> Path | None:
    """The configuration file to read: ``searcher.toml`` in ``cwd``, else in the user's
    configuration directory; None when there is neither."""
    environ = os.environ if environ is None else environ
    base = Path(environ["XDG_CONFIG_HOME"]) if environ.get("XDG_CONFIG_HOME") else Path.home() / ".config"
    for candidate in ((cwd or Path.cwd()) / CONFIG_NAME, base / "searcher" / CONFIG_NAME):
        if candidate.is_file():
            return candidate
    return None


def load(path: Path | None) -> ConfigFile:
    """Reads and checks the file at ``path`` (None: no file, nothing set); raises ConfigError."""
    if path is None:
        return ConfigFile()
    empty = ConfigFile(path)
    import tomllib  # here: most runs have no configuration file

    try:
        with open(path, "rb") as file:
            data = tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        raise empty.error(f"not TOML: {error}") from None
    except OSError as error:
        raise empty.error(f"cannot be read: {error.strerror or error}") from None
    known = {"index", "ranking", *OPTION_SECTIONS}
    unknown = sorted(set(data) - known)
    if unknown:
        raise empty.error(f"unknown setting {unknown[0]!r} (it may set {', '.join(sorted(known))})")
    index = data.get("index")
    if index is not None and (not isinstance(index, str) or not index.strip()):
        raise empty.error("'index' must be a path, as a string")
    options = {}
    for section in OPTION_SECTIONS:
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise empty.error(f"[{section}] must be a table of options")
        options[section] = {name.replace("_", "-"): value for name, value in table.items()}
    return ConfigFile(path, _index_path(path, index) if index else None, options, _ranking(empty, data.get("ranking")))


def choose_index(flag: Path | None, config: ConfigFile, environ: dict[str, str] | None = None) -> IndexChoice:
    """The index a command uses (see the module docstring)."""
    environ = os.environ if environ is None else environ
    if flag is not None:
        return IndexChoice(flag, "flag")
    if environ.get(INDEX_ENV):
        return IndexChoice(Path(environ[INDEX_ENV]), "environment")
    if config.index is not None:
        return IndexChoice(config.index, "config", config.path)
    return IndexChoice(DEFAULT_INDEX, "default")


def _index_path(path: Path, index: str) -> Path:
    return path.parent / Path(index).expanduser()


def _ranking(config: ConfigFile, table: object) -> RankingConfig | None:
    """The ranking settings of ``[ranking]``, each of the type of its default."""
    if table is None:
        return None
    if not isinstance(table, dict):
        raise config.error("[ranking] must be a table of settings")
    defaults = {setting.name: setting.default for setting in fields(RankingConfig)}
    for name, value in table.items():
        if name not in defaults:
            raise config.error(f"[ranking] has no setting {name!r} (it has {', '.join(defaults)})")
        wanted = type(defaults[name])
        fits = isinstance(value, wanted) or (wanted is float and isinstance(value, int))
        if not fits or (isinstance(value, bool) and wanted is not bool):
            raise config.error(f"[ranking] {name} = {value!r} is not a {wanted.__name__}")
    try:
        return RankingConfig(**{name: float(value) if isinstance(defaults[name], float) else value
                                for name, value in table.items()})
    except SearcherError as error:  # a value the setting does not take
        raise config.error(f"[ranking] {error}") from None
