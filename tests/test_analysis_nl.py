"""Dutch steps."""

from searcher.analysis.registry import analyzer

A = analyzer("text")


def view(text):
    return [(t.text, t.pos, text[t.startchar:t.endchar]) for t in A(text, positions=True, chars=True)]


def test_hyphen_split_offsets():
    assert view("het Midden-Oosten") == [("het", 0, "het"), ("mid", 1, "Midden"), ("oost", 2, "Oosten")]


def test_seed_spelling_with_space_before_hyphen():
    assert [t for t, _, _ in view("Midden -Oosten")] == ["mid", "oost"]


def test_apostrophe_inside_word_only():
    assert view("‘video’s’") == [("videos", 0, "video’s")]


def test_stop_words_flagged():
    ts = list(A("de oorlog", mode="query"))
    assert [(t.text, t.is_stop) for t in ts] == [("de", True), ("oorlog", False)]


def test_latin_inside_persian_gets_dutch_steps():
    assert [t.text for t in A("ترامپ zei Oekraïne")] == ["ترامپ", "zei", "oekraine"]
