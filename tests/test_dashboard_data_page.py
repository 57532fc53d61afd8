"""The Data page: numbers equal SQL on the warehouse, and a running dashboard sees a new load."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import query
from streamlit.testing.v1 import AppTest

from pipelines.demo import SAMPLE_REVIEWS, SAMPLE_TWEETS
from pipelines.ingest.load import ingest_file

REPO = Path(__file__).resolve().parent.parent
PAGE = str(REPO / "dashboard" / "app_pages" / "data.py")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _metrics(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def test_data_page_counts_equal_sql(warehouse: Path, tmp_path: Path) -> None:
    ingest_file(SAMPLE_TWEETS, "social", warehouse=warehouse)
    ingest_file(SAMPLE_REVIEWS, "reviews", warehouse=warehouse, channel="skytrax")
    bad = tmp_path / "bad.csv"
    bad.write_text("brand,created_at,text\nUnited,not a date,hello\nDelta,2015-02-20,fine\n", encoding="utf-8")
    ingest_file(bad, "social", warehouse=warehouse)
    app = AppTest.from_file(PAGE, default_timeout=30).run()
    assert not app.exception
    social, reviews = query(
        warehouse, "SELECT count(*) FILTER (source = 'social'), count(*) FILTER (source = 'review') FROM posts"
    )[0]
    assert _metrics(app) == {
        "Social posts": f"{social:,}",
        "Reviews": f"{reviews:,}",
        "Survey responses": "0",
        "Loads": "3",
        "Rejected rows": "1",
    }
    history = app.dataframe[1].value
    assert list(history["load"]) == [3, 2, 1]
    assert list(history["loaded"]) == [1, 2244, 14485]
    rejects = app.dataframe[2].value
    assert list(rejects["reason"]) == ["unparseable date in created_at: 'not a date'"]


def test_missing_warehouse_shows_how_to_build_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNALBOARD_DB", str(tmp_path / "none.duckdb"))
    app = AppTest.from_file(PAGE, default_timeout=30).run()
    assert not app.exception
    assert "python -m pipelines demo" in app.info[0].value


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(warehouse: Path) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(REPO / "dashboard" / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        env={**os.environ, "SIGNALBOARD_DB": str(warehouse)},
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        output = proc.communicate(timeout=10)[0]
        if "Traceback" in output:
            print(output)


@pytest.mark.browser
def test_running_dashboard_shows_a_load_from_another_process(warehouse: Path, server: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    ingest_file(SAMPLE_TWEETS, "social", warehouse=warehouse)
    extra = tmp_path / "new_posts.csv"
    extra.write_text(
        "post_id,brand,created_at,text\nn1,United,2015-02-25T08:00:00Z,hello\nn2,Delta,2015-02-25T09:00:00Z,again\n",
        encoding="utf-8",
    )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        page.goto(server)
        metric = page.locator('[data-testid="stMetricValue"]').first
        metric.wait_for(timeout=30_000)
        page.locator(".vega-embed canvas, .vega-embed svg").first.wait_for(timeout=30_000)
        assert metric.inner_text() == "14,485"
        page.screenshot(path=str(REPO / "tests" / "artifacts" / "data_page.png"), full_page=True)
        loaded = subprocess.run(
            [sys.executable, "-m", "pipelines", "ingest", str(extra), "--kind", "social", "--db", str(warehouse)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert loaded.returncode == 0, loaded.stderr
        page.reload()
        page.locator('[data-testid="stMetricValue"]').first.wait_for(timeout=30_000)
        page.wait_for_function(
            "() => document.querySelector('[data-testid=\"stMetricValue\"]')?.innerText === '14,487'", timeout=30_000
        )
        assert page.locator('[data-testid="stException"]').count() == 0
        browser.close()
