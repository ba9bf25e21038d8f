"""No input string makes search raise anything but a clear QueryError (property-based)."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searcher import Page, QueryError, open_index

SYNTAX = ['"', "(", ")", "-", "+", ":", "~", "^", "*", "?", "AND", "OR", "NOT", "title:", "body:", " ", "\u200c", "«", "»"]
WORDS = ["Trump", "Poetin", "oorlog", "ترامپ", "پوتین", "رئیس", "جمهور", "می", "ها", "۵۰", "de", "از"]
query_text = st.lists(st.one_of(st.sampled_from(SYNTAX), st.sampled_from(WORDS), st.text(max_size=4)), max_size=12).map("".join)


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    index = open_index(tmp_path_factory.mktemp("robust") / "index", create=True)
    index.add_documents(
        [
            {"id": "nl", "title": "Poetin en Trump", "text": "De oorlog in Oekraïne en het Midden-Oosten.", "lang": "nl"},
            {"id": "fa", "title": "تماس تلفنی", "text": "رئیس‌جمهور روسیه با ترامپ و پوتین گفتگو کرد ۵۰ دقیقه", "lang": "fa"},
        ]
    )
    yield index
    index.close()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(query_text, st.text(max_size=30)))
def test_any_string_gets_a_page_or_a_query_error(index, text):
    try:
        page = index.search(text, limit=5)
    except QueryError as error:
        assert str(error)
        return
    assert isinstance(page, Page)
    assert page.total >= len(page.hits)
