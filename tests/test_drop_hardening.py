"""Hostile and damaged drops (issue 16): each problem costs its record or file, with one exact
line on stderr, and never the run; reading never blocks and never leaves the drop uninvited."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from searcher import open_index
from searcher.drops import ReadOptions, read_paths, read_records
from searcher.model import Article, Note, Skipped

FA_TITLE = "تماس تلفنی پوتین و بایدن درباره بحران اوکراین"
FA_TEXT = f"{FA_TITLE}\nبایدن و پوتین در تماسی تلفنی درباره اوکراین هشدارهایی را رد و بدل کردند.\n"
NL_TEXT = "De brug gaat dicht\nDe gemeente sluit de brug over de rivier voor een heel jaar.\n"
GOOD = {"id": "good", "title": "De brug gaat dicht", "text": "De gemeente sluit de brug over de rivier."}


def skip_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("skipped ")]


def indexed(index_dir: Path, *ids: str) -> bool:
    """True when the index holds exactly the articles ``ids``."""
    with open_index(index_dir) as index:
        return len(index) == len(ids) and all(index.get(article_id).id == article_id for article_id in ids)


def drop_with(tmp_path: Path, name: str, data: bytes) -> Path:
    """A drop holding one good article file and ``name`` with ``data``."""
    drop = tmp_path / "drop"
    drop.mkdir(exist_ok=True)
    (drop / "base.txt").write_text(NL_TEXT, encoding="utf-8")
    (drop / name).write_bytes(data)
    return drop


# Records: surrogates, nesting, JSON errors, duplicates


def test_a_lone_surrogate_costs_its_record_only(run, tmp_path):
    lines = [json.dumps(GOOD), json.dumps({"id": "s", "title": "\ud800", "text": "tekst"}),
             json.dumps({"id": "\udc00", "text": "tekst"})]
    drop = drop_with(tmp_path, "news.jsonl", "\n".join(lines).encode())
    result = run("index", str(drop), "--index", "idx", "--json")
    assert result.exit_code == 0
    assert skip_lines(result) == [
        f"skipped {drop / 'news.jsonl'}: line 2: 'title' holds a lone surrogate (U+D800 at character 0), not text",
        f"skipped {drop / 'news.jsonl'}: line 3: 'id' holds a lone surrogate (U+DC00 at character 0), not text"]
    assert json.loads(result.stdout)["added"] == 2
    assert indexed(tmp_path / "idx", "base", "good")


def test_a_lone_surrogate_in_memory_is_skipped_by_add_documents(tmp_path):
    skipped: list[Skipped] = []
    with open_index(tmp_path / "idx", create=True) as index:
        report = index.add_documents([GOOD, {"id": "bad", "title": "t", "text": "a\udfffb"}], on_skip=skipped.append)
    assert report.added == 1
    assert skipped == [Skipped("<memory>", "record 2: 'text' holds a lone surrogate (U+DFFF at character 1), not text")]


@pytest.mark.parametrize("name, data, line", [
    ("deep.json", b"[" * 5000, "nested more than 100 levels deep, not an article record"),
    ("deep.jsonl", json.dumps(GOOD).encode() + b"\n" + b"[" * 5000 + b"\n", "line 2: nested more than 100 levels deep, not an article record"),
    ("deep2.jsonl", b'{"id": "x", "text": ' + b"{" * 3000 + b"}" * 3000 + b"}\n", "line 1: nested more than 100 levels deep, not an article record"),
])
def test_deep_nesting_is_skipped_not_a_recursion_error(run, tmp_path, name, data, line):
    drop = drop_with(tmp_path, name, data)
    result = run("index", str(drop), "--index", "idx")
    assert result.exit_code == 0
    assert skip_lines(result) == [f"skipped {drop / name}: {line}"]


def test_brackets_inside_strings_are_not_nesting(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"id": "b", "title": "Haakjes", "text": "[" * 500 + " tekst"}) + "\n", encoding="utf-8")
    [article] = read_paths([path])
    assert article.body.startswith("[[[")


def test_json_errors_say_where(run, tmp_path):
    drop = drop_with(tmp_path, "ctl.jsonl", b'{"id": "c", "text": "a\x01b"}\n')
    (drop / "broken.json").write_text('[\n  {"id": "x",\n   "text" "y"}\n]', encoding="utf-8")
    result = run("index", str(drop), "--index", "idx")
    assert skip_lines(result) == [
        f"skipped {drop / 'broken.json'}: bad JSON: Expecting ':' delimiter at line 3 column 11",
        f"skipped {drop / 'ctl.jsonl'}: line 1: bad JSON: Invalid control character at column 23"]


def test_a_duplicate_id_is_reported_with_its_file_and_line(run, tmp_path):
    lines = [json.dumps(GOOD), json.dumps({**GOOD, "id": "b"}), json.dumps({**GOOD, "text": "Een ander bericht."}),
             json.dumps(GOOD)]  # the same article twice is no conflict
    drop = drop_with(tmp_path, "news.jsonl", "\n".join(lines).encode())
    result = run("index", str(drop), "--index", "idx", "--json")
    assert skip_lines(result) == [f"skipped {drop / 'news.jsonl'}: line 3: id 'good' was read before in this run "
                                  "with other contents; kept the first"]
    assert json.loads(result.stdout) == {"added": 3, "updated": 0, "unchanged": 1, "skipped": 1}


def test_a_json_line_beyond_the_size_limit_is_skipped_unread_and_reading_goes_on(tmp_path):
    """A record too long to hold an article within the limit (8 bytes a character of
    max_article_chars) costs its line only."""
    drop = tmp_path / "drop"
    drop.mkdir()
    lines = [json.dumps(GOOD), json.dumps({"id": "long", "title": "Lang", "text": "woord " * 2000}),
             json.dumps({**GOOD, "id": "after"})]
    (drop / "news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with open_index(tmp_path / "idx", create=True) as index:
        report = index.add_paths([drop], options=ReadOptions(max_article_chars=1000))
    assert report.added == 2
    assert report.skipped == [Skipped(str(drop / "news.jsonl"),
                                      "line 2: longer than 8,000 bytes, more than an article record may take")]
    assert indexed(tmp_path / "idx", "good", "after")


# Files that are no JSON Lines, or no text


@pytest.mark.parametrize("name, data, line", [
    ("u16.jsonl", (json.dumps(GOOD) + "\n" + json.dumps(GOOD) + "\n").encode("utf-16"),
     "UTF-16 text: JSON Lines files are UTF-8 (convert it, e.g. iconv -f UTF-16 -t UTF-8)"),
    ("empty.jsonl", b"", "empty file"),
    ("blank.jsonl", b"\n  \n", "empty file (blank lines only)"),
    ("report.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n" + bytes(range(128, 256)), "a PDF file, not text"),
    ("photo.txt", b"\xff\xd8\xff\xe0\x00\x10JFIF", "a JPEG image, not text"),
    ("old.txt", b"\x7fELF\x02\x01\x01" + bytes(200), "an ELF executable, not text"),
    ("packed.jsonl", b"\x1f\x8b\x08\x00" + bytes(50), "gzip-compressed data, not text"),
])
def test_files_that_are_not_what_their_name_says_get_one_line(run, tmp_path, name, data, line):
    drop = drop_with(tmp_path, name, data)
    result = run("index", str(drop), "--index", "idx", "--json")
    assert result.exit_code == 0
    assert skip_lines(result) == [f"skipped {drop / name}: {line}"]
    assert json.loads(result.stdout)["added"] == 1


def test_one_bad_byte_in_persian_utf8_is_skipped_naming_its_offset(run, tmp_path):
    data = bytearray(FA_TEXT.encode("utf-8"))
    offset = len(FA_TEXT[:30].encode("utf-8"))  # a character of the title: the rest stays valid UTF-8
    data[offset] = 0xFF
    drop = drop_with(tmp_path, "damaged.txt", bytes(data))
    result = run("index", str(drop), "--index", "idx")
    assert skip_lines(result) == [f"skipped {drop / 'damaged.txt'}: invalid UTF-8 text at byte {offset}"]


def test_windows_1256_persian_is_still_read(tmp_path):
    (tmp_path / "old.txt").write_bytes(FA_TEXT.replace("ی", "ي").encode("cp1256"))
    [article] = read_paths([tmp_path])
    assert article.title == FA_TITLE.replace("ی", "ي") and article.lang == "fa"


def test_latin_text_in_another_code_page_is_skipped(tmp_path):
    (tmp_path / "cafe.txt").write_bytes("Café één groot geheim en überhaupt".encode("cp1252"))
    [skipped] = read_paths([tmp_path])
    assert skipped.reason == "not UTF-8, UTF-16 or Windows-1256 text (invalid UTF-8 text at byte 3)"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("text, title", [(FA_TEXT, FA_TITLE), (NL_TEXT, "De brug gaat dicht")])
def test_utf16_without_bom_is_recognised(tmp_path, codec, text, title):
    (tmp_path / "a.txt").write_bytes(text.encode(codec))
    [article] = read_paths([tmp_path])
    assert isinstance(article, Article) and article.title == title


def test_binary_with_nul_bytes_is_not_taken_for_utf16(tmp_path):
    (tmp_path / "blob.txt").write_bytes(bytes(range(256)) * 8)
    [skipped] = read_paths([tmp_path])
    assert skipped.reason == "binary file (NUL bytes)"


# Files that are not regular files; links


def test_a_fifo_is_skipped_without_blocking(tmp_path):
    """In a subprocess with a timeout: a regression hangs in open() and must fail, not hang."""
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "good.txt").write_text(NL_TEXT, encoding="utf-8")
    os.mkfifo(drop / "pipe.txt")
    (drop / "to-pipe.txt").symlink_to(drop / "pipe.txt")
    command = [sys.executable, "-m", "searcher.cli", "index", str(drop), str(drop / "pipe.txt"), "--index",
               str(tmp_path / "idx"), "--json"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("skipped")] == [
        f"skipped {drop / 'pipe.txt'}: a named pipe (FIFO), not a regular file",
        f"skipped {drop / 'to-pipe.txt'}: symbolic link to a named pipe (FIFO), not a regular file",
        f"skipped {drop / 'pipe.txt'}: a named pipe (FIFO), not a regular file"]
    assert json.loads(result.stdout)["added"] == 1


def test_a_socket_is_skipped(run, tmp_path):
    import socket

    drop = drop_with(tmp_path, "good.txt", FA_TEXT.encode())
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(drop / "feed.jsonl"))
        result = run("index", str(drop), "--index", "idx", "--json")
    assert result.exit_code == 0
    assert skip_lines(result) == [f"skipped {drop / 'feed.jsonl'}: a socket, not a regular file"]
    assert indexed(tmp_path / "idx", "base", "good")


def test_a_file_swapped_for_a_fifo_after_the_walk_is_not_opened_blocking(tmp_path):
    from searcher.drops import walk

    path = tmp_path / "a.txt"
    path.write_text(NL_TEXT, encoding="utf-8")
    [found] = walk.files([tmp_path])
    path.unlink()
    os.mkfifo(path)
    with pytest.raises(Exception, match="named pipe"):
        walk.open_file(found)  # O_NONBLOCK: returns at once, then refused by fstat


def test_links_out_of_the_drop_are_skipped_unless_followed(run, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(NL_TEXT.replace("brug", "sluis"), encoding="utf-8")
    drop = drop_with(tmp_path, "inside.txt", FA_TEXT.encode())
    (drop / "secret.txt").symlink_to(outside / "secret.txt")
    (drop / "more").symlink_to(outside)
    (drop / "again.txt").symlink_to(drop / "inside.txt")  # a link inside the drop is read
    (drop / "self").symlink_to(drop)  # a folder inside: not walked twice
    result = run("index", str(drop), "--index", "idx", "--json")
    assert skip_lines(result) == [
        f"skipped {drop / 'more'}: symbolic link to {outside}, outside the drop: give --follow-links "
        "(follow_links=True) to read it",
        f"skipped {drop / 'secret.txt'}: symbolic link to {outside / 'secret.txt'}, outside the drop: give "
        "--follow-links (follow_links=True) to read it"]
    assert indexed(tmp_path / "idx", "again", "base", "inside")
    followed = run("index", str(drop), "--index", "idx", "--follow-links", "--json")
    assert skip_lines(followed) == []
    # secret.txt is read twice, as more/secret.txt too: the same article, so no conflict
    assert json.loads(followed.stdout) == {"added": 1, "updated": 0, "unchanged": 4, "skipped": 0}
    assert indexed(tmp_path / "idx", "again", "base", "inside", "secret")


# The size limit


def test_a_text_beyond_the_size_limit_is_cut_at_a_word_with_a_note(tmp_path):
    (tmp_path / "huge.txt").write_text("Een enorm lang bericht\n" + "woord " * 2000, encoding="utf-8")
    notes: list[Note] = []
    [article] = read_paths([tmp_path], ReadOptions(max_article_chars=1000), on_note=notes.append)
    assert notes == [Note(str(tmp_path / "huge.txt"), "text cut at 1,000 characters (the size limit; "
                                                       "ReadOptions.max_article_chars)")]
    assert len(article.title) + len(article.body) <= 1000 and article.body.endswith("woord")
    record = {"id": "r", "title": "Titel", "text": "woord " * 2000}
    [cut] = read_records([record], ReadOptions(max_article_chars=1000), on_note=notes.append)
    assert len(cut.body) <= 1000 - len("Titel") and notes[-1].message.startswith("record 1: text cut at 1,000")


def test_the_cli_cuts_an_article_of_more_than_a_million_characters(run, tmp_path):
    drop = drop_with(tmp_path, "huge.txt", ("Een enorm lang bericht\n" + "woord " * 200_000).encode())
    result = run("index", str(drop), "--index", "idx", "--json")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [f"note {drop / 'huge.txt'}: text cut at 1,000,000 characters (the size "
                                          "limit; ReadOptions.max_article_chars)"]
    with open_index(tmp_path / "idx") as index:
        assert len(index.get("huge").body) < 1_000_000
