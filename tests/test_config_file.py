"""The configuration file searcher.toml: where it is looked for, which index a command uses and
why, option defaults, ranking settings, and one clear line for a bad file."""
from __future__ import annotations

import json

import pytest

from test_drops import TEXTS, write_drop


@pytest.fixture
def indexed(run, tmp_path):
    """Two indexes, "one" and "two", of the same drop; returns the drop."""
    drop = write_drop(tmp_path / "drop", TEXTS)
    for name in ("one", "two"):
        assert run("index", str(drop), "--index", name, "-q").exit_code == 0
    return drop


def chosen(run, *args) -> tuple[str, str, str | None]:
    """(index path, why, config file) as `searcher stats --json` gives them."""
    result = run("stats", "--json", *args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    return data["path"], data["index_chosen_by"], data["config_file"]


def test_which_index_and_why(run, tmp_path, indexed, monkeypatch):
    assert run("stats").output == "Error: no index at indexes/default: create one with `searcher index PATH --index indexes/default`\n"
    (tmp_path / "searcher.toml").write_text('index = "one"\n', encoding="utf-8")
    assert chosen(run) == (str(tmp_path / "one"), "config", str(tmp_path / "searcher.toml"))
    assert run("stats").output.startswith(f"index:      {tmp_path / 'one'} (from the configuration file "
                                          f"{tmp_path / 'searcher.toml'})\n")
    monkeypatch.setenv("SEARCHER_INDEX", "two")
    assert chosen(run) == ("two", "environment", None)
    assert run("stats").output.startswith("index:      two (from $SEARCHER_INDEX)\n")
    assert chosen(run, "--index", "one") == ("one", "flag", None)
    assert run("stats", "--index", "one").output.startswith("index:      one (from --index)\n")


def test_the_user_configuration_directory_unless_the_working_directory_has_one(run, tmp_path, indexed, monkeypatch):
    user = tmp_path / "xdg" / "searcher"
    user.mkdir(parents=True)
    (user / "searcher.toml").write_text(f'index = "{tmp_path / "two"}"\n', encoding="utf-8")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert chosen(run) == (str(tmp_path / "two"), "config", str(user / "searcher.toml"))
    (tmp_path / "searcher.toml").write_text('index = "one"\n', encoding="utf-8")
    assert chosen(run)[0] == str(tmp_path / "one")
    (tmp_path / "searcher.toml").unlink()
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home" / ".config" / "searcher").mkdir(parents=True)
    (tmp_path / "home" / ".config" / "searcher" / "searcher.toml").write_text('index = "~/../one"\n', encoding="utf-8")
    assert chosen(run)[:2] == (str(tmp_path / "home" / ".." / "one"), "config")


def test_a_relative_index_is_relative_to_the_files_folder(run, tmp_path, indexed, monkeypatch):
    user = tmp_path / "xdg" / "searcher"
    user.mkdir(parents=True)
    (user / "searcher.toml").write_text('index = "../../two"\n', encoding="utf-8")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert chosen(run) == (str(user / ".." / ".." / "two"), "config", str(user / "searcher.toml"))
    assert json.loads(run("stats", "--json").stdout)["documents"] == len(TEXTS)


def test_option_defaults_and_ranking_settings(run, tmp_path):
    words = ["haven", "kade", "schip", "kraan", "loods", "dok"]
    drop = write_drop(tmp_path / "drop", {f"h{n}": " ".join(["De haven"] * n + words[: 6 - n]) for n in range(1, 5)})
    run("index", str(drop), "--index", "one", "-q")
    plain = json.loads(run("search", "haven", "--index", "one", "--json", "--all").stdout)
    assert len(plain["hits"]) == 4
    (tmp_path / "searcher.toml").write_text('index = "one"\n[search]\nlimit = 2\nlang = "nl"\nall = true\n'
                                            '[ranking]\nk1 = 0.5\n', encoding="utf-8")
    configured = json.loads(run("search", "haven", "--json").stdout)
    assert len(configured["hits"]) == 2 and configured["total"] == 4
    assert configured["hits"][0]["score"] < plain["hits"][0]["score"]  # k1 = 0.5 saturates the repeats sooner
    assert len(json.loads(run("search", "haven", "--json", "--limit", "3").stdout)["hits"]) == 3  # a flag wins
    assert "[default: 2; x>=1]" in run("search", "--help").output
    assert run("search", "haven", "--lang", "fa").output.startswith("No hits")


def test_indexing_defaults(run, tmp_path):
    (tmp_path / "searcher.toml").write_text('[indexing]\nsource = "nos"\ndate_from_name = "%Y-%m-%d"\n',
                                            encoding="utf-8")
    drop = write_drop(tmp_path / "2025-06-14", {"x": "Een bericht over de haven."})
    assert run("index", str(drop), "--index", "idx", "-q").exit_code == 0
    hit = json.loads(run("search", "haven", "--index", "idx", "--json").stdout)["hits"][0]
    assert (hit["source"], hit["date"]) == ("nos", "2025-06-14")


@pytest.mark.parametrize("text, problem", [
    ("index = one\n", "not TOML: Invalid value (at line 1, column 9)"),
    ("index = 3\n", "'index' must be a path, as a string"),
    ("indx = 'one'\n", "unknown setting 'indx' (it may set index, indexing, ranking, search)"),
    ("[search]\nlimt = 2\n", "[search] has no option 'limt' (it may set all, allow-partial, explain, facets, format, "
                             "from, json, lang, limit, marks, page, since, snippets, sort, source, to)"),
    ("[search]\nlimit = 0\n", "[search] limit = 0: 0 is not in the range x>=1."),
    ("[search]\nlang = ['nl', 'de']\n", "[search] lang = ['nl', 'de']: 'de' is not one of 'fa', 'nl', 'und'."),
    ("search = 3\n", "[search] must be a table of options"),
    ("[ranking]\nk1 = 'hoog'\n", "[ranking] k1 = 'hoog' is not a float"),
    ("[ranking]\nproximity_depth = true\n", "[ranking] proximity_depth = True is not a int"),
    ("[ranking]\nk3 = 1\n", "[ranking] has no setting 'k3' (it has k1, "),
    ("[ranking]\nproximity = 'span'\n", "[ranking] proximity 'span' is not one of covered, pairs"),
    ("[ranking]\ntf_model = 'bm26'\n", "[ranking] tf_model 'bm26' is not one of bm25, bm25t"),
    ("[ranking]\nidf_power = -1.0\n", "[ranking] idf_power -1.0 is not at least 0"),
    ("[ranking]\nb_ranking = 1.5\n", "[ranking] b_ranking 1.5 is not between 0 and 1"),
    ("[ranking]\nproximity_window = 0\n", "[ranking] proximity_window 0 is not at least 1"),
])
def test_a_bad_configuration_file_is_one_line(run, tmp_path, text, problem):
    (tmp_path / "searcher.toml").write_text(text, encoding="utf-8")
    result = run("stats")
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: the configuration file {tmp_path / 'searcher.toml'}: {problem}")
    assert result.output.count("\n") == 1
