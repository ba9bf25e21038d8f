"""The bundled seed drop end to end: the right articles are found whatever the spelling."""
from __future__ import annotations

import pytest

from conftest import ids

# 003 writes only "رئیس جمهوری" and "روسای جمهوری", which the analysis keeps apart from جمهور.
FA_PRESIDENT = {"000_ef6e32c70ca40c0f", "001_3519a911f38b208f", "002_4b76e7f10bebfeab"}
FA_NUCLEAR = {"000_ef6e32c70ca40c0f", "001_3519a911f38b208f", "003_05048e11740625ed"}
NL = "004_7c82a9d19096d9a2"


@pytest.mark.parametrize("query", ["رئیس‌جمهور", "رئیس جمهور", "رئیسجمهور", '"رئیس جمهور"', "رئيس جمهور"])
def test_president_in_every_spelling(seed_index, query):
    assert set(ids(seed_index.search(query, limit=10))[:3]) == FA_PRESIDENT


@pytest.mark.parametrize("query", ["هسته‌ای", "هسته ای", "هستهای"])
def test_nuclear_in_every_spelling(seed_index, query):
    assert set(ids(seed_index.search(query, limit=10))) == FA_NUCLEAR


def test_kurdish_heh_article_is_found_with_persian_heh(seed_index):
    assert "002_4b76e7f10bebfeab" in ids(seed_index.search("روسیه سوریه", limit=10))


@pytest.mark.parametrize("query", ['"۵۰ دقیقه"', '"50 دقیقه"', '"٥٠ دقیقه"'])
def test_digits_in_every_script(seed_index, query):
    assert set(ids(seed_index.search(query))) == {"000_ef6e32c70ca40c0f", "003_05048e11740625ed"}


@pytest.mark.parametrize("query", ["Oekraine", "Oekraïne", "onderhandeling", '"Midden-Oosten"', "Midden Oosten"])
def test_dutch_article(seed_index, query):
    assert ids(seed_index.search(query))[0] == NL


def test_seed_titles_and_dates(seed_index):
    hit = seed_index.search("بایدن", limit=1).hits[0]
    assert hit.id == "003_05048e11740625ed"
    assert hit.title == "تماس تلفنی پوتین و بایدن درباره بحران اوکراین"
    assert hit.date == "2021-12-31"  # "تاریخ انتشار" (published) beats the page-chrome date
