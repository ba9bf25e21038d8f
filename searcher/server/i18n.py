"""The page's labels in English, Persian and Dutch, chosen from the browser's Accept-Language.

A label with ``{n}`` takes a count, written in Persian digits on the Persian page. Labels are
plain text: templates escape them like everything else.
"""
from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("en", "fa", "nl")
DEFAULT = "en"
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")

MESSAGES: dict[str, dict[str, str]] = {
    "search": {"en": "Search", "fa": "جستجو", "nl": "Zoeken"},
    "placeholder": {"en": "Search Persian and Dutch news", "fa": "جستجو در خبرهای فارسی و هلندی",
                    "nl": "Zoek in Perzisch en Nederlands nieuws"},
    "filters": {"en": "Filters", "fa": "محدود کردن", "nl": "Filters"},
    "language": {"en": "Language", "fa": "زبان", "nl": "Taal"},
    "any_language": {"en": "All languages", "fa": "همه زبان‌ها", "nl": "Alle talen"},
    "lang_fa": {"en": "Persian", "fa": "فارسی", "nl": "Perzisch"},
    "lang_nl": {"en": "Dutch", "fa": "هلندی", "nl": "Nederlands"},
    "lang_und": {"en": "Other", "fa": "دیگر", "nl": "Overig"},
    "source": {"en": "Source", "fa": "منبع", "nl": "Bron"},
    "month": {"en": "Month", "fa": "ماه", "nl": "Maand"},
    "date_from": {"en": "From", "fa": "از", "nl": "Van"},
    "date_to": {"en": "To", "fa": "تا", "nl": "Tot"},
    "date_hint": {"en": "A date: 2024-09-21, or Jalali 1403-06-31", "fa": "تاریخ شمسی ۱۴۰۳-۰۶-۳۱ یا میلادی 2024-09-21",
                  "nl": "Een datum: 2024-09-21, of Perzisch 1403-06-31"},
    "date_example": {"en": "2024-09-21", "fa": "۱۴۰۳-۰۶-۳۱", "nl": "2024-09-21"},
    "sort": {"en": "Sort", "fa": "ترتیب", "nl": "Sorteren"},
    "sort_relevance": {"en": "Best match", "fa": "مرتبط‌ترین", "nl": "Beste match"},
    "sort_date": {"en": "Newest first", "fa": "تازه‌ترین", "nl": "Nieuwste eerst"},
    "show_all": {"en": "Show copies", "fa": "نمایش رونوشت‌ها", "nl": "Kopieën tonen"},
    "results_one": {"en": "1 result", "fa": "۱ نتیجه", "nl": "1 resultaat"},
    "results_many": {"en": "{n} results", "fa": "{n} نتیجه", "nl": "{n} resultaten"},
    "no_results": {"en": "No results", "fa": "نتیجه‌ای پیدا نشد", "nl": "Geen resultaten"},
    "did_you_mean": {"en": "Did you mean", "fa": "آیا منظورتان این بود", "nl": "Bedoelde je"},
    "similar_n": {"en": "+{n} similar", "fa": "+{n} مشابه", "nl": "+{n} vergelijkbaar"},
    "more_like_this": {"en": "Similar articles", "fa": "مطالب مشابه", "nl": "Vergelijkbare artikelen"},
    "articles_like": {"en": "Articles like", "fa": "مطالب شبیه به", "nl": "Artikelen zoals"},
    "original": {"en": "Original", "fa": "متن اصلی", "nl": "Origineel"},
    "matches": {"en": "{n} matches", "fa": "{n} مورد یافت شد", "nl": "{n} treffers"},
    "chrome": {"en": "Part of the page around the article: shown, never searched",
               "fa": "بخشی از قالب صفحه: نمایش داده می‌شود، جستجو نمی‌شود",
               "nl": "Deel van de pagina rond het artikel: getoond, nooit doorzocht"},
    "previous": {"en": "Previous", "fa": "قبلی", "nl": "Vorige"},
    "next": {"en": "Next", "fa": "بعدی", "nl": "Volgende"},
    "pages": {"en": "Pages", "fa": "صفحه‌ها", "nl": "Pagina's"},
    "undated": {"en": "undated", "fa": "بی‌تاریخ", "nl": "zonder datum"},
    "none": {"en": "none", "fa": "هیچ", "nl": "geen"},
    "remove_filter": {"en": "Remove filter", "fa": "حذف این محدودیت", "nl": "Filter verwijderen"},
    "clear_filters": {"en": "Clear filters", "fa": "حذف همه محدودیت‌ها", "nl": "Alle filters wissen"},
    "index_size": {"en": "{n} articles in the index", "fa": "{n} مطلب در نمایه", "nl": "{n} artikelen in de index"},
    "updated": {"en": "last updated", "fa": "آخرین به‌روزرسانی", "nl": "laatst bijgewerkt"},
    "keys_hint": {"en": "Press / to search", "fa": "برای جستجو / را بزنید", "nl": "Druk op / om te zoeken"},
    "login": {"en": "Log in", "fa": "ورود", "nl": "Inloggen"},
    "token": {"en": "Access token", "fa": "رمز دسترسی", "nl": "Toegangstoken"},
    "wrong_token": {"en": "That token is not right.", "fa": "این رمز درست نیست.", "nl": "Dat token klopt niet."},
    "error": {"en": "Error", "fa": "خطا", "nl": "Fout"},
    "since": {"en": "Last", "fa": "بازه اخیر", "nl": "Afgelopen"},
    "export": {"en": "Export all", "fa": "خروجی همه", "nl": "Alles exporteren"},
    "export_hint": {"en": "Every result of this search and its filters, as a file",
                    "fa": "همه نتیجه‌های این جستجو با همین محدودیت‌ها، در یک پرونده",
                    "nl": "Alle resultaten van deze zoekopdracht en filters, als bestand"},
    "not_found": {"en": "No such page", "fa": "چنین صفحه‌ای نیست", "nl": "Deze pagina bestaat niet"},
}


@dataclass(frozen=True)
class Labels:
    """The labels of one language, for templates: ``t("search")``, ``t("results_many", n=12)``."""

    lang: str

    @property
    def direction(self) -> str:
        return "rtl" if self.lang == "fa" else "ltr"

    def __call__(self, key: str, n: int | None = None) -> str:
        text = MESSAGES[key][self.lang]
        return text if n is None else text.replace("{n}", self.number(n))

    def number(self, n: int) -> str:
        """A count with thousands separators, in the page's digits."""
        written = f"{n:,}"
        return written.replace(",", "٬").translate(PERSIAN_DIGITS) if self.lang == "fa" else written

    def results(self, n: int) -> str:
        return self("no_results") if n == 0 else self("results_one") if n == 1 else self("results_many", n)


def negotiate(accept_language: str | None, chosen: str | None = None) -> Labels:
    """``chosen`` (the ``hl`` parameter) when it is a known language, else the browser's
    preferred one among LANGUAGES (q-values respected, ``fa-IR`` counts as ``fa``), else English."""
    if chosen in LANGUAGES:
        return Labels(chosen)
    ranked = []
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _, parameters = item.strip().partition(";")
        quality = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.split("-")[0].lower()
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return Labels(min(ranked)[2] if ranked else DEFAULT)
