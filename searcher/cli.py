"""The ``searcher`` command: a thin layer over the library API (searcher.api).

It checks options, calls the library, formats the answer. Library errors (SearcherError)
become one ``Error:`` line and exit status 1, in one place (SearcherGroup); anything else is a
bug and keeps its traceback. The configuration file (searcher.config_file) gives the default
index, the ranking settings, and defaults of the options (click's ``default_map``).
"""
from __future__ import annotations

import itertools
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from searcher.startup import long_lived

with long_lived():  # the program's modules live as long as its process (see searcher.startup)
    import click

    from searcher import config_file, perturb, render, rows
    from searcher.api import DEFAULT_WAIT, Index, open_index, rebuild_index
    from searcher.cluster import SCHEDULER_ENV, is_cluster
    from searcher.errors import SearcherError
    from searcher.filters import LANGUAGES, SORTS, later_start, since
    from searcher.model import IndexReport, NewMatches, Note, Page, Skipped, Stats, Watch

if TYPE_CHECKING:
    from searcher import drops, evaluation

PROGRESS_ENV = "SEARCHER_PROGRESS"  # 1: draw the indexing progress bar even when stderr is no terminal; 0: never
PROGRESS_STEP = 10  # articles between progress bar updates
HISTORY_SHOWN = 20  # runs `searcher stats` lists (--json lists all)
SOURCES_SHOWN = 20  # sources `searcher stats` lists (--json lists all)
REPORT_LIMIT = 10  # hits `searcher index --report` lists per standing query
# The commands whose options each table of the configuration file sets.
CONFIGURED_COMMANDS = {"search": ("search", "similar"), "indexing": ("index",)}


class SearcherGroup(click.Group):
    """Turns library errors into click errors: one line, non-zero exit status."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SearcherError as error:
            raise click.ClickException(str(error)) from error


def _choose_index(ctx: click.Context, param: click.Parameter, flag: Path | None) -> Path:
    """The index the command uses (--index, $SEARCHER_INDEX, the configuration file, the
    default); why is kept for `searcher stats`."""
    choice = config_file.choose_index(flag, _config(ctx))
    ctx.meta["searcher.index_choice"] = choice
    return choice.path


def _config(ctx: click.Context | None = None) -> config_file.ConfigFile:
    """The configuration file the command runs with (read by ``main``)."""
    ctx = ctx or click.get_current_context()
    return ctx.find_object(config_file.ConfigFile) or config_file.ConfigFile()


index_option = click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    callback=_choose_index,
    help="Index directory [default: $SEARCHER_INDEX, else the configuration file's index, else indexes/default].",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
marks_option = click.option("--marks", is_flag=True,
                            help="With --json, also give the texts with ** around the matched words (*_marked).")
wait_option = click.option("--wait", type=click.FloatRange(min=0), default=DEFAULT_WAIT, show_default=True,
                           metavar="SECONDS", help="How long to wait for another process writing to the index.")


class QueryCommand(click.Command):
    """A command whose one argument (a query) may start with "-", as a query that excludes a
    word does: ``searcher search "-Rutte Trump"``. The first argument that starts with a single
    "-" and is none of the command's options is read as if it came after ``--``; ``--`` itself
    works too, and a mistyped long option (``--limt``) is still an error."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, self._dash_query_last(ctx, args))

    def _dash_query_last(self, ctx: click.Context, args: list[str]) -> list[str]:
        takes_value = {name: not (param.is_flag or param.count)
                       for param in self.get_params(ctx) if isinstance(param, click.Option)
                       for name in (*param.opts, *param.secondary_opts)}
        i = 0
        while i < len(args):
            arg = args[i]
            name = arg.split("=", 1)[0] if arg.startswith("--") else arg
            if arg == "--" or not arg.startswith("-") or arg == "-":
                return args  # the query is already where click looks for it
            if name in takes_value:
                i += 2 if takes_value[name] and "=" not in arg else 1
            elif arg.startswith("--"):
                return args  # an unknown long option: click names it
            else:
                return [*args[:i], *args[i + 1:], "--", arg]
        return args


@click.group(cls=SearcherGroup, context_settings={"help_option_names": ["-h", "--help"]},
             epilog="Configuration: searcher.toml in the working directory, else in $XDG_CONFIG_HOME/searcher "
                    "(~/.config/searcher): the default index (index = PATH), option defaults ([search], "
                    "[indexing]) and [ranking] settings; see the README. "
                    "Shell completion (bash; zsh and fish likewise with zsh_source, fish_source): "
                    "eval \"$(_SEARCHER_COMPLETE=bash_source searcher)\"")
@click.version_option(package_name="searcher")
@click.option("--scheduler", envvar=SCHEDULER_ENV, default=None, metavar="ADDRESS",
              help="A sharded index's Dask scheduler, tcp://HOST:PORT [default: $SEARCHER_SCHEDULER, else a local "
                   "cluster of one worker process per shard].")
@click.pass_context
def main(ctx: click.Context, scheduler: str | None) -> None:
    """Full-text search for Persian and Dutch news."""
    config = config_file.load(config_file.find())
    ctx.obj = config
    ctx.default_map = _option_defaults(ctx, config)


def _option_defaults(ctx: click.Context, config: config_file.ConfigFile) -> dict[str, dict[str, object]]:
    """click's default_map from the configuration file's option tables, each option checked
    against the command's own (a bad one is a ConfigError line)."""
    defaults: dict[str, dict[str, object]] = {}
    for section, values in config.options.items():
        for command_name in CONFIGURED_COMMANDS[section]:
            command = main.commands[command_name]
            options = {opt.removeprefix("--"): param for param in command.params if isinstance(param, click.Option)
                       for opt in param.opts if opt.startswith("--") and opt not in ("--index", "--help")}
            for name, value in values.items():
                param = options.get(name)
                if param is None:
                    raise config.error(f"[{section}] has no option {name!r} (it may set {', '.join(sorted(options))})")
                if param.multiple and not isinstance(value, list):
                    value = [value]
                try:
                    param.type_cast_value(click.Context(command, parent=ctx, info_name=command_name), value)
                except click.BadParameter as error:
                    raise config.error(f"[{section}] {name} = {value!r}: {error.message}") from None
                defaults.setdefault(command_name, {})[param.name] = value
    return defaults


def _open(index_dir: Path, shards: int | None = None, **options):
    """The index, searched with the configuration file's ranking settings: a sharded one
    (searcher.cluster) when it is one, or when ``--shards`` or ``--scheduler`` asks for one."""
    scheduler = _scheduler()
    if shards is None and scheduler is None and not is_cluster(index_dir):
        return open_index(index_dir, ranking=_config().ranking, **options)
    from searcher.cluster.sharded import ShardedIndex

    options.pop("check_analysis", None)  # a sharded index is opened to be rebuilt or verified as it is
    return ShardedIndex.open(index_dir, scheduler=scheduler, shards=shards, **options)


def _scheduler() -> str | None:
    return click.get_current_context().find_root().params.get("scheduler")


def _dated(options: dict) -> dict:
    """The options with ``--since`` made the start date it stands for (the later of it and
    ``--from``), which every kind of index takes."""
    options = dict(options)
    options["date_from"] = later_start(options.get("date_from"), options.pop("since", None))
    return options


def _partial(index, allow_partial: bool) -> dict:
    """``allow_partial`` for a sharded index (a single index has no shard to lose)."""
    return {} if isinstance(index, Index) else {"allow_partial": allow_partial}


@main.command("index")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@index_option
@click.option("--sync", is_flag=True, help="Also remove the articles whose file under PATHS is gone.")
@click.option("--procs", type=click.IntRange(min=1), default=None,
              help="Analysis processes [default: all cores for a large run, else 1].")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--source", default=None, metavar="NAME",
              help="The source (outlet) of articles whose record names none [default: the drop folder's name].")
@click.option("--lang", type=click.Choice(LANGUAGES), default=None,
              help="The language of articles whose record gives none [default: detected].")
@click.option("--date-from-name", default=None, metavar="PATTERN",
              help="Date undated articles from their id, file or folder names: %Y-%m-%d, %Y%m%d, %d %b %Y, ... "
                   "(%Y of 13xx/14xx is Jalali).")
@click.option("--follow-links", is_flag=True, help="Also read symbolic links that point outside the drop.")
@click.option("--shards", type=click.IntRange(min=1, max=256), default=None, metavar="N",
              help="Create a sharded index of N shards (needs searcher[cluster]); an existing one keeps its own.")
@click.option("--report", "report_new", is_flag=True,
              help="Then list, per standing query (`searcher watch`), the new and changed articles matching it.")
@wait_option
@json_option
def index_command(paths: tuple[Path, ...], index_dir: Path, sync: bool, procs: int | None, quiet: bool,
                  source: str | None, lang: str | None, date_from_name: str | None, follow_links: bool,
                  shards: int | None, report_new: bool, wait: float, as_json: bool) -> None:
    """Add the articles in PATHS (files or folders) to the index, creating it if needed.

    Reads .txt, .md and .html articles, .jsonl/.json files of article objects, .csv/.tsv
    tables, and .gz/.zip files of them. New articles are added, changed ones replaced,
    unchanged ones left alone; unusable files and records are reported and skipped.
    Safe to re-run: a run killed midway commits nothing, the next one finishes the drop.
    A run that finds nothing to index makes no index.
    """
    from searcher import drops  # reading drops: not for searches, which start faster without it

    options = drops.ReadOptions(source=source, lang=lang, date_from_name=date_from_name, follow_links=follow_links)
    with _open(index_dir, create=True, wait=wait, shards=shards) as index:
        with _progress_bar(paths, options, quiet) as on_progress:
            report = index.add_paths(paths, on_skip=_report_skip, sync=sync, procs=procs, on_progress=on_progress,
                                     options=options, on_note=_report_note)
        new = index.new_matches(limit=REPORT_LIMIT) if report_new and report.indexed else None
    if as_json:
        _print_json(report.to_dict() if new is None else {**report.to_dict(), "new": new.to_dict()})
    else:
        click.echo(_summary(report, index.path))
        if new is not None:
            click.echo("\n" + _new_matches_text(new))
    if report.indexed == 0:
        raise click.ClickException("nothing could be indexed from " + ", ".join(map(str, paths))
                                   + ("" if index_dir.exists() else f"; no index was made at {index_dir}"))
    if new is not None:
        _fail_on_watch_errors(new)


def filter_options(command):
    """The filters of hits (search, similar, standing queries): language, source, dates."""
    options = [
        click.option("--lang", type=click.Choice(LANGUAGES), multiple=True,
                     help="Only articles in this language (repeat for any of several)."),
        click.option("--source", multiple=True, metavar="NAME",
                     help="Only articles from this source: the record's source, else the drop folder; any case "
                          "(repeat for any of several)."),
        click.option("--from", "date_from", default=None, metavar="DATE",
                     help="Only articles dated on or after DATE: 2024-09-21 or Jalali 1403-06-31 (undated ones "
                          "are left out, and counted)."),
        click.option("--to", "date_to", default=None, metavar="DATE", help="Only articles dated on or before DATE."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def result_options(command):
    """The options shared by the commands that list hits (search, similar): paging, filters,
    sorting, facets, grouping and output."""
    options = [
        click.option("--limit", default=10, show_default=True, type=click.IntRange(min=1), help="Hits per page."),
        click.option("--page", default=1, show_default=True, type=click.IntRange(min=1), help="Page of hits to show."),
        filter_options,
        click.option("--since", default=None, metavar="PERIOD",
                     help="Only articles dated in the last PERIOD up to today: 24h, 7d, 2w, 3m or 1y."),
        click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True,
                     help="Rank by relevance, or by date (newest first, undated last)."),
        click.option("--facets", is_flag=True, help="Also count the hits by language, source and month."),
        click.option("--all", "show_all", is_flag=True,
                     help="List near-duplicates as hits of their own instead of '+N similar'."),
        click.option("--allow-partial", is_flag=True,
                     help="Sharded index: when a shard does not answer, show the other shards' hits "
                          "(--json: \"shards\": {\"total\", \"failed\"}) instead of failing."),
        json_option,
        marks_option,
    ]
    for option in reversed(options):
        command = option(command)
    return command


@main.command("search", cls=QueryCommand)
@click.argument("query")
@index_option
@result_options
@click.option("--format", "output_format", type=click.Choice(("text", "json") + rows.FORMATS), default="text",
              show_default=True,
              help="Output: text, json (as --json), or every hit streamed as jsonl, csv or tsv (from --page, at "
                   "most --limit hits when given).")
@click.option("--snippets/--no-snippets", default=True, show_default=True,
              help="Snippets of the hits (without: faster, an empty snippet).")
@click.option("--explain", is_flag=True,
              help="Also show how the query was read (each word's terms and where they came from) and which "
                   "terms each hit holds, in which words.")
def search_command(query: str, index_dir: Path, as_json: bool, marks: bool, show_all: bool, allow_partial: bool,
                   output_format: str, snippets: bool, explain: bool, **options) -> None:
    """Search the index for QUERY.

    \b
    Words:      رئیس جمهور      Oekraine onderhandeling      Oekra*  (words starting so)
    Phrases:    "رئیس جمهور"    "Midden Oosten"~2
    Operators:  AND  OR  NOT  -word  ( )     Fields: title:word  body:word
    Filters:    lang:nl  source:nos  date:2024-09  date:1403-06..1403-08  date:>now-7d  id:ID
    A query may start with -:  searcher search "-Rutte Trump"
                          or:  searcher search -- "-Rutte Trump"
    """
    if as_json and output_format not in ("text", "json"):
        raise click.UsageError(f"--json and --format {output_format} disagree: give one of them")
    as_json = as_json or output_format == "json"
    if marks and not as_json and output_format != "jsonl":
        raise click.UsageError("--marks goes with --json or --format jsonl")
    if explain and output_format in ("csv", "tsv"):
        raise click.UsageError(f"--explain goes with text, JSON or JSON lines, not --format {output_format}")
    with _open(index_dir) as index:
        if not isinstance(index, Index) and explain:
            raise click.ClickException("--explain does not work on a sharded index yet")
        if output_format in rows.FORMATS:
            _export(index, query, output_format, marks, snippets, not show_all, explain, **options)
            return
        extra = {"explain": explain} if explain else {}
        result = index.search(query, group=not show_all, suggest=True, snippets=snippets, **_dated(options), **extra,
                              **_partial(index, allow_partial))
    _print_result(result, as_json, marks)


def _export(index: Index, query: str, output_format: str, marks: bool, snippets: bool, group: bool, explain: bool,
            limit: int, page: int, sort: str, facets: bool, **filters) -> None:
    """Every hit of ``query`` (from ``--page``, at most ``--limit`` when given) streamed to stdout."""
    if facets:
        raise click.UsageError(f"--facets goes with text or JSON output, not --format {output_format}")
    context = click.get_current_context()
    given = {name: context.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT
             for name in ("limit", "page")}
    start = (page - 1) * limit if given["page"] else 0
    with index.export(query, order=sort, snippets=snippets, group=group, explain=explain, **_dated(filters)) as exported:
        _print_notes(exported.notes)
        _print_undated(exported.undated_left_out)
        hits = itertools.islice(exported, start, start + limit if given["limit"] else None)
        try:
            rows.write(hits, sys.stdout, output_format, first_rank=start + 1, marks=marks)
            sys.stdout.flush()
        except BrokenPipeError:  # the reader stopped reading (`| head`): done, quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _print_notes(notes: Iterable[str]) -> None:
    for note in notes:
        click.echo(f"Note: {note}", err=True)


@main.command("similar")
@click.argument("article_id", metavar="ID")
@index_option
@result_options
def similar_command(article_id: str, index_dir: Path, as_json: bool, marks: bool, show_all: bool,
                    allow_partial: bool, **options) -> None:
    """List the articles most like the article ID (sharing its key terms)."""
    with _open(index_dir) as index:
        result = index.similar(article_id, group=not show_all, **_dated(options), **_partial(index, allow_partial))
    _print_result(result, as_json, marks)


def _print_result(result: Page, as_json: bool, marks: bool) -> None:
    _print_notes(result.notes)
    if as_json:
        _print_json(result.to_dict(marks))
    else:
        click.echo(render.page_text(result, render.Display.of(sys.stdout)))
    if result.shards and result.shards["failed"]:
        click.echo(f"searcher: {result.shards['failed']} of {result.shards['total']} shards did not answer: "
                   f"their hits are missing", err=True)
    _print_undated(result.undated_left_out)


def _print_undated(undated_left_out: int | None) -> None:
    if undated_left_out:
        click.echo(f"Note: the date filter left out {render.count(undated_left_out, 'undated article')} "
                   f"matching the query", err=True)


@main.command("show")
@click.argument("article_id", metavar="ID")
@click.option("--query", default=None, metavar="QUERY", help="Highlight the words matching QUERY.")
@index_option
@json_option
@marks_option
def show_command(article_id: str, query: str | None, index_dir: Path, as_json: bool, marks: bool) -> None:
    """Show the article ID whole: title, date, source, language, url, file, and its text as
    read, page chrome lines (menus, codes, date lines; never indexed) marked as such."""
    with _open(index_dir) as index:
        reading = index.read(article_id, query)
    if as_json:
        _print_json(reading.to_dict(marks))
    else:
        click.echo(render.reading_text(reading, render.Display.of(sys.stdout)))


@main.command("stats")
@index_option
@json_option
@click.pass_context
def stats_command(ctx: click.Context, index_dir: Path, as_json: bool) -> None:
    """Show which index (and why), documents per language and per source, undated documents,
    size on disk, analysis version, last update and the history of the runs that changed it."""
    choice = ctx.meta["searcher.index_choice"]
    with _open(index_dir) as index:
        stats = index.stats()
    if as_json:
        config = str(choice.config_file) if choice.config_file else None
        _print_json({**stats.to_dict(), "index_chosen_by": choice.reason, "config_file": config})
    else:
        _print_stats(stats, choice)


@main.command("remove")
@click.argument("ids", nargs=-1, required=True)
@index_option
@wait_option
@json_option
def remove_command(ids: tuple[str, ...], index_dir: Path, wait: float, as_json: bool) -> None:
    """Remove the articles with these IDS from the index (ids not found are reported)."""
    with _open(index_dir, wait=wait) as index:
        report = index.remove(ids)
    for article_id in report.not_found:
        click.echo(f"not found: {article_id}", err=True)
    if as_json:
        _print_json(report.to_dict())
    else:
        click.echo(f"removed {len(report.removed)}, not found {len(report.not_found)} (index {index.path})")


@main.command("rebuild")
@index_option
@wait_option
@json_option
def rebuild_command(index_dir: Path, wait: float, as_json: bool) -> None:
    """Re-read every article from its source into a new generation and switch to it.

    Needed after an analysis upgrade. Searches meanwhile answer from the old generation.
    Articles whose source file is gone are kept as stored, and the missing files listed.
    Also recovers a damaged index (see verify); articles it cannot recover are listed.
    """
    if is_cluster(index_dir) or _scheduler():
        with _open(index_dir, wait=wait) as index:
            report = index.rebuild(on_skip=_report_skip)
    else:
        report = rebuild_index(index_dir, wait=wait, on_skip=_report_skip)
    for source in report.missing_sources:
        click.echo(f"missing source {source}: its articles were kept from the old generation", err=True)
    for lost in report.lost:
        click.echo(f"lost {lost}: damaged in the index, and no source delivered it again", err=True)
    if as_json:
        _print_json(report.to_dict())
    else:
        lost = f", lost {len(report.lost)}" if report.lost else ""
        click.echo(f"rebuilt {report.generation}: re-read {report.reread}, kept {report.kept}, "
                   f"missing sources {len(report.missing_sources)}, skipped {len(report.skipped)}{lost} "
                   f"(index {index_dir})")


@main.command("verify")
@index_option
@json_option
def verify_command(index_dir: Path, as_json: bool) -> None:
    """Check the index: segments readable, document count as the history says, analysis
    version current. Exits with status 1 when it finds a problem."""
    with _open(index_dir, check_analysis=False) as index:
        report = index.verify()
    if as_json:
        _print_json(report.to_dict())
    else:
        click.echo(f"{report.documents} documents in {report.segments} segments ({report.generation})")
        for problem in report.problems:
            click.echo(f"problem: {problem}")
    if not report.ok:
        raise click.ClickException(f"the index at {index.path} has {len(report.problems)} problem(s)")


@main.command("optimize")
@index_option
@wait_option
def optimize_command(index_dir: Path, wait: float) -> None:
    """Merge the index's segments into one (faster searches after many small drops)."""
    with _open(index_dir, wait=wait) as index:
        index.optimize()
    click.echo(f"optimized the index at {index.path}")


@main.command("serve")
@index_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; any but loopback needs --token-file.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1),
              help="Worker processes, each with the index open (searches at once).")
@click.option("--token-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File holding the access token that every request must carry.")
def serve_command(index_dir: Path | None, host: str, port: int, workers: int, token_file: Path | None) -> None:
    """Serve the index over HTTP: a search page at / and a JSON API under /api/.

    Read-only: drops are still indexed with `searcher index`, and the server sees them within
    a second. Needs the serve extra: pip install 'searcher[serve]'.
    """
    try:
        from searcher.server import run  # Starlette and uvicorn load only for this command
    except ImportError as error:
        raise click.ClickException(f"`searcher serve` needs the serve extra ({error.name} is missing): "
                                   "pip install 'searcher[serve]'") from error
    run.serve(index_dir, host, port, workers, token_file, _config().path)


@main.group("watch")
def watch_group() -> None:
    """Standing queries: questions asked of every indexing run's new and changed articles.

    \b
    searcher watch add haven "haven Rotterdam" --lang nl
    searcher index drops/2025-06-14 --report     (index, then list what is new per watch)
    searcher watch new                           (what runs since the last report added)
    """


@watch_group.command("add")
@click.argument("name")
@click.argument("query")
@index_option
@filter_options
@click.option("--replace", "replace_existing", is_flag=True, help="Replace the watch of this name (it keeps its place).")
def watch_add_command(name: str, query: str, index_dir: Path, replace_existing: bool, **filters) -> None:
    """Add the standing query NAME: QUERY (as `searcher search` reads it) with filters. It
    reports the new and changed articles of the indexing runs after now."""
    with _open(index_dir) as index:
        watch = index.watches.add(name, query, replace_existing=replace_existing, **filters)
    click.echo(f"watching {watch.name}: {_watch_line(watch)} (index {index.path})")


@watch_group.command("list")
@index_option
@json_option
def watch_list_command(index_dir: Path, as_json: bool) -> None:
    """List the standing queries: name, query, filters, last run reported."""
    with _open(index_dir) as index:
        watches = index.watches.list()
    if as_json:
        _print_json({"watches": [watch.to_dict() for watch in watches]})
    elif not watches:
        click.echo(f"no standing queries in the index {index.path}: add one with `searcher watch add NAME QUERY`")
    for watch in [] if as_json else watches:
        click.echo(f"{watch.name}: {_watch_line(watch)}, reported up to run {watch.reported}")


@watch_group.command("remove")
@click.argument("name")
@index_option
def watch_remove_command(name: str, index_dir: Path) -> None:
    """Remove the standing query NAME."""
    with _open(index_dir) as index:
        watch = index.watches.remove(name)
    click.echo(f"removed the watch {watch.name}: {_watch_line(watch)}")


@watch_group.command("new")
@click.argument("names", nargs=-1, metavar="[NAME]...")
@index_option
@click.option("--since", "since_value", default=None, metavar="RUN|DATE",
              help="List what runs after run number RUN, or since DATE (2025-06-14, Jalali, or 7d, 24h) added; "
                   "the watches' marks stay. [default: since each watch's last report, which moves the mark]")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(min=1), help="Hits per standing query.")
@json_option
@marks_option
def watch_new_command(names: tuple[str, ...], index_dir: Path, since_value: str | None, limit: int, as_json: bool,
                      marks: bool) -> None:
    """List, per standing query (or only NAMEs), the articles that indexing runs added or
    changed since its last report and that match it, ranked. Each run's articles are reported
    once, those of a run killed after its commit included: run it from cron after indexing."""
    with _open(index_dir) as index:
        new = index.new_matches(_since(since_value), limit=limit, names=names or None)
    if as_json:
        _print_json(new.to_dict(marks))
    else:
        click.echo(_new_matches_text(new))
    _fail_on_watch_errors(new)


def _since(value: str | None) -> int | str | None:
    """``--since``: a run number, a period before today (7d, 24h) as its first day, or a date."""
    if value is None or value.strip().isdigit():
        return None if value is None else int(value)
    try:
        return since(value)
    except SearcherError:
        return value  # a date, checked by the library


def _watch_line(watch: Watch) -> str:
    filters = {"lang": ",".join(watch.lang), "source": ",".join(watch.source), "from": watch.date_from,
               "to": watch.date_to}
    return watch.query + "".join(f" --{name} {value}" for name, value in filters.items() if value)


def _new_matches_text(new: NewMatches) -> str:
    if not new.reports:
        return "no standing queries: add one with `searcher watch add NAME QUERY`"
    display = render.Display.of(sys.stdout)
    return "\n\n".join(render.watch_text(report, display) for report in new.reports)


def _fail_on_watch_errors(new: NewMatches) -> None:
    failed = [report for report in new.reports if report.error]
    for report in failed:
        click.echo(f"watch {report.watch.name}: {report.error}", err=True)
    if failed:
        raise click.ClickException(f"{render.count(len(failed), 'standing query', 'standing queries')} could not be asked")


@main.command("reshard")
@click.argument("count", metavar="N", type=click.IntRange(min=1, max=256))
@index_option
@wait_option
@json_option
def reshard_command(count: int, index_dir: Path, wait: float, as_json: bool) -> None:
    """Rebuild the index into N shards (an index of one shard too), on a local cluster.

    Every stored article is routed to its new shard; the index switches to the new shards in
    one step and searches meanwhile answer from the old ones.
    """
    from searcher.cluster.sharded import reshard

    if _scheduler():
        raise click.ClickException("reshard runs on a local cluster: leave out --scheduler (and $SEARCHER_SCHEDULER)")
    report = reshard(index_dir, count, wait=wait)
    if as_json:
        _print_json(report)
    else:
        click.echo(f"resharded into {report['shards']} shards: {report['documents']} documents (index {index_dir})")


@contextmanager
def _progress_bar(paths: Iterable[Path], options: "drops.ReadOptions",
                  quiet: bool) -> Iterator[Callable[[IndexReport], None] | None]:
    """A progress callback drawing a bar (articles, articles/s, ETA) on stderr when it is a
    terminal (or $SEARCHER_PROGRESS is 1) and not ``quiet``; else None."""
    wanted = os.environ.get(PROGRESS_ENV)
    if quiet or wanted == "0" or (wanted != "1" and not sys.stderr.isatty()):
        yield None
        return
    from tqdm import tqdm  # only for runs that draw a bar

    from searcher import drops

    with tqdm(total=drops.expected_articles(paths, options), unit=" articles", file=sys.stderr, mininterval=0.5,
              dynamic_ncols=True) as bar:

        def on_progress(report: IndexReport) -> None:
            done = report.indexed + len(report.skipped)
            if done - bar.n >= PROGRESS_STEP:
                bar.update(done - bar.n)

        yield on_progress


def _report_skip(skipped: Skipped) -> None:
    click.echo(f"skipped {skipped.path}: {skipped.reason}", err=True)


def _report_note(note: Note) -> None:
    click.echo(f"note {note.path}: {note.message}", err=True)


def _summary(report: IndexReport, index_dir: Path) -> str:
    counts = report.to_dict()
    return ", ".join(f"{name} {count}" for name, count in counts.items()) + f" (index {index_dir})"


def _print_json(data: dict) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _print_stats(stats: Stats, choice: config_file.IndexChoice) -> None:
    languages = ", ".join(f"{lang} {count}" for lang, count in stats.languages.items()) or "none"
    sources = ", ".join(f"{source} {count}" for source, count in list(stats.sources.items())[:SOURCES_SHOWN]) or "none"
    if len(stats.sources) > SOURCES_SHOWN:
        sources += f", … ({len(stats.sources) - SOURCES_SHOWN} more: see --json)"
    click.echo(
        f"index:      {stats.path} ({choice.describe()})\n"
        f"documents:  {stats.documents} ({languages})\n"
        f"sources:    {sources}\n"
        f"undated:    {stats.undated}\n"
        f"size:       {stats.size_bytes / 1_000_000:.1f} MB\n"
        f"analysis:   {stats.analysis_version}\n"
        f"created:    {stats.created}\n"
        f"updated:    {stats.last_update}"
    )
    if stats.history:
        earlier = len(stats.history) - HISTORY_SHOWN
        click.echo("history:" + (f"    ({earlier} earlier runs: see --json)" if earlier > 0 else ""))
        for entry in stats.history[-HISTORY_SHOWN:]:
            counts = ", ".join(f"{name} {getattr(entry, name)}" for name in ("added", "updated", "unchanged", "skipped", "removed"))
            what = entry.action + (" " + " ".join(entry.paths) if entry.action == "index" else "")
            run = f"run {entry.run}  " if entry.run else ""
            click.echo(f"  {entry.when}  {run}{what}: {counts} -> {entry.documents} documents")


@main.command("eval")
@click.argument("set_dir", metavar="SETDIR", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--index", "index_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Index the set into this directory (created or reused) [default: a temporary index].")
@click.option("--run", "run_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the rankings to this TREC run file.")
@click.option("--per-query", is_flag=True, help="Also show each query's scores.")
@json_option
@click.option("--perturb", "perturbation", type=click.Choice(list(perturb.PERTURBATIONS)), default=None,
              help="Rewrite the docs or queries first (see searcher/perturb.py).")
@click.option("--perturb-side", type=click.Choice(perturb.SIDES), default="queries", show_default=True,
              help="What --perturb rewrites.")
def eval_command(set_dir: Path, index_dir: Path | None, run_file: Path | None, per_query: bool, as_json: bool,
                 perturbation: str | None, perturb_side: str) -> None:
    """Score the search engine on the judged set in SETDIR.

    SETDIR holds docs.jsonl, queries.jsonl and qrels.tsv. Prints nDCG@10, MRR@10, R@100 and
    MAP over the judged queries, each searched as plain words (top 100 hits).
    Needs ir-measures: pip install 'searcher[eval]'.
    """
    from searcher import evaluation  # needs the extra "eval"; not for searches

    eval_set = evaluation.load_set(set_dir)
    if perturbation:
        eval_set = eval_set.perturbed(perturbation, perturb_side)
    result = evaluation.evaluate(eval_set, index_dir, on_progress=lambda message: click.echo(message, err=True))
    if run_file:
        tag = f"searcher-{perturbation}-{perturb_side}" if perturbation else "searcher"
        evaluation.write_run(result.run, run_file, tag=tag)
    if as_json:
        _print_json(result.to_dict(per_query=per_query))
    else:
        _print_evaluation(result, per_query)


def _print_evaluation(result: "evaluation.EvalResult", per_query: bool) -> None:
    from searcher import evaluation

    labels = {name: "MAP" if name == "AP" else name for name in evaluation.MEASURES}
    if per_query:
        click.echo("qid\t" + "\t".join(labels.values()))
        for qid, scores in result.per_query.items():
            click.echo(qid + "\t" + "\t".join(f"{scores[name]:.4f}" for name in labels))
        click.echo()
    perturbed = f", {result.perturbation[0]} on {result.perturbation[1]}" if result.perturbation else ""
    click.echo(f"{result.set}: {result.queries} queries{perturbed}")
    for name, label in labels.items():
        click.echo(f"{label:<8} {result.scores[name]:.4f}")


if __name__ == "__main__":
    main()
