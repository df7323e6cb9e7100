"""The demo pages over real HTTP: the partner page at ``/`` and the hostile page at
``/demo/hostile``; both under the strict CSP, with no inline script or style (which the
CSP would block), every asset they name served, and the widget embedded once.

How they look and behave in a browser is in tests/test_widget_browser.py."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser

import httpx
import pytest

from bot.channels.web import WebConfig, ui_strings
from bot.engine import Engine
from tests.test_web_api import serving

PAGES = ("/", "/demo/hostile")


@pytest.fixture
def client(engine: Engine) -> Iterator[httpx.Client]:
    with serving(engine, WebConfig()) as base, httpx.Client(base_url=base) as http:
        yield http


class PageParts(HTMLParser):
    """What a page asks the browser to load or run."""

    def __init__(self) -> None:
        super().__init__()
        self.assets: list[str] = []
        self.scripts: list[dict[str, str | None]] = []
        self.inline: list[str] = []
        self.text: list[str] = []
        self.h1 = 0
        self.lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "html":
            self.lang = named.get("lang")
        if tag == "h1":
            self.h1 += 1
        if tag == "style":
            self.inline.append("<style>")
        self.inline += [f"{tag} {k}" for k in named if k == "style" or k.startswith("on")]
        if tag == "script":
            self.scripts.append(named)
            if not named.get("src"):
                self.inline.append("<script> without src")
        if tag == "link" and named.get("rel") == "stylesheet" and named.get("href"):
            self.assets.append(str(named["href"]))
        if tag == "script" and named.get("src"):
            self.assets.append(str(named["src"]))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parts(client: httpx.Client, path: str) -> PageParts:
    page = client.get(path)
    assert page.status_code == 200, path
    assert page.headers["content-type"].startswith("text/html")
    parts = PageParts()
    parts.feed(page.text)
    return parts


@pytest.mark.parametrize("path", PAGES)
def test_pages_are_served_under_the_strict_csp(client: httpx.Client, path: str) -> None:
    page = client.get(path)
    csp = page.headers["content-security-policy"]
    assert "unsafe-inline" not in csp
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_no_inline_code_and_every_asset_is_served(
    client: httpx.Client, path: str
) -> None:
    parts = _parts(client, path)
    assert parts.inline == []
    assert parts.lang == "en"
    assert parts.h1 == 1
    assert [s.get("data-partner") for s in parts.scripts] == ["demo"]  # one widget
    assert "/widget.js" in parts.assets
    for asset in parts.assets:
        got = client.get(asset)
        assert got.status_code == 200, asset
        assert got.headers["x-content-type-options"] == "nosniff"


def test_the_partner_page_is_a_partner_page(client: httpx.Client) -> None:
    """The default page reads as a city's international association explaining the
    guide, and says the city is fictional; it links to the hostile page."""
    text = " ".join(" ".join(_parts(client, "/").text).split())
    assert "Hoshimori City International Association" in text
    assert ui_strings("en")["open"] in text  # the launcher's own words: how to open it
    assert "never fills in or sends an application" in text
    assert "fictional city" in text
    assert "hostile" in text
    css = client.get("/demo.css").text
    assert "!important" not in css  # a readable page, not the hostile one
    assert "Comic Sans" not in css


def test_the_hostile_page_keeps_its_hostile_css(client: httpx.Client) -> None:
    assert "/hostile.css" in _parts(client, "/demo/hostile").assets
    css = client.get("/hostile.css").text
    assert "font-size: 30px !important" in css
    assert "display: none" in css
