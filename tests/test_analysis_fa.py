"""Persian steps: offsets of split/joined tokens, stop flags, stemmers."""

import pytest

from searcher.analysis import fa
from searcher.analysis.explain import explain
from searcher.analysis.registry import analyzer, fa_stopwords

A = analyzer("text")


def toks(text, **kw):
    return list(A(text, **kw))


def view(text):
    return [(t.text, t.pos, text[t.startchar:t.endchar]) for t in toks(text)]


def test_harakat_keep_word_whole():
    assert view("کِتابِ") == [("کتاب", 0, "کِتابِ")]


def test_zwnj_compound_parts_have_exact_offsets():
    s = "دستیار رئیس‌جمهور روسیه"
    assert view(s) == [("دستیار", 0, "دستیار"), ("رییس", 1, "رئیس"),
                       ("جمهور", 2, "جمهور"), ("روسیه", 3, "روسیه")]


def test_solid_compound_split_offsets_and_positions():
    s = "دستیار رئیسجمهور روسیه"
    assert view(s) == [("دستیار", 0, "دستیار"), ("رییس", 1, "رئیس"),
                       ("جمهور", 2, "جمهور"), ("روسیه", 3, "روسیه")]


def test_joined_affix_spans_both_parts():
    s = "او می کند و کتاب ها را"
    v = view(s)
    assert ("میکند", 1, "می کند") in v
    assert ("کتاب", 3, "کتاب ها") in v
    assert [p for _, p, _ in v] == list(range(len(v)))


def test_no_join_across_punctuation():
    assert [t.text for t in toks("کتاب، ها")] == ["کتاب", "ها"]


def test_stop_words_flagged_and_kept():
    ts = toks("به گزارش ایسنا")
    assert [(t.text, t.is_stop, t.pos) for t in ts] == [("به", True, 0), ("گزارش", False, 1), ("ایسنا", False, 2)]


def test_stop_list_normalized_like_text():
    stops = fa_stopwords()
    assert "میشود" in stops  # hazm writes می‌شود
    assert "به" in stops and "رییس" not in stops


def test_stop_words_not_stemmed():
    assert [t.text for t in toks("برای")] == ["برای"]


@pytest.mark.parametrize("name", sorted(fa.STEMMERS))
def test_every_stemmer_builds_a_chain(name):
    a = analyzer(f"text@{name}")
    assert [t.text for t in a("کتاب")] == ["کتاب"]


def test_unknown_stemmer_is_refused():
    with pytest.raises(ValueError, match="stemmer"):
        analyzer("text@porter")


def test_hazm_stem_reimplementation():
    assert fa.hazm_stem("کتابهایشان") == "کتاب"
    assert fa.hazm_stem("ایران") == "ایر"  # why it needs protection


def test_protected_words_are_data():
    assert {"انسان", "تنها"} <= fa.protected()


def test_explain_lists_each_step():
    trace = explain("کتاب‌ها")
    assert [n for n, _ in trace] == ["tokenize", "split", "fold", "join-affixes",
                                     "split-compounds", "compound-parts", "stop", "stem"]
    assert trace[1][1] == ["کتاب", "ها"] and trace[-1][1] == ["کتاب"]


def test_seed_articles_analyse(seed_texts=None):
    from pathlib import Path

    for p in sorted(Path(__file__).parents[1].glob("seeds/*.txt")):
        text = p.read_text("utf-8")
        ts = toks(text)
        assert ts
        assert all(text[t.startchar:t.endchar] for t in ts)


def test_relational_adjectives_are_lexicon_entries_in_ای_but_units_after_numbers():
    """build_data's rule on a small lexicon: an entry X‌ای tagged AJ or untagged is kept whole,
    a noun-only one is not, nor a unit seen after three numerals (apart or solid); a numeral
    glued to X (چندرسانه‌ای) counts for X‌ای."""
    from whoosh.analysis import CompositeAnalyzer

    from searcher.analysis.data import build_data
    from searcher.analysis.registry import _text_prestop

    entries = [("هسته‌ای", {"N", "AJ"}), ("منطقه‌ای", {"0"}), ("پرونده‌ای", {"N"}), ("چندرسانه‌ای", {"AJ"}),
               ("دوهفته‌ای", {"AJ"}), ("سه‌هفته‌ای", {"AJ"}), ("ده‌هفته‌ای", {"AJ", "ADV"})]
    pos = {"دو": {"NUM"}, "سه": {"NUM"}, "ده": {"NUM"}, "چند": {"NUM", "DET"}}
    known = frozenset({"هسته", "منطقه", "پرونده", "رسانه", "هفته"})
    found = build_data.relational_adjectives(entries, pos, known, CompositeAnalyzer(*_text_prestop()[:4]))
    assert found == {"هستهای": "هسته‌ای", "منطقهای": "منطقه‌ای", "رسانهای": "چندرسانه‌ای"}


def test_a_final_yeh_meets_its_base_unless_the_lexicon_lists_the_word():
    """عکسی ("a photo") is عکس and تلویزیونی ("televised") تلویزیون: the lexicon does not list
    them, so their ی is an ending. سربازی ("military service"), ایرانی ("Iranian") and ماهی
    ("fish") are words of their own. The glide after an alef (کرونای, کرونایی) meets کرونا, not
    the unrelated lexicon word کرون; a listed word in ای stays (رای "vote" is not را)."""
    for text, stem in (("عکسی", "عکس"), ("تلویزیونی", "تلویزیون"), ("سربازی", "سربازی"), ("ایرانی", "ایرانی"),
                       ("ماهی", "ماهی"), ("کرونای", "کرونا"), ("کرونایی", "کرونا"), ("رای", "رای"), ("علی", "علی")):
        assert [t.text for t in toks(text)] == [stem], text


def test_the_yeh_rules_are_settings():
    """``lexicon-any-yeh`` strips the ی of listed words too (ایرانی meets ایران),
    ``lexicon-keep-yeh`` strips no final ی at all."""
    every = analyzer("text@lexicon-any-yeh")
    assert [t.text for t in every("عکسی کرونای سربازی ایرانی")] == ["عکس", "کرونا", "سرباز", "ایران"]
    plain = analyzer("text@lexicon-keep-yeh")
    assert [t.text for t in plain("عکسی کرونای سربازی")] == ["عکسی", "کرون", "سربازی"]


def test_question_words_are_stop_words():
    """A question's چیست ("what is") or کجا ("where") does not name its answer's subject: they
    are flagged as hazm's چه and چرا are, and still indexed (phrases need them)."""
    flagged = {t.text: t.is_stop for t in toks("انواع حج چیست کیست کجا کجاست چطور چیه چی")}
    assert flagged == {"انواع": False, "حج": False, "چیست": True, "کیست": True, "کجا": True,
                       "کجاست": True, "چطور": True, "چیه": True, "چی": True}
