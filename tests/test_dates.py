"""Publication dates found in text: Jalali, Gregorian, Dutch and Persian month names."""
import pytest

from searcher import dates


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("۳۱ شهريور ۱۴۰۳", "2024-09-21"),  # Arabic yeh in the month name
        ("۳۱ شهریور ۱۴۰۳", "2024-09-21"),  # Persian yeh
        ("31 شهریور 1403", "2024-09-21"),  # ASCII digits
        ("٣٠ آبان ١٣٩٦", "2017-11-21"),  # Arabic-Indic digits
        ("۸ اردیبهشت ۱۴۰۰", "2021-04-28"),
        ("۵ دی ۱۴۰۲", "2023-12-26"),
        ("۵ مهر ۱۴۰۲", "2023-09-27"),  # Jalali "مهر", not Gregorian "مه"
        ("۵ مه ۲۰۲۳", "2023-05-05"),
        ("۱۵ ژوئن ۲۰۲۵", "2025-06-15"),
        ("۱۰-۱۰-۱۴۰۰", "2021-12-31"),
        ("1400/10/10", "2021-12-31"),
        ("۱۰:۲۶ - ۱۰-۱۰-۱۴۰۰", "2021-12-31"),  # a time before the date
        ("24/10/1385به شرح", "2007-01-14"),
        ("2024-06-14", "2024-06-14"),
        ("2024-06-14T10:00:00Z", "2024-06-14"),
        ("14/06/2024", "2024-06-14"),
        ("14.06.2024", "2024-06-14"),
        ("14 juni 2024", "2024-06-14"),
        ("za 14 jun 2025", "2025-06-14"),
        ("14 Jun. 2025", "2025-06-14"),
        ("1 mei 2024", "2024-05-01"),
        ("30 اسفند 1403", "2025-03-20"),  # 1403 is a Jalali leap year
    ],
)
def test_dates_are_read_as_iso_gregorian(text, iso):
    assert dates.parse_date_value(text) == iso


@pytest.mark.parametrize(
    "text",
    [
        "32/01/2024",  # day 32
        "2024-13-01",  # month 13
        "1400/13/01",
        "۳۲ شهریور ۱۴۰۳",
        "30 اسفند 1402",  # 1402 is a common year
        "31 juni 2024",
        "14/06/1850",  # outside the years of either calendar
        "10/10/1200",
        "۳۰ آبان",  # no year
        "123/10/14001",  # digits of a longer number
        "5 dingen in 2024",
        "",
    ],
)
def test_invalid_or_incomplete_dates_are_ignored(text):
    assert dates.parse_date_value(text) is None


def test_first_date_is_the_first_in_order_of_lines_and_position():
    lines = ["کد خبر ۸۱۹۹۹۱", "۳۱ شهريور ۱۴۰۳ و ۱۰-۱۰-۱۴۰۰", "2020-01-01"]
    assert dates.first_date(lines) == "2024-09-21"
    assert dates.first_date(["1400/10/10 en 14 juni 2024"]) == "2021-12-31"
    assert dates.first_date(["geen datum", "hier wel: 14 juni 2024"]) == "2024-06-14"
    assert dates.first_date([]) is None


def test_match_offsets_point_into_the_original_text():
    text = "به روز شده در: ۳۱ شهريور ۱۴۰۳ - ۰۹:۱۰"
    [match] = dates.iter_dates(text)
    assert text[match.start : match.end] == "۳۱ شهريور ۱۴۰۳"
    assert match.iso == "2024-09-21"
