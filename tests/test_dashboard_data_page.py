"""The Data page: its numbers equal SQL on the warehouse, and a running dashboard sees a new load."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import make_warehouse, query
from dashboard_helpers import ARTIFACTS, CHROMIUM_ARGS, Server, streamlit_server, table_with
from dashboard_helpers import run_app as run_page
from streamlit.testing.v1 import AppTest

from pipelines.demo import SAMPLE_REVIEWS, SAMPLE_SURVEY, SAMPLE_TWEETS
from pipelines.ingest.load import ingest_file

SMALL_FILE = "brand,created_at,text\nUnited,not a date,hello\nDelta,2015-02-20,fine\nSkyward Air,2015-02-21,new brand\n"


@pytest.fixture(scope="module")
def loaded_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Sample tweets, reviews and survey, then a small file (load #4): one bad row, one new brand outside the panel."""
    path = make_warehouse(tmp_path_factory.mktemp("data_page") / "warehouse.duckdb")
    ingest_file(SAMPLE_TWEETS, "social", warehouse=path)
    ingest_file(SAMPLE_REVIEWS, "reviews", warehouse=path, channel="skytrax")
    ingest_file(SAMPLE_SURVEY, "survey", warehouse=path)
    small = path.parent / "small.csv"
    small.write_text(SMALL_FILE, encoding="utf-8")
    ingest_file(small, "social", warehouse=path)
    return path


def run_app(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    return run_page(warehouse, monkeypatch, page="data")


def test_metrics_equal_counts_in_the_warehouse(loaded_warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = run_app(loaded_warehouse, monkeypatch)
    ((social, reviews, survey, loads, rejected),) = query(
        loaded_warehouse,
        """SELECT (SELECT count(*) FROM posts WHERE source = 'social'), (SELECT count(*) FROM posts WHERE source = 'review'),
                  (SELECT count(*) FROM survey_responses), (SELECT count(*) FROM load_runs),
                  (SELECT count(*) FROM rejected_rows)""",
    )
    assert {m.label: m.value for m in app.metric} == {
        "Social posts": f"{social:,}",
        "Reviews": f"{reviews:,}",
        "Survey responses": f"{survey:,}",
        "Loads": f"{loads:,}",
        "Rejected rows": f"{rejected:,}",
    }
    assert (social, reviews, survey, loads, rejected) == (14_487, 2_244, 18_878, 4, 1)


def test_freshness_names_the_newest_item_per_source(loaded_warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = run_app(loaded_warehouse, monkeypatch)
    newest = dict(
        query(
            loaded_warehouse,
            """SELECT 'reviews', max(created_at) FROM posts WHERE source = 'review'
               UNION ALL SELECT 'social', max(created_at) FROM posts WHERE source = 'social'
               UNION ALL SELECT 'survey', max(responded_at) FROM survey_responses""",
        )
    )
    assert [line.split(", last load")[0] for line in app.caption[0].value.split("  \n")] == [
        f"{source}: newest item {newest[source]:%Y-%m-%d %H:%M} UTC" for source in ("reviews", "social", "survey")
    ]


def test_load_history_lists_every_load_newest_first(loaded_warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    history = table_with(run_app(loaded_warehouse, monkeypatch), "duplicate")
    assert list(history["load"]) == [4, 3, 2, 1]
    assert list(history["file"]) == [
        "small.csv",
        "airline_survey_qualtrics.csv",
        "skytrax_airline_reviews.csv",
        "us_airline_tweets.csv",
    ]
    assert list(history["loaded"]) == [2, 18_878, 2_244, 14_485]
    assert list(history["rejected"]) == [1, 0, 0, 0]


def test_coverage_adds_up_to_every_item_per_source(loaded_warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = run_app(loaded_warehouse, monkeypatch)
    app.toggle[0].set_value(False).run()
    assert not app.exception
    coverage = table_with(app, "brand")
    assert coverage.groupby("source")["rows"].sum().to_dict() == {"social": 14_487, "reviews": 2_244, "survey": 18_878}
    united = coverage[(coverage["brand"] == "United") & (coverage["source"] == "social")].iloc[0]
    ((rows, first, last),) = query(
        loaded_warehouse,
        "SELECT count(*), min(created_at)::DATE, max(created_at)::DATE FROM posts WHERE source = 'social' AND brand = ?",
        ["United"],
    )
    assert (united["rows"], united["first"].date(), united["last"].date()) == (rows, first, last)


def test_coverage_shows_the_panel_by_default(loaded_warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    coverage = table_with(run_app(loaded_warehouse, monkeypatch), "brand")
    panel = [row[0] for row in query(loaded_warehouse, "SELECT brand FROM brands WHERE in_panel ORDER BY position")]
    assert list(dict.fromkeys(coverage["brand"])) == panel
    assert len(panel) == 6


def test_rejected_rows_explorer_opens_on_the_newest_load_with_rejects(
    loaded_warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = run_app(loaded_warehouse, monkeypatch)
    assert app.selectbox[0].value == 4
    assert list(table_with(app, "reason")["reason"]) == ["unparseable date in created_at: 'not a date'"]
    app.selectbox[0].set_value(1).run()
    assert not app.exception
    assert [t.value for t in app.text] == ["No rejected rows in this load."]


def test_missing_warehouse_says_how_to_build_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = run_app(tmp_path / "none.duckdb", monkeypatch)
    assert "python -m pipelines demo" in app.info[0].value
    assert not app.metric


def test_warehouse_with_no_loads_shows_empty_page(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = run_app(warehouse, monkeypatch)
    assert [m.value for m in app.metric] == ["0"] * 5
    assert [c.value for c in app.caption] == ["Nothing loaded yet."]
    assert [t.value for t in app.text] == ["No loads yet."]


# A real server and a real browser, and a load from another process while the page is open.


@pytest.fixture
def server(warehouse: Path, tmp_path: Path) -> Iterator[Server]:
    with streamlit_server(warehouse, tmp_path / "streamlit.log") as running:
        yield running


@pytest.mark.browser
def test_running_dashboard_shows_a_load_from_another_process(warehouse: Path, server: Server, tmp_path: Path) -> None:
    from playwright.sync_api import Page, sync_playwright

    def wait_for_page(page: Page) -> None:
        page.locator('[data-testid="stMetricValue"]').first.wait_for(timeout=30_000)
        page.locator(".vega-embed canvas, .vega-embed svg").first.wait_for(timeout=30_000)
        # Glide draws the grid on a canvas; its cells exist as hidden accessibility elements.
        page.locator('[role="gridcell"]').first.wait_for(state="attached", timeout=30_000)

    def metrics(page: Page) -> dict[str, str]:
        labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
        values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
        return dict(zip(labels, values, strict=True))

    def assert_no_error(page: Page) -> None:
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.get_by_text("Traceback").count() == 0

    ingest_file(SAMPLE_TWEETS, "social", warehouse=warehouse)
    new_posts = tmp_path / "new_brand_posts.csv"
    new_posts.write_text(
        "post_id,brand,created_at,text\n"
        "n1,Skyward Air,2015-02-25T08:00:00Z,first post about a new airline\n"
        "n2,Skyward Air,2015-02-25T09:00:00Z,second\n"
        "n3,Skyward Air,2015-02-25T10:00:00Z,third\n",
        encoding="utf-8",
    )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1600})
            page.goto(f"{server.url}/data")
            wait_for_page(page)
            assert_no_error(page)
            assert metrics(page)["Social posts"] == "14,485"
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "data_page.png"), full_page=True)

            loaded = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pipelines",
                    "ingest",
                    str(new_posts),
                    "--kind",
                    "social",
                    "--db",
                    str(warehouse),
                ],
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert loaded.returncode == 0, loaded.stdout + loaded.stderr

            page.reload()
            wait_for_page(page)
            page.wait_for_function(
                "() => document.querySelector('[data-testid=\"stMetricValue\"]')?.innerText === '14,488'",
                timeout=30_000,
            )
            assert metrics(page)["Loads"] == "2"
            page.get_by_text("Competitor panel only").click()  # Skyward Air is outside the panel
            new_brand = page.locator('[role="gridcell"]', has_text="Skyward Air").first
            new_brand.wait_for(state="attached", timeout=30_000)
            assert_no_error(page)
            page.screenshot(path=str(ARTIFACTS / "data_page_after_load.png"), full_page=True)
        finally:
            browser.close()
