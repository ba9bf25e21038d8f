"""Chain-wide properties: offsets on random text, word-by-word analysis, pickling, the version."""

import pickle

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from searcher.analysis import registry
from searcher.analysis.registry import ANALYZER_NAMES, analyzer

ALPHABET = (
    "abcé-'’ \u200c\u200d\u0640\u064e\u0650\u0654\u0653\u0670"
    "کتابیيئهەۀةآاأمینرشها۰۵٥05،.\n"
)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=40) | st.text(max_size=30),
       st.sampled_from(ANALYZER_NAMES))
def test_offsets_point_into_text_and_positions_sequential(text, name):
    """Offsets always point into the text; positions count the words as written."""
    ts = list(analyzer(name)(text))
    words = [t for t in ts if not t.part]
    assert [t.pos for t in words] == list(range(len(words)))
    # A compound's parts follow it, at its position (no positional field indexes them).
    assert all(i > 0 and t.pos == ts[i - 1].pos for i, t in enumerate(ts) if t.part)
    for t in ts:
        assert t.text
        assert 0 <= t.startchar < t.endchar <= len(text)
        assert text[t.startchar:t.endchar].strip()
    assert [t.startchar for t in ts] == sorted(t.startchar for t in ts)


def _word_by_word(name, text):
    """(term, start, end, pos, is_stop, part) from the memo of words, as indexing reads them."""
    found, pos = [], -1
    for unit in analyzer(name).units(text):
        for term in unit.terms:
            pos += not term.part
            found.append((term.text, unit.start + term.start, unit.start + term.end, pos, term.is_stop, term.part))
    return found


def _whole(name, text):
    return [(t.text, t.startchar, t.endchar, t.pos, t.is_stop, t.part) for t in analyzer(name)(text)]


# Words and affixes the Persian join step works on, to meet in every order.
PIECES = ["می", "نمی", "ها", "های", "ای", "ایی", "تر", "ترین", "ام", "شان", "و", "کتاب", "آیی", "کند", "رئیس", "جمهور",
          "\u200c", " ", "  ", "\n", "،", "«", "»", "kabinetsformatie", "de", "-"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET + " \n", max_size=60) | st.lists(st.sampled_from(PIECES), max_size=14).map("".join),
       st.sampled_from(ANALYZER_NAMES))
@example("تو خود مي آيي و او را", "text")  # a prefix, a suffix, then a word: found in a Hamshahri article
def test_word_by_word_analysis_equals_the_whole_texts(text, name):
    """Indexing and snippets read a text's terms word by word from a memo: exactly the terms,
    offsets, positions and flags of analysing the whole text."""
    assert _word_by_word(name, text) == _whole(name, text)


def test_word_by_word_analysis_of_the_seeds_and_joins():
    from conftest import SEEDS

    texts = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    texts += ["او می کند و نمی  توانست بگوید", "کتاب ها و کتاب‌ها و کتاب های تازه", "می\u200c کند، می، کند «ها» و هسته ای"]
    for text in texts:
        assert _word_by_word("text", text) == _whole("text", text), text[:40]


def test_distinct_token_objects():
    ts = list(analyzer("text")("een twee سه"))
    assert [t.text for t in ts] == ["een", "twee", "سه"]


def test_empty_and_whitespace():
    for name in ANALYZER_NAMES:
        assert list(analyzer(name)("")) == []
        assert list(analyzer(name)(" \u200c ،.")) == []
        assert analyzer(name).units(" \u200c ،.") == [] or all(not unit.terms for unit in analyzer(name).units(" \u200c ،."))


def test_start_pos_and_start_char():
    ts = list(analyzer("text")("رئیس‌جمهور", start_pos=5, start_char=10))
    assert [(t.pos, t.startchar, t.endchar) for t in ts] == [(5, 10, 14), (6, 15, 20)]


def test_tokenize_false_keeps_one_token():
    assert [t.text for t in analyzer("text")("Oekraïne", tokenize=False)] == ["oekraine"]


@pytest.mark.parametrize("name", ANALYZER_NAMES + ("text@snowball",))
def test_pickles_as_its_name(name):
    a = analyzer(name)
    blob = pickle.dumps(a)
    assert b"searcher.analysis.registry" in blob and b"steps" not in blob
    assert pickle.loads(blob) is a


def test_a_text_chain_is_one_analyzer_however_named():
    assert analyzer("text") is analyzer("text@lexicon") is analyzer("text@lexicon/snowball/lexicon")


def test_unknown_name():
    with pytest.raises(ValueError, match="unknown analyzer"):
        analyzer("fa")


def test_generic_has_no_stop_or_stem():
    ts = list(analyzer("generic")("de ziekenhuizen به کتاب‌ها"))
    assert [t.text for t in ts] == ["de", "ziekenhuizen", "به", "کتابها"]
    assert not any(t.is_stop for t in ts)


def test_the_version_changes_with_a_chains_output_or_a_data_file(tmp_path, monkeypatch):
    """The analysis version is derived, never declared: another stemmer, a step whose output
    changes, or a changed data file each give another version; it is remembered across
    processes under a fingerprint of the data and the code."""
    base = registry.analysis_version("text")
    assert registry.analysis_version("text@snowball") != base
    assert registry.analysis_version("text@lexicon/snowball/none") != base
    # the probe holds a final ی of each kind, so each rule of it has a version of its own
    assert len({base, registry.analysis_version("text@lexicon-any-yeh"),
                registry.analysis_version("text@lexicon-keep-yeh")}) == 3
    original_steps = registry.steps
    try:
        monkeypatch.setattr(registry, "steps", lambda name: [s for s in original_steps(name) if s.name != "join-affixes"])
        registry._analyzer.cache_clear()
        assert registry._probe_version("text") != base
        monkeypatch.undo()
        registry._analyzer.cache_clear()
        assert registry._probe_version("text") == base

        data = tmp_path / "data"
        data.mkdir()
        for path in registry.DATA.glob("*.txt"):
            (data / path.name).write_bytes(path.read_bytes())
        protected = data / "fa_protected.txt"
        protected.write_text(protected.read_text(encoding="utf-8") + "\n# one more comment\n", encoding="utf-8")
        monkeypatch.setattr(registry, "DATA", data)
        registry.analysis_version.cache_clear()
        assert registry.analysis_version("text") != base
    finally:
        monkeypatch.undo()
        registry._analyzer.cache_clear()
        registry.analysis_version.cache_clear()


def test_the_remembered_version_is_the_derived_one(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    registry.analysis_version.cache_clear()
    try:
        first = registry.analysis_version("text")
        assert (tmp_path / "searcher" / "analysis-versions.json").exists()
        registry.analysis_version.cache_clear()
        assert registry.analysis_version("text") == first == registry._probe_version("text")
    finally:
        registry.analysis_version.cache_clear()
