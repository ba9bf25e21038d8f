"""The ``searcher`` command: a thin layer over the library API (searcher.api).

It checks options, calls the library, formats the answer. Library errors (SearcherError)
become one ``Error:`` line and exit status 1, in one place (SearcherGroup); anything else is a
bug and keeps its traceback.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from searcher.api import LANGUAGES, default_index_path, open_index
from searcher.documents import Skipped
from searcher.errors import SearcherError
from searcher.results import Hit, IndexReport, Page, Stats

RTL_ISOLATE, POP_ISOLATE = "\u2067", "\u2069"


class SearcherGroup(click.Group):
    """Turns library errors into click errors: one line, non-zero exit status."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SearcherError as error:
            raise click.ClickException(str(error)) from error


index_option = click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Index directory [default: $SEARCHER_INDEX or indexes/default].",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")


@click.group(cls=SearcherGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="searcher")
def main() -> None:
    """Full-text search for Persian and Dutch news."""


@main.command("index")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@index_option
@json_option
def index_command(paths: tuple[Path, ...], index_dir: Path | None, as_json: bool) -> None:
    """Add the articles in PATHS (files or folders) to the index, creating it if needed.

    Reads .txt articles and .jsonl/.json files of article objects. New articles are added,
    changed ones replaced, unchanged ones left alone; unusable files are reported and skipped.
    """
    with open_index(index_dir, create=True) as index:
        report = index.add_paths(paths, on_skip=_report_skip)
    if as_json:
        _print_json(report.to_dict())
    else:
        click.echo(_summary(report, index.path))
    if report.indexed == 0:
        raise click.ClickException("nothing could be indexed from " + ", ".join(map(str, paths)))


@main.command("search")
@click.argument("query")
@index_option
@click.option("--limit", default=10, show_default=True, type=click.IntRange(min=1), help="Hits per page.")
@click.option("--page", default=1, show_default=True, type=click.IntRange(min=1), help="Page of hits to show.")
@click.option("--lang", type=click.Choice(LANGUAGES), default=None, help="Only articles in this language.")
@json_option
def search_command(query: str, index_dir: Path | None, limit: int, page: int, lang: str | None, as_json: bool) -> None:
    """Search the index for QUERY.

    \b
    Words:      رئیس جمهور      Oekraine onderhandeling
    Phrases:    "رئیس جمهور"    "Midden Oosten"~2
    Operators:  AND  OR  NOT  -word  ( )     Fields: title:word  body:word
    """
    with open_index(index_dir) as index:
        result = index.search(query, limit=limit, page=page, lang=lang)
    if as_json:
        _print_json(result.to_dict())
    else:
        _print_page(result)


@main.command("stats")
@index_option
@json_option
def stats_command(index_dir: Path | None, as_json: bool) -> None:
    """Show documents per language, size on disk, analysis version and last update."""
    with open_index(index_dir) as index:
        stats = index.stats()
    if as_json:
        _print_json(stats.to_dict())
    else:
        _print_stats(stats)


def _report_skip(skipped: Skipped) -> None:
    click.echo(f"skipped {skipped.path}: {skipped.reason}", err=True)


def _summary(report: IndexReport, index_dir: Path) -> str:
    counts = report.to_dict()
    return ", ".join(f"{name} {count}" for name, count in counts.items()) + f" (index {index_dir})"


def _print_json(data: dict) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _print_page(page: Page) -> None:
    first = (page.page - 1) * page.limit + 1
    if not page.hits:
        click.echo(f"No hits for {page.query!r} (total {page.total}).")
        return
    click.echo(f"{page.total} hits for {page.query!r}, showing {first}-{first + len(page.hits) - 1}:")
    for rank, hit in enumerate(page.hits, start=first):
        click.echo(_hit_lines(rank, hit))


def _hit_lines(rank: int, hit: Hit) -> str:
    color = _use_color()
    header = " · ".join(part for part in (hit.lang, hit.date, f"score {hit.score:.2f}", hit.id) if part)
    title = _directional(hit.title or hit.id, hit.direction)
    if color:
        title = click.style(title, bold=True)
        snippet = "".join(click.style(text, fg="yellow", bold=True) if matched else text for text, matched in hit.snippet.parts)
    else:
        snippet = hit.snippet.marked()
    return f"\n{rank}. {title}\n   {header}\n   {hit.path}\n   {_directional(snippet, hit.direction)}"


def _use_color() -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set."""
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _directional(text: str, direction: str) -> str:
    """Wraps right-to-left text in a Unicode isolate so it reads right to left in a line."""
    return f"{RTL_ISOLATE}{text}{POP_ISOLATE}" if direction == "rtl" else text


def _print_stats(stats: Stats) -> None:
    languages = ", ".join(f"{lang} {count}" for lang, count in stats.languages.items()) or "none"
    click.echo(
        f"index:      {stats.path}\n"
        f"documents:  {stats.documents} ({languages})\n"
        f"size:       {stats.size_bytes / 1_000_000:.1f} MB\n"
        f"analysis:   {stats.analysis_version}\n"
        f"created:    {stats.created}\n"
        f"updated:    {stats.last_update}"
    )


if __name__ == "__main__":
    main()
