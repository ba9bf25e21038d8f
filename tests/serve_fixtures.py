"""Fixtures for the server's tests: a small news index made here (Persian articles whose
'nuclear' is written three ways, near-duplicate copies, Dutch articles, and hostile records),
the app under Starlette's TestClient, a real uvicorn server in a thread, and Debian's chromium
driven by Playwright (one browser for the session)."""
from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from searcher import Index, open_index

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS_ENV = "SEARCHER_SCREENSHOTS"  # where browser tests save screenshots (default: pytest's temp dir)

NUCLEAR = ("هسته‌ای", "هسته ای", "هستهای")  # with a half-space, with a space, joined
PERSIAN_SOURCES = ("irna", "isna", "hamshahri")
PERSIAN_SENTENCES = [
    "سخنگوی وزارت امور خارجه روز دوشنبه در نشست خبری هفتگی به پرسش‌های خبرنگاران پاسخ داد.",
    "نمایندگان مجلس در جلسه علنی امروز گزارش کمیسیون امنیت ملی را بررسی کردند.",
    "کارشناسان اقتصادی می‌گویند نوسان نرخ ارز بر بازار سرمایه اثر گذاشته است.",
    "هیئتی از اتحادیه اروپا برای گفت‌وگو با مقام‌های ایرانی به تهران سفر کرد.",
    "مدیرکل آژانس بین‌المللی انرژی اتمی در وین با خبرنگاران گفت‌وگو کرد.",
    "وزیر نفت از افزایش صادرات گاز به کشورهای همسایه خبر داد.",
    "رئیس جمهور در سفر استانی خود از چند طرح عمرانی بازدید کرد.",
    "دیپلمات‌های روسیه و چین بر ادامه رایزنی‌ها در شورای امنیت تأکید کردند.",
    "بازرسان آژانس هفته گذشته از دو تأسیسات در نطنز و فردو بازدید کردند.",
    "تحلیلگران معتقدند بازگشت به توافق به اراده سیاسی طرفین بستگی دارد.",
    "رسانه‌های غربی از احتمال برگزاری دور تازه مذاکرات در مسقط خبر دادند.",
    "مقام‌های آمریکایی گفتند واشنگتن همچنان مسیر دیپلماسی را ترجیح می‌دهد.",
    "شورای حکام آژانس قرار است ماه آینده نشست فصلی خود را برگزار کند.",
    "سازمان انرژی اتمی از راه‌اندازی زنجیره‌های جدید سانتریفیوژ خبر داد.",
    "فعالان بازار می‌گویند تحریم‌ها هزینه واردات مواد اولیه را بالا برده است.",
    "وزیر خارجه عمان پیام تازه‌ای را میان دو طرف رد و بدل کرد.",
    "روزنامه‌های تهران امروز تیتر نخست خود را به این موضوع اختصاص دادند.",
    "یک منبع آگاه گفت پیش‌نویس متن توافق هنوز نهایی نشده است.",
    "کشورهای اروپایی از ایران خواستند همکاری با بازرسان را افزایش دهد.",
    "معاون وزیر خارجه پس از دیدار با همتای اروپایی خود به تهران بازگشت.",
    "نشست کمیسیون مشترک برجام با حضور نمایندگان همه طرف‌ها برگزار شد.",
    "اسرائیل بار دیگر نسبت به پیشرفت فعالیت‌های ایران هشدار داد.",
    "کارشناسان حقوقی می‌گویند سازوکار ماشه پیامدهای گسترده‌ای خواهد داشت.",
    "بانک مرکزی اعلام کرد ذخایر ارزی کشور در سطح مطلوبی قرار دارد.",
]
NUCLEAR_SENTENCES = [
    "موضوع پرونده {} در این دیدار مطرح شد.",
    "او درباره برنامه {} کشور توضیح داد.",
    "مذاکرات {} به مرحله حساسی رسیده است.",
    "توافق {} سال‌ها محور اختلاف بوده است.",
]
PERSIAN_TITLES = [
    "دور تازه گفت‌وگوهای {} در وین", "واکنش تهران به گزارش {} آژانس", "نگرانی اروپا از برنامه {}",
    "رایزنی مسکو و پکن درباره پرونده {}", "گزارش مجلس درباره مذاکرات {}", "سفر هیئت اروپایی و پرونده {}",
]
DUTCH = [
    ("Kabinet presenteert plannen voor woningbouw",
     "Het kabinet heeft dinsdag in Den Haag plannen gepresenteerd om de bouw van betaalbare woningen te versnellen. "
     "Gemeenten krijgen meer geld voor nieuwe wijken."),
    ("Kabinetsformatie loopt vertraging op",
     "De informateur heeft meer tijd gevraagd. Partijen zijn het nog niet eens over de begroting en de "
     "woningmarkt."),
    ("Oekraïne vraagt om meer luchtverdediging",
     "President Zelensky deed opnieuw een beroep op westerse bondgenoten om extra luchtverdediging te leveren."),
    ("Gesprekken over nucleair programma Iran hervat",
     "Diplomaten uit Europa en Iran hebben in Wenen de gesprekken over het nucleaire programma hervat."),
    ("Treinverkeer rond Utrecht ontregeld",
     "Door een storing aan het spoor rijden er tussen Utrecht en Amersfoort minder treinen dan normaal."),
    ("Kabinet wil minder uitstoot in de landbouw",
     "Het kabinet wil dat boeren de komende jaren minder stikstof uitstoten en trekt daar geld voor uit."),
]
XSS_ID = 'evil"><img src=x onerror="window.__xss=\'id\'">'
HOSTILE = [
    {"id": "evil-markup", "lang": "nl", "date": "2024-10-02",
     "title": '<script>window.__xss="title"</script> Kabinet onder vuur',
     "text": 'Een tekst over het kabinet met "><img src=x onerror="window.__xss=\'text\'"> en <b>vet</b> erin.',
     "source": '"><img src=x onerror="window.__xss=\'source\'">', "url": "javascript:window.__xss='url'"},
    {"id": XSS_ID, "lang": "nl", "date": "2024-10-03", "title": "Kabinet \u202eomgekeerd",
     "text": "Het kabinet \u202e vergadert zonder einde aan de omkering.", "source": "bidi\u202esource",
     "url": "https://example.org/artikel?a=1&b=<2>"},
]


def persian_articles() -> list[dict]:
    """24 Persian articles about the nuclear talks (the word written three ways), over three
    sources and three months, plus two near-duplicate copies (other source, a day later)."""
    articles = []
    count = 24
    for n in range(count):
        word = NUCLEAR[n % len(NUCLEAR)]
        sentences = [PERSIAN_SENTENCES[n], PERSIAN_SENTENCES[(n + 5) % count], NUCLEAR_SENTENCES[n % 4].format(word),
                     PERSIAN_SENTENCES[(n + 11) % count], f"این گزارش شماره {n + 1} خبرنگار ما از پایتخت است."]
        articles.append({
            "id": f"fa-{n:02d}", "lang": "fa", "source": PERSIAN_SOURCES[n % 3], "url": f"https://news.example/fa/{n}",
            "date": f"2024-{8 + n % 3:02d}-{n + 1:02d}", "title": PERSIAN_TITLES[n % len(PERSIAN_TITLES)].format(word),
            "text": " ".join(sentences),
        })
    for original in (articles[3], articles[7]):
        articles.append({**original, "id": original["id"] + "-copy", "source": "copies",
                         "date": original["date"][:-2] + f"{int(original['date'][-2:]) + 1:02d}"})
    return articles


def dutch_articles() -> list[dict]:
    return [{"id": f"nl-{n}", "lang": "nl", "source": ("nos", "nu.nl")[n % 2], "date": f"2024-09-{n + 10:02d}",
             "title": title, "text": text, "url": f"https://nieuws.example/{n}"} for n, (title, text) in enumerate(DUTCH)]


def news_records() -> list[dict]:
    return persian_articles() + dutch_articles() + HOSTILE


def build_news_index(path: Path) -> Path:
    with open_index(path, create=True) as index:
        index.add_documents(news_records())
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def news_index_path(tmp_path_factory) -> Path:
    """The news index on disk, built once; tests must not change it (make their own to write)."""
    return build_news_index(tmp_path_factory.mktemp("news") / "index")


@pytest.fixture(scope="session")
def news_index(news_index_path) -> Iterator[Index]:
    with open_index(news_index_path) as index:
        yield index


@pytest.fixture(scope="session")
def client(news_index_path):
    """The app over the news index, through Starlette's TestClient (lifespan run once)."""
    from starlette.testclient import TestClient

    from searcher.server import ServerSettings, create_app

    with TestClient(create_app(ServerSettings(news_index_path)), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def live_server(news_index_path) -> Iterator[str]:
    """A real uvicorn server (one worker, in a thread) over the news index: its base URL."""
    import uvicorn

    from searcher.server import ServerSettings, create_app

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    config = uvicorn.Config(create_app(ServerSettings(news_index_path)), log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    server.should_exit = True
    thread.join(10)
    listener.close()


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium under Playwright, shared by the session's browser tests."""
    if not CHROMIUM.exists() or shutil.which("chromium") is None:
        pytest.skip("no browser: Debian's chromium is not installed (apt-get install chromium; .ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


_saved_to: list[Path] = []  # the screenshot folder, once a test asked for it


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    """Where browser tests save their screenshots; the folder is printed at the end of the run."""
    folder = Path(os.environ.get(SCREENSHOTS_ENV) or tmp_path_factory.getbasetemp() / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    _saved_to.append(folder)
    return folder


def pytest_terminal_summary(terminalreporter) -> None:
    for folder in _saved_to:
        terminalreporter.write_line(f"browser screenshots: {len(list(folder.glob('*.png')))} in {folder}")
