"""Dutch steps."""

from searcher.analysis import nl
from searcher.analysis.registry import analyzer

A = analyzer("text")


def view(text):
    return [(t.text, t.pos, text[t.startchar:t.endchar]) for t in A(text)]


def test_hyphen_split_offsets():
    assert view("het Midden-Oosten") == [("het", 0, "het"), ("mid", 1, "Midden"), ("oost", 2, "Oosten")]


def test_seed_spelling_with_space_before_hyphen():
    assert [t for t, _, _ in view("Midden -Oosten")] == ["mid", "oost"]


def test_apostrophe_inside_word_only():
    assert view("‘video’s’") == [("videos", 0, "video’s")]


def test_stop_words_flagged():
    ts = list(A("de oorlog"))
    assert [(t.text, t.is_stop) for t in ts] == [("de", True), ("oorlog", False)]


def test_latin_inside_persian_gets_dutch_steps():
    assert [t.text for t in A("ترامپ zei Oekraïne")] == ["ترامپ", "zei", "oekraine"]


def test_rare_compound_gets_its_parts_after_it_at_its_position():
    tokens = [(t.text, t.pos, t.part) for t in A("de kabinetsformatie")]
    assert tokens == [("de", 0, False), ("kabinetsformeer", 1, False), ("kabinet", 1, True), ("formeer", 1, True)]


def test_common_word_made_of_words_stays_whole():
    # Each is more frequent than its would-be parts together (mini + ster, natuur + lijk).
    assert nl.compound_parts("minister") == nl.compound_parts("natuurlijk") == ()
    assert not any(t.part for t in A("minister natuurlijk"))


def test_a_compounds_inflections_split_alike():
    assert nl.compound_parts("kabinetsformaties") == ("kabinet", "formaties")
    assert [t.text for t in A("ziekenhuis")][1:] == [t.text for t in A("ziekenhuizen")][1:] == ["ziek", "huis"]


def test_parts_are_never_stop_words_or_short():
    assert nl.compound_parts("overheid") == ()  # over is a stop word
    assert all(len(part) >= nl.MIN_PART for part in nl.compound_parts("verkiezingsprogramma"))
    assert nl.compound_parts("verkiezingsprogramma") == ("verkiezing", "programma")  # linking s


def test_persian_words_get_no_compound_parts():
    assert not any(t.part for t in A("رئیس‌جمهور کشور"))


def test_splitter_can_be_turned_off_by_name():
    assert [t.text for t in analyzer("text@lexicon/snowball/none")("kabinetsformatie")] == ["kabinetsformeer"]
