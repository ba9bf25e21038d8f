"""Reading drops (searcher.drops): decoding, page chrome, titles, bodies, languages, dates, JSON
records, folders."""
import hashlib
import json
import os
import tracemalloc
from pathlib import Path

import pytest

from searcher.drops import read_paths
from searcher.drops.lang import detect_lang
from searcher.drops.page import is_chrome, title_from_paragraph
from searcher.drops import records
from searcher.errors import DocumentError
from searcher.model import Article, Skipped


def article_from_text(text: str, id: str, path: str) -> Article:
    article, note = records.article_from_text(text, path, id)
    assert note is None
    return article


def article_from_record(record, path: str) -> Article:
    article, note = records.article_from_record(record, path)
    assert note is None
    return article

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

FA_HEADLINE = "تماس تلفنی پوتین و بایدن درباره بحران اوکراین"
FA_PARAGRAPH = (
    "بایدن و پوتین در تماسی تلفنی درباره اوکراین هشدارهایی را رد و بدل و ابراز امیدواری "
    "کردند که مذاکرات دیپلماتیک در ژانویه میتواند تنشها را کاهش دهد."
)
NL_TEXT = (
    "De Russische president en de Amerikaanse president hielden zaterdag een gesprek om de "
    "situatie in het Midden-Oosten te bespreken. Trump zei dat hij niet van plan is om op te geven."
)
EN_TEXT = (
    "The Russian president and his American counterpart spoke on the phone on Saturday about "
    "the situation in the Middle East and the war in Ukraine, the Kremlin said."
)
DE_TEXT = (
    "Der russische Präsident und sein amerikanischer Amtskollege haben am Samstag über die Lage "
    "im Nahen Osten und den Krieg in der Ukraine gesprochen, teilte der Kreml mit."
)
FR_TEXT = (
    "Le président russe et son homologue américain ont parlé samedi de la situation au "
    "Moyen-Orient et de la guerre en Ukraine, a dit le Kremlin. Il met en garde contre une escalade."
)


def only(items):
    """The single item of an iterable."""
    [item] = list(items)
    return item


def articles(items):
    return [item for item in items if isinstance(item, Article)]


def skips(items):
    return [item for item in items if isinstance(item, Skipped)]


# --- language ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        (FA_PARAGRAPH, "fa"),
        ("خبرگزاري فارس: رئيس اداره كل دفاتر خدمات بانكي پست بانك گفت", "fa"),  # Arabic yeh/kaf
        (FA_PARAGRAPH + " (JIM WATSON, EMMANUEL DUNAND/AFP via Getty Images)", "fa"),
        (NL_TEXT, "nl"),
        ("Trump belt met Poetin", "nl"),
        (EN_TEXT, "und"),
        (DE_TEXT, "und"),
        (FR_TEXT, "und"),
        ("Президент России Владимир Путин провёл телефонный разговор", "und"),
        ("12345 67 -- !!", "und"),
        ("", "und"),
    ],
)
def test_detect_lang(text, lang):
    assert detect_lang(text) == lang


# --- page chrome --------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Search",
        "Asset 2",
        "Menu",
        "فیلم بیشتر »»",
        "ادامه مطلب »",
        "Lees meer >>",
        "Aanbevolen video’s",
        "کد خبر ۸۱۹۹۹۱",
        "کد ۸۱۹۹۹۱",
        "News ID: 12345",
        "۳۱ شهريور ۱۴۰۳",
        "به روز شده در: ۳۱ شهريور ۱۴۰۳ - ۰۹:۱۰",
        "تاریخ انتشار: ۱۰:۲۶ - ۱۰-۱۰-۱۴۰۰",
        "انتشار: ۱۰:۲۶ - ۱۰-۱۰-۱۴۰۰",
        "سه‌شنبه ۳۰ آبان ۱۳۹۶",
        "za 14 jun 2025 om 10:32",
        "Gepubliceerd op 14 juni 2024",
        "Laatste wijziging: 14-06-2024",  # any short label before a date
        "2024-06-14",
        "315 315",
        "***",
    ],
)
def test_chrome_lines(line):
    assert is_chrome(line)


@pytest.mark.parametrize(
    "line",
    [
        FA_HEADLINE,
        FA_PARAGRAPH,
        "ترامپ: «صلح نزدیک است»",  # ends in a closing quote, not a "more" arrow
        "Trump en Poetin bellen op 14 juni 2024",  # a headline that holds a date
        "Search engines change the news",
        "k24 - اربیل",
        "کرملین: کد خبر ۸۱۹۹۹۱ را منتشر کرد",
    ],
)
def test_article_lines_are_not_chrome(line):
    assert not is_chrome(line)


# --- titles and bodies of .txt articles ---------------------------------------


def test_title_skips_chrome_and_short_lines_and_body_drops_chrome():
    text = "\n".join(
        ["Search", "Asset 2", "", "سیاست", FA_HEADLINE, "کد خبر ۸۱۹۹۹۱", FA_PARAGRAPH, "فیلم بیشتر »»"]
    )
    article = article_from_text(text, "a1", "/drop/a1.txt")
    assert article.title == FA_HEADLINE
    # the short line is no title, but it is article text; chrome and title are gone
    assert article.body == "سیاست\n" + FA_PARAGRAPH


def test_title_of_a_text_that_starts_with_a_paragraph_is_its_first_sentence_cut():
    paragraph = " ".join(["woord"] * 60) + ". Tweede zin."
    article = article_from_text(paragraph + "\nDe rest van het artikel.", "p", "/p.txt")
    assert article.title.endswith("…")
    assert len(article.title) <= 121
    cut = article.title.removesuffix("…")
    assert paragraph.startswith(cut) and paragraph[len(cut)] == " "  # a word boundary
    assert article.body == paragraph + "\nDe rest van het artikel."  # the paragraph stays


def test_title_from_paragraph_keeps_a_short_first_sentence_whole():
    paragraph = "Poetin en Trump bellen een uur. " + "Daarna volgt nog veel meer tekst over het gesprek. " * 5
    assert title_from_paragraph(paragraph) == "Poetin en Trump bellen een uur."


def test_title_of_a_text_of_short_lines_is_its_first_line():
    assert article_from_text("Regio\nTon Oomen", "s", "/s.txt").title == "Regio"


def test_text_of_only_chrome_is_refused():
    with pytest.raises(DocumentError):
        article_from_text("Search\nAsset 2\nکد خبر ۸۱۹۹۹۱\n۳۱ شهريور ۱۴۰۳", "c", "/c.txt")
    with pytest.raises(DocumentError):
        article_from_text(" \n\n", "e", "/e.txt")


def test_date_is_taken_from_the_head_only():
    head_date = "\n".join(["۳۱ شهريور ۱۴۰۳", FA_HEADLINE, FA_PARAGRAPH])
    assert article_from_text(head_date, "d", "/d.txt").date == "2024-09-21"
    after_title = "\n".join([FA_HEADLINE, "Gepubliceerd op 14 juni 2024", FA_PARAGRAPH])
    assert article_from_text(after_title, "d", "/d.txt").date == "2024-06-14"
    deep = "\n".join([FA_HEADLINE] + [FA_PARAGRAPH] * 5 + ["در ۳۱ شهريور ۱۴۰۳ اتفاق افتاد."])
    assert article_from_text(deep, "d", "/d.txt").date is None
    invalid = "\n".join(["۳۲ شهريور ۱۴۰۳", FA_HEADLINE, FA_PARAGRAPH])
    assert article_from_text(invalid, "d", "/d.txt").date is None


def test_labelled_publication_date_beats_other_dates_of_the_head():
    lines = ["۳۱ شهريور ۱۴۰۳", "به روز شده در: ۱ مهر ۱۴۰۳ - ۰۹:۱۰", "تاریخ انتشار: ۱۰:۲۶ - ۱۰-۱۰-۱۴۰۰"]
    assert article_from_text("\n".join([*lines, FA_HEADLINE, FA_PARAGRAPH]), "d", "/d.txt").date == "2021-12-31"
    nl = "\n".join(["za 14 jun 2025", "Gepubliceerd op 2 juni 2025", "Poetin en Trump bellen een uur", NL_TEXT])
    assert article_from_text(nl, "d", "/d.txt").date == "2025-06-02"
    # "updated on" is no publication label: the first date of the head stays
    updated = "\n".join(lines[:2] + [FA_HEADLINE, FA_PARAGRAPH])
    assert article_from_text(updated, "d", "/d.txt").date == "2024-09-21"
    # a labelled date deep in the body is not in the head
    deep = "\n".join(["۳۱ شهريور ۱۴۰۳", FA_HEADLINE] + [FA_PARAGRAPH] * 4 + [lines[2]])
    assert article_from_text(deep, "d", "/d.txt").date == "2024-09-21"


def test_content_hash_is_sha256_of_title_newline_body():
    article = article_from_text(f"{FA_HEADLINE}\n{FA_PARAGRAPH}", "h", "/h.txt")
    expected = hashlib.sha256(f"{FA_HEADLINE}\n{FA_PARAGRAPH}".encode()).hexdigest()
    assert article.content_hash == expected
    assert (article.id, article.path, article.lang, article.source, article.url) == ("h", "/h.txt", "fa", None, None)


# --- JSON records ---------------------------------------------------------------


def test_record_fields():
    record = {
        "id": 42,
        "title": " Titel ",
        "text": NL_TEXT,
        "date": "2024-06-14",
        "source": "NOS",
        "url": "https://nos.nl/1",
    }
    article = article_from_record(record, "/drop/a.jsonl")
    assert article == Article(
        id="42",
        title="Titel",
        body=NL_TEXT,
        lang="nl",
        date="2024-06-14",
        path="/drop/a.jsonl",
        source="NOS",
        url="https://nos.nl/1",
        content_hash=hashlib.sha256(f"Titel\n{NL_TEXT}".encode()).hexdigest(),
    )


@pytest.mark.parametrize(
    ("given", "lang"),
    [("fa", "fa"), ("nl", "nl"), ("und", "und"), ("NL", "nl"), ("en", "fa"), (None, "fa"), ("", "fa")],
)
def test_record_lang_is_honoured_when_fa_nl_or_und_else_detected(given, lang):
    article = article_from_record({"id": "x", "title": "t", "text": FA_PARAGRAPH, "lang": given}, "/x.json")
    assert article.lang == lang


@pytest.mark.parametrize(
    ("date", "iso"),
    [
        ("2024-06-14", "2024-06-14"),
        ("2024-06-14T08:00:00+02:00", "2024-06-14"),
        ("1400/10/10", "2021-12-31"),
        ("۱۴۰۳-۰۶-۳۱", "2024-09-21"),
        ("2024-13-45", "2025-06-15"),  # unusable: the text's head decides
        (None, "2025-06-15"),
    ],
)
def test_record_date_field_is_honoured_else_the_head_of_the_text(date, iso):
    record = {"id": "x", "title": "t", "text": f"۱۵ ژوئن ۲۰۲۵ - {FA_PARAGRAPH}", "date": date}
    assert article_from_record(record, "/x.json").date == iso


def test_record_without_title_gets_one_from_its_text():
    record = {"id": "x", "title": "", "text": f"{FA_HEADLINE}\n{FA_PARAGRAPH}"}
    article = article_from_record(record, "/x.json")
    assert article.title == FA_HEADLINE
    assert article.body == f"{FA_HEADLINE}\n{FA_PARAGRAPH}"  # a record's text is kept as given
    odd = article_from_record({"id": "y", "text": ". ."}, "/x.json")  # chrome-like, still text
    assert odd.title and odd.body == ". ."


@pytest.mark.parametrize("text", [None, "", "  \n "])
def test_headline_without_text_is_an_article_with_an_empty_body(text):
    record = {"id": "nunl-1", "lang": "nl", "title": " ADO verliest bij MVV ", "text": text}
    article = article_from_record(record, "/x.jsonl")
    assert (article.title, article.body, article.derived_title) == ("ADO verliest bij MVV", "", False)
    assert article.lang == "nl" and article.date is None
    assert article_from_record({"id": "y", "title": FA_HEADLINE}, "/x.jsonl").lang == "fa"  # detected from the title


@pytest.mark.parametrize(
    "record",
    [
        {"title": "t", "text": "some text"},  # no id
        {"id": None, "text": "some text"},
        {"id": ["a"], "text": "some text"},
        {"id": True, "text": "some text"},
        {"id": " ", "text": "some text"},
        {"id": "x"},  # neither title nor text
        {"id": "x", "title": " ", "text": "   "},
        {"id": "x", "text": "   "},
        {"id": "x", "text": 12},
        {"id": "x", "title": 5, "text": "some text"},
        ["not", "an", "object"],
    ],
)
def test_unusable_records_raise_document_error(record):
    with pytest.raises(DocumentError):
        article_from_record(record, "/x.json")


# --- files, folders and encodings ------------------------------------------------

SAMPLE = f"{FA_HEADLINE}\n{FA_PARAGRAPH}\n"
# Windows-1256 has no Persian yeh (U+06CC); such sources use the Arabic yeh.
SAMPLE_1256 = SAMPLE.replace("ی", "ي")


@pytest.mark.parametrize(
    "data",
    [
        SAMPLE.encode("utf-8"),
        b"\xef\xbb\xbf" + SAMPLE.encode("utf-8"),
        b"\xff\xfe" + SAMPLE.encode("utf-16-le"),
        b"\xfe\xff" + SAMPLE.encode("utf-16-be"),
        SAMPLE.replace("\n", "\r\n").encode("utf-8"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-le", "utf-16-be", "crlf"],
)
def test_txt_encodings(tmp_path, data):
    (tmp_path / "a.txt").write_bytes(data)
    article = only(read_paths([tmp_path]))
    assert (article.id, article.title, article.body, article.lang) == ("a", FA_HEADLINE, FA_PARAGRAPH, "fa")


def test_txt_in_windows_1256(tmp_path):
    (tmp_path / "old.txt").write_bytes(SAMPLE_1256.encode("cp1256"))
    article = only(read_paths([tmp_path]))
    title, body = SAMPLE_1256.strip().split("\n")
    assert (article.id, article.title, article.body, article.lang) == ("old", title, body, "fa")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"  \n\t\r\n ", "empty"),
        (b"\xef\xbb\xbf \n", "empty"),
        (b"\xff\xfe", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "a PNG image, not text"),
        (bytes(range(1, 9)) * 50 + b"some text", "binary"),
        ("Café één groot geheim en überhaupt".encode("cp1252"), "not UTF-8, UTF-16 or Windows-1256"),
        (b"\xff\xfe\x00\xd8", "invalid UTF-16"),  # a lone surrogate after the BOM
        ("Search\nAsset 2\n".encode(), "only page chrome"),
    ],
    ids=["empty", "whitespace", "bom-only", "utf16-bom-only", "png", "control", "cp1252", "bad-utf16", "chrome"],
)
def test_unusable_txt_files_are_skipped_with_a_reason(tmp_path, data, reason):
    (tmp_path / "bad.txt").write_bytes(data)
    skipped = only(read_paths([tmp_path]))
    assert isinstance(skipped, Skipped)
    assert skipped.path == str(tmp_path / "bad.txt")
    assert reason in skipped.reason and "\n" not in skipped.reason


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file_is_skipped(tmp_path):
    path = tmp_path / "locked.txt"
    path.write_text(SAMPLE, encoding="utf-8")
    path.chmod(0)
    try:
        skipped = only(read_paths([path]))
    finally:
        path.chmod(0o644)
    assert isinstance(skipped, Skipped) and "cannot read" in skipped.reason


def test_permission_error_is_skipped(tmp_path, monkeypatch):
    for name in ("locked.txt", "locked.json", "locked.jsonl"):
        (tmp_path / name).write_text(SAMPLE, encoding="utf-8")
    real_open = os.open

    def refuse(path, *args, **kwargs):
        if Path(path).parent == tmp_path:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    items = list(read_paths([tmp_path]))
    assert [type(i) for i in items] == [Skipped] * 3
    assert all(i.reason == "cannot read: Permission denied" for i in items)


def test_vanished_file_is_skipped(tmp_path):
    (tmp_path / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    skipped = only(read_paths([tmp_path]))
    assert skipped == Skipped(str(tmp_path / "gone.txt"), f"broken symbolic link to {tmp_path / 'nowhere.txt'}")
    missing = only(read_paths([tmp_path / "missing"]))
    assert isinstance(missing, Skipped) and "no such file" in missing.reason


def test_folders_are_walked_in_sorted_order_without_hidden_entries(tmp_path, monkeypatch):
    for name in ["b/2.txt", "b/1.txt", "a.txt", "c/d/e.txt", ".hidden/x.txt", "b/.secret.txt"]:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(SAMPLE, encoding="utf-8")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "README").write_text("readme", encoding="utf-8")
    (tmp_path / "link").symlink_to(tmp_path / "b")  # not followed: no cycles, no doubles
    monkeypatch.chdir(tmp_path)
    items = list(read_paths(["."]))
    assert [(type(i).__name__, Path(i.path).relative_to(tmp_path).as_posix()) for i in items] == [
        ("Skipped", "README"),
        ("Article", "a.txt"),
        ("Article", "b/1.txt"),
        ("Article", "b/2.txt"),
        ("Article", "c/d/e.txt"),
        ("Skipped", "notes.pdf"),
    ]
    assert [a.id for a in articles(items)] == ["a", "1", "2", "e"]
    assert all(Path(i.path).is_absolute() for i in items)
    assert "unsupported file type '.pdf'" in items[-1].reason
    # a hidden file named explicitly is read
    assert only(read_paths([tmp_path / "b/.secret.txt"])).id == ".secret"


def test_jsonl_bad_lines_are_skipped_and_reading_goes_on(tmp_path):
    lines = [
        json.dumps({"id": "r1", "title": "Eerste", "text": NL_TEXT}),
        "",
        "{not json",
        json.dumps(["a list"]),
        json.dumps({"id": "r5", "title": " ", "text": ""}),
        json.dumps({"id": 6, "title": "", "text": FA_PARAGRAPH, "lang": "fa", "date": "1400/10/10"}),
    ]
    path = tmp_path / "drop.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(lines).encode("utf-8") + b"\n\xff\xfe broken\n")
    items = list(read_paths([path]))
    assert [type(i).__name__ for i in items] == ["Article", "Skipped", "Skipped", "Skipped", "Article", "Skipped"]
    assert [a.id for a in articles(items)] == ["r1", "6"]
    reasons = [s.reason for s in skips(items)]
    assert reasons[0].startswith("line 3: bad JSON")
    assert reasons[1] == "line 4: not a JSON object"
    assert reasons[2] == "line 5: record 'r5' has no usable 'text'"  # neither title nor text
    assert reasons[3] == "line 7: not UTF-8 (invalid byte at offset 0 of the line)"
    assert all(i.path == str(path) for i in items)
    assert articles(items)[1].date == "2021-12-31"


def test_jsonl_is_read_as_a_stream(tmp_path):
    record = {"id": "", "title": "Titel", "text": "woord " * 150}
    path = tmp_path / "big.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for n in range(2500):
            out.write(json.dumps({**record, "id": n}) + "\n")
    assert path.stat().st_size > 2_000_000
    tracemalloc.start()
    try:
        count = sum(1 for _ in read_paths([path]))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 2500
    assert peak < 1_000_000


def test_json_object_or_list(tmp_path):
    (tmp_path / "one.json").write_text(json.dumps({"id": "o", "title": "Een", "text": NL_TEXT}), encoding="utf-8")
    (tmp_path / "many.json").write_text(
        json.dumps([{"id": "m1", "title": "T", "text": NL_TEXT}, {"id": "m2"}, 3]), encoding="utf-8"
    )
    (tmp_path / "scalar.json").write_text("3", encoding="utf-8")
    (tmp_path / "broken.json").write_text("[{", encoding="utf-8")
    (tmp_path / "void.json").write_text("", encoding="utf-8")
    items = list(read_paths([tmp_path]))
    summary = [(Path(i.path).name, getattr(i, "id", None) or i.reason) for i in items]
    assert summary[0][0] == "broken.json" and summary[0][1].startswith("bad JSON")
    assert summary[1] == ("many.json", "m1")
    assert summary[2][0] == "many.json" and summary[2][1].startswith("item 2:")
    assert summary[3] == ("many.json", "item 3: not a JSON object")
    assert summary[4] == ("one.json", "o")
    assert summary[5] == ("scalar.json", "top level: not a JSON object")
    assert summary[6] == ("void.json", "empty file")


# --- the seed drop, end to end -----------------------------------------------------


@pytest.fixture(scope="module")
def seeds():
    items = list(read_paths([SEEDS]))
    assert not skips(items)
    return {a.id: a for a in items}


def test_seed_ids_and_languages(seeds):
    assert {i: a.lang for i, a in seeds.items()} == {
        "000_ef6e32c70ca40c0f": "fa",
        "001_3519a911f38b208f": "fa",
        "002_4b76e7f10bebfeab": "fa",
        "003_05048e11740625ed": "fa",
        "004_7c82a9d19096d9a2": "nl",
    }
    assert all(a.path == str(SEEDS / f"{i}.txt") for i, a in seeds.items())


def test_seed_titles(seeds):
    for article in seeds.values():
        assert not is_chrome(article.title)
        assert 3 <= len(article.title.split()) and len(article.title) <= 150
    assert seeds["001_3519a911f38b208f"].title == (
        "پوتین به درخواست ترامپ برای میانجیگری در مذاکرات با جمهوری اسلامی پاسخ مثبت داد"
    )
    assert seeds["002_4b76e7f10bebfeab"].title == "گفتگوی تلفنی یک ساعته روسای جمهور آمریکا و روسیه"
    assert seeds["003_05048e11740625ed"].title == FA_HEADLINE
    assert seeds["000_ef6e32c70ca40c0f"].title.startswith("دستیار رئیس جمهور روسیه با اشاره")
    assert seeds["004_7c82a9d19096d9a2"].title.startswith("De Russische president Vladimir Poetin")
    for long_lead in ("000_ef6e32c70ca40c0f", "004_7c82a9d19096d9a2"):
        assert seeds[long_lead].title.endswith("…") and len(seeds[long_lead].title) <= 121


def test_seed_bodies_are_free_of_chrome(seeds):
    body_001 = seeds["001_3519a911f38b208f"].body
    assert "Search" not in body_001.splitlines() and "Asset 2" not in body_001
    body_003 = seeds["003_05048e11740625ed"].body
    for chrome in ("کد خبر", "فیلم بیشتر", "تاریخ انتشار", "به روز شده"):
        assert chrome not in body_003
    assert body_003.startswith(FA_HEADLINE + "\n")  # the repeated headline may stay
    assert "Aanbevolen video’s" not in seeds["004_7c82a9d19096d9a2"].body
    assert seeds["000_ef6e32c70ca40c0f"].body.startswith("دستیار رئیس جمهور روسیه")


def test_seed_dates(seeds):
    # the labelled "تاریخ انتشار" (published) line beats the page header's "۳۱ شهريور ۱۴۰۳"
    assert seeds["003_05048e11740625ed"].date == "2021-12-31"
    assert {i: a.date for i, a in seeds.items() if i != "003_05048e11740625ed"} == dict.fromkeys(
        ["000_ef6e32c70ca40c0f", "001_3519a911f38b208f", "002_4b76e7f10bebfeab", "004_7c82a9d19096d9a2"]
    )


def test_seed_hashes(seeds):
    for article in seeds.values():
        expected = hashlib.sha256(f"{article.title}\n{article.body}".encode()).hexdigest()
        assert article.content_hash == expected
