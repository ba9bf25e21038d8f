"""The README is the reference: its command tables agree with ``--help`` and its library
signatures with the code, option for option and parameter for parameter."""
from __future__ import annotations

import inspect
import re

import click
import pytest

from conftest import REPO
from searcher.cli import main

README = (REPO / "README.md").read_text(encoding="utf-8")


def leaf_commands() -> dict[str, click.Command]:
    """``index``, ``watch add``, ...: every command a user runs (groups stand for their subcommands)."""
    found = {}
    for name, command in main.commands.items():
        if isinstance(command, click.Group):
            found.update({f"{name} {sub}": child for sub, child in command.commands.items()})
        else:
            found[name] = command
    return found


def long_options(command: click.Command) -> set[str]:
    return {option for param in command.params for option in (*getattr(param, "opts", ()), *getattr(param, "secondary_opts", ()))
            if option.startswith("--")}


def documented_options() -> dict[str, set[str]]:
    """Per command, the long options named in the first cell of the README's table rows that
    start with ``searcher COMMAND`` (a command may have rows in several sections)."""
    names = sorted(leaf_commands(), key=len, reverse=True)
    found: dict[str, set[str]] = {}
    for line in README.splitlines():
        if not line.startswith("| `searcher "):
            continue
        cell = re.split(r"(?<!\\)\|", line)[1]
        usage = cell.strip().strip("`").removeprefix("searcher ")
        name = next((name for name in names if usage == name or usage.startswith(name + " ")), None)
        if name is not None:
            found.setdefault(name, set()).update(re.findall(r"--[a-z][a-z-]*", cell))
    return found


@pytest.mark.parametrize("name", sorted(leaf_commands()))
def test_the_command_tables_name_exactly_the_options_of_each_command(name):
    documented = documented_options()
    assert name in documented, f"no README table row starts with `searcher {name}"
    real = long_options(leaf_commands()[name]) - {"--help"}
    assert sorted(real - documented[name]) == [], "options of --help missing from the README's rows"
    assert sorted(documented[name] - real) == [], "options in the README's rows that --help does not have"


def test_the_global_options_are_documented():
    for option in long_options(main) - {"--help"}:
        assert f"`searcher {option}" in README


def library_signatures() -> dict[str, list[str]]:
    """``name(a=1, b, *, c)`` in backticks at the start of a Library item: name -> parameter names."""
    section = README.split("## Library", 1)[1].split("\n## ", 1)[0]
    found = {}
    for match in re.finditer(r"^- `([A-Za-z_.]+)\(([^`]*)\)", section, re.M):
        params = [part.split("=")[0].strip() for part in match.group(2).replace("\n", " ").split(",")]
        found[match.group(1)] = [param for param in params if param and param not in ("*", "...")]
    return found


def resolve(name: str):
    import searcher
    from searcher import api

    owner, _, attribute = name.rpartition(".")
    if not owner:
        return getattr(searcher, attribute)
    return getattr({"Index": api.Index, "index.watches": api.WatchList}.get(owner) or getattr(searcher, owner), attribute)


def test_the_library_section_gives_each_signature_as_the_code_has_it():
    signatures = library_signatures()
    for name in ("open_index", "rebuild_index", "Index.add_paths", "Index.add_documents", "Index.search", "Index.export"):
        assert name in signatures, f"the Library section does not give {name}(...)"
    for name, params in signatures.items():
        target = resolve(name)
        real = [param for param in inspect.signature(target).parameters if param != "self"]
        assert params == real, name
