"""Every page in a real Chromium against a real Streamlit server on the scored sample warehouse:
the charts draw, no error or exception appears, a screenshot per page lands in tests/artifacts/,
and the board pack and a chart's PNG download from the running app."""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dashboard_helpers import ARTIFACTS, CHROMIUM_ARGS, Server, scored_demo, streamlit_server
from playwright.sync_api import expect
from pptx import Presentation

pytestmark = pytest.mark.browser

# (url path, charts the default view draws, text that shows the page ran to its end)
PAGES = [
    ("", 2, "Scoreboard"),
    ("reputation", 6, "Sample posts"),
    ("trust", 4, "Trust drivers"),
    ("cx", 5, "Verbatims"),
    ("perception", 1, "A source joins a topic's gap"),
    ("data", 1, "Topic taxonomy"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    demo = scored_demo(tmp_path_factory)
    log = tmp_path_factory.mktemp("browser") / "streamlit.log"
    with streamlit_server(demo, log, ("--server.fileWatcherType", "none")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def open_page(browser: object, url: str, charts: int, marker: str) -> object:
    """Load the page fresh and wait until its charts have drawn marks and its last section is there."""
    page = browser.new_page(viewport={"width": 1500, "height": 2000})  # type: ignore[attr-defined]
    page.goto(url)
    page.get_by_text(marker).first.wait_for(timeout=90_000)
    # vega-embed draws each chart into a canvas (or svg); a drawn chart has a non-empty surface.
    page.wait_for_function(
        """n => {
            const drawn = [...document.querySelectorAll('.vega-embed canvas, .vega-embed svg')]
                .filter(el => el.getBoundingClientRect().width > 50 && el.getBoundingClientRect().height > 50);
            return drawn.length >= n;
        }""",
        arg=charts,
        timeout=90_000,
    )
    # Streamlit's status widget shows while the script runs: wait for the run to finish.
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000)
    return page


def png_buttons(page: object) -> Any:
    # Our 200-ppi download, not the chart toolbar's own "Download as PNG" (screen resolution).
    wrappers = page.locator('[data-testid="stDownloadButton"]', has_text="PNG")  # type: ignore[attr-defined]
    # Streamlit keeps a hidden copy of each button (for measuring); count and click the visible one.
    return wrappers.locator('button[data-testid^="stBaseButton"]').filter(visible=True)


def errors_on(page: object) -> list[str]:
    found = []
    for selector in ('[data-testid="stException"]', '[data-testid="stAlertContentError"]', ".vega-embed .error"):
        found += page.locator(selector).all_inner_texts()  # type: ignore[attr-defined]
    if page.get_by_text("Traceback").count():  # type: ignore[attr-defined]
        found.append("Traceback")
    return found


@pytest.mark.parametrize(("path", "charts", "marker"), PAGES, ids=[p or "overview" for p, _, _ in PAGES])
def test_every_page_draws_its_charts_without_errors_and_is_screenshotted(
    server: Server, browser: object, path: str, charts: int, marker: str
) -> None:
    page = open_page(browser, f"{server.url}/{path}", charts, marker)
    try:
        assert errors_on(page) == [], server.output()
        # Poll rather than count once: on a busy machine the last elements can arrive a moment later.
        expect(page.locator(".vega-embed canvas, .vega-embed svg")).to_have_count(charts)  # type: ignore[attr-defined]
        # Every chart has its PNG download beside it.
        expect(png_buttons(page)).to_have_count(charts)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"page_{path or 'overview'}.png"), full_page=True)  # type: ignore[attr-defined]
    finally:
        page.close()  # type: ignore[attr-defined]


def png_ppi(png: bytes) -> float:
    """Pixels per inch from a PNG's pHYs chunk (pixels per metre when the unit byte is 1)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    at = 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind = png[at + 4 : at + 8]
        if kind == b"pHYs":
            x, _, unit = struct.unpack(">IIB", png[at + 8 : at + 17])
            assert unit == 1
            return x * 0.0254
        at += 12 + length
    raise AssertionError("no pHYs chunk")


def test_chart_png_and_board_pack_download_from_the_running_app(server: Server, browser: object, tmp_path: Path) -> None:
    page = open_page(browser, server.url, 2, "Scoreboard")
    try:
        with page.expect_download(timeout=120_000) as png_download:  # type: ignore[attr-defined]
            png_buttons(page).first.click()
        png = Path(png_download.value.path()).read_bytes()
        assert png_download.value.suggested_filename == "net_sentiment_by_brand.png"
        assert png_ppi(png) >= 200

        with page.expect_download(timeout=180_000) as deck_download:  # type: ignore[attr-defined]
            board = page.locator('[data-testid="stDownloadButton"]', has_text="Board pack (PowerPoint)")  # type: ignore[attr-defined]
            board.locator('button[data-testid^="stBaseButton"]').filter(visible=True).click()
        deck = Presentation(io.BytesIO(Path(deck_download.value.path()).read_bytes()))
        assert errors_on(page) == []
    finally:
        page.close()  # type: ignore[attr-defined]
    slides = list(deck.slides)
    assert slides[0].shapes.title.text == "United: trust, reputation and customer experience"
    # Five reputation views, four survey trends, two driver analyses and the perception gap.
    assert len(slides) == 1 + 5 + 4 + 2 + 1
    for slide in slides[1:]:
        pictures = [s for s in slide.shapes if s.shape_type == 13]  # MSO_SHAPE_TYPE.PICTURE
        assert len(pictures) == 1 and png_ppi(pictures[0].image.blob) >= 200
        notes = slide.notes_slide.notes_text_frame.text
        assert "Window: " in notes and "n = " in notes, notes
