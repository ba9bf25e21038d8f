"""Search behaviour end to end: spelling variants, ranking, query language, snippets."""
from __future__ import annotations

import unicodedata

import pytest

from conftest import ids
from searcher import QueryError

ZWNJ = "\u200c"

# (written in the article, typed in the query): each pair must find the article both ways.
PERSIAN_VARIANTS = [
    ("می‌کند", "می کند"),
    ("می‌کند", "میکند"),
    ("می کند", "میکند"),
    ("هسته‌ای", "هسته ای"),
    ("هسته‌ای", "هستهای"),
    ("هسته ای", "هستهای"),
    ("توافق‌های", "توافقهای"),
    ("رئیس‌جمهور", "رئیسجمهور"),
    ("رئیس‌جمهور", "رئیس جمهور"),
    ("رئیسجمهور", "رئیس جمهور"),
    ("كتاب", "کتاب"),  # Arabic kaf
    ("ايران", "ایران"),  # Arabic yeh
    ("مصطفى", "مصطفی"),  # alef maksura
    ("روسیە", "روسیه"),  # Kurdish heh U+06D5, as in seed 002
    ("خانۀ", "خانه"),  # heh with yeh above
    ("خانهٔ", "خانه"),  # heh + hamza above U+0654
    ("أمير", "امیر"),
    ("إسلام", "اسلام"),
    ("کِتابِ", "کتاب"),  # harakat
    ("کتـــاب", "کتاب"),  # tatweel
    ("۵۰", "50"),
    ("٥٠", "50"),
    ("۵۰", "٥٠"),
    ("کتاب‌ها", "کتاب"),
    ("کتابها", "کتاب"),
    ("مذاکرات", "مذاکره"),
]


@pytest.mark.parametrize("written, typed", PERSIAN_VARIANTS)
def test_persian_spelling_variants_find_each_other(make_index, written, typed):
    index = make_index(
        {"id": "hit", "text": f"خبر امروز درباره {written} در تهران منتشر شد", "lang": "fa"},
        {"id": "other", "text": "گزارش هواشناسی برای فردا باران پیش بینی کرد", "lang": "fa"},
    )
    assert ids(index.search(typed)) == ["hit"]
    assert "hit" in ids(index.search(written))


@pytest.mark.parametrize("written, typed", [("تیم‌ملی", "تیمملی"), ("تیمملی", "تیم‌ملی")])
def test_words_joined_by_a_half_space_meet_the_same_words_written_as_one(make_index, written, typed):
    # No lexicon entry splits "تیمملی": the half-space run's joined form is indexed and searched too.
    index = make_index(
        {"id": "hit", "text": f"بازی {written} فوتبال ایران در تهران", "lang": "fa"},
        {"id": "other", "text": "گزارش هواشناسی برای فردا باران پیش بینی کرد", "lang": "fa"},
    )
    assert ids(index.search(typed)) == ["hit"]


def test_compound_query_and_phrase_find_all_three_spellings(make_index):
    index = make_index(
        *({"id": f"doc{i}", "text": f"سخنان {spelling} روسیه درباره اوکراین", "lang": "fa"} for i, spelling in enumerate(["رئیس‌جمهور", "رئیس جمهور", "رئیسجمهور"])),
        {"id": "unrelated", "text": "رئیس اداره آموزش شهر گفت", "lang": "fa"},
    )
    for query in ("رئیس جمهور", '"رئیس جمهور"', "رئیسجمهور", "رئیس‌جمهور"):
        assert set(ids(index.search(query))) >= {"doc0", "doc1", "doc2"}, query
    assert "unrelated" not in ids(index.search('"رئیس جمهور"'))


def test_nfc_and_nfd_texts_are_the_same(make_index):
    text = "آمریکا و ایران"
    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text
    index = make_index({"id": "nfd", "text": nfd, "lang": "fa"})
    assert ids(index.search(unicodedata.normalize("NFC", text))) == ["nfd"]


def test_harakat_never_split_a_word(make_index):
    index = make_index({"id": "book", "text": "این کِتابِ خوبی است", "lang": "fa"})
    assert ids(index.search("کتاب")) == ["book"]
    assert ids(index.search("تاب")) == []


@pytest.mark.parametrize("word, lookalike", [("ایران", "ایر"), ("مردم", "مرد"), ("تهران", "تهر"), ("استان", "است"), ("انسان", "انس")])
def test_frequent_words_keep_their_identity(make_index, word, lookalike):
    index = make_index({"id": "word", "text": f"خبری درباره {word} امروز", "lang": "fa"}, {"id": "lookalike", "text": f"خبری درباره {lookalike} امروز", "lang": "fa"})
    assert ids(index.search(word)) == ["word"]


@pytest.mark.parametrize(
    "written, typed",
    [
        ("Oekraïne", "Oekraine"),
        ("ideeën", "ideeen"),
        ("ziekenhuizen", "ziekenhuis"),
        ("geactiveerd", "activeerden"),
        ("Midden-Oosten", "Midden Oosten"),
        ("Midden -Oosten", "Midden-Oosten"),
        ("video's", "videos"),
        ("video’s", "video's"),
        ("onderhandelingen", "onderhandeling"),
    ],
)
def test_dutch_variants_find_each_other(make_index, written, typed):
    index = make_index(
        {"id": "hit", "text": f"Het nieuws van vandaag over {written} in de regio.", "lang": "nl"},
        {"id": "other", "text": "Het weer wordt morgen zonnig en warm.", "lang": "nl"},
    )
    assert ids(index.search(typed)) == ["hit"]


def test_phrase_across_hyphen_variants(make_index):
    index = make_index({"id": "hit", "text": "De situatie in het Midden -Oosten blijft gespannen.", "lang": "nl"})
    assert ids(index.search('"Midden-Oosten"')) == ["hit"]
    assert ids(index.search('"Midden Oosten"')) == ["hit"]


def test_dutch_compound_found_by_its_parts_without_changing_phrases(make_index):
    index = make_index(
        {"id": "compound", "text": "De kabinetsformatie loopt vast.", "lang": "nl"},
        {"id": "apart", "text": "Het kabinet wil een formatie van experts.", "lang": "nl"},
        {"id": "other", "text": "Het weer wordt morgen zonnig.", "lang": "nl"},
    )
    assert set(ids(index.search("formatie"))) == {"compound", "apart"}
    assert ids(index.search("kabinetsformatie"))[0] == "compound"
    assert ids(index.search('"kabinet formatie"')) == []  # parts are no phrase of their own
    assert ids(index.search('"kabinetsformatie loopt"')) == ["compound"]
    hit = next(hit for hit in index.search("formatie").hits if hit.id == "compound")
    assert hit.snippet.matches == ["kabinetsformatie"]  # the snippet shows why it matched


def test_query_stop_words_rank_the_best_matches_and_totals_count_every_match(make_index):
    index = make_index(
        {"id": "a-without", "text": "Een brug over het water", "lang": "nl"},  # first on a tie
        {"id": "b-with", "text": "De brug over de rivier", "lang": "nl"},
        {"id": "other", "text": "De rivier stroomt", "lang": "nl"},
    )
    page = index.search("de brug")
    assert ids(page) == ["b-with", "a-without"] and page.total == 2  # "de" alone matches nothing
    index.add_documents([{"id": "a-without", "title": "", "text": "Een nieuwe brug over het water", "lang": "nl"}])
    assert index.search("de brug").total == 2  # the replaced version is not counted twice
    assert index.search("brug OR rivier").total == 3


def test_latin_words_in_persian_and_persian_words_in_dutch(make_index):
    index = make_index(
        {"id": "fa", "text": "خبرگزاری AFP گزارش داد که Getty Images عکس را منتشر کرد", "lang": "fa"},
        {"id": "nl", "text": "Het Perzische woord آزادی betekent vrijheid.", "lang": "nl"},
    )
    assert ids(index.search("afp")) == ["fa"]
    assert ids(index.search("images")) == ["fa"]
    assert ids(index.search("آزادی")) == ["nl"]


def test_lang_filter(make_index):
    index = make_index({"id": "fa", "text": "ترامپ و پوتین Trump", "lang": "fa"}, {"id": "nl", "text": "Trump en Poetin", "lang": "nl"})
    assert set(ids(index.search("trump"))) == {"fa", "nl"}
    assert ids(index.search("trump", lang="nl")) == ["nl"]
    assert ids(index.search("trump", lang="fa")) == ["fa"]


def test_all_words_rank_above_some_words_and_partial_matches_remain(make_index):
    filler = " ".join(["nieuws"] * 3)
    index = make_index(
        {"id": "one-word-many-times", "text": "Poetin Poetin Poetin Poetin sprak lang. " + filler, "lang": "nl"},
        {"id": "both", "text": "Poetin belde Trump over de oorlog en nog veel meer dingen die " + filler, "lang": "nl"},
        {"id": "other", "text": "Trump Trump Trump zei iets. " + filler, "lang": "nl"},
    )
    page = index.search("Poetin Trump")
    assert ids(page)[0] == "both"
    assert set(ids(page)) == {"both", "one-word-many-times", "other"}
    assert page.total == 3


def test_title_weighs_more_than_body(make_index):
    """Even against a body that opens with the word (the lead counts extra), among articles
    without it (a rare word, as a searched word is in any real collection)."""
    index = make_index(
        {"id": "in-title", "title": "Verkiezingen in Nederland", "text": "Een verslag van de dag met veel details over alles.", "lang": "nl"},
        {"id": "in-body", "title": "Een verslag", "text": "Verkiezingen in Nederland, een verslag van de dag met veel details.", "lang": "nl"},
        *({"id": f"other{n}", "title": "Een dag in de Kamer", "text": f"Het debat {n} ging over de begroting en de zorg.",
           "lang": "nl"} for n in range(20)),
    )
    assert ids(index.search("verkiezingen")) == ["in-title", "in-body"]


def test_query_words_side_by_side_rank_above_the_same_words_far_apart(make_index):
    words = "regering verslag begroting debat kamer plannen".split()
    far = f"Oekraine {' '.join(words)} zorgen {' '.join(words)} grens"
    near = f"{' '.join(words)} zorgen {' '.join(words)} Oekraine grens"
    index = make_index({"id": "far", "text": far, "lang": "nl"}, {"id": "near", "text": near, "lang": "nl"})
    page = index.search("Oekraine grens")
    assert ids(page) == ["near", "far"]
    assert page.hits[0].score > page.hits[1].score


def test_closeness_counts_in_articles_of_other_languages_too(make_index):
    index = make_index(
        {"id": "far", "text": "Ukraine said the talks on a new deal at the border went well", "lang": "en"},
        {"id": "near", "text": "Ukraine border said the talks on a new deal at the went well", "lang": "en"},
    )
    assert ids(index.search("Ukraine border")) == ["near", "far"]


def test_stop_words_next_to_a_query_word_do_not_count_as_closeness(make_index):
    index = make_index(
        {"id": "stop-word-close", "text": "Kabinet valt vandaag. Het gaat over de begroting van het land.", "lang": "nl"},
        {"id": "no-stop-word-close", "text": "Kabinet valt vandaag. Het gaat over begroting van het land de.", "lang": "nl"},
    )
    page = index.search("de begroting")
    assert page.hits[0].score == pytest.approx(page.hits[1].score)


def test_pages_are_cut_from_one_ranking_beyond_the_rescored_head(make_index):
    records = [{"id": f"d{i:02}", "lang": "nl",
                "text": "Trump " + " ".join(["nieuws"] * (i % 7)) + " Poetin " + " ".join(["verslag"] * (i % 5))}
               for i in range(70)]
    index = make_index(*records)
    everything = ids(index.search("Trump Poetin", limit=70))
    pages = [ids(index.search("Trump Poetin", limit=10, page=n)) for n in range(1, 8)]
    assert sum(pages, []) == everything
    assert len(set(everything)) == 70


def test_phrases_slop_and_operators(make_index):
    index = make_index(
        {"id": "a", "title": "Gesprek", "text": "De Russische president sprak met Trump.", "lang": "nl"},
        {"id": "b", "title": "Bronnen", "text": "De president van Rusland, Russische bronnen melden het.", "lang": "nl"},
        {"id": "c", "title": "Bezoek", "text": "Trump bezocht Iran niet.", "lang": "nl"},
    )
    assert ids(index.search('"Russische president"')) == ["a"]
    assert ids(index.search('"president Russische"')) == []
    assert ids(index.search('"president Russische"~3')) == ["b"]
    assert ids(index.search("president AND Trump")) == ["a"]
    assert set(ids(index.search("Iran OR Rusland"))) == {"b", "c"}
    assert ids(index.search("Trump NOT Iran")) == ["a"]
    assert ids(index.search("Trump -Iran")) == ["a"]
    assert ids(index.search("Trump AND NOT Iran")) == ["a"]
    assert ids(index.search("(Iran OR Rusland) AND president")) == ["b"]
    assert ids(index.search("title:president")) == []


def test_queries_that_only_exclude_are_refused(make_index):
    index = make_index({"id": "a", "text": "Trump bezocht Iran niet.", "lang": "nl"})
    for query in ("NOT Iran", "-Iran"):
        with pytest.raises(QueryError):
            index.search(query)


def test_title_field_query(make_index):
    index = make_index(
        {"id": "t", "title": "Oorlog in Oekraïne", "text": "Een verslag.", "lang": "nl"},
        {"id": "b", "title": "Een verslag", "text": "Over de oorlog in Oekraïne.", "lang": "nl"},
    )
    assert ids(index.search("title:oorlog")) == ["t"]
    assert ids(index.search("body:oorlog")) == ["b"]


def test_stop_words_alone_still_match_and_do_not_dominate(make_index):
    index = make_index(
        {"id": "stopwords", "text": "en de het van en de het van een", "lang": "nl"},
        {"id": "content", "text": "De begroting van het kabinet.", "lang": "nl"},
    )
    assert "stopwords" in ids(index.search("de het"))
    assert ids(index.search("de begroting van het")) [0] == "content"


def test_persian_stop_words_alone_still_match(make_index):
    index = make_index({"id": "fa", "text": "این کتاب از آن من است", "lang": "fa"})
    assert ids(index.search("از این")) == ["fa"]


def test_snippet_marks_the_variant_written_in_the_article(make_index):
    index = make_index({"id": "fa", "text": "پیش از این خبر. رئيس جمهور روسيه با ترامپ گفتگو کرد. پس از آن هیچ.", "lang": "fa"})
    snippet = index.search("رئیس‌جمهور روسیه").hits[0].snippet
    assert "رئيس" in snippet.matches and "روسيه" in snippet.matches


def test_snippet_keeps_words_whole(make_index):
    words = ["واژه" + str(i) for i in range(200)]
    text = " ".join(words[:100] + ["کلیدی"] + words[100:])
    snippet = make_index({"id": "long", "text": text, "lang": "fa"}).search("کلیدی").hits[0].snippet
    assert snippet.matches == ["کلیدی"]
    inner = snippet.text.strip("… ")
    assert all(word in text.split() for word in inner.split())


def test_pagination_and_total(make_index):
    index = make_index(*({"id": f"d{i:02}", "text": f"Nieuws over Trump nummer {i}", "lang": "nl"} for i in range(25)))
    first, third = index.search("Trump", limit=10, page=1), index.search("Trump", limit=10, page=3)
    assert (first.total, len(first.hits), third.total, len(third.hits)) == (25, 10, 25, 5)
    everything = ids(index.search("Trump", limit=30))
    assert ids(first) + ids(index.search("Trump", limit=10, page=2)) + ids(third) == everything


@pytest.mark.parametrize("query", ["", "   ", "!!!", "((()))", "«»"])
def test_queries_without_words_get_a_clear_error(make_index, query):
    index = make_index({"id": "x", "text": "iets", "lang": "nl"})
    with pytest.raises(QueryError, match="no words"):
        index.search(query)


@pytest.mark.parametrize("query", ['"Trump Poetin', "(Trump", "Trump)", "Trump AND", "OR Trump", "Trump ~", 'Trump"', "^Trump", "title:Trump)", "Trump:"])
def test_malformed_queries_get_a_best_effort_reading(make_index, query):
    index = make_index({"id": "x", "title": "Trump", "text": "Trump en Poetin", "lang": "nl"})
    assert ids(index.search(query)) == ["x"]


def test_snippet_marks_a_split_compound_as_one_word(make_index):
    index = make_index({"id": "fa", "text": "سخنان رئیسجمهور روسیه درباره اوکراین", "lang": "fa"})
    assert index.search("رئیس جمهور").hits[0].snippet.matches == ["رئیسجمهور"]


def test_a_title_cut_from_the_body_is_shown_but_not_indexed_as_a_title(make_index):
    index = make_index(
        {"id": "no-headline", "text": "Poetin belde Trump. Daarna volgde een lang verslag over Oekraïne.", "lang": "nl"},
        {"id": "headline", "title": "Poetin belde Trump", "text": "Een lang verslag over Oekraïne.", "lang": "nl"},
    )
    assert ids(index.search("title:poetin")) == ["headline"]
    derived = index.search("verslag", limit=5).hits
    assert {hit.id: hit.title for hit in derived}["no-headline"].startswith("Poetin belde Trump.")


def test_literal_search_reads_syntax_as_plain_words(make_index):
    index = make_index({"id": "x", "title": "Genève", "text": "Trump en Poetin spraken in Genève over Noord-Holland.", "lang": "nl"})
    assert ids(index.search('"Poetin Trump"')) == []
    assert ids(index.search('"Poetin Trump"', literal=True)) == ["x"]
    with pytest.raises(QueryError):
        index.search("NOT Trump")
    assert ids(index.search("NOT Trump", literal=True)) == ["x"]
    assert ids(index.search("(Noord-Holland) title: Genève^2 -Poetin", literal=True)) == ["x"]


def test_headline_without_text_is_found_grouped_and_has_an_empty_snippet(make_index):
    headline = "ADO verliest bij MVV ook derde wedstrijd onder Kuijt"
    index = make_index(
        {"id": "nunl-1", "title": headline, "text": "", "lang": "nl"},
        {"id": "copy", "title": headline + ", Willem II wint", "text": "", "lang": "nl"},
        {"id": "other", "title": "Kuijt zag vernedering met ADO niet aankomen", "text": "", "lang": "nl"},
    )
    page = index.search("Kuijt MVV", group=True, facets=True)
    assert ids(page) == ["nunl-1", "other"] and page.hits[0].similar == ("copy",)  # signatures of the titles
    assert page.hits[0].snippet.parts == () and str(page.hits[0].snippet) == ""
    assert page.facets["lang"] == {"nl": 3}
    assert set(ids(index.similar("other"))) == {"nunl-1", "copy"}
