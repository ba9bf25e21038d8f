"""The formats drops come in (issue 18): .gz, .zip, .html, .csv/.tsv, .md, each with a bad member
or row among good ones, ids stable across runs; and the metadata a run gives (--source, --lang,
--date-from-name)."""
from __future__ import annotations

import csv
import gzip
import io
import json
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from searcher import open_index
from searcher.drops import ReadOptions, read_paths
from searcher.errors import SearcherError
from searcher.model import Article

FA_TITLE = "تماس تلفنی پوتین و بایدن درباره بحران اوکراین"
FA_BODY = "بایدن و پوتین در تماسی تلفنی درباره اوکراین هشدارهایی را رد و بدل کردند."
NL_TITLE = "De brug over de rivier gaat dicht"
NL_BODY = "De gemeente sluit de brug over de rivier voor een heel jaar, meldt de wethouder."
HTML = f"""<!doctype html><html><head><meta charset="utf-8"><title>Hamshahri | {FA_TITLE}</title>
<meta property="article:published_time" content="2024-06-14T10:00:00+03:30">
<link rel="canonical" href="https://example.org/news/1"></head>
<body><nav><a href="/">خانه</a> <a href="/sport">ورزش</a> <a href="/search">جستجو</a></nav>
<article><h1>{FA_TITLE}</h1><p>{FA_BODY}</p>
<p>این گفتگو حدود یک ساعت طول کشید و دو طرف درباره امنیت اروپا و آینده مذاکرات صحبت کردند.</p></article>
<footer>کلیه حقوق این سایت محفوظ است</footer></body></html>"""


def record(id: str, title: str = NL_TITLE, text: str = NL_BODY, **fields) -> str:
    return json.dumps({"id": id, "title": title, "text": text, **fields}, ensure_ascii=False)


def skip_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("skipped ")]


def by_id(items) -> dict[str, Article]:
    return {item.id: item for item in items if isinstance(item, Article)}


def index_twice(run, drop: Path) -> tuple[dict, dict]:
    """The --json counts of indexing ``drop`` and of indexing it again."""
    first = run("index", str(drop), "--index", "idx", "--json")
    again = run("index", str(drop), "--index", "idx", "--json")
    assert first.exit_code == 0 and again.exit_code == 0, first.output
    return json.loads(first.stdout), json.loads(again.stdout)


def test_gzip_of_jsonl_and_txt_and_a_damaged_gzip(run, tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    with gzip.open(drop / "news.jsonl.gz", "wt", encoding="utf-8") as out:
        out.write(record("g1") + "\n{not json\n" + record("g2", text="Een tweede bericht over de haven.") + "\n")
    (drop / "page.txt.gz").write_bytes(gzip.compress(f"{FA_TITLE}\n{FA_BODY}\n".encode()))
    whole = gzip.compress((record("t1") + "\n" + record("t2", text="Nog een bericht.") + "\n").encode())
    (drop / "torn.jsonl.gz").write_bytes(whole[:-8])  # the end of the stream is missing
    (drop / "fake.json.gz").write_bytes(b"not gzip at all")
    first, again = index_twice(run, drop)
    assert first == {"added": 5, "updated": 0, "unchanged": 0, "skipped": 3}
    assert again == {"added": 0, "updated": 0, "unchanged": 5, "skipped": 3}
    result = run("index", str(drop), "--index", "idx")
    assert skip_lines(result) == [
        f"skipped {drop / 'fake.json.gz'}: damaged gzip data (Not a gzipped file (b'no'))",
        f"skipped {drop / 'news.jsonl.gz'}: line 2: bad JSON: Expecting property name enclosed in double quotes at column 2",
        f"skipped {drop / 'torn.jsonl.gz'}: damaged gzip data (Compressed file ended before the end-of-stream marker was reached)"]
    with open_index(tmp_path / "idx") as index:
        page = index.get("page")
        assert (page.title, page.body, page.path) == (FA_TITLE, FA_BODY, str(drop / "page.txt.gz"))
        assert index.get("t2").path == str(drop / "torn.jsonl.gz")  # records before the damage are kept


def test_zip_members_of_every_format_and_bad_members(run, tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    with zipfile.ZipFile(drop / "drop.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("2025-06-14/fa-1.txt", f"{FA_TITLE}\n{FA_BODY}\n")
        archive.writestr("2025-06-14/records.jsonl", record("z1") + "\n" + '{"id": "z2"}\n')
        archive.writestr("2025-06-14/table.csv", f'id,title,text\nc1,{NL_TITLE},"{NL_BODY}"\n')
        archive.writestr("2025-06-14/page.html", HTML)
        archive.writestr("2025-06-14/scan.txt", b"%PDF-1.4\n\xff\xfe")
        archive.writestr("2025-06-14/more.jsonl.gz", gzip.compress((record("z3") + "\n").encode()))
        archive.writestr("nested.zip", b"PK\x05\x06" + bytes(18))
        archive.writestr("notes.docx", b"PK\x03\x04")
        archive.writestr("__MACOSX/._fa-1.txt", b"\x00\x05\x16\x07")
        archive.writestr("2025-06-14/", b"")
    first, again = index_twice(run, drop)
    assert first == {"added": 5, "updated": 0, "unchanged": 0, "skipped": 4}
    assert again == {"added": 0, "updated": 0, "unchanged": 5, "skipped": 4}
    result = run("index", str(drop), "--index", "idx")
    zipped = drop / "drop.zip"
    assert skip_lines(result) == [
        f"skipped {zipped}: member 2025-06-14/records.jsonl: line 2: record 'z2' has no usable 'text'",
        f"skipped {zipped}: member 2025-06-14/scan.txt: a PDF file, not text",
        f"skipped {zipped}: member nested.zip: an archive inside an archive is not read: unpack it",
        f"skipped {zipped}: member notes.docx: unsupported file type '.docx' (expected .txt, .md, .html, .htm, "
        ".jsonl, .json, .csv, .tsv, .gz or .zip)"]
    with open_index(tmp_path / "idx") as index:
        assert {index.get(i).path for i in ("fa-1", "z1", "z3", "c1", "page")} == {str(zipped)}


def test_a_damaged_zip_member_costs_that_member(tmp_path):
    path = tmp_path / "drop.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.txt", f"{NL_TITLE}\n{NL_BODY}\n" * 20)
        archive.writestr("b.txt", f"{FA_TITLE}\n{FA_BODY}\n")
    data = bytearray(path.read_bytes())
    data[60] ^= 0xFF  # inside a.txt's compressed data
    path.write_bytes(bytes(data))
    items = list(read_paths([path]))
    assert items[0].reason.startswith("member a.txt: damaged or unreadable member (")
    assert by_id(items)["b"].title == FA_TITLE
    (tmp_path / "not.zip").write_bytes(b"PK\x03\x04 truncated")
    [skipped] = read_paths([tmp_path / "not.zip"])
    assert skipped.reason == "not a readable ZIP archive (File is not a zip file)"


def test_html_page_main_text_title_date_and_url(tmp_path):
    (tmp_path / "page.html").write_text(HTML, encoding="utf-8")
    (tmp_path / "empty.htm").write_text("<html><head><title>خانه</title></head><body></body></html>", encoding="utf-8")
    (tmp_path / "scan.html").write_bytes(b"%PDF-1.4\n")
    items = list(read_paths([tmp_path]))
    skipped = {Path(item.path).name: item.reason for item in items if not isinstance(item, Article)}
    assert skipped == {"empty.htm": "no article text found in the page", "scan.html": "a PDF file, not a web page"}
    page = by_id(items)["page"]
    assert (page.title, page.date, page.url, page.lang) == (FA_TITLE, "2024-06-14", "https://example.org/news/1", "fa")
    assert page.body.startswith(FA_BODY) and "امنیت اروپا" in page.body
    for chrome in ("ورزش", "جستجو", "حقوق"):
        assert chrome not in page.body


def test_csv_and_tsv_rows_with_a_note_for_unknown_columns(run, tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "feed.csv").write_text(
        "id,title,text,author,date\n"
        f'1,{NL_TITLE},"{NL_BODY}",Jan,2024-06-14\n'
        "2,Te weinig velden\n"
        f'3,"Een titel, met komma","Tekst over\ntwee regels",Piet,1403-06-31\n'
        f',Zonder id,"{NL_BODY}",Kees,\n', encoding="utf-8")
    (drop / "sheet.tsv").write_bytes(f"ID\tText\tLang\nt1\t{FA_TITLE}. {FA_BODY}\tfa\n".encode("utf-16"))
    (drop / "noheader.csv").write_text(f"{NL_TITLE},De gemeente sluit de brug\n", encoding="utf-8")
    first, again = index_twice(run, drop)
    assert first == {"added": 3, "updated": 0, "unchanged": 0, "skipped": 3}
    assert again == {"added": 0, "updated": 0, "unchanged": 3, "skipped": 3}
    result = run("index", str(drop), "--index", "idx")
    assert result.stderr.splitlines() == [
        f"note {drop / 'feed.csv'}: columns ignored: author (read: id, title, text, date)",
        f"skipped {drop / 'feed.csv'}: line 3: 2 fields where the header names 5",
        f"skipped {drop / 'feed.csv'}: line 6: empty 'id'",
        f"skipped {drop / 'noheader.csv'}: no header naming the columns id and title or text (the first line has: "
        f"{NL_TITLE.lower()}, de gemeente sluit de brug)"]
    with open_index(tmp_path / "idx") as index:
        assert (index.get("1").date, index.get("3").date, index.get("3").body) == ("2024-06-14", "2024-09-21",
                                                                                  "Tekst over\ntwee regels")
        assert index.get("t1").lang == "fa" and index.get("t1").title.startswith(FA_TITLE)


def test_markdown_and_web_pages_with_a_bad_one_among_good_ones(run, tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "brug.md").write_text(f"# {NL_TITLE}\n\n{NL_BODY}\n", encoding="utf-8")
    (drop / "leeg.md").write_text("# \n\n", encoding="utf-8")
    (drop / "page.html").write_text(HTML, encoding="utf-8")
    (drop / "scan.htm").write_bytes(b"%PDF-1.4\n\xff")
    first, again = index_twice(run, drop)
    assert first == {"added": 2, "updated": 0, "unchanged": 0, "skipped": 2}
    assert again == {"added": 0, "updated": 0, "unchanged": 2, "skipped": 2}
    assert skip_lines(run("index", str(drop), "--index", "idx")) == [
        f"skipped {drop / 'leeg.md'}: empty text", f"skipped {drop / 'scan.htm'}: a PDF file, not a web page"]
    with open_index(tmp_path / "idx") as index:
        assert (index.get("brug").title, index.get("brug").body) == (NL_TITLE, NL_BODY)
        assert (index.get("page").title, index.get("page").date) == (FA_TITLE, "2024-06-14")


def write_records_as(folder: Path, records: list[dict], kind: str) -> None:
    """``records`` written into ``folder`` as one file of ``kind``."""
    lines = "".join(json.dumps(record) + "\n" for record in records)
    table = io.StringIO()
    writer = csv.DictWriter(table, ["id", "title", "text", "lang"])
    writer.writeheader()
    writer.writerows(records)
    if kind == "jsonl.gz":
        (folder / "big.jsonl.gz").write_bytes(gzip.compress(lines.encode()))
    elif kind == "zip":
        with zipfile.ZipFile(folder / "big.zip", "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("2025-06-14/big.jsonl", lines)
    elif kind == "csv":
        (folder / "big.csv").write_text(table.getvalue(), encoding="utf-8")
    else:
        (folder / "big.csv.gz").write_bytes(gzip.compress(table.getvalue().encode()))


@pytest.mark.parametrize("kind", ["jsonl.gz", "zip", "csv", "csv.gz"])
def test_compressed_archived_and_table_drops_are_read_as_streams(tmp_path, kind):
    """Over 2 MB of records read within 1 MB of memory: a record (or row) at a time."""
    records = [{"id": f"r{n}", "title": "Titel", "text": "woord " * 1000, "lang": "nl"} for n in range(400)]
    write_records_as(tmp_path, records, kind)
    assert sum(len(record["text"]) for record in records) > 2_000_000
    tracemalloc.start()
    try:
        count = sum(isinstance(item, Article) for item in read_paths([tmp_path]))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 400
    assert peak < 1_000_000


def test_table_columns_give_date_source_url_and_lang(tmp_path):
    (tmp_path / "feed.csv").write_text("url,lang,source,date,text,title,id\n"
                                       f'https://nos.nl/1,nl,NOS,2024-06-14,"{NL_BODY}",{NL_TITLE},r1\n', encoding="utf-8")
    [article] = read_paths([tmp_path])
    assert (article.id, article.title, article.body) == ("r1", NL_TITLE, NL_BODY)
    assert (article.date, article.source, article.url, article.lang) == ("2024-06-14", "NOS", "https://nos.nl/1", "nl")


def test_markdown_title_from_the_first_heading(tmp_path):
    (tmp_path / "brug.md").write_text(f"Rubriek: Regio\n\n# {NL_TITLE}\n\n{NL_BODY} Zie [de kaart](https://x.nl).\n\n"
                                      "![foto](brug.jpg)\n\n- Eerste punt\n- Tweede punt\n", encoding="utf-8")
    [article] = read_paths([tmp_path])
    assert article.title == NL_TITLE
    assert article.body == f"Rubriek: Regio\n{NL_BODY} Zie de kaart.\nEerste punt\nTweede punt"
    assert article.page.startswith("Rubriek: Regio\n\n# ")  # the Markdown as written, for reading


def test_a_page_keeps_its_chrome_lines_for_reading(tmp_path):
    text = f"Search\nAsset 2\n{NL_TITLE}\nGepubliceerd op 14 juni 2024\n{NL_BODY}\n"
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "b.txt").write_text(f"{NL_TITLE}\n{NL_BODY}\n", encoding="utf-8")
    articles = by_id(read_paths([tmp_path]))
    assert articles["a"].page == text and articles["a"].body == NL_BODY
    assert articles["b"].page is None  # nothing was left out
    assert articles["a"].content_hash == articles["b"].content_hash  # the hash is of title and body


# Metadata given at index time


def test_source_and_lang_for_records_without_their_own(run, tmp_path):
    drop = tmp_path / "2025-06-14"
    drop.mkdir()
    (drop / "a.jsonl").write_text("\n".join([record("own", source="NOS", lang="und"), record("plain"),
                                             record("fa", title=FA_TITLE, text=FA_BODY)]) + "\n", encoding="utf-8")
    (drop / "page.txt").write_text(f"{FA_TITLE}\n{FA_BODY}\n", encoding="utf-8")
    assert run("index", str(drop), "--index", "idx", "--source", "fars", "--lang", "nl").exit_code == 0
    with open_index(tmp_path / "idx") as index:
        assert [(index.get(i).source, index.get(i).lang) for i in ("own", "plain", "fa", "page")] == [
            ("NOS", "und"), ("fars", "nl"), ("fars", "nl"), ("fars", "nl")]  # a record's own fields win
        assert index.search("brug", source="fars").total == 1
    result = run("index", str(drop), "--index", "idx2", "--lang", "en")
    assert result.exit_code == 2 and "'en' is not one of 'fa', 'nl', 'und'" in result.stderr


def test_dates_from_names_when_neither_record_nor_head_has_one(run, tmp_path):
    drop = tmp_path / "drops" / "2025-06-14"
    (drop / "irna").mkdir(parents=True)
    (drop / "a.jsonl").write_text("\n".join([record("dated", date="2024-01-02"), record("undated"),
                                             record("id-2023-05-06")]) + "\n", encoding="utf-8")
    (drop / "irna" / "خبر-۱۴۰۳-۰۶-۳۱.txt").write_text(f"{FA_TITLE}\n{FA_BODY}\n", encoding="utf-8")
    (drop / "irna" / "head.txt").write_text(f"۳۱ شهريور ۱۴۰۲\n{FA_TITLE}\n{FA_BODY}\n", encoding="utf-8")
    assert run("index", str(drop), "--index", "idx", "--date-from-name", "%Y-%m-%d").exit_code == 0
    with open_index(tmp_path / "idx") as index:
        assert {i: index.get(i).date for i in ("dated", "undated", "id-2023-05-06", "خبر-۱۴۰۳-۰۶-۳۱", "head")} == {
            "dated": "2024-01-02",  # the record's own
            "undated": "2025-06-14",  # the drop folder's name
            "id-2023-05-06": "2023-05-06",  # the id
            "خبر-۱۴۰۳-۰۶-۳۱": "2024-09-21",  # the file name, Jalali, in Persian digits
            "head": "2023-09-22",  # the article's head
        }
    result = run("index", str(drop), "--index", "idx", "--date-from-name", "%Y-%q")
    assert result.exit_code == 1
    assert result.stderr == ("Error: date pattern '%Y-%q' has unknown directive %q: use %Y, %m or %b, %d, and %% "
                             "for a percent sign\n")


@pytest.mark.parametrize("pattern, name, iso", [
    ("%Y%m%d", "nos_20250614_017", "2025-06-14"),
    ("%d %b %Y", "14 juni 2025 verslag", "2025-06-14"),
    ("%Y-%m-%d", "2025-13-01", None),  # no such month
    ("%Y-%m-%d", "1850-01-01", None),  # a year of neither calendar
])
def test_name_patterns(pattern, name, iso):
    from searcher.dates import NamePattern

    assert NamePattern.parse(pattern).find(name) == iso


def test_read_options_check_their_values():
    with pytest.raises(SearcherError, match="needs a year"):
        ReadOptions(date_from_name="%m-%d")
    with pytest.raises(SearcherError, match="unknown language"):
        ReadOptions(lang="en")
    with pytest.raises(SearcherError, match="too small"):
        ReadOptions(max_article_chars=10)


def test_add_paths_takes_read_options(tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "a.txt").write_text(f"{NL_TITLE}\n{NL_BODY}\n", encoding="utf-8")
    with open_index(tmp_path / "idx", create=True) as index:
        index.add_paths([drop], options=ReadOptions(source="nos", date_from_name="%Y"  "-%m-%d"))
        assert (index.get("a").source, index.get("a").date) == ("nos", None)


def test_html_without_trafilatura_is_skipped_with_the_install_command(tmp_path, monkeypatch):
    from searcher.drops.formats import html

    monkeypatch.setitem(__import__("sys").modules, "trafilatura", None)
    html._trafilatura.cache_clear()
    (tmp_path / "page.html").write_text(HTML, encoding="utf-8")
    try:
        [skipped] = read_paths([tmp_path])
    finally:
        html._trafilatura.cache_clear()
    assert skipped.reason.startswith("reading web pages needs trafilatura: pip install 'searcher[html]'")
