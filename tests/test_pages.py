"""The HTML pages in a real headless Chromium (Debian's, driven by Playwright)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Server

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is not installed: apt-get install -y chromium (as .ci/run does)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: object, live_server: Server, tmp_path: Path) -> Iterator[object]:
    context = browser.new_context(base_url=live_server.base)  # type: ignore[attr-defined]
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # A 400 is the answer the query page shows to a bad query; any other failed
    # resource (a missing script, style or icon) is a defect.
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "status of 400" not in message.text
            else None
        ),
    )
    yield page
    page.screenshot(path=str(tmp_path / "last.png"), full_page=True)
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def test_home_lists_documents_and_leads_to_a_highlighted_text(page: object) -> None:
    page.goto("/")  # type: ignore[attr-defined]
    assert "Who claimed what" in page.inner_text("h1")  # type: ignore[attr-defined]
    page.click("text=Second Martyrdom Anniversary of General Haj Qassem Soleimani")  # type: ignore[attr-defined]
    page.wait_for_url("**/document/crescent-2022-soleimani-second-anniversary")  # type: ignore[attr-defined]
    spans = page.locator("#text a.span")  # type: ignore[attr-defined]
    assert spans.count() > 50
    first = spans.first
    target = first.get_attribute("href")
    first.click()
    assert page.url.endswith(target)  # type: ignore[attr-defined]
    assert page.locator(f"li{target}").is_visible()  # type: ignore[attr-defined]


def test_highlights_after_the_emoji_cover_exactly_the_quote(page: object, http: object) -> None:
    document = http.get("/api/documents/presstv-2024-national-hero-day").json()  # type: ignore[attr-defined]
    text = document["text"]
    emoji = text.index("🔻")
    later = [
        a
        for a in document["assertions"]
        if a["start"] > emoji and a["stated_in"] == "presstv-2024-national-hero-day"
    ]
    page.goto("/document/presstv-2024-national-hero-day")  # type: ignore[attr-defined]
    for assertion in later[:8]:
        pieces = page.locator(
            f'#text a.span[data-assertions~="{assertion["id"]}"]'
        ).all_inner_texts()  # type: ignore[attr-defined]
        assert "".join(pieces) == assertion["quote"]


def test_assertion_page_shows_speaker_chain_quote_and_dispute(page: object) -> None:
    page.goto("/assertion/an21-tasnim-us-created-isis")  # type: ignore[attr-defined]
    body = page.inner_text("main")  # type: ignore[attr-defined]
    assert "Tasnim News Agency" in body and "hedged" in body
    assert "Disputed by" in body and "conspiracy theory" in body
    assert page.inner_text("blockquote mark").startswith("Here the article claims")  # type: ignore[attr-defined]


def test_search_page_finds_transliterations(page: object) -> None:
    page.goto("/")  # type: ignore[attr-defined]
    page.fill("header input[name=q]", "Bukamal")  # type: ignore[attr-defined]
    page.press("header input[name=q]", "Enter")  # type: ignore[attr-defined]
    page.wait_for_selector("#results")  # type: ignore[attr-defined]
    assert page.locator("#results tbody tr").first.inner_text().startswith("Abu Kamal")  # type: ignore[attr-defined]


def test_query_page_runs_an_example_and_offers_downloads(page: object) -> None:
    page.goto("/sparql")  # type: ignore[attr-defined]
    page.select_option("#example", label="Who claims the US created Daesh, and where?")  # type: ignore[attr-defined]
    assert "entity:united-states at:created entity:isis" in page.input_value("#query")  # type: ignore[attr-defined]
    page.click("#run")  # type: ignore[attr-defined]
    page.wait_for_selector("#results table")  # type: ignore[attr-defined]
    rows = page.locator("#results tbody tr")  # type: ignore[attr-defined]
    assert rows.count() >= 5
    assert "Unnamed author of the article in text 003" in page.inner_text("#results")  # type: ignore[attr-defined]
    assert (
        page.locator("#downloads a", has_text="CSV")
        .get_attribute("href")
        .startswith("/sparql?query=")
    )  # type: ignore[attr-defined]


def test_query_page_shows_syntax_errors_with_their_position(page: object) -> None:
    page.goto("/sparql")  # type: ignore[attr-defined]
    page.fill("#query", "SELECT * WHERE {\n ?s ?p\n}")  # type: ignore[attr-defined]
    page.keyboard.press("Control+Enter")  # type: ignore[attr-defined]
    page.wait_for_selector("#error:not([hidden])")  # type: ignore[attr-defined]
    message = page.inner_text("#error")  # type: ignore[attr-defined]
    assert "SPARQL syntax error" in message and "line 3" in message


def test_entity_page_groups_claims_with_sources(page: object) -> None:
    page.goto("/entity/vladimir-putin")  # type: ignore[attr-defined]
    main = page.inner_text("main")  # type: ignore[attr-defined]
    assert "persuaded" in main and "Claims about Vladimir Putin" in main
    assert page.locator("ul.sources li").count() >= 3  # type: ignore[attr-defined]
