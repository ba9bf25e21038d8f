"""Articles and the readers that turn the files of a drop into them.

CONTRACT (implemented by the documents helper):

- ``Article``: frozen dataclass, fields below.
- ``read_paths(paths) -> Iterator[Article | Skipped]``: walks files and folders
  recursively (sorted, deterministic order, hidden entries skipped), yields one
  Article per usable article and one Skipped per unusable file or record.
  Reads ``.txt`` articles and ``.jsonl`` / ``.json`` files of article objects.
- ``article_from_record(record: dict, path: str) -> Article``: builds an
  Article from a JSON object (``id``, ``title``, ``text``, optional ``lang``,
  ``date``, ``source``, ``url``); raises DocumentError when unusable.
- ``article_from_text(text: str, id: str, path: str) -> Article``: builds an
  Article from the text of a ``.txt`` article (page chrome and all); raises
  DocumentError when no article text is left.
- ``detect_lang(text) -> "fa" | "nl" | "und"``.

How a .txt article is read: lines are stripped; *chrome* lines (menu words,
"more »»" links, code/ID lines, date lines, lines without letters) are dropped;
the title is the first remaining line that reads as a headline (not 1-2 words,
not a paragraph); if the first real line is a paragraph the title is its first
sentence, cut at a word boundary. The body is every other non-chrome line. The
date is stated in the head: the lines up to the title and the next few lines
(their beginnings only); a date labelled as the publication date wins, else
the first date there.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

from searcher import dates
from searcher.errors import DocumentError
from searcher.model import Article, Skipped


LANGS = ("fa", "nl", "und")

# --- language detection -----------------------------------------------------

# Frequent Dutch function words that are rare in English and German ("die",
# "er", "in", "is", "was", "als", "wie", "over", "hier" are left out for that).
DUTCH_FUNCTION_WORDS = frozenset(
    "de het een van en niet dat ook maar naar bij zijn voor op te aan uit om "
    "dan nog wel geen deze dit hij zij wij ze werd wordt heeft hebben zou moet "
    "kan tot met omdat zich haar hun onze jullie daar ik wat".split()
)
# The most frequent function words of English, German, French and Spanish; a
# Latin text counts as Dutch only when its Dutch words outnumber these.
OTHER_FUNCTION_WORDS = frozenset(
    "the and to that with for this from are were "  # English
    "der und ist nicht ein eine das dem den sich auch "  # German
    "le la les et est des une du pour dans pas qui "  # French
    "el los las y que del por una con para"  # Spanish
    .split()
)
FA_MIN_SHARE = 0.5  # share of Arabic-script letters among all letters -> fa
NL_MIN_SHARE = 0.12  # share of Dutch function words among Latin words -> nl
NL_MIN_HITS = 1  # ... at least this many of them, more than OTHER_FUNCTION_WORDS
LANG_SAMPLE_CHARS = 5000  # the language is judged on the text's beginning

_LATIN_WORD = re.compile(r"[^\W\d_]+")


def is_arabic_letter(char: str) -> bool:
    """True for letters of the Arabic script (Persian, Arabic, Urdu, ...)."""
    return char.isalpha() and (
        "\u0600" <= char <= "\u06ff"
        or "\u0750" <= char <= "\u077f"
        or "\ufb50" <= char <= "\ufdff"
        or "\ufe70" <= char <= "\ufeff"
    )


def is_latin_letter(char: str) -> bool:
    """True for letters of the Latin script, accented ones included."""
    return char.isalpha() and unicodedata.name(char, "").startswith("LATIN")


def detect_lang(text: str) -> str:
    """``fa`` for Arabic-script text, ``nl`` for Latin text with many Dutch
    function words (and fewer English/German/French/Spanish ones), else ``und``."""
    sample = text[:LANG_SAMPLE_CHARS]
    letters = [c for c in sample if c.isalpha()]
    if not letters:
        return "und"
    if sum(map(is_arabic_letter, letters)) / len(letters) >= FA_MIN_SHARE:
        return "fa"
    if sum(map(is_latin_letter, letters)) / len(letters) < 0.5:
        return "und"
    words = [w.lower() for w in _LATIN_WORD.findall(sample)]
    hits = sum(w in DUTCH_FUNCTION_WORDS for w in words)
    others = sum(w in OTHER_FUNCTION_WORDS for w in words)
    if hits >= NL_MIN_HITS and hits > others and hits / len(words) >= NL_MIN_SHARE:
        return "nl"
    return "und"


# --- page chrome ------------------------------------------------------------

# Folding for word look-ups: Arabic yeh/kaf/ae to Persian, curly apostrophe.
_WORD_FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ە": "ه", "’": "'", "\u200c": None})

# Words of navigation, sharing and media widgets; a short line made only of
# these (and numbers) is page chrome: "Search", "Asset 2", "فیلم بیشتر".
MENU_WORDS = frozenset(
    # English
    "search menu home login logout share print close next previous back top "
    "asset logo icon image photo video videos advertisement subscribe more "
    "related comments comment tweet facebook twitter whatsapp telegram email "
    # Dutch
    "zoeken zoek delen deel inloggen abonneren sluiten volgende vorige terug "
    "advertentie meer lees ook aanbevolen video's bekijk reacties reageer "
    # Persian
    "جستجو خانه صفحه اصلی منو ورود خروج اشتراک چاپ بستن بعدی قبلی تبلیغات "
    "آگهی عکس فیلم ویدیو ویدئو بیشتر ادامه مطلب مطالب مرتبط نظرات نظر ارسال "
    "دانلود پخش بخوانید تلگرام اینستاگرام".split()
)
MENU_MAX_WORDS = 4

# Labels of code/ID lines: "کد خبر ۸۱۹۹۹۱", "کد ۸۱۹۹۹۱", "News ID: 12345".
CODE_WORDS = frozenset("کد شناسه خبر code id news nieuws artikel article nr no ref".split())
_CODE_LINE = re.compile(r"(?P<label>[^\W\d_][^\d]{0,30}?)\s*[:#.]?\s*\d{3,}")

# "more" links end in arrow-like marks: "فیلم بیشتر »»", "Lees meer >>".
_MORE_LINK = re.compile(r"(»»|››|>>|→|»|›)\s*$")
MORE_LINK_MAX_WORDS = 5

# Words allowed around a date on a date line: labels ("به روز شده در",
# "تاریخ انتشار", "Gepubliceerd op"), weekdays and connectors ("om", "ساعت").
DATE_LINE_WORDS = frozenset(
    # Persian labels, weekdays, connectors
    "به روز شده در تاریخ انتشار بروزرسانی بروز منتشر ساعت امروز "
    "شنبه یکشنبه دوشنبه سهشنبه سه چهارشنبه پنجشنبه پنج جمعه "
    # Dutch labels, weekdays (and their abbreviations), connectors
    "gepubliceerd bijgewerkt laatst aangepast update geplaatst op om uur "
    "maandag dinsdag woensdag donderdag vrijdag zaterdag zondag ma di wo do vr za zo "
    # English labels
    "published updated posted on at".split()
)
CHROME_MAX_CHARS = 100  # chrome lines are short; a longer line is article text
# A word: a run of word characters (and apostrophes, Arabic diacritics) with a letter.
_WORD = re.compile(r"[\w'\u064b-\u065f\u0670]*[^\W\d_][\w'\u064b-\u065f\u0670]*")
_TIME = re.compile(r"(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)")
_LABEL = re.compile(r"^(?P<label>[^:\d]{1,40}):(?P<rest>.*)$")
LABEL_MAX_WORDS = 5


def _words(line: str) -> list[str]:
    """The line's words (tokens holding a letter), folded and lower-cased."""
    return _WORD.findall(line.translate(_WORD_FOLD).lower())


def _is_menu_line(line: str) -> bool:
    """A short line made only of menu words (and numbers): "Search", "Asset 2"."""
    words = _words(line)
    return 0 < len(words) <= MENU_MAX_WORDS and all(w in MENU_WORDS for w in words)


def _is_code_line(line: str) -> bool:
    """An ID line: code-label words followed by a number, "کد خبر ۸۱۹۹۹۱"."""
    match = _CODE_LINE.fullmatch(dates.fold(line))
    if not match:
        return False
    words = _words(match["label"])
    return bool(words) and all(w in CODE_WORDS for w in words)


def _is_more_link(line: str) -> bool:
    """A short line ending in an arrow mark (an unbalanced "»"): "فیلم بیشتر »»"."""
    if not _MORE_LINK.search(line) or len(_words(line)) > MORE_LINK_MAX_WORDS:
        return False
    return line.count("»") > line.count("«") or not line.rstrip().endswith("»")


def _without_dates(text: str) -> tuple[str, bool]:
    """The text with its dates and times blanked, and whether it had any."""
    spans = [(m.start, m.end) for m in dates.iter_dates(text)]
    spans += [m.span() for m in _TIME.finditer(dates.fold(text))]
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text, bool(spans)


def _is_date_line(line: str) -> bool:
    """A line that only states a date/time, perhaps behind a short label:
    "۳۱ شهريور ۱۴۰۳", "تاریخ انتشار: ۱۰:۲۶ - ۱۰-۱۰-۱۴۰۰", "za 14 jun 2025"."""
    rest, found = _without_dates(line)
    if not found:
        return False
    if all(w in DATE_LINE_WORDS for w in _words(rest)):
        return True
    labelled = _LABEL.match(rest)
    return bool(
        labelled
        and len(_words(labelled["label"])) <= LABEL_MAX_WORDS
        and not _words(labelled["rest"])
    )


def is_chrome(line: str) -> bool:
    """True for a line of page chrome rather than article text."""
    if not any(c.isalpha() for c in line):
        return True
    if len(line) > CHROME_MAX_CHARS:
        return False
    return _is_menu_line(line) or _is_code_line(line) or _is_more_link(line) or _is_date_line(line)


# --- title, body and date of a text ------------------------------------------

HEADLINE_MIN_WORDS = 3  # 1-2 word lines are section names, datelines, captions
HEADLINE_MAX_CHARS = 150  # a longer line is a paragraph, not a headline
DERIVED_TITLE_MAX_CHARS = 120  # a title cut from a paragraph is at most this
# Label words of the publication date; it beats other dates of the head (a page
# header's "today", an "updated on" line).
PUBLISHED_WORDS = frozenset("انتشار gepubliceerd publicatiedatum published".split())
HEAD_LINES_AFTER_TITLE = 2  # the head: lines up to the title, plus these
HEAD_LINE_CHARS = 200  # ... and only the beginning of each head line

_SENTENCE_END = re.compile(r"[.!?؟]+[»\"'”’)]*(?=\s)")


def title_from_paragraph(paragraph: str) -> str:
    """A title cut from a paragraph: its first sentence, or its beginning cut at
    a word boundary with "…" when that sentence is too long."""
    end = _SENTENCE_END.search(paragraph)
    sentence = paragraph[: end.end()] if end else paragraph
    if len(sentence) <= DERIVED_TITLE_MAX_CHARS:
        return sentence.strip()
    cut = sentence[: DERIVED_TITLE_MAX_CHARS + 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,،;:-–—") + "…"


def _is_headline(line: str) -> bool:
    """A line that reads as a headline: a few words, not a paragraph."""
    return len(line) <= HEADLINE_MAX_CHARS and len(_words(line)) >= HEADLINE_MIN_WORDS


def _choose_title(lines: list[str]) -> tuple[int, str]:
    """The index of the title line among ``lines`` and the title itself."""
    content = [i for i, line in enumerate(lines) if not is_chrome(line)]
    if not content:
        raise DocumentError("no article text, only page chrome")
    for i in content:
        if _is_headline(lines[i]):
            return i, lines[i]
        if len(lines[i]) > HEADLINE_MAX_CHARS:
            return i, title_from_paragraph(lines[i])
    first = content[0]
    return first, title_from_paragraph(lines[first])


def _is_published_line(line: str) -> bool:
    """A date line labelled as the publication date: "تاریخ انتشار: ..."."""
    return _is_date_line(line) and any(w in PUBLISHED_WORDS for w in _words(line))


def head_date(lines: list[str], title_index: int) -> str | None:
    """The publication date stated in the head: the lines up to the title and a
    few after it (their beginnings only). A date labelled as the publication
    date wins; else the first date there."""
    head = [line[:HEAD_LINE_CHARS] for line in lines[: title_index + 1 + HEAD_LINES_AFTER_TITLE]]
    return dates.first_date(filter(_is_published_line, head)) or dates.first_date(head)


def _text_lines(text: str) -> list[str]:
    """The non-blank lines of a text, stripped."""
    return [s for line in text.splitlines() if (s := line.strip())]


def content_hash(title: str, body: str) -> str:
    """sha256 hex of the indexed content: title, newline, body."""
    return hashlib.sha256(f"{title}\n{body}".encode("utf-8")).hexdigest()


def _article(id: str, title: str, body: str, lang: str | None, date: str | None,
             path: str, source: str | None = None, url: str | None = None,
             derived_title: bool = False) -> Article:
    """An Article, with the language detected when not given."""
    lang = lang or detect_lang(f"{title}\n{body}")
    return Article(id=id, title=title, body=body, lang=lang, date=date, path=path,
                   source=source, url=url, content_hash=content_hash(title, body),
                   derived_title=derived_title)


def article_from_text(text: str, id: str, path: str) -> Article:
    """An Article from the text of a .txt article, page chrome and all.

    Raises DocumentError when the text holds no article text."""
    lines = _text_lines(text)
    if not lines:
        raise DocumentError("empty text")
    index, title = _choose_title(lines)
    # A title cut from a paragraph leaves that paragraph in the body.
    body_lines = [
        line for i, line in enumerate(lines)
        if not is_chrome(line) and not (i == index and line == title)
    ]
    return _article(id, title, "\n".join(body_lines), None, head_date(lines, index), path,
                    derived_title=title != lines[index])


# --- JSON records -----------------------------------------------------------


def _optional_str(record: dict, key: str) -> str | None:
    """A string field of a record, None when missing or blank."""
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise DocumentError(f"'{key}' is not a string")
    return value.strip() or None


def _record_id(record: dict) -> str:
    """A record's id, coerced to str; it is required."""
    value = record.get("id")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise DocumentError("no usable 'id' (a string or integer is required)")
    text = str(value).strip()
    if not text:
        raise DocumentError("empty 'id'")
    return text


def _record_title(lines: list[str]) -> tuple[int, str]:
    """The title derived from a record's text; the text is taken as it is, so a
    text of nothing but chrome-like lines still yields its first line."""
    try:
        return _choose_title(lines)
    except DocumentError:
        return 0, title_from_paragraph(lines[0])


def article_from_record(record: dict, path: str) -> Article:
    """An Article from a JSON object with ``id``, ``title``, ``text`` and optional
    ``lang``, ``date``, ``source``, ``url``.

    The text is the body as given; an empty title is derived from the text as
    for a .txt article; a headline with an empty text is an article with an
    empty body; ``lang`` is honoured when fa/nl/und, else detected;
    ``date`` (ISO or Jalali) is honoured, else looked for in the text's head.
    Raises DocumentError when the record is unusable (no title and no text)."""
    if not isinstance(record, dict):
        raise DocumentError("not a JSON object")
    id = _record_id(record)
    body = _optional_str(record, "text") or ""
    title = _optional_str(record, "title")
    if not body and not title:
        raise DocumentError(f"record {id!r} has no usable 'text'")
    lines = _text_lines(body)
    title_index = 0
    derived_title = not title
    if derived_title:
        title_index, title = _record_title(lines)
    lang = (_optional_str(record, "lang") or "").lower()
    date_field = _optional_str(record, "date")
    date = (date_field and dates.parse_date_value(date_field)) or head_date(lines, title_index)
    return _article(id, title, body, lang if lang in LANGS else None, date, path,
                    _optional_str(record, "source"), _optional_str(record, "url"), derived_title)


# --- decoding ---------------------------------------------------------------

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
CONTROL_MAX_SHARE = 0.1  # more control characters than this -> binary
CP1256_MIN_ARABIC_SHARE = 0.5  # cp1256 is believed only for Arabic-script text


def _control_share(text: str) -> float:
    """Share of control characters other than line breaks and tabs."""
    controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\t\n\r\f\v")
    return controls / len(text)


def _plausible_arabic(text: str) -> bool:
    """True when most letters of the text are Arabic-script letters."""
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(map(is_arabic_letter, letters)) / len(letters) >= CP1256_MIN_ARABIC_SHARE


def decode_text(data: bytes) -> str:
    """Decode the bytes of a text file: UTF-8 (with or without BOM), UTF-16
    with BOM, or Windows-1256 Arabic-script text. Raises DocumentError."""
    if not data.strip():
        raise DocumentError("empty file")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                raise DocumentError(f"invalid {codec.upper().removesuffix('-SIG')} text after its BOM") from None
            break
    else:
        if b"\x00" in data:
            raise DocumentError("binary file (NUL bytes)")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1256")  # every byte is defined in cp1256
            if not _plausible_arabic(text):
                raise DocumentError("not UTF-8, UTF-16 or Windows-1256 text") from None
    if not text.strip():
        raise DocumentError("empty file (whitespace only)")
    if "\x00" in text or _control_share(text) > CONTROL_MAX_SHARE:
        raise DocumentError("binary file (control characters)")
    return text


# --- files and folders --------------------------------------------------------


def _read_error(err: OSError) -> str:
    """A one-line reason for a file that cannot be read."""
    if isinstance(err, FileNotFoundError):
        return "file vanished before it could be read"
    return f"cannot read: {err.strerror or err}"


def read_txt(path: Path) -> Iterator[Article | Skipped]:
    """The article of a .txt file, or why it was skipped."""
    where = str(path)
    try:
        text = decode_text(path.read_bytes())
        yield article_from_text(text, path.stem, where)
    except OSError as err:
        yield Skipped(where, _read_error(err))
    except DocumentError as err:
        yield Skipped(where, str(err))


def _record_or_skip(value: object, where: str, place: str) -> Article | Skipped:
    """An Article from a parsed JSON value, or a Skipped naming its place."""
    try:
        if not isinstance(value, dict):
            raise DocumentError("not a JSON object")
        return article_from_record(value, where)
    except DocumentError as err:
        return Skipped(where, f"{place}: {err}")


def read_jsonl(path: Path) -> Iterator[Article | Skipped]:
    """The articles of a .jsonl file, one JSON object a line, read as a stream;
    a bad line is skipped and reading goes on."""
    where = str(path)
    try:
        with path.open("rb") as lines:
            for number, raw in enumerate(lines, start=1):
                place = f"line {number}"
                try:
                    line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
                except UnicodeDecodeError:
                    yield Skipped(where, f"{place}: not UTF-8")
                    continue
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except json.JSONDecodeError as err:
                    yield Skipped(where, f"{place}: bad JSON ({err.msg})")
                    continue
                yield _record_or_skip(value, where, place)
    except OSError as err:
        yield Skipped(where, _read_error(err))


def read_json(path: Path) -> Iterator[Article | Skipped]:
    """The articles of a .json file holding one object or a list of objects."""
    where = str(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        yield Skipped(where, _read_error(err))
        return
    if not data.strip():
        yield Skipped(where, "empty file")
        return
    try:
        value = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        yield Skipped(where, f"bad JSON ({getattr(err, 'msg', 'not UTF-8, UTF-16 or UTF-32')})")
        return
    if isinstance(value, list):
        for number, item in enumerate(value, start=1):
            yield _record_or_skip(item, where, f"item {number}")
    else:
        yield _record_or_skip(value, where, "top level")


# File readers by lower-cased extension.
READERS = {".txt": read_txt, ".jsonl": read_jsonl, ".json": read_json}


def _read_file(path: Path) -> Iterator[Article | Skipped]:
    """The articles of one file, by its extension."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        kind = f"'{path.suffix}'" if path.suffix else "without extension"
        yield Skipped(str(path), f"unsupported file type {kind} (expected .txt, .jsonl or .json)")
        return
    yield from reader(path)


def _walk(folder: Path) -> Iterator[Article | Skipped]:
    """The articles under a folder, depth first in name order, hidden entries
    and symbolic links to folders left out."""
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as err:
        yield Skipped(str(folder), f"cannot list folder: {err.strerror or err}")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            if not entry.is_symlink():
                yield from _walk(entry)
        else:
            yield from _read_file(entry)


def read_paths(paths: Iterable[str | Path]) -> Iterator[Article | Skipped]:
    """Every Article (or Skipped) of the given files and folders, in order."""
    for given in paths:
        path = Path(os.path.abspath(given))
        if path.is_dir():
            yield from _walk(path)
        elif path.exists():
            yield from _read_file(path)
        else:
            yield Skipped(str(path), "no such file or folder")
