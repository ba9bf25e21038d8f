"""`searcher search` on a real terminal (a pseudo-terminal of a set width) and into a pipe:
wrapping, right-to-left isolates and colour only where they help."""
from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios

import pytest
from click.testing import CliRunner
from wcwidth import wcswidth

from searcher.cli import main

SGR = re.compile(r"\x1b\[[0-9;]*m")
ISOLATES = set("\u2066\u2067\u2068\u2069")
# A long Persian paragraph whose words carry half-spaces (ZWNJ) and diacritics (no width).
TEXT = ("برنامه‌ی هسته‌ای ایران در گفت‌وگوهای تازه‌ی وین دوباره مطرح شد و نمایندگان کشورهای اروپایی گفتند "
        "که پیش‌نویس توافق هسته‌ای هنوز آماده‌ی امضا نیست؛ مذاکره‌کنندگان می‌گویند گفت‌وگوها تا پایان هفته "
        "ادامه خواهد داشت و رسانه‌ها از پیشرفتی اندک خبر داده‌اند، هرچند کارشناسان به نتیجه‌ی آن خوش‌بین نیستند.")
QUERY = "هسته‌ای"


@pytest.fixture
def index(make_index):
    return make_index({"id": "fa-1", "title": "مذاکرات هسته‌ای در وین", "text": TEXT, "lang": "fa"},
                      {"id": "fa-2", "title": "خبر دیگر", "text": "کشورهای اروپایی درباره‌ی وین سخن گفتند", "lang": "fa"})


def on_terminal(args: list[str], columns: int, color: bool) -> str:
    """The output of ``searcher ARGS`` on a pseudo-terminal ``columns`` wide."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    env = {name: value for name, value in os.environ.items() if name not in ("COLUMNS", "LINES", "NO_COLOR")}
    if not color:
        env["NO_COLOR"] = "1"
    process = subprocess.Popen([sys.executable, "-m", "searcher.cli", *args], stdin=slave, stdout=slave,
                               stderr=subprocess.PIPE, env=env)
    os.close(slave)
    output = b""
    try:
        while select.select([master], [], [], 60)[0]:
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:  # the terminal's other side closed: the process is done
                break
            if not chunk:
                break
            output += chunk
    finally:
        os.close(master)
        process.wait(timeout=60)
    assert process.returncode == 0, process.stderr.read()
    return output.decode("utf-8").replace("\r\n", "\n")


def snippet_lines(output: str) -> list[str]:
    """The lines of the first hit's snippet: after its title and details lines."""
    lines = output.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("1. ")) + 2
    end = next(i for i in range(start, len(lines)) if not lines[i].strip())
    return lines[start:end]


@pytest.mark.parametrize("color", [False, True])
def test_terminal_output_is_wrapped_between_words_and_isolated(index, color):
    output = on_terminal(["search", QUERY, "--index", str(index.path), "--limit", "1"], 50, color)
    lines = snippet_lines(output)
    assert len(lines) > 2
    for line in lines:
        plain = SGR.sub("", line)
        assert plain.startswith("   \u2067") and plain.endswith("\u2069")  # the indent kept, each line isolated
        assert wcswidth(plain) <= 50
    words = " ".join(SGR.sub("", line).strip().strip("\u2067\u2069") for line in lines).split(" ")
    marked = json.loads(CliRunner().invoke(main, ["search", QUERY, "--index", str(index.path), "--json", "--marks"])
                        .stdout)["hits"][0]["snippet_marked"]
    assert words == (marked.replace("**", "") if color else marked).split(" ")  # no word was broken
    assert ("\x1b[" in output) is color
    assert f"1 hit for: \u2068{QUERY}\u2069" in SGR.sub("", output)


def test_piped_output_is_one_line_per_snippet_without_isolates(index):
    result = CliRunner().invoke(main, ["search", QUERY, "--index", str(index.path)], env={"COLUMNS": "40"})
    assert result.exit_code == 0 and not ISOLATES & set(result.stdout) and "\x1b[" not in result.stdout
    lines = result.stdout.split("\n")
    assert lines[0] == f"1 hit for: {QUERY}"
    assert lines[2] == "1. مذاکرات **هسته‌ای** در وین"
    assert lines[4].startswith("   برنامه‌ی **هسته‌ای** ایران") and lines[4].endswith(" …") and lines[5] == ""
