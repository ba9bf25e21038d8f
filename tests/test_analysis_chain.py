"""Chain-wide properties: offsets on random text, pickling, Whoosh use."""

import pickle

import pytest
from hypothesis import given, settings
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
    ts = list(analyzer(name)(text, positions=True, chars=True))
    words = [t for t in ts if not t.part]
    assert [t.pos for t in words] == list(range(len(words)))
    # A compound's parts follow it, at its position (no positional field indexes them).
    assert all(i > 0 and t.pos == ts[i - 1].pos and t.stopped for i, t in enumerate(ts) if t.part)
    for t in ts:
        assert t.text
        assert 0 <= t.startchar < t.endchar <= len(text)
        assert text[t.startchar:t.endchar].strip()
    assert [t.startchar for t in ts] == sorted(t.startchar for t in ts)


@given(st.text(alphabet=ALPHABET, max_size=40))
def test_index_and_query_modes_give_the_same_terms(text):
    a = analyzer("text")
    assert [t.text for t in a(text, mode="index")] == [t.text for t in a(text, mode="query")]


def test_distinct_token_objects():
    ts = list(analyzer("text")("een twee سه"))
    assert [t.text for t in ts] == ["een", "twee", "سه"]


def test_empty_and_whitespace():
    for name in ANALYZER_NAMES:
        assert list(analyzer(name)("")) == []
        assert list(analyzer(name)(" \u200c ،.")) == []


def test_start_pos_and_start_char():
    ts = list(analyzer("text")("رئیس‌جمهور", positions=True, chars=True, start_pos=5, start_char=10))
    assert [(t.pos, t.startchar, t.endchar) for t in ts] == [(5, 10, 14), (6, 15, 20)]


def test_tokenize_false_keeps_one_token():
    assert [t.text for t in analyzer("text")("Oekraïne", tokenize=False)] == ["oekraine"]


@pytest.mark.parametrize("name", ANALYZER_NAMES + ("text@snowball",))
def test_pickles_as_its_name(name):
    a = analyzer(name)
    blob = pickle.dumps(a)
    assert b"searcher.analysis.registry" in blob and b"steps" not in blob
    assert pickle.loads(blob) is a


def test_unknown_name():
    with pytest.raises(ValueError, match="unknown analyzer"):
        analyzer("fa")


def test_version_names_stemmers():
    assert registry.fa.DEFAULT_STEMMER in registry.ANALYSIS_VERSION


def test_generic_has_no_stop_or_stem():
    ts = list(analyzer("generic")("de ziekenhuizen به کتاب‌ها"))
    assert [t.text for t in ts] == ["de", "ziekenhuizen", "به", "کتابها"]
    assert not any(t.stopped for t in ts)
    assert not analyzer("generic").has_morph() and analyzer("text").has_morph()


@pytest.fixture
def index(tmp_path):
    from whoosh import fields, index as windex

    schema = fields.Schema(id=fields.ID(stored=True),
                           body=fields.TEXT(analyzer=analyzer("text"), stored=True,
                                             # one word that analyses to several terms
                                             # (رئیسجمهور) is a phrase, not an AND
                                             multitoken_query="phrase"))
    ix = windex.create_in(str(tmp_path), schema)
    docs = {"zwnj": "دستیار رئیس‌جمهور روسیه", "space": "دستیار رئیس جمهور روسیه",
            "solid": "ولادیمیر پوتین، رئیسجمهور روسیه", "other": "جمهور مردم و رئیس بانک",
            "nl": "de oorlog in het Midden -Oosten"}
    with ix.writer() as w:
        for k, v in docs.items():
            w.add_document(id=k, body=v)
    return windex.open_dir(str(tmp_path))  # schema round-trips through pickle


def _search(ix, q):
    from whoosh.qparser import QueryParser

    with ix.searcher() as s:
        return sorted(h["id"] for h in s.search(QueryParser("body", ix.schema).parse(q), limit=None))


@pytest.mark.parametrize("q", ['"رئیس جمهور"', "رئیسجمهور", '"رئیس‌جمهور"'])
def test_compound_spellings_found_by_phrase(index, q):
    assert _search(index, q) == ["solid", "space", "zwnj"]


def test_compound_as_two_words(index):
    assert _search(index, "رئیس جمهور") == ["other", "solid", "space", "zwnj"]


def test_stop_words_indexed(index):
    assert _search(index, '"de oorlog"') == ["nl"]
    assert _search(index, "Midden-Oosten") == ["nl"]


def test_highlighter_offsets(index):
    from whoosh.qparser import QueryParser

    with index.searcher() as s:
        r = s.search(QueryParser("body", index.schema).parse("رئیسجمهور"))
        hit = [h for h in r if h["id"] == "solid"][0]
        assert "رئیسجمهور" in hit.highlights("body").replace("<b class=\"match term0\">", "").replace("<b class=\"match term1\">", "").replace("</b>", "")
        assert "match" in hit.highlights("body")


def test_data_files_need_a_version_bump():
    """Changing a data file changes terms: bump registry.CHAIN_VERSION and
    record the new fingerprint here."""
    import hashlib
    from pathlib import Path

    h = hashlib.sha256()
    for p in sorted((Path(registry.__file__).parent / "data").glob("*.txt")):
        h.update(p.name.encode() + p.read_bytes())
    assert (registry.CHAIN_VERSION, h.hexdigest()[:16]) == ("3", FINGERPRINT)
FINGERPRINT = "7ce0fe34531a6abc"
